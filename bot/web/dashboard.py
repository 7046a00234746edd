"""The officers' dashboard: tips list and filters, tip page, status, assignee, notes, replies, audit."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from bot.conversations.stats import OUTCOMES, SMALL, shown
from bot.engine.matching import leading_tip_code, normalise
from bot.services import Services, current_services
from bot.tips.repository import CRIME_TYPES, PRIORITIES, STATUSES, Tip, is_success

from .auth import accounts, audit, requires

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates",
               static_folder="static", static_url_path="/static")

SCAN_LIMIT = 1000      # newest tips looked at per list page (narrow by date to go further back)
SHOWN_LIMIT = 200      # rows shown
MAX_NOTE_CHARS = 2000
MAX_REPLY_CHARS = 900  # with the frame around it, a reply stays within Twilio's 1,600 characters
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class Filters:
    """What the tips list is narrowed to (empty = any)."""

    status: str = ""
    language: str = ""
    channel: str = ""
    priority: str = ""
    crime_type: str = ""
    since: str = ""
    until: str = ""
    q: str = ""  # a tip code, a case number, or words in the tip's text

    @classmethod
    def from_args(cls, args: dict) -> "Filters":
        """Read filters from the query string, dropping values that are not allowed."""
        def pick(name: str, allowed: tuple[str, ...]) -> str:
            value = str(args.get(name, ""))
            return value if value in allowed else ""
        return cls(status=pick("status", STATUSES), language=pick("language", ("en", "es")),
                   channel=pick("channel", ("sms", "whatsapp")), priority=pick("priority", PRIORITIES),
                   crime_type=pick("crime_type", CRIME_TYPES), since=_date(args.get("since")),
                   until=_date(args.get("until")), q=" ".join(str(args.get("q", "")).split())[:100])

    def matches(self, tip: Tip) -> bool:
        """Whether a tip passes the filters and the search."""
        return ((not self.status or tip.status == self.status) and (not self.language or tip.locale == self.language)
                and (not self.channel or tip.channel == self.channel)
                and (not self.priority or tip.priority == self.priority)
                and (not self.crime_type or tip.crime_type == self.crime_type)
                and (not self.q or self.search.finds(tip)))

    @cached_property
    def search(self) -> "Search":
        """The search, read once for the whole list."""
        return Search(self.q)


class Search:
    """A search of tips: a tip code (with or without the dash), a case number, or words (case and accents
    ignored) that must all be in a tip's answers and later messages."""

    def __init__(self, query: str) -> None:
        self.code = tip_code(query)
        self.normalised = normalise(query)
        self.words = self.normalised.split()

    def finds(self, tip: Tip) -> bool:
        """Whether the search finds this tip."""
        if self.code:
            return tip.code == self.code
        if tip.case_number and self.normalised == normalise(tip.case_number):
            return True
        text = normalise(" ".join([answer or "" for _, answer in tip.answers] + [entry.text for entry in tip.addenda]))
        return all(word in text for word in self.words)


def _date(value: object) -> str:
    try:
        return datetime.strptime(str(value or ""), "%Y-%m-%d").strftime("%Y-%m-%d")
    except ValueError:
        return ""


def _day_start(day: str, zone: str) -> float:
    return datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=ZoneInfo(zone)).timestamp()


def tip_code(text: str) -> str | None:
    """The tip code a text is (K7QF-3MZP, k7qf3mzp), or None."""
    found = leading_tip_code(text[:20])
    return found[0] if found and not found[1] else None


def _tip_or_404(code: str) -> Tip:
    found = tip_code(code)
    tip = current_services().tips.get(found) if found else None
    if tip is None:
        abort(404)
    return tip


@bp.get("/")
@requires()
def home() -> Response | str:
    """Officers and admins land on the tips; coordinators on their own page."""
    if g.session.user.can("officer"):
        return redirect(url_for("dashboard.tips"))
    return render_template("admin/coordinator.html")


@bp.get("/tips")
@requires("officer")
def tips() -> str:
    """Tips, newest first, with filters, an unread marker and an undelivered flag; refreshes itself."""
    services = current_services()
    filters = Filters.from_args(request.args)
    zone = services.config.timezone
    since = _day_start(filters.since, zone) if filters.since else None
    until = (datetime.fromtimestamp(_day_start(filters.until, zone), ZoneInfo(zone)) + timedelta(days=1)).timestamp() \
        if filters.until else None
    codes = services.tips.recent(SCAN_LIMIT, since=since, until=until)
    shown = [tip for tip in services.tips.get_many(codes) if filters.matches(tip)][:SHOWN_LIMIT]
    user = g.session.user.name
    read = accounts().read_codes(user, [tip.code for tip in shown])
    seen = accounts().seen_at(user, [tip.code for tip in shown if tip.code in read and tip.addenda])
    news = {tip.code for tip in shown
            if tip.code in read and tip.addenda and tip.addenda[-1].at > seen.get(tip.code, 0)}
    return render_template("admin/tips.html", tips=shown, read=read, news=news, filters=filters, statuses=STATUSES,
                           priorities=PRIORITIES, crime_types=CRIME_TYPES, scanned=len(codes), scan_limit=SCAN_LIMIT,
                           refresh=REFRESH_SECONDS)


@bp.get("/tips/<code>")
@requires("officer")
def tip(code: str) -> str:
    """One tip: the interview, the conversation since, notes, status and assignee. Every view is audited."""
    found = _tip_or_404(code)
    user = g.session.user.name
    audit().write(user, "view", found.code)
    accounts().mark_read(user, found.code)
    services = current_services()
    now = services.clock()
    if services.tips.first_action(found.code, now):  # an officer opened it: the line's response time stops here
        services.stats.response(found.created_at, now - found.created_at)
    can_reply = found.followup_until > now and services.handles.get(found.code) is not None
    thread = _thread(found)
    officers = services.officers.alerted()
    notifications = [(officers.get(name.split("+")[0], name), name, result)
                     for name, result in sorted(found.notifications.items()) if not name.startswith("reply:")]
    photos = _photos(services, found)
    return render_template("admin/tip.html", tip=found, thread=thread, notes=found.notes, can_reply=can_reply,
                           photos=photos, priorities=PRIORITIES, crime_types=CRIME_TYPES,
                           statuses=STATUSES, notifications=notifications, is_success=is_success,
                           max_reply=MAX_REPLY_CHARS, max_note=MAX_NOTE_CHARS, sent=request.args.get("sent"),
                           error=request.args.get("error"))


def _thread(tip: Tip) -> list[tuple[str, object, str]]:
    """The resident's later messages and the officers' replies, in time order: (who, entry, delivery)."""
    return sorted([("resident", e, "") for e in tip.addenda]
                  + [("officer", e, tip.reply_status(i)) for i, e in enumerate(tip.replies)],
                  key=lambda item: item[1].at)


def _photos(services: Services, tip: Tip) -> list:
    """The tip's photos that still exist (ready, pending or refused)."""
    return [photo for photo in (services.photos.get(m) for m in tip.media) if photo is not None]


def _form_text(limit: int) -> str | None:
    """The posted text, trimmed, or None when it is empty or longer than limit."""
    text = str(request.form.get("text", "")).strip()
    return text if 0 < len(text) <= limit else None


def _back(code: str, **args: str) -> Response:
    return redirect(url_for("dashboard.tip", code=code, **args))


@bp.post("/tips/<code>/status")
@requires("officer")
def set_status(code: str) -> Response:
    """Move a tip to new, in progress or closed."""
    found = _tip_or_404(code)
    status = str(request.form.get("status", ""))
    if status not in STATUSES:
        abort(400, "Unknown status.")
    current_services().tips.set_status(found.code, status)
    audit().write(g.session.user.name, "status", found.code, status)
    return _back(found.code)


@bp.post("/tips/<code>/details")
@requires("officer")
def set_details(code: str) -> Response:
    """File a tip: crime type, priority, and the case / RMS number it became (audited, with the new values)."""
    found = _tip_or_404(code)
    crime_type, priority = str(request.form.get("crime_type", "")), str(request.form.get("priority", ""))
    case_number = " ".join(str(request.form.get("case_number", "")).split())
    try:
        current_services().tips.set_details(found.code, crime_type, priority, case_number)
    except ValueError:
        return _back(found.code, error="details")
    audit().write(g.session.user.name, "details", found.code,
                  f"type={crime_type or '-'} priority={priority or '-'} case={case_number or '-'}")
    return _back(found.code)


@bp.get("/tips/<code>/case-file")
@requires("officer")
def case_file(code: str) -> str:
    """Everything about one tip on one printable page: interview, photos, conversation, notes, audit (audited)."""
    found = _tip_or_404(code)
    user = g.session.user.name
    audit().write(user, "case_file", found.code)
    services = current_services()
    thread = _thread(found)
    photos = _photos(services, found)
    return render_template("admin/case_file.html", tip=found, thread=thread, photos=photos,
                           trail=audit().recent(500, tip=found.code)[::-1], printed_by=user,
                           printed_at=services.clock())


@bp.post("/tips/<code>/assign")
@requires("officer")
def assign(code: str) -> Response:
    """Take a tip (assign it to yourself) or release it."""
    found = _tip_or_404(code)
    user = g.session.user.name
    take = request.form.get("action") == "take"
    current_services().tips.assign(found.code, user if take else "")
    audit().write(user, "assign" if take else "release", found.code)
    return _back(found.code)


@bp.post("/tips/<code>/notes")
@requires("officer")
def add_note(code: str) -> Response:
    """Add an internal note (officers only; never sent to the resident)."""
    found = _tip_or_404(code)
    text = _form_text(MAX_NOTE_CHARS)
    if text is None:
        return _back(found.code, error="note_length")
    services = current_services()
    services.tips.add_note(found.code, g.session.user.name, text, services.clock())
    audit().write(g.session.user.name, "note", found.code)
    return _back(found.code)


@bp.post("/tips/<code>/reply")
@requires("officer")
def reply(code: str) -> Response:
    """Queue an officer's message to the resident (through the line; the officer never sees the number)."""
    found = _tip_or_404(code)
    text = _form_text(MAX_REPLY_CHARS)
    if text is None:
        return _back(found.code, error="reply_length")
    services = current_services()
    if found.followup_until <= services.clock() or services.handles.get(found.code) is None:
        return _back(found.code, error="no_followup")
    index = services.tips.add_reply(found.code, g.session.user.name, text, services.clock())
    services.jobs.enqueue(None, "bot.jobs.relay_reply", found.code, index)
    audit().write(g.session.user.name, "reply", found.code)
    return _back(found.code, sent="1")


@bp.get("/tips/<code>/photos/<media_id>")
@requires("officer")
def photo(code: str, media_id: str) -> Response:
    """One cleaned photo of a tip (metadata already stripped); every view is audited."""
    found = _tip_or_404(code)
    services = current_services()
    data = services.photos.data(media_id) if media_id in found.media else None
    described = services.photos.get(media_id) if data is not None else None
    if described is None:
        abort(404)
    audit().write(g.session.user.name, "view_photo", found.code, media_id[:8])
    extension = "png" if described.content_type == "image/png" else "jpg"
    return Response(data, mimetype=described.content_type, headers={
        "Content-Disposition": f'inline; filename="{found.code}-{found.media.index(media_id) + 1}.{extension}"'})


@bp.get("/stats")
@requires("coordinator")
def stats() -> str:
    """Aggregate counts for the last 30 days (coordinators and admins); small counts are masked."""
    services = current_services()
    days = 30
    today = datetime.fromtimestamp(services.clock(), ZoneInfo(services.config.timezone)).date()
    summary = services.stats.summary(today, days)
    peak = max([max(d.values()) for d in summary.per_day.values()] + [SMALL])
    return render_template("admin/stats.html", summary=summary, days=days, shown=shown, small=SMALL, peak=peak,
                           outcomes=OUTCOMES)


@bp.route("/duty", methods=["GET", "POST"])
@requires("admin")
def duty() -> str | Response:
    """Who gets new-tip alerts: the configured desk, and the roster admins keep here (on or off duty)."""
    services = current_services()
    problem = ""
    if request.method == "POST":
        action = request.form.get("action", "")
        address = str(request.form.get("address", ""))[:200]
        try:
            if action == "add":
                entry = services.roster.add(address, str(request.form.get("label", "")))
                problem = _channel_problem(services, entry.address)
                if problem:
                    services.roster.remove(entry.address)
                    raise ValueError(problem)
            elif action in ("on", "off"):
                services.roster.set_on_duty(address, action == "on")
            elif action == "remove":
                services.roster.remove(address)
            else:
                abort(400)
        except ValueError as exc:
            problem = str(exc)
        else:
            services.officers.roster_changed()
            audit().write(g.session.user.name, f"duty_{action}", detail=address[-4:])
            return redirect(url_for("dashboard.duty"))
    fixed = list(services.config.officer_numbers) + [f"mailto:{e}" for e in services.config.officer_emails]
    return render_template("admin/duty.html", entries=services.roster.entries(), fixed=fixed, problem=problem)


def _channel_problem(services: Services, address: str) -> str:
    """Why alerts could not reach this kind of address with the line's settings ("" if they can)."""
    config = services.config
    if address.startswith("mailto:") and not config.local and not (config.smtp_url and config.email_from):
        return "email alerts need LINE_SMTP_URL and LINE_EMAIL_FROM in the line's settings"
    if address.startswith("whatsapp:") and not config.local and not (config.whatsapp_from or
                                                                     config.messaging_service_sid):
        return "WhatsApp alerts need TWILIO_WHATSAPP_FROM in the line's settings"
    return ""


@bp.get("/audit")
@requires("admin")
def audit_log() -> str:
    """The newest audit entries (optionally for one tip); admins only."""
    code = tip_code(str(request.args.get("tip", ""))) or ""
    return render_template("admin/audit.html", entries=audit().recent(500, tip=code), tip=code,
                           users=accounts().all())
