"""RQ job functions: module-level, JSON arguments that are ids (tip codes, officer ids), never text or numbers."""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from . import i18n, media
from .channels.outbound import DeliveryError
from .channels.twilio import channel_of
from .deliveries import WHATSAPP_WINDOW_SECONDS as WHATSAPP_WINDOW
from .line import Line, current_line, officer_id
from .tips import Tip, is_success

log = logging.getLogger("linea.jobs")
MAX_NOTIFICATION_CHARS = 1500


def deliver_tip(code: str) -> int:
    """Mark a submitted tip received and queue one notification job per on-duty officer."""
    line = current_line()
    if line.tips.get(code) is None:
        log.error("tip %s not found; nothing to deliver", code)
        return 0
    line.tips.set_delivery(code, "received")
    officers = line.officers()
    for officer in officers:
        line.enqueue(None, "bot.jobs.notify_officer", code, officer)
    return len(officers)


def deliver_addendum(code: str, index: int) -> int:
    """Queue notifications of a tip's later information to every on-duty officer."""
    line = current_line()
    officers = line.officers()
    for officer in officers:
        line.enqueue(None, "bot.jobs.notify_officer", code, officer, index)
    return len(officers)


def notify_officer(code: str, officer: str, addendum: int | None = None) -> str:
    """Send one officer the tip (or one addendum); retried on temporary failures, recorded either way."""
    line = current_line()
    tip = line.tips.get(code)
    if tip is None:
        log.error("tip %s not found; notification dropped", code)
        return "missing"
    address = line.officers().get(officer)
    name = officer if addendum is None else f"{officer}+{addendum}"
    if name in tip.notifications and is_success(tip.notifications[name]):
        return "sent"  # a retried parent job queued this notification twice; send it once
    if address is None:
        record(line, tip.code, name, "failed: officer no longer configured")
        return "failed"
    link = line.config.public_base_url if line.config.alert_detail == "link" else ""
    body = notification_text(tip, line.config.officer_locale, line.config.timezone, addendum, dashboard=link)
    try:
        result = _send_to_officer(line, tip, name, address, body)
    except DeliveryError as exc:
        return _failed(line, code, name, exc, f"notification of tip {code} to officer {officer}")
    record(line, tip.code, name, result)
    return "sent"


def _send_to_officer(line: Line, tip: Tip, name: str, address: str, body: str) -> str:
    """Email, WhatsApp inside its 24-hour window, a WhatsApp template outside it, or SMS as the fallback."""
    locale = line.config.officer_locale
    if address.startswith("mailto:"):
        line.email_sender.send(address, body, subject=i18n.text("officer.email_subject", locale, code=tip.code))
        return "sent (email)"
    result = "sent"
    if channel_of(address) == "whatsapp" and not line.deliveries.window_open(officer_id(address)):
        if line.config.whatsapp_template_sid:
            sid = line.sender.send_template(address, line.config.whatsapp_template_sid, {"1": tip.code})
            line.deliveries.track(sid, tip.code, name)
            return "sent (WhatsApp template: window closed)"
        address, result = address.split(":", 1)[1], "sent (SMS: WhatsApp window closed)"
    for chunk in split_message(body, i18n.text("officer.continued", locale)):
        line.deliveries.track(line.sender.send(address, chunk), tip.code, name)
    return result


def _failed(line: Line, code: str, name: str, exc: DeliveryError, what: str) -> str:
    """Record a final failure, or raise so that RQ retries a temporary one later."""
    job = get_current_job()
    final = exc.permanent or job is None or not job.retries_left
    log.warning("%s failed (%s)%s", what, exc, "" if final else ", will retry")
    if final:
        record(line, code, name, f"failed: {exc.code or exc}")
    if exc.permanent:
        return "failed"
    raise exc


def record(line: Line, code: str, name: str, result: str) -> None:
    """Store a notification result and settle the tip's delivery flag (delivered if any officer got it)."""
    results = line.tips.record_notification(code, name, result)
    main = {k: v for k, v in results.items() if "+" not in k and not k.startswith("reply:")}
    if any(is_success(v) for v in main.values()):
        line.tips.set_delivery(code, "delivered")
    elif main and len(main) >= len(line.officers()):
        line.tips.set_delivery(code, "undelivered")


def relay_reply(code: str, index: int) -> str:
    """Send officer reply number index to the tip's resident through the line, in their language, if allowed."""
    line = current_line()
    tip = line.tips.get(code)
    name = f"reply:{index}"
    if tip is None or index >= len(tip.replies):
        log.error("reply %s of tip %s not found; nothing to send", index, code)
        return "missing"
    if name in tip.notifications:
        return tip.notifications[name]  # already tried to the end
    handle = line.handles.get(code)
    if handle is None:
        record(line, code, name, "failed: no_followup")
        return "failed"
    key = line.store.key(handle.address)
    state, _ = line.store.load(key)
    now = line.clock()
    if state is not None and state.opted_out:
        line.handles.delete(code)
        line.tips.end_followup(code)
        record(line, code, name, "failed: opted_out")
        return "failed"
    if handle.address.startswith("whatsapp:") and (state is None or now - state.updated_at > WHATSAPP_WINDOW):
        record(line, code, name, "failed: whatsapp_window")
        return "failed"
    text = i18n.text("line.officer_message", handle.locale, code=code, text=tip.replies[index].text)
    try:
        sid = line.resident_sender.send(handle.address, text, from_=handle.line_address or None)
        line.deliveries.track(sid, code, name)
    except DeliveryError as exc:
        return _failed(line, code, name, exc, f"reply {index} to the resident of tip {code}")
    # The resident's answer should land on this tip. On WhatsApp the state's time must stay the resident's
    # last message (it measures the 24-hour window); on SMS the conversation is kept alive from now.
    line.store.point_to_tip(key, line.flow, code, handle.locale, None if channel_of(handle.address) == "whatsapp"
                            else now, revision=line.current_revision())
    record(line, code, name, "sent")
    return "sent"


def notification_text(tip: Tip, locale: str, zone: str = "UTC", addendum: int | None = None,
                      dashboard: str = "") -> str:
    """The officer's message: tip code, language, channel, time and the answers; never the resident's number.

    With a dashboard URL (LINE_ALERT_DETAIL=link), only the code and a link: the tip's text stays off phones."""
    params = {"code": tip.code, "time": _time(tip.created_at, zone),
              "language": i18n.text(f"officer.language_{tip.locale}", locale),
              "channel": "WhatsApp" if tip.channel == "whatsapp" else "SMS"}
    extra = tip.addenda[addendum] if addendum is not None and addendum < len(tip.addenda) else None
    if extra:
        params["time"] = _time(extra.at, zone)
    if dashboard:
        head = i18n.text("officer.addendum" if addendum is not None else "officer.new_tip", locale, **params)
        return head.rstrip(":") + "\n" + i18n.text("officer.open_dashboard", locale,
                                                   url=f"{dashboard.rstrip('/')}/dashboard/tips/{tip.code}")
    if addendum is not None:
        return i18n.text("officer.addendum", locale, **params) + "\n" + (extra.text if extra else "")
    lines = [i18n.text("officer.new_tip", locale, **params)]
    skipped = i18n.text("officer.skipped", locale)
    for field, answer in tip.answers:
        label = i18n.text(f"officer.{field}", locale) if i18n.has(f"officer.{field}", locale) else field
        lines.append(f"{label}: {answer if answer else skipped}")
    if tip.media:
        lines.append(i18n.text("officer.photos", locale, count=str(len(tip.media))))
    return "\n".join(lines)


def _time(stamp: float, zone: str) -> str:
    return datetime.fromtimestamp(stamp, tz=ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def split_message(body: str, continued: str, limit: int = MAX_NOTIFICATION_CHARS) -> list[str]:
    """Cut a long notification into parts Twilio accepts, at line or word boundaries where possible."""
    parts = []
    while len(body) > limit:
        cut = body.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = body.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(body[:cut].rstrip() + "\n" + continued)
        body = body[cut:].lstrip()
    parts.append(body)
    return parts


def purge_expired_tips() -> dict[str, int]:
    """Delete tips (with photos, notes and replies) older than LINE_TIP_RETENTION_DAYS; audit the counts only."""
    line = current_line()
    cutoff = line.clock() - line.config.tip_retention_days * 86400
    tips = photos = 0
    while codes := line.tips.older_than(cutoff, limit=500):
        for code in codes:
            media = line.tips.delete(code)
            line.photos.delete(media)
            tips, photos = tips + 1, photos + len(media)
        current_app.extensions["linea-accounts"].forget_tips(codes)
    current_app.extensions["linea-audit"].write("system", "purge", detail=f"tips={tips} photos={photos}")
    log.info("retention purge: %d tips and %d photos older than %d days deleted", tips, photos,
             line.config.tip_retention_days)
    return {"tips": tips, "photos": photos}


REFUSALS_TOLD = ("too_large", "not_an_image")  # other reasons get the general "could not use your photo"


def fetch_photo(media_id: str) -> str:
    """Download one photo from Twilio, strip its metadata, keep it encrypted, delete the original at Twilio."""
    line = current_line()
    source = line.photos.pending_source(media_id)
    if source is None:
        return "missing"  # already done, or the draft it belonged to was deleted
    url, declared, reply_to = source
    config = line.config
    try:
        data, content_type = media.process(url, config.twilio_account_sid, config.twilio_auth_token,
                                           line.media_fetcher, content_type=declared or None)
    except media.MediaRefused as exc:
        job = get_current_job()
        if exc.temporary and job is not None and job.retries_left:
            log.warning("photo %s could not be fetched yet (%s), will retry", media_id, exc.reason)
            raise
        line.photos.refuse(media_id, exc.reason)
        log.warning("photo %s refused: %s", media_id, exc.reason)
        reason = exc.reason if exc.reason in REFUSALS_TOLD else "other"
        try:
            line.resident_sender.send(reply_to.address, i18n.text(f"line.photo_refused_{reason}", reply_to.locale),
                                      from_=reply_to.line_address or None)
        except DeliveryError as error:
            log.warning("could not tell a resident their photo was refused (%s)", error.code or "error")
        if exc.reason != "not_twilio":
            _delete_original(line, url)
        return f"refused: {exc.reason}"
    line.photos.store_clean(media_id, data, content_type)
    _delete_original(line, url)
    return "ready"


def _delete_original(line: Line, url: str) -> None:
    config = line.config
    if not media.delete_original(url, config.twilio_account_sid, config.twilio_auth_token, line.media_fetcher):
        log.warning("a photo's original could not be deleted at Twilio; delete it in the console")


def job_failed(job: Job, connection: object, kind: type, value: BaseException, traceback: object) -> None:
    """RQ failure callback: when a worker died mid-job (SIGKILL, crash) and no retry is left, say so where
    officers look, so that nothing is silently missing (other failures are recorded by the jobs themselves)."""
    if not issubclass(kind, AbandonedJobError) or job.retries_left:
        return  # RQ retries it
    line = current_line()
    args = list(job.args)
    if job.func_name == "bot.jobs.notify_officer":
        name = args[1] if len(args) < 3 or args[2] is None else f"{args[1]}+{args[2]}"
        record(line, args[0], name, "failed: worker died")
    elif job.func_name == "bot.jobs.relay_reply":
        record(line, args[0], f"reply:{args[1]}", "failed: worker died")
    elif job.func_name == "bot.jobs.fetch_photo":
        line.photos.refuse(args[0], "worker died")
    log.error("job %s died with its worker and has no retries left", job.func_name)
