"""The alert store: the two-person rule, one decision per alert, and the monthly limit the consent text promises."""
from __future__ import annotations

import pytest

from bot.broadcasts.store import MONTHLY_LIMIT, ApprovalError, BroadcastStore, valid_id
from tests.conftest import FakeClock

TEXTS = {"en": "Robbery at the food line.", "es": "Robo en la fila de comida."}


@pytest.fixture
def store(redis_client):
    return BroadcastStore(redis_client, FakeClock())


@pytest.mark.parametrize("first, second, outcome", [
    (("approve", "ana"), None, "a second person must approve"),
    (("approve", "luis"), ("approve", "boss"), "already scheduled"),
    (("reject", "ana"), ("approve", "luis"), "already rejected"),
    (("reject", "luis"), ("reject", "ana"), "already rejected"),
])
def test_the_two_person_rule_and_one_decision(store, first, second, outcome):
    alert = store.create(TEXTS, "all", "ana")
    with pytest.raises(ApprovalError, match=outcome):
        for action, who in filter(None, (first, second)):
            if action == "approve":
                store.approve(alert.id, who, starts_at=0)
            else:
                store.reject(alert.id, who)


def test_an_approval_records_who_and_when(store):
    alert = store.approve(store.create(TEXTS, "es", "ana").id, "luis", starts_at=123.0)
    assert (alert.status, alert.created_by, alert.approved_by, alert.starts_at, alert.audience) == \
        ("scheduled", "ana", "luis", 123.0, "es")


def test_at_most_the_promised_alerts_a_month(store):
    for _ in range(MONTHLY_LIMIT):
        store.approve(store.create(TEXTS, "all", "ana").id, "luis", starts_at=0)
    extra = store.create(TEXTS, "all", "ana")
    with pytest.raises(ApprovalError, match="already approved in the last 30 days"):
        store.approve(extra.id, "luis", starts_at=0)
    store.clock.advance(31 * 86400)
    assert store.approve(extra.id, "luis", starts_at=0).status == "scheduled"


@pytest.mark.parametrize("value, ok", [("AL000001", True), ("AL00000", False), ("XX000001", False),
                                       ("AL00000a", False), ("AL0000011", False), ("../AL01", False)])
def test_alert_ids(value, ok):
    assert valid_id(value) == ok
