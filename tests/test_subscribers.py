"""Opting in to community alerts through the real webhook: consent recorded under the HMAC of the number, the
address only encrypted, and ALERTAS NO / ALERTS OFF, STOP and delete-my-data each ending it at once."""
from __future__ import annotations

import pytest

from bot.platform.keys import sender_id
from tests.conftest import inbound_form, post_signed, replies

RESIDENT = "+18165550142"


def say(client, sender: str, body: str) -> list[str]:
    return replies(post_signed(client, inbound_form(sender, body)))


def who(app, sender: str) -> str:
    return sender_id(app.extensions["linea"].config.hash_secret, sender)


@pytest.mark.parametrize("sender, keyword, locale, channel, words", [
    (RESIDENT, "ALERTAS", "es", "sms", "ALERTAS NO"),
    (RESIDENT, "alerts", "en", "sms", "ALERTS OFF"),
    ("whatsapp:" + RESIDENT, "Alertas", "es", "whatsapp", "no alertas"),
    ("whatsapp:" + RESIDENT, "ALERTS please", "en", "whatsapp", "alerts off"),
])
def test_the_keyword_records_consent_and_the_consent_text_says_what_how_often_and_how_to_stop(
        app, client, clock, sender, keyword, locale, channel, words):
    services = app.extensions["linea"]
    (text,) = say(client, sender, keyword)
    assert ("ALERTAS NO" if locale == "es" else "ALERTS OFF") in text and "4" in text  # how to stop, how often
    record = services.subscribers.consent(who(app, sender))
    assert record == {"locale": locale, "channel": channel, "at": repr(clock.now),
                      "consent": "flows.alerts_joined@r0"}
    assert services.subscribers.count(locale) == 1 and services.subscribers.count("all") == 1
    left = say(client, sender, words)
    assert services.subscribers.consent(who(app, sender)) is None and services.subscribers.count() == 0
    assert ("ALERTAS" if locale == "es" else "ALERTS") in left[0]


def test_the_address_is_kept_only_encrypted(app, client, redis_client):
    say(client, RESIDENT, "ALERTAS")
    raw = redis_client.hgetall(app.extensions["linea"].subscribers.key(who(app, RESIDENT)))
    assert RESIDENT.encode() not in b"".join(raw.values()) and b"5550142" not in b"".join(raw.values())
    services = app.extensions["linea"]
    subscriber = services.subscribers.reveal(raw[b"addr"], "es", "sms")
    assert (subscriber.address, subscriber.line_address) == (RESIDENT, "+15550009999")


@pytest.mark.parametrize("ending", [["STOP"], ["PARAR"], ["BORRAR", "si"], ["delete my data", "yes"],
                                    ["alertas no"]])
def test_stop_and_delete_my_data_end_the_subscription(app, client, ending):
    services = app.extensions["linea"]
    say(client, RESIDENT, "ALERTAS")
    for body in ending:
        say(client, RESIDENT, body)
    assert services.subscribers.consent(who(app, RESIDENT)) is None
    assert services.subscribers.count() == 0


def test_a_tip_ends_with_the_offer_and_alerts_in_the_middle_of_an_interview_keeps_it(app, client):
    services = app.extensions["linea"]
    for body in ("hello", "2", "someone robbed people waiting at the food line"):
        say(client, RESIDENT, body)
    (joined,) = say(client, RESIDENT, "ALERTS")
    assert "ALERTS OFF" in joined
    texts = []
    for body in ("24th and Quincy", "saturday", "skip", "no", "no"):
        texts = say(client, RESIDENT, body)
    assert "Reply ALERTS" in "\n".join(texts)
    assert services.subscribers.count("en") == 1
