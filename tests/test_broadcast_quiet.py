"""Quiet hours: LINE_ALERT_QUIET_HOURS=21-8 (the default) in the department's time zone, or off."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.broadcasts.quiet import parse_quiet_hours

CHICAGO = "America/Chicago"


def at(text: str, zone: str = CHICAGO) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone)).timestamp()


@pytest.mark.parametrize("setting, now, allowed", [
    ("21-8", "2026-12-02 12:00", "2026-12-02 12:00"),
    ("21-8", "2026-12-02 20:59", "2026-12-02 20:59"),
    ("21-8", "2026-12-02 21:00", "2026-12-03 08:00"),
    ("21-8", "2026-12-02 23:30", "2026-12-03 08:00"),
    ("21-8", "2026-12-03 03:15", "2026-12-03 08:00"),
    ("21-8", "2026-12-03 08:00", "2026-12-03 08:00"),
    ("22-7", "2026-12-02 21:30", "2026-12-02 21:30"),
    ("13-15", "2026-12-02 14:00", "2026-12-02 15:00"),
    ("off", "2026-12-02 23:30", "2026-12-02 23:30"),
    ("21-8", "2026-03-08 01:30", "2026-03-08 08:00"),  # the night clocks go forward
])
def test_an_alert_waits_for_the_morning(setting, now, allowed):
    quiet = parse_quiet_hours(setting, CHICAGO)
    assert quiet.next_allowed(at(now)) == at(allowed)
    assert quiet.is_quiet(at(now)) == (now != allowed)


@pytest.mark.parametrize("setting", ["", "21", "21-25", "nine-eight", "21:00-08:00"])
def test_bad_settings_are_refused(setting):
    with pytest.raises(ValueError):
        parse_quiet_hours(setting)


@pytest.mark.parametrize("value, ok", [("21-8", True), ("off", True), ("OFF", True), ("22 - 6", True),
                                       ("24-8", False), ("evening", False), ("21-", False)])
def test_the_setting_is_checked_at_start_up(value, ok):
    from bot.platform.config import ConfigError, load_config
    if ok:
        assert load_config({}, {"mode": "local", "alert_quiet_hours": value}).alert_quiet_hours == value
    else:
        with pytest.raises(ConfigError, match="LINE_ALERT_QUIET_HOURS"):
            load_config({}, {"mode": "local", "alert_quiet_hours": value})
