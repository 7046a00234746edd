"""Specification of bot.platform.config.load_config: defaults, then the environment, then overrides; production is checked."""
from __future__ import annotations

import os
import re

import pytest

from bot.platform.config import LOCAL_HASH_SECRET, LOCAL_OFFICERS, Config, ConfigError, env_names, load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_EXAMPLE = os.path.join(ROOT, ".env.example")

PRODUCTION = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
    "PUBLIC_BASE_URL": "https://line.example.test",
    "OFFICER_NUMBERS": "+15550001111",
    "LINE_HASH_SECRET": "test-hash-secret-0123456789",
    "TWILIO_SMS_FROM": "+15550009999",
}


def production(**changes: str | None) -> dict[str, str]:
    """A complete production environment; a value of None removes that variable."""
    environ = dict(PRODUCTION)
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


def test_a_complete_production_environment_loads():
    config = load_config(production())
    assert config.mode == "production" and not config.local
    assert config.twilio_account_sid == PRODUCTION["TWILIO_ACCOUNT_SID"]
    assert config.officer_numbers == ("+15550001111",)
    assert config.conversation_ttl == 24 * 3600


def test_production_with_nothing_set_lists_everything_missing():
    with pytest.raises(ConfigError) as caught:
        load_config({})
    message = str(caught.value)
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "OFFICER_NUMBERS",
                 "LINE_HASH_SECRET", "TWILIO_MESSAGING_SERVICE_SID or TWILIO_SMS_FROM"):
        assert name in message
    assert "LINE_MODE=local" in message


@pytest.mark.parametrize("missing, named", [
    ("TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID"), ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
    ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"), ("LINE_HASH_SECRET", "LINE_HASH_SECRET"),
    ("OFFICER_NUMBERS", "OFFICER_NUMBERS or OFFICER_EMAILS (who receives new tips)"),
])
def test_production_names_the_one_setting_missing(missing, named):
    with pytest.raises(ConfigError) as caught:
        load_config(production(**{missing: None}))
    listed = str(caught.value).split(": ", 1)[1].split(". ", 1)[0]
    assert listed == named


def test_officers_may_be_reached_by_email_only_with_an_smtp_server():
    environ = production(OFFICER_NUMBERS=None, OFFICER_EMAILS="duty@example.org")
    with pytest.raises(ConfigError, match="LINE_SMTP_URL and LINE_EMAIL_FROM"):
        load_config(environ)
    config = load_config({**environ, "LINE_SMTP_URL": "smtp://mail.example.org:587?starttls=1",
                          "LINE_EMAIL_FROM": "tips@example.org"})
    assert config.officer_emails == ("duty@example.org",) and config.officer_numbers == ()


@pytest.mark.parametrize("setting, value", [
    ("LINE_SMTP_URL", "http://mail.example.org"), ("OFFICER_EMAILS", "duty@example.org\nBcc: x@y.z"),
    ("OFFICER_EMAILS", "two@@example.org"), ("LINE_EMAIL_FROM", "no-at-sign"),
])
def test_bad_email_settings_stop_start_up(setting, value):
    environ = {**production(), "OFFICER_EMAILS": "duty@example.org", "LINE_SMTP_URL": "smtp://mail.example.org",
               "LINE_EMAIL_FROM": "tips@example.org", setting: value}
    with pytest.raises(ConfigError, match="email settings"):
        load_config(environ)


@pytest.mark.parametrize("value", ["", "   ", " \t"])
def test_blank_variables_count_as_unset(value):
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_config(production(TWILIO_AUTH_TOKEN=value))


@pytest.mark.parametrize("secret, accepted", [
    ("x" * 15, False),
    ("short", False),
    ("x" * 16, True),
    ("a-long-random-secret-from-token-urlsafe", True),
])
def test_line_hash_secret_must_be_long_enough(secret, accepted):
    environ = production(LINE_HASH_SECRET=secret)
    if accepted:
        assert load_config(environ).hash_secret == secret
    else:
        with pytest.raises(ConfigError, match="LINE_HASH_SECRET must be at least 16 characters"):
            load_config(environ)


@pytest.mark.parametrize("url, accepted", [
    ("https://tips.example.org", True),
    ("http://localhost:5000", True),
    ("tips.example.org", False),
    ("ftp://tips.example.org", False),
])
def test_public_base_url_needs_a_scheme(url, accepted):
    environ = production(PUBLIC_BASE_URL=url)
    if accepted:
        assert load_config(environ).public_base_url == url
    else:
        with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
            load_config(environ)


def test_production_needs_an_sms_sender_or_a_messaging_service():
    with pytest.raises(ConfigError, match="TWILIO_MESSAGING_SERVICE_SID or TWILIO_SMS_FROM"):
        load_config(production(TWILIO_SMS_FROM=None))


@pytest.mark.parametrize("variable, field", [("TWILIO_SMS_FROM", "sms_from"),
                                             ("TWILIO_MESSAGING_SERVICE_SID", "messaging_service_sid")])
def test_either_sms_sender_is_enough(variable, field):
    config = load_config({**production(TWILIO_SMS_FROM=None), variable: "+15550008888"})
    assert getattr(config, field) == "+15550008888"


def test_local_mode_needs_nothing():
    config = load_config({"LINE_MODE": "local"})
    assert config.local
    assert config.hash_secret == LOCAL_HASH_SECRET
    assert config.officer_numbers == LOCAL_OFFICERS
    assert config.twilio_auth_token == ""


def test_local_mode_keeps_what_is_set():
    config = load_config({"LINE_MODE": "local", "LINE_HASH_SECRET": "mine", "OFFICER_NUMBERS": "+15550004444"})
    assert config.hash_secret == "mine"
    assert config.officer_numbers == ("+15550004444",)


@pytest.mark.parametrize("raw, expected", [
    ("+15550001111", ("+15550001111",)),
    ("+15550001111,+15550002222", ("+15550001111", "+15550002222")),
    (" +15550001111 , +15550002222 ", ("+15550001111", "+15550002222")),
    ("+15550001111,,+15550002222,", ("+15550001111", "+15550002222")),
    ("+15550001111, whatsapp:+15550002222", ("+15550001111", "whatsapp:+15550002222")),
    ("whatsapp:+15550002222 ,whatsapp:+15550003333", ("whatsapp:+15550002222", "whatsapp:+15550003333")),
])
def test_officer_numbers_parse_comma_lists(raw, expected):
    environ = production(OFFICER_NUMBERS=raw, TWILIO_WHATSAPP_FROM="whatsapp:+15550009999")
    assert load_config(environ).officer_numbers == expected


def test_officer_numbers_also_come_as_a_list_in_overrides():
    config = load_config({"LINE_MODE": "local"}, {"officer_numbers": [" +15550001111 ", "", "+15550002222"]})
    assert config.officer_numbers == ("+15550001111", "+15550002222")


@pytest.mark.parametrize("variable, raw, says", [
    ("LINE_CONVERSATION_TTL", "a day", "must be a number"),
    ("LINE_CONVERSATION_TTL", "1.5", "must be a number"),
    ("LINE_CONVERSATION_TTL", "0", "must be positive"),
    ("LINE_CONVERSATION_TTL", "-60", "must be positive"),
    ("LINE_DEDUPE_TTL", "two weeks", "must be a number"),
    ("LINE_MAX_BODY_CHARS", "lots", "must be a number"),
    ("LINE_MAX_REQUEST_BYTES", "256k", "must be a number"),
    ("LINE_LOCK_SECONDS", "ten", "must be a number"),
    ("LINE_LOCK_SECONDS", "0", "must be positive"),
])
def test_numbers_that_are_not_numbers_name_the_variable(variable, raw, says):
    with pytest.raises(ConfigError) as caught:
        load_config({"LINE_MODE": "local", variable: raw})
    assert str(caught.value).startswith(f"{variable} {says}")
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize("variable, raw, field, expected", [
    ("LINE_CONVERSATION_TTL", "3600", "conversation_ttl", 3600),
    ("LINE_CONVERSATION_TTL", " 7200 ", "conversation_ttl", 7200),
    ("LINE_LOCK_SECONDS", "2.5", "lock_seconds", 2.5),
    ("LINE_QUEUE", " linea-test ", "queue_name", "linea-test"),
    ("LINE_OFFICER_LOCALE", "es", "officer_locale", "es"),
    ("REDIS_URL", "redis://cache:6379/2", "redis_url", "redis://cache:6379/2"),
])
def test_environment_values_are_converted(variable, raw, field, expected):
    assert getattr(load_config({"LINE_MODE": "local", variable: raw}), field) == expected


def test_overrides_beat_the_environment():
    config = load_config({"LINE_MODE": "local", "LINE_CONVERSATION_TTL": "60"},
                         {"conversation_ttl": "120", "extra": {"clock": "fake"}})
    assert config.conversation_ttl == 120
    assert config.extra == {"clock": "fake"}


def test_officer_locale_must_be_en_or_es():
    with pytest.raises(ConfigError, match="LINE_OFFICER_LOCALE must be 'en' or 'es'"):
        load_config({"LINE_MODE": "local", "LINE_OFFICER_LOCALE": "fr"})




@pytest.mark.parametrize("officers", [
    "whatsapp:+15550002222",
    "+15550001111, whatsapp:+15550002222",
    "WhatsApp:+15550002222",
])
def test_a_whatsapp_officer_needs_a_whatsapp_sender(officers):
    with pytest.raises(ConfigError) as caught:
        load_config(production(OFFICER_NUMBERS=officers))
    assert "TWILIO_WHATSAPP_FROM" in str(caught.value)


@pytest.mark.parametrize("sender", [{"TWILIO_WHATSAPP_FROM": "whatsapp:+15550009999"},
                                    {"TWILIO_MESSAGING_SERVICE_SID": "MG" + "0" * 32}])
def test_a_whatsapp_officer_is_fine_with_a_whatsapp_sender_or_a_messaging_service(sender):
    config = load_config({**production(OFFICER_NUMBERS="whatsapp:+15550002222"), **sender})
    assert config.officer_numbers == ("whatsapp:+15550002222",)


def test_load_config_does_not_read_os_environ_when_given_a_mapping(monkeypatch):
    monkeypatch.setenv("LINE_MODE", "local")
    with pytest.raises(ConfigError):
        load_config({})


def test_env_names_cover_every_setting():
    names = env_names()
    settings = {f for f in Config.__dataclass_fields__ if f != "extra"}
    assert set(names) == settings
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", v) for v in names.values())


def test_every_environment_variable_is_in_env_example():
    if not os.path.exists(ENV_EXAMPLE):
        pytest.skip(".env.example has not been added yet")
    with open(ENV_EXAMPLE, encoding="utf-8") as handle:
        text = handle.read()
    documented = set(re.findall(r"^\s*#?\s*([A-Z][A-Z0-9_]*)\s*=", text, re.MULTILINE))
    missing = sorted(set(env_names().values()) - documented)
    assert not missing, f".env.example does not mention: {', '.join(missing)}"


@pytest.mark.parametrize("zone, ok", [("America/Chicago", True), ("UTC", True), ("Mars/Olympus", False),
                                      ("../etc/passwd", False)])
def test_timezone_must_be_a_known_zone(zone, ok):
    environ = {"LINE_MODE": "local", "LINE_TIMEZONE": zone}
    if ok:
        assert load_config(environ).timezone == zone
    else:
        with pytest.raises(ConfigError, match="LINE_TIMEZONE"):
            load_config(environ)


def test_redis_check_must_be_on_or_off():
    with pytest.raises(ConfigError, match="LINE_REDIS_CHECK"):
        load_config({"LINE_MODE": "local", "LINE_REDIS_CHECK": "maybe"})


@pytest.mark.parametrize("value, ok", [("full", True), ("link", True), ("everything", False), ("LINK ", False)])
def test_alert_detail_is_full_or_link(value, ok):
    if ok:
        assert load_config(production(LINE_ALERT_DETAIL=value)).alert_detail == value
    else:
        with pytest.raises(ConfigError, match="LINE_ALERT_DETAIL"):
            load_config(production(LINE_ALERT_DETAIL=value))


@pytest.mark.parametrize("mode, mfa", [("local", "optional"), ("production", "required")])
def test_the_second_factor_is_required_by_default_outside_local_mode(mode, mfa):
    settings = {"mode": mode}
    if mode == "production":
        settings.update(twilio_account_sid="AC" + "0" * 32, twilio_auth_token="t" * 32,
                        public_base_url="https://tips.example.org", officer_numbers="+15550100001",
                        hash_secret="a-long-enough-secret-123", sms_from="+15550009999")
    assert load_config(environ={}, overrides=settings).mfa == mfa
