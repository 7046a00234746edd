"""The shell loop: concurrent messages from one sender, bilingual rendering, packing, tip-code collisions."""
from __future__ import annotations

import glob
import os
import re
import threading

import pytest
import yaml

from bot.channels.twilio import InboundMessage
from bot.engine import Inbound, Reply, advance
from bot.understanding.models import hints, stop_hint
from tests.conftest import inbound_form, post_signed, replies

RESIDENT = "+15553334444"


def test_parallel_messages_from_one_sender_are_each_applied_once(app, client):
    for body in ("hello", "2"):
        replies(post_signed(client, inbound_form(RESIDENT, body)))
    answers = [f"answer number {i}" for i in range(6)]  # five questions, then the follow-up consent
    results: dict[str, list[str]] = {}

    def send(text: str) -> None:
        results[text] = replies(post_signed(app.test_client(), inbound_form(RESIDENT, text)))

    threads = [threading.Thread(target=send, args=(a,)) for a in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    confirmations = [t for texts in results.values() for t in texts if "Your tip code is" in t]
    assert len(confirmations) == 1
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", confirmations[0]).group(0)
    tip = app.extensions["linea"].tips.get(code)
    kept = [answer for _, answer in tip.answers]
    assert len(set(kept)) == 5 and set(kept) < set(answers)  # no answer lost, none applied twice


def test_bilingual_replies_put_spanish_first_and_fit_sms(app):
    line = app.extensions["linea"]
    texts = line.line.render([Reply("flows.emergency")], None, "sms")
    assert len(texts) == 2
    assert texts[0].startswith("Si está en peligro") and texts[1].startswith("If you are in danger")


def test_short_replies_are_packed_into_one_message(app):
    line = app.extensions["linea"]
    texts = line.line.render([Reply("flows.language_set"), Reply("flows.ask_where")], "en", "sms")
    assert texts == ["OK, we will write in English.\n\nWhere did it happen? An address, cross streets or a "
                     "landmark is enough."]


def test_whatsapp_packs_more_into_one_message(app):
    line = app.extensions["linea"]
    keys = [Reply("flows.welcome"), Reply("flows.menu")]
    assert len(line.line.render(keys, "es", "sms")) == 2
    assert len(line.line.render(keys, "es", "whatsapp")) == 1


def test_a_tip_code_collision_draws_a_new_code(app, client, monkeypatch):
    from bot.conversations import line as line_module
    line = app.extensions["linea"]
    monkeypatch.setattr(line_module, "new_code", lambda: "AAAA-2222")
    for body in ("hello", "2", "x", "skip", "skip", "skip", "skip"):
        replies(post_signed(client, inbound_form(RESIDENT, body)))
    assert "AAAA-2222" in "\n".join(replies(post_signed(client, inbound_form(RESIDENT, "skip"))))
    for body in ("hello", "2", "y", "skip", "skip", "skip", "skip"):
        replies(post_signed(client, inbound_form("+15550001234", body)))
    codes = iter(["AAAA-2222", "BBBB-3333"])  # the first draw collides with the stored tip
    monkeypatch.setattr(line_module, "new_code", lambda: next(codes))
    last = replies(post_signed(client, inbound_form("+15550001234", "skip")))
    assert "BBBB-3333" in "\n".join(last)
    assert line.tips.get("AAAA-2222").answers[0] == ("what", "x")
    assert line.tips.get("BBBB-3333").answers[0] == ("what", "y")


def test_a_message_without_sender_is_answered_without_touching_state(app, redis_client):
    line = app.extensions["linea"]
    texts = line.line.handle(InboundMessage(sender="", body="hola", channel="sms", message_sid="SMx"))
    assert texts and not list(redis_client.scan_iter("ls:conv:*"))


@pytest.mark.parametrize("answer, danger", [
    ("a woman is screaming for help in the apartment next to mine", True),   # the rules' strict check misses it
    ("mi niña de 4 años no aparece estaba en el patio hace 5 minutos", True),
    ("me robaron la cartera la semana pasada en la parada", False),
])
def test_in_an_interview_the_models_sure_sense_of_danger_brings_the_911_guidance(client, answer, danger):
    sender = "+15550001234"
    for body in ("hello", "2"):
        replies(post_signed(client, inbound_form(sender, body)))
    texts = "\n".join(replies(post_signed(client, inbound_form(sender, answer))))
    assert ("CALL 911" in texts or "LLAME AL 911" in texts) is danger
    assert "Where did it happen?" in texts  # the answer is kept and the interview goes on


def test_an_unclear_opt_out_is_asked_about_and_only_stop_opts_out(client):
    sender = "+15550004321"
    asked = "\n".join(replies(post_signed(client, inbound_form(sender, "ya no quiero estos textos gracias"))))
    assert "¿Quiere dejar de recibir mensajes de esta línea? Responda STOP." in asked
    assert "Ya no recibirá mensajes" not in asked
    assert replies(post_signed(client, inbound_form(sender, "1")))  # not opted out: the menu still answers
    stopped = "\n".join(replies(post_signed(client, inbound_form(sender, "STOP"))))
    assert "Ya no recibirá mensajes de esta línea" in stopped


def test_sparing_the_models_never_changes_the_outcome(app):
    """Replay every transcript: wherever the shell passes fewer hints (only the intent model in an answer, none
    for a menu number or after STOP), advance() gives the same outcome as with every hint."""
    line = app.extensions["linea"]
    spared = {"intent": 0, "none": 0}
    for path in glob.glob(os.path.join(os.path.dirname(__file__), "transcripts", "*.yml")):
        state, now = None, 1_800_000_000.0
        for step in yaml.safe_load(open(path, encoding="utf-8"))["steps"]:
            now += step.get("wait", 60)
            text = str(step["send"])
            language, intent, confidence = hints(text)
            full = advance(line.revisions.flow, state, Inbound(text, fresh_code="K7QF-3MZP", language_hint=language,
                                                                intent_hint=intent, intent_confidence=confidence,
                                                                stop_confidence=stop_hint(text)), now)
            needed = line.line.hints_needed(state, now, text)
            if needed != "all":
                spared[needed] += 1
                given = Inbound(text, fresh_code="K7QF-3MZP") if needed == "none" else \
                    Inbound(text, fresh_code="K7QF-3MZP", intent_hint=intent, intent_confidence=confidence)
                assert advance(line.revisions.flow, state, given, now) == full, f"{os.path.basename(path)}: {text!r}"
            state = full.state
    assert spared["intent"] >= 60 and spared["none"] >= 15, spared


@pytest.mark.parametrize("settings, expected", [
    ({}, ("24 horas sin mensajes", "a los 365 días", "durante 72 horas")),
    ({"conversation_ttl": 7200, "tip_retention_days": 90, "followup_ttl": 86400},
     ("2 horas sin mensajes", "a los 90 días", "durante 24 horas")),
])
def test_the_privacy_notice_quotes_the_actual_retention_settings(redis_url, clock, twilio_http, settings, expected):
    from bot import create_app
    from tests.conftest import production_config
    app = create_app(production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http},
                                       **settings))
    client = app.test_client()
    for body in ("hola", "4"):
        texts = replies(post_signed(client, inbound_form("+15550007777", body)))
    page = client.get("/privacy").get_data(as_text=True)
    for phrase in expected:
        assert phrase in "\n".join(texts) and phrase in page
    assert "How this line works" in page and "policía" in page
