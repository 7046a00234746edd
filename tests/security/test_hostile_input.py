"""Random and hostile message sequences through the signed webhook (Hypothesis): never a 500, never a
traceback, always an answer in TwiML, or deliberate silence after STOP."""
from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import inbound_form, post_signed

KEYWORDS = ["STOP", "START", "HELP", "AYUDA", "MENU", "BORRAR", "DELETE", "SI", "no", "ESPAÑOL", "ENGLISH", "911",
            "1", "2", "3", "4", "skip", "SALTAR", "hola", "hello", "K7QF-3MZP", "K7QF-3MZP more info"]
HOSTILE = ["{{7*7}}", "%{code}", "${x}", "<script>alert(1)</script>", "\u202eSTOP\u202c", "\x00\x01\x7f", "a\r\nb",
           "💥" * 400, "x" * 2000, "é" * 1700, "", "   ", "ｓｔｏｐ", "ho\u0301la", "\ud7ff\ue000\uffff"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
MESSAGE = st.one_of(st.sampled_from(KEYWORDS), st.sampled_from(HOSTILE), TEXT)
STEP = st.tuples(MESSAGE, st.sampled_from([0, 0, 0, 60, 3600, 2 * 86400]), st.booleans())
SENDERS = (f"+1555{n:07d}" for n in itertools.count(7_000_000))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=10))
def test_any_sequence_gets_an_answer_or_deliberate_silence(app, clock, steps):
    line = app.extensions["linea"]
    client = app.test_client()
    number = next(SENDERS)
    for body, wait, whatsapp in steps:
        clock.advance(wait)
        sender = ("whatsapp:" if whatsapp else "") + number
        response = post_signed(client, inbound_form(sender, body))
        assert response.status_code == 200, response.status_code
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "Exception" not in text
        messages = [m.text or "" for m in ET.fromstring(response.get_data()).iter("Message")]
        state, _ = line.store.load(line.store.key(sender))
        if not messages:
            assert state is not None and state.opted_out, (body, state)
        for message in messages:
            assert message.strip() and "%{" not in message and "Traceback" not in message
