"""Delete-my-data through the real webhook: after the confirmation nothing in Redis can be linked to the number."""
from __future__ import annotations

import re

from bot.platform.keys import sender_id
from tests.conftest import inbound_form, post_signed, replies
from tests.security.test_privacy import redis_dump

RESIDENT = "+15553216547"
TIP = ["2", "me robaron", "en la 5", "ayer", "saltar", "no", "si"]


def test_after_delete_no_key_can_be_linked_to_the_resident(app, client, redis_client):
    line = app.extensions["linea"]
    sids: list[str] = []

    def send(body: str) -> list[str]:
        form = inbound_form(RESIDENT, body)
        sids.append(form["MessageSid"])
        return replies(post_signed(client, form))

    codes = []
    for _ in range(2):
        for body in ["hola"] + TIP:
            texts = send(body)
        codes.append(re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0))
    send("menu")
    send("2")
    send("un borrador que no terminé")  # a draft in progress
    assert all(line.handles.get(code) for code in codes)
    assert send("BORRAR") == ["¿Borramos su conversación y su reporte sin terminar, y separamos su número de sus "
                              "reportes? Los reportes enviados quedan con la policía, sin su número. Responda SÍ "
                              "para borrar o NO para cancelar."]
    done = send("sí")
    assert done[0].startswith("Listo. Borramos su conversación") and "Borre también estos mensajes" in done[0]

    who = sender_id(line.config.hash_secret, RESIDENT)
    seen = {line.store.seen_field(sid) for sid in sids}
    dump = redis_dump(redis_client)
    for key, text in dump.items():
        assert who not in text, f"{key!r} is derived from the resident's number"
        assert not any(mark in text for mark in seen), f"{key!r} is derived from one of their MessageSids"
        assert "un borrador que no terminé" not in text  # the draft is gone
    for code in codes:
        tip = line.tips.get(code)
        assert tip is not None and tip.followup_until == 0 and line.handles.get(code) is None
    assert replies(post_signed(client, inbound_form(RESIDENT, "hola")))[0].startswith("Hola")  # a new start


def test_anything_but_yes_keeps_everything(app, client):
    line = app.extensions["linea"]
    for body in ["hola"] + TIP:
        texts = replies(post_signed(client, inbound_form(RESIDENT, body)))
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}", "\n".join(texts)).group(0)
    replies(post_signed(client, inbound_form(RESIDENT, "delete")))
    kept = replies(post_signed(client, inbound_form(RESIDENT, "no, mejor no")))
    assert kept[0].startswith("Está bien, no se borró nada.") and "Si recuerda algo más" in kept[0]
    assert line.handles.get(code) is not None
    state, _ = line.store.load(line.store.key(RESIDENT))
    assert state.last_tip == code and not state.confirming_delete
