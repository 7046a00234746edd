"""RQ job functions: module-level, JSON arguments that are ids (tip codes, officer ids), never text or numbers."""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from rq import get_current_job

from . import i18n
from .channels.outbound import DeliveryError
from .line import Line, current_line
from .tips import Tip

log = logging.getLogger("linea.jobs")
MAX_NOTIFICATION_CHARS = 1500


def deliver_tip(code: str) -> int:
    """Mark a submitted tip received and queue one notification job per on-duty officer."""
    line = current_line()
    if line.tips.get(code) is None:
        log.error("tip %s not found; nothing to deliver", code)
        return 0
    line.tips.set_status(code, "received")
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
    if tip.notifications.get(name) == "sent":
        return "sent"  # a retried parent job queued this notification twice; send it once
    if address is None:
        _record(line, tip, name, "failed: officer no longer configured")
        return "failed"
    body = notification_text(tip, line.config.officer_locale, line.config.timezone, addendum)
    try:
        for chunk in split_message(body, i18n.text("officer.continued", line.config.officer_locale)):
            line.sender.send(address, chunk)
    except DeliveryError as exc:
        job = get_current_job()
        final = exc.permanent or job is None or not job.retries_left
        log.warning("notification of tip %s to officer %s failed (%s)%s", code, officer, exc,
                    "" if final else ", will retry")
        if final:
            _record(line, tip, name, f"failed: {exc.code or exc}")
        if exc.permanent:
            return "failed"
        raise
    _record(line, tip, name, "sent")
    return "sent"


def _record(line: Line, tip: Tip, name: str, result: str) -> None:
    results = line.tips.record_notification(tip.code, name, result)
    main = {k: v for k, v in results.items() if "+" not in k}
    if any(v == "sent" for v in main.values()):
        line.tips.set_status(tip.code, "delivered")
    elif len(main) >= len(line.officers()) and all(v.startswith("failed") for v in main.values()):
        line.tips.set_status(tip.code, "undelivered")


def notification_text(tip: Tip, locale: str, zone: str = "UTC", addendum: int | None = None) -> str:
    """The officer's message: tip code, language, channel, time and the answers; never the resident's number."""
    params = {"code": tip.code, "time": _time(tip.created_at, zone),
              "language": i18n.text(f"officer.language_{tip.locale}", locale),
              "channel": "WhatsApp" if tip.channel == "whatsapp" else "SMS"}
    if addendum is not None:
        extra = tip.addenda[addendum] if addendum < len(tip.addenda) else None
        params["time"] = _time(extra.at if extra else tip.created_at, zone)
        return i18n.text("officer.addendum", locale, **params) + "\n" + (extra.text if extra else "")
    lines = [i18n.text("officer.new_tip", locale, **params)]
    skipped = i18n.text("officer.skipped", locale)
    for field, answer in tip.answers:
        label = i18n.text(f"officer.{field}", locale) if i18n.has(f"officer.{field}", locale) else field
        lines.append(f"{label}: {answer if answer else skipped}")
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
