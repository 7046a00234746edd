"""Who sends what: officer alerts, replies to residents and emails, through Twilio and SMTP in production or
into the local outbox. Each sender is built on first use (the web process rarely needs one)."""
from __future__ import annotations

from functools import cached_property
from typing import Any, Callable

from bot.platform.config import Config
from bot.platform.keys import sender_id

from .email import EmailSender
from .outbound import OutboxSender, Sender, TwilioSender
from .outbox import Outbox


class Senders:
    """The line's outbound senders, chosen by the configuration."""

    def __init__(self, config: Config, outbox: Outbox, clock: Callable[[], float], http_client: Any = None) -> None:
        self.config = config
        self.outbox = outbox
        self.clock = clock
        self.http_client = http_client  # Twilio's HTTP layer (a fake in tests)

    @cached_property
    def officer(self) -> Sender:
        """Where officer notifications go: Twilio in production, the outbox in local mode."""
        config = self.config
        if config.local:
            return OutboxSender(self.outbox, self.clock)
        return TwilioSender(config.twilio_account_sid, config.twilio_auth_token, config.sms_from,
                            config.whatsapp_from, config.messaging_service_sid, http_client=self.http_client,
                            status_callback=config.public_base_url.rstrip("/") + "/twilio/status")

    @cached_property
    def resident(self) -> Sender:
        """Where replies sent later go (spooled messages, officer replies, photo refusals): Twilio in production;
        in local mode the outbox, unaddressed."""
        if self.config.local:
            return OutboxSender(self.outbox, self.clock, resident_key=self.resident_key)
        return self.officer

    def resident_key(self, address: str) -> str:
        """How the local outbox names a resident: a keyed hash of the address, never the address."""
        return sender_id(self.config.hash_secret, "outbox:" + address)

    @cached_property
    def email(self) -> Sender:
        """Where officer emails go: the SMTP server in production, the outbox in local mode."""
        if self.config.local and not self.config.smtp_url:
            return OutboxSender(self.outbox, self.clock)
        return EmailSender(self.config.smtp_url, self.config.email_from)
