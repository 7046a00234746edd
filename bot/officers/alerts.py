"""Alerts to officers: the text of a new tip or an addendum, and how it reaches each officer (email, WhatsApp
inside its 24-hour window or a template outside it, SMS otherwise), with every result recorded on the tip."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.senders import Senders
from bot.channels.twilio import channel_of
from bot.flows import i18n
from bot.platform.config import Config
from bot.tips.deliveries import Deliveries
from bot.tips.repository import Tip, TipRepository, is_success

from .directory import OfficerDirectory, officer_id

MAX_NOTIFICATION_CHARS = 1500


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


class OfficerAlerts:
    """Sends officers their alerts and settles each tip's delivery flag from the results."""

    def __init__(self, config: Config, senders: Senders, deliveries: Deliveries, tips: TipRepository,
                 directory: OfficerDirectory) -> None:
        self.config = config
        self.senders = senders
        self.deliveries = deliveries
        self.tips = tips
        self.directory = directory

    def send(self, tip: Tip, name: str, address: str, body: str) -> str:
        """Email, WhatsApp inside its 24-hour window, a WhatsApp template outside it, or SMS as the fallback."""
        locale = self.config.officer_locale
        if address.startswith("mailto:"):
            self.senders.email.send(address, body, subject=i18n.text("officer.email_subject", locale, code=tip.code))
            return "sent (email)"
        result = "sent"
        if channel_of(address) == "whatsapp" and not self.deliveries.window_open(officer_id(address)):
            if self.config.whatsapp_template_sid:
                sid = self.senders.officer.send_template(address, self.config.whatsapp_template_sid, {"1": tip.code})
                self.deliveries.track(sid, tip.code, name)
                return "sent (WhatsApp template: window closed)"
            address, result = address.split(":", 1)[1], "sent (SMS: WhatsApp window closed)"
        for chunk in split_message(body, i18n.text("officer.continued", locale)):
            self.deliveries.track(self.senders.officer.send(address, chunk), tip.code, name)
        return result

    def record(self, code: str, name: str, result: str) -> None:
        """Store a notification result and settle the tip's delivery flag (delivered if any officer got it)."""
        results = self.tips.record_notification(code, name, result)
        main = {k: v for k, v in results.items() if "+" not in k and not k.startswith("reply:")}
        if any(is_success(v) for v in main.values()):
            self.tips.set_delivery(code, "delivered")
        elif main and len(main) >= len(self.directory.alerted()):
            self.tips.set_delivery(code, "undelivered")
