"""Specification of bot.channels.senders: which sender serves whom, in production and in local mode."""
from __future__ import annotations

import redis

from bot.channels.email import EmailSender
from bot.channels.outbound import OutboxSender, TwilioSender
from bot.channels.outbox import Outbox
from bot.channels.senders import Senders
from bot.platform.config import Config
from tests.conftest import FakeTwilioHttp


def senders(redis_url: str, **settings) -> Senders:
    return Senders(Config(**settings), Outbox(redis.Redis.from_url(redis_url)), clock=lambda: 1.0,
                   http_client=FakeTwilioHttp())


def test_local_mode_sends_everything_to_the_outbox_and_hides_residents(redis_url):
    local = senders(redis_url, mode="local")
    assert isinstance(local.officer, OutboxSender) and isinstance(local.email, OutboxSender)
    local.resident.send("+15551234567", "hola")
    (entry,) = local.outbox.read()
    assert entry["to"] == "a resident" and "555" not in str(entry)


def test_production_sends_through_twilio_and_smtp(redis_url):
    live = senders(redis_url, mode="production", twilio_account_sid="AC" + "0" * 32, twilio_auth_token="t",
                   public_base_url="https://line.example.test/", sms_from="+15550009999",
                   smtp_url="smtp://mail.example.test:25", email_from="line@example.test")
    assert isinstance(live.officer, TwilioSender) and live.resident is live.officer
    assert live.officer.status_callback == "https://line.example.test/twilio/status"
    assert isinstance(live.email, EmailSender)


def test_local_mode_with_an_smtp_server_sends_real_email(redis_url):
    assert isinstance(senders(redis_url, mode="local", smtp_url="smtp://127.0.0.1:2525",
                              email_from="line@example.test").email, EmailSender)


def test_each_sender_is_built_once(redis_url):
    local = senders(redis_url, mode="local")
    assert local.officer is local.officer and local.resident is local.resident
