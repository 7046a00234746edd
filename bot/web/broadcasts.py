"""Community alerts on the dashboard: coordinators write an alert in both languages (segment counter, safety
lint, preview), choose the audience and the time; a second coordinator or an admin approves it; its page shows
a live progress bar. Every step is audited."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, url_for

from bot.broadcasts.compose import MAX_CHARS, check_texts
from bot.broadcasts.store import ApprovalError, Broadcast, valid_id
from bot.broadcasts.subscribers import AUDIENCES
from bot.services import current_services

from .auth import audit, requires

bp = Blueprint("alerts", __name__, url_prefix="/dashboard/alerts")


def _form_texts() -> dict[str, str]:
    return {locale: str(request.form.get(locale, "")).replace("\r\n", "\n").strip()[:MAX_CHARS * 2]
            for locale in ("en", "es")}


def parse_local_time(value: str, zone: str) -> float | None:
    """A datetime-local value (2026-12-03T09:30) in the department's time zone as a timestamp; None if bad."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(zone)).timestamp()
    except ValueError:
        return None


@bp.get("/")
@requires("coordinator")
def overview() -> str:
    """Recent alerts, the subscriber counts, and the form to write a new one."""
    return _overview({"en": "", "es": ""}, "all", "", None, [])


def _overview(texts: dict[str, str], audience: str, send_after: str, check: object, problems: list[str],
              status: int = 200) -> tuple[str, int]:
    services = current_services()
    counts = {audience: services.subscribers.count(audience) for audience in AUDIENCES}
    return render_template("admin/alerts.html", alerts=services.broadcasts.recent(), counts=counts, texts=texts,
                           audience=audience, send_after=send_after, check=check, problems=problems,
                           audiences=AUDIENCES, quiet=services.config.alert_quiet_hours), status


@bp.post("/")
@requires("coordinator")
def compose() -> Response | tuple[str, int]:
    """Preview an alert (segments, lint, the texts as residents will read them), or save it for approval."""
    services = current_services()
    texts = _form_texts()
    audience = str(request.form.get("audience", "all"))
    if audience not in AUDIENCES:
        audience = "all"
    raw_time = str(request.form.get("send_after", "")).strip()[:20]
    send_after = 0.0
    problems: list[str] = []
    if raw_time:
        parsed = parse_local_time(raw_time, services.config.timezone)
        if parsed is None:
            problems.append("schedule: not a date and time (YYYY-MM-DD HH:MM)")
        else:
            send_after = parsed
    check = check_texts(texts, audience)
    problems = list(check.problems) + problems
    if request.form.get("action") != "save" or problems:
        return _overview(texts, audience, raw_time, check, problems, 422 if problems else 200)
    alert = services.broadcasts.create(texts, audience, g.session.user.name, send_after)
    audit().write(g.session.user.name, "alert_create", detail=f"{alert.id} audience={audience}")
    return redirect(url_for("alerts.page", alert_id=alert.id), code=303)


def _alert(alert_id: str) -> Broadcast:
    alert = current_services().broadcasts.get(alert_id) if valid_id(alert_id) else None
    if alert is None:
        abort(404)
    return alert


@bp.get("/<alert_id>")
@requires("coordinator")
def page(alert_id: str) -> str:
    """One alert: its texts, who wrote and approved it, approve / reject, and its progress."""
    alert = _alert(alert_id)
    services = current_services()
    return render_template("admin/alert.html", alert=alert, progress=services.broadcaster.progress(alert),
                           check=check_texts(alert.texts, alert.audience), problem=request.args.get("problem", ""))


@bp.post("/<alert_id>/approve")
@requires("coordinator")
def approve(alert_id: str) -> Response:
    """The second person's approval (not the writer): the alert is scheduled, out of quiet hours."""
    alert = _alert(alert_id)
    services = current_services()
    who = g.session.user.name
    if not check_texts(alert.texts, alert.audience).ok:
        return redirect(url_for("alerts.page", alert_id=alert.id, problem="lint"), code=303)
    try:
        approved = services.broadcasts.approve(alert.id, who, services.broadcaster.starts_at(alert))
    except ApprovalError:
        audit().write(who, "alert_approve_refused", detail=alert.id)
        return redirect(url_for("alerts.page", alert_id=alert.id, problem="approval"), code=303)
    services.broadcaster.schedule(approved)
    audit().write(who, "alert_approve", detail=f"{alert.id} written by {alert.created_by}")
    return redirect(url_for("alerts.page", alert_id=alert.id), code=303)


@bp.post("/<alert_id>/reject")
@requires("coordinator")
def reject(alert_id: str) -> Response:
    """Turn down (or withdraw) an alert waiting for approval."""
    alert = _alert(alert_id)
    try:
        current_services().broadcasts.reject(alert.id, g.session.user.name)
    except ApprovalError:
        return redirect(url_for("alerts.page", alert_id=alert.id, problem="approval"), code=303)
    audit().write(g.session.user.name, "alert_reject", detail=alert.id)
    return redirect(url_for("alerts.page", alert_id=alert.id), code=303)


@bp.get("/<alert_id>/progress.json")
@requires("coordinator")
def progress(alert_id: str) -> Response:
    """The alert's counts and progress, for its page's live progress bar."""
    alert = _alert(alert_id)
    response = jsonify(status=alert.status, counts=alert.shown_counts,
                       skipped=alert.reasons("skipped"), failed=alert.reasons("failed"),
                       **asdict(current_services().broadcaster.progress(alert)))
    response.headers["Cache-Control"] = "no-store"
    return response
