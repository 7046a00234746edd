"""Specification of bot.officers.directory: who gets alerts, by ids that hold no number (real redis-server)."""
from __future__ import annotations

import re

import pytest
import redis

from bot.officers import directory
from bot.officers.directory import OfficerDirectory, officer_id
from bot.officers.duty import DutyRoster
from bot.platform.config import load_config


def desk(redis_url: str, **overrides) -> OfficerDirectory:
    config = load_config({}, dict({"mode": "local", "redis_url": redis_url, "officer_numbers": ("+15550100001",),
                                   "officer_emails": ("Desk@Example.org",)}, **overrides))
    return OfficerDirectory(config, DutyRoster(redis.Redis.from_url(redis_url)))


def test_an_officer_id_is_short_stable_and_not_the_number():
    assert officer_id("+15550100001") == officer_id("+15550100001") != officer_id("+15550100002")
    assert re.fullmatch(r"[0-9a-f]{12}", officer_id("+15550100001")) and "555" not in officer_id("+15550100001")


def test_the_desk_gets_alerts_with_emails_as_mailto(redis_url):
    assert sorted(desk(redis_url).alerted().values()) == ["+15550100001", "mailto:Desk@Example.org"]


def test_on_duty_contacts_join_the_desk_and_leave_it(redis_url):
    officers = desk(redis_url)
    officers.roster.add("whatsapp:+15550100009", "Night shift")
    officers.roster.set_on_duty("whatsapp:+15550100009", True)
    officers.roster_changed()
    assert officers.alerted()[officer_id("whatsapp:+15550100009")] == "whatsapp:+15550100009"
    assert officers.is_officer("whatsapp:+15550100009") and officers.is_officer("+15550100001")
    officers.roster.set_on_duty("whatsapp:+15550100009", False)
    officers.roster_changed()
    assert not officers.is_officer("whatsapp:+15550100009")


def test_the_roster_is_read_again_only_every_few_seconds(redis_url, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(directory.time, "monotonic", lambda: now[0])
    officers = desk(redis_url)
    assert officers.on_duty() == ()
    officers.roster.add("+15550100009", "Day")
    officers.roster.set_on_duty("+15550100009", True)
    assert officers.on_duty() == ()  # cached
    now[0] += directory.ROSTER_CHECK_SECONDS + 0.1
    assert officers.on_duty() == ("+15550100009",)


def test_an_unreadable_roster_keeps_the_last_known_one(redis_url, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(directory.time, "monotonic", lambda: now[0])
    officers = desk(redis_url)
    officers.roster.add("+15550100009", "Day")
    officers.roster.set_on_duty("+15550100009", True)
    assert officers.on_duty() == ("+15550100009",)

    def down():
        raise redis.ConnectionError("down")
    monkeypatch.setattr(officers.roster, "on_duty", down)
    now[0] += directory.ROSTER_CHECK_SECONDS + 0.1
    assert officers.on_duty() == ("+15550100009",)


@pytest.mark.parametrize("sender, officer", [("+15550100001", True), ("+15550100002", False),
                                             ("mailto:Desk@Example.org", False)])
def test_who_counts_as_an_officer_when_texting(redis_url, sender, officer):
    assert desk(redis_url).is_officer(sender) is officer
