"""Specification of bot.officers.alerts: what an officer's alert says, and how a long one is cut for Twilio."""
from __future__ import annotations

import pytest

from bot.flows import i18n
from bot.officers.alerts import notification_text, split_message
from bot.platform.config import Config
from bot.tips.repository import Entry, Tip

TIP = Tip(code="K7QF-3MZP", created_at=1_790_000_000.0, locale="es", channel="whatsapp",
          answers=(("what", "me robaron <b>el</b> celular"), ("where", None)), media=("m1", "m2"),
          addenda=(Entry("eran dos hombres", 1_790_003_600.0),))


@pytest.fixture(autouse=True)
def texts():
    i18n.configure(Config().translations_dir)


def test_a_new_tip_alert_has_the_code_language_channel_time_and_answers():
    text = notification_text(TIP, "en", "America/Chicago")
    assert "K7QF-3MZP" in text and "WhatsApp" in text and "2026-09-21 09:13 CDT" in text
    assert "me robaron <b>el</b> celular" in text  # plain text for SMS: nothing to escape, nothing dropped
    assert i18n.text("officer.skipped", "en") in text
    assert i18n.text("officer.photos", "en", count="2") in text


def test_an_addendum_alert_carries_only_the_new_text_and_its_time():
    text = notification_text(TIP, "es", "America/Chicago", addendum=0)
    assert text.endswith("eran dos hombres") and "me robaron" not in text and "10:13 CDT" in text


def test_a_link_only_alert_keeps_the_text_off_the_phone():
    text = notification_text(TIP, "en", "UTC", dashboard="https://line.example.test/")
    assert "https://line.example.test/dashboard/tips/K7QF-3MZP" in text and "me robaron" not in text


def test_long_notifications_are_split_for_twilio():
    body = ("word " * 700).strip()
    parts = split_message(body, "(continued)", limit=1500)
    assert len(parts) == 3
    assert all(len(p) <= 1500 + len("\n(continued)") for p in parts)
    assert " ".join(p.replace("\n(continued)", "") for p in parts).split() == body.split()
