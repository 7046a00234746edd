"""RQ job functions: module-level, JSON arguments that are ids (tip codes, officer ids), never text or numbers.

The dotted names (bot.jobs.deliver_tip, ...) are what a running Redis has queued: they do not move. Each job
finds what it needs in the Services that create_app() built (current_services())."""
from __future__ import annotations

import logging

from rq import get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from bot.channels.outbound import DeliveryError
from bot.channels.twilio import channel_of
from bot.flows import i18n
from bot.officers.alerts import notification_text
from bot.services import Services, current_services
from bot.tips import media
from bot.tips.deliveries import WHATSAPP_WINDOW_SECONDS as WHATSAPP_WINDOW
from bot.tips.repository import is_success

log = logging.getLogger("linea.jobs")


def deliver_tip(code: str) -> int:
    """Mark a submitted tip received and queue one notification job per on-duty officer."""
    services = current_services()
    if services.tips.get(code) is None:
        log.error("tip %s not found; nothing to deliver", code)
        return 0
    services.tips.set_delivery(code, "received")
    officers = services.officers.alerted()
    for officer in officers:
        services.jobs.enqueue(None, "bot.jobs.notify_officer", code, officer)
    return len(officers)


def deliver_addendum(code: str, index: int) -> int:
    """Queue notifications of a tip's later information to every on-duty officer."""
    services = current_services()
    officers = services.officers.alerted()
    for officer in officers:
        services.jobs.enqueue(None, "bot.jobs.notify_officer", code, officer, index)
    return len(officers)


def notify_officer(code: str, officer: str, addendum: int | None = None) -> str:
    """Send one officer the tip (or one addendum); retried on temporary failures, recorded either way."""
    services = current_services()
    tip = services.tips.get(code)
    if tip is None:
        log.error("tip %s not found; notification dropped", code)
        return "missing"
    address = services.officers.alerted().get(officer)
    name = officer if addendum is None else f"{officer}+{addendum}"
    if name in tip.notifications and is_success(tip.notifications[name]):
        return "sent"  # a retried parent job queued this notification twice; send it once
    if address is None:
        services.alerts.record(tip.code, name, "failed: officer no longer configured")
        return "failed"
    link = services.config.public_base_url if services.config.alert_detail == "link" else ""
    body = notification_text(tip, services.config.officer_locale, services.config.timezone, addendum, dashboard=link)
    try:
        result = services.alerts.send(tip, name, address, body)
    except DeliveryError as exc:
        return _failed(services, code, name, exc, f"notification of tip {code} to officer {officer}")
    services.alerts.record(tip.code, name, result)
    return "sent"


def _failed(services: Services, code: str, name: str, exc: DeliveryError, what: str) -> str:
    """Record a final failure, or raise so that RQ retries a temporary one later."""
    job = get_current_job()
    final = exc.permanent or job is None or not job.retries_left
    log.warning("%s failed (%s)%s", what, exc, "" if final else ", will retry")
    if final:
        services.alerts.record(code, name, f"failed: {exc.code or exc}")
    if exc.permanent:
        return "failed"
    raise exc


def relay_reply(code: str, index: int) -> str:
    """Send officer reply number index to the tip's resident through the services, in their language, if allowed."""
    services = current_services()
    tip = services.tips.get(code)
    name = f"reply:{index}"
    if tip is None or index >= len(tip.replies):
        log.error("reply %s of tip %s not found; nothing to send", index, code)
        return "missing"
    if name in tip.notifications:
        return tip.notifications[name]  # already tried to the end
    handle = services.handles.get(code)
    if handle is None:
        services.alerts.record(code, name, "failed: no_followup")
        return "failed"
    key = services.store.key(handle.address)
    state, _ = services.store.load(key)
    now = services.clock()
    if state is not None and state.opted_out:
        services.handles.delete(code)
        services.tips.end_followup(code)
        services.alerts.record(code, name, "failed: opted_out")
        return "failed"
    if handle.address.startswith("whatsapp:") and (state is None or now - state.updated_at > WHATSAPP_WINDOW):
        services.alerts.record(code, name, "failed: whatsapp_window")
        return "failed"
    text = i18n.text("line.officer_message", handle.locale, code=code, text=tip.replies[index].text)
    try:
        sid = services.senders.resident.send(handle.address, text, from_=handle.line_address or None)
        services.deliveries.track(sid, code, name)
    except DeliveryError as exc:
        return _failed(services, code, name, exc, f"reply {index} to the resident of tip {code}")
    # The resident's answer should land on this tip. On WhatsApp the state's time must stay the resident's
    # last message (it measures the 24-hour window); on SMS the conversation is kept alive from now.
    services.store.point_to_tip(key, services.revisions.flow, code, handle.locale, None if channel_of(handle.address) == "whatsapp"
                            else now, revision=services.revisions.current_revision())
    services.alerts.record(code, name, "sent")
    return "sent"


def purge_expired_tips() -> dict[str, int]:
    """Delete tips (with photos, notes and replies) older than LINE_TIP_RETENTION_DAYS; audit the counts only."""
    services = current_services()
    cutoff = services.clock() - services.config.tip_retention_days * 86400
    tips = photos = 0
    while codes := services.tips.older_than(cutoff, limit=500):
        for code in codes:
            media = services.tips.delete(code)
            services.photos.delete(media)
            tips, photos = tips + 1, photos + len(media)
        services.accounts.forget_tips(codes)
    services.audit.write("system", "purge", detail=f"tips={tips} photos={photos}")
    log.info("retention purge: %d tips and %d photos older than %d days deleted", tips, photos,
             services.config.tip_retention_days)
    return {"tips": tips, "photos": photos}


REFUSALS_TOLD = ("too_large", "not_an_image")  # other reasons get the general "could not use your photo"


def fetch_photo(media_id: str) -> str:
    """Download one photo from Twilio, strip its metadata, keep it encrypted, delete the original at Twilio."""
    services = current_services()
    source = services.photos.pending_source(media_id)
    if source is None:
        return "missing"  # already done, or the draft it belonged to was deleted
    url, declared, reply_to = source
    config = services.config
    try:
        data, content_type = media.process(url, config.twilio_account_sid, config.twilio_auth_token,
                                           services.media_fetcher, content_type=declared or None)
    except media.MediaRefused as exc:
        job = get_current_job()
        if exc.temporary and job is not None and job.retries_left:
            log.warning("photo %s could not be fetched yet (%s), will retry", media_id, exc.reason)
            raise
        services.photos.refuse(media_id, exc.reason)
        log.warning("photo %s refused: %s", media_id, exc.reason)
        reason = exc.reason if exc.reason in REFUSALS_TOLD else "other"
        try:
            services.senders.resident.send(reply_to.address, i18n.text(f"line.photo_refused_{reason}", reply_to.locale),
                                      from_=reply_to.line_address or None)
        except DeliveryError as error:
            log.warning("could not tell a resident their photo was refused (%s)", error.code or "error")
        if exc.reason != "not_twilio":
            _delete_original(services, url)
        return f"refused: {exc.reason}"
    services.photos.store_clean(media_id, data, content_type)
    _delete_original(services, url)
    return "ready"


def _delete_original(services: Services, url: str) -> None:
    config = services.config
    if not media.delete_original(url, config.twilio_account_sid, config.twilio_auth_token, services.media_fetcher):
        log.warning("a photo's original could not be deleted at Twilio; delete it in the console")


def job_failed(job: Job, connection: object, kind: type, value: BaseException, traceback: object) -> None:
    """RQ failure callback: when a worker died mid-job (SIGKILL, crash) and no retry is left, say so where
    officers look, so that nothing is silently missing (other failures are recorded by the jobs themselves); a
    community alert's job that fails for good, for any reason, marks the alert stalled."""
    if job.retries_left:
        return  # RQ retries it
    services = current_services()
    args = list(job.args)
    if job.func_name in ("bot.jobs.start_alert", "bot.jobs.send_alert_chunk"):  # any failure: say it stopped
        part = "planning" if job.func_name == "bot.jobs.start_alert" else f"chunk {args[1]}"
        services.broadcaster.stalled(args[0], f"{part}: {kind.__name__}")
        return
    if not issubclass(kind, AbandonedJobError):
        return  # the job recorded its own failure
    if job.func_name == "bot.jobs.notify_officer":
        name = args[1] if len(args) < 3 or args[2] is None else f"{args[1]}+{args[2]}"
        services.alerts.record(args[0], name, "failed: worker died")
    elif job.func_name == "bot.jobs.relay_reply":
        services.alerts.record(args[0], f"reply:{args[1]}", "failed: worker died")
    elif job.func_name == "bot.jobs.fetch_photo":
        services.photos.refuse(args[0], "worker died")
    log.error("job %s died with its worker and has no retries left", job.func_name)


def start_alert(alert_id: str) -> str:
    """Start an approved community alert: cut its audience into chunks and queue one job per chunk."""
    return current_services().broadcaster.start(alert_id)


def send_alert_chunk(alert_id: str, chunk: int) -> str:
    """Send one chunk of a community alert (from where it stopped: each recipient at most once)."""
    return current_services().broadcaster.send_chunk(alert_id, chunk)
