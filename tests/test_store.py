"""Conversation state in a real redis-server: pseudonymous keys, TTL, version check, per-sender lock."""
from __future__ import annotations

import threading
import time

import pytest

from bot.engine import State
from bot.store import ConversationStore, SenderBusy, StaleState, sender_id

NUMBER = "+15551112222"


@pytest.fixture
def store(redis_client) -> ConversationStore:
    return ConversationStore(redis_client, "store-test-secret-123456", ttl=3600, dedupe_ttl=60, lock_seconds=1.0)


def save(store: ConversationStore, key: str, version: int, state: State) -> None:
    with store.saving(key, version, state):
        pass


def test_key_is_an_hmac_of_the_sender_not_the_number(store):
    key = store.key(NUMBER)
    assert "5551112222" not in key
    assert key == f"ls:conv:{{{sender_id('store-test-secret-123456', NUMBER)}}}"
    assert store.key(NUMBER) != ConversationStore(store.redis, "another-secret-12345", 1, 1, 1).key(NUMBER)
    assert store.key(NUMBER) != store.key("whatsapp:" + NUMBER)


def test_round_trip_with_ttl_and_version(store, redis_client):
    key = store.key(NUMBER)
    assert store.load(key) == (None, 0)
    state = State(flow_id="main", node="ask_where", locale="es", answers=(("what", "robo"),), updated_at=5.0)
    save(store, key, 0, state)
    assert store.load(key) == (state, 1)
    assert 3500 < redis_client.ttl(key) <= 3600


def test_an_opt_out_outlives_the_inactivity_timeout(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, 0, State(flow_id="main", opted_out=True))
    assert redis_client.ttl(key) == -1


def test_a_late_writer_cannot_overwrite_newer_state(store):
    key = store.key(NUMBER)
    save(store, key, 0, State(flow_id="main", node="menu"))
    save(store, key, 1, State(flow_id="main", node="ask_what"))
    with pytest.raises(StaleState):
        save(store, key, 1, State(flow_id="main", node="policy"))
    assert store.load(key)[0].node == "ask_what"


def test_a_write_between_load_and_commit_is_detected(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, 0, State(flow_id="main", node="menu"))
    with pytest.raises(StaleState):
        with store.saving(key, 1, State(flow_id="main", node="ask_what")):
            redis_client.hset(key, "v", 7)  # another process writes while the transaction is open
    assert store.load(key)[1] == 7


def test_the_lock_serialises_one_sender(store):
    key = store.key(NUMBER)
    order: list[str] = []

    def hold(name: str, pause: float) -> None:
        with store.lock(key):
            order.append(f"{name} in")
            time.sleep(pause)
            order.append(f"{name} out")

    first = threading.Thread(target=hold, args=("a", 0.2))
    first.start()
    time.sleep(0.05)
    hold("b", 0)
    first.join()
    assert order == ["a in", "a out", "b in", "b out"]


def test_a_dead_lock_holder_blocks_the_sender_only_until_the_lock_expires(store, redis_client):
    key = store.key(NUMBER)
    redis_client.set(f"{key}:lock", "token-of-a-dead-process", px=600)
    with store.lock(key):
        pass  # acquired once the orphan lock expired


def test_a_lock_that_never_frees_gives_up_with_sender_busy(store, redis_client):
    key = store.key(NUMBER)
    redis_client.set(f"{key}:lock", "held-forever")
    with pytest.raises(SenderBusy):
        with store.lock(key):
            pass


def test_seen_message_sids_return_their_replies(store):
    assert store.seen("SM1") is None
    with store.redis.pipeline() as pipe:
        store.mark_seen(pipe, "SM1", ["hola", "menu"])
        pipe.execute()
    assert store.seen("SM1") == ["hola", "menu"]
    assert store.seen("") is None


def test_an_unreadable_state_starts_the_conversation_over(store, redis_client):
    key = store.key(NUMBER)
    redis_client.hset(key, mapping={"v": 3, "state": "{not json"})
    assert store.load(key) == (None, 3)
    save(store, key, 3, State(flow_id="main", node="menu"))  # and the next save still passes the version check
    assert store.load(key)[1] == 4
