"""Tip codes and the tip repository (real redis-server): codes are random, readable, never sequential."""
from __future__ import annotations

import re

import pytest

from bot.engine.matching import leading_tip_code
from bot.tips.repository import Tip, TipRepository, new_code

CODE_RE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


def test_codes_are_readable_mixed_and_recognised_when_texted_back():
    codes = [new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert CODE_RE.match(code), code
        for half in code.split("-"):
            assert re.search(r"\d", half) and re.search(r"[A-Z]", half), code
        assert leading_tip_code(f"{code.lower()} more") == (code, "more")


def test_codes_are_not_sequential():
    first, second = new_code(), new_code()
    assert first[:7] != second[:7]


@pytest.fixture
def repo(redis_client) -> TipRepository:
    return TipRepository(redis_client)


def test_create_get_addenda_and_notifications(repo, redis_client):
    tip = Tip(code="K7QF-3MZP", created_at=100.5, locale="es", channel="whatsapp",
              answers=(("what", "robo <b>"), ("where", None)))
    with redis_client.pipeline() as pipe:
        repo.create(pipe, tip)
        repo.add_addendum(pipe, tip.code, "carro rojo", 200.0)
        pipe.execute()
    stored = repo.get("K7QF-3MZP")
    assert stored.answers == tip.answers and stored.channel == "whatsapp"
    assert (stored.status, stored.delivery, stored.assignee) == ("new", "queued", "")
    assert [(a.text, a.at) for a in stored.addenda] == [("carro rojo", 200.0)]
    assert repo.addendum_count(tip.code) == 1
    assert repo.record_notification(tip.code, "abc", "sent") == {"abc": "sent"}
    repo.set_delivery(tip.code, "delivered")
    repo.set_status(tip.code, "in_progress")
    assert (repo.get(tip.code).status, repo.get(tip.code).delivery) == ("in_progress", "delivered")
    assert repo.recent() == ["K7QF-3MZP"]
    assert repo.get("AAAA-2222") is None and not repo.exists("AAAA-2222")
    with pytest.raises(ValueError):
        repo.set_status(tip.code, "lost")
    with pytest.raises(ValueError):
        repo.set_delivery(tip.code, "closed")
