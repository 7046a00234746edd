"""Outbound senders for officer notifications: Twilio's REST API, or a local outbox in Redis."""
from __future__ import annotations

import json
from typing import Any, Callable, Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from .outbox import Outbox
from .twilio import channel_of

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class DeliveryError(Exception):
    """A message could not be handed over; permanent errors (bad number, opted out) must not be retried."""

    def __init__(self, message: str, permanent: bool, code: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class Sender(Protocol):
    """Anything that can send one text to one address and return an id for it."""

    def send(self, to: str, body: str, from_: str | None = None, status_callback: str | None = None) -> str:
        """Send body to the address (from a given sender address, if any); raise DeliveryError on failure.

        status_callback: where Twilio reports this message's status (default: the sender's own)."""

    def send_template(self, to: str, content_sid: str, variables: dict[str, str],
                      status_callback: str | None = None) -> str:
        """Send an approved WhatsApp template (allowed outside the 24-hour window); raise DeliveryError."""


class TwilioSender:
    """Sends through Twilio's Messages API (SMS or WhatsApp by the address prefix)."""

    def __init__(self, account_sid: str, auth_token: str, sms_from: str = "", whatsapp_from: str = "",
                 messaging_service_sid: str = "", http_client: Any = None, status_callback: str = "") -> None:
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.status_callback = status_callback
        self.sms_from = sms_from
        self.whatsapp_from = whatsapp_from
        self.messaging_service_sid = messaging_service_sid

    def _origin(self, to: str) -> dict[str, str]:
        if channel_of(to) == "whatsapp" and self.whatsapp_from:
            sender = self.whatsapp_from
            return {"from_": sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"}
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": self.sms_from}

    def send(self, to: str, body: str, from_: str | None = None, status_callback: str | None = None) -> str:
        """Create one message; classify Twilio's errors as retryable or permanent."""
        origin = {"from_": from_} if from_ else self._origin(to)
        return self._create(status_callback, to=to, body=body, **origin)

    def send_template(self, to: str, content_sid: str, variables: dict[str, str],
                      status_callback: str | None = None) -> str:
        """Send a WhatsApp template by its ContentSid with its numbered variables."""
        return self._create(status_callback, to=to, content_sid=content_sid,
                            content_variables=json.dumps(variables), **self._origin(to))

    def _create(self, status_callback: str | None = None, **params: Any) -> str:
        if status_callback or self.status_callback:
            params["status_callback"] = status_callback or self.status_callback
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as exc:
            permanent = exc.status not in RETRYABLE_STATUS
            raise DeliveryError(f"Twilio answered {exc.status} (code {exc.code})", permanent,
                                str(exc.code or exc.status)) from None
        except (TwilioException, OSError, ConnectionError) as exc:
            raise DeliveryError(f"could not reach Twilio: {type(exc).__name__}", permanent=False) from None
        except Exception as exc:  # requests' transport errors do not share a base with the ones above
            if type(exc).__module__.startswith(("requests", "urllib3")):
                raise DeliveryError(f"could not reach Twilio: {type(exc).__name__}", permanent=False) from None
            raise
        return str(message.sid)


class OutboxSender:
    """Local mode: keeps notifications in the outbox the simulator shows."""

    def __init__(self, outbox: Outbox, clock: Callable[[], float],
                 resident_key: Callable[[str], str] | None = None) -> None:
        self.outbox = outbox
        self.clock = clock
        # Replies to residents are kept without their number, under a keyed hash of it (resident_key), so the
        # simulator can show each reply on the phone it went to.
        self.resident_key = resident_key

    def send(self, to: str, body: str, from_: str | None = None, status_callback: str | None = None) -> str:
        """Put the message in the outbox."""
        channel = "email" if "@" in to else channel_of(to)
        entry = {"to": to, "channel": channel, "body": body, "at": self.clock()}
        if self.resident_key is not None:
            entry.update(to="a resident", resident=self.resident_key(to))
        return self.outbox.push(entry)

    def send_template(self, to: str, content_sid: str, variables: dict[str, str],
                      status_callback: str | None = None) -> str:
        """Put a template message in the outbox, named by its ContentSid."""
        return self.send(to, f"[WhatsApp template {content_sid}] {json.dumps(variables, ensure_ascii=False)}")
