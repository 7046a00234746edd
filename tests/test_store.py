"""Conversation state in a real redis-server: pseudonymous keys, TTL, per-sender lock, no lost or late writes."""
from __future__ import annotations

import threading
import time

import pytest

from bot.conversations.store import ConversationStore, SenderBusy, StaleState
from bot.engine import State
from bot.platform.keys import sender_id

NUMBER = "+15551112222"


@pytest.fixture
def store(redis_client) -> ConversationStore:
    return ConversationStore(redis_client, "store-test-secret-123456", ttl=3600, dedupe_ttl=60, lock_seconds=1.0)


def save(store: ConversationStore, key: str, state: State, sid: str = "", replies: list[str] | None = None) -> None:
    with store.session(key, sid) as session:
        with session.saving(state) as pipe:
            session.mark_seen(pipe, replies or [])


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
    save(store, key, state)
    assert store.load(key) == (state, 1)
    with store.session(key) as session:
        assert (session.state, session.version) == (state, 1)
    assert 3500 < redis_client.ttl(key) <= 3600


def test_an_opt_out_outlives_the_inactivity_timeout(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, State(flow_id="main", opted_out=True))
    assert redis_client.ttl(key) == -1


def test_a_late_writer_cannot_overwrite_newer_state(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, State(flow_id="main", node="menu"))
    with pytest.raises(StaleState):
        with store.session(key) as late:
            # the late writer's lock expired and another message was applied meanwhile
            redis_client.hset(key, mapping={"v": 2, "state": '{"flow_id": "main", "node": "ask_what"}'})
            with late.saving(State(flow_id="main", node="policy")):
                pass
    assert store.load(key)[0].node == "ask_what"
    assert not redis_client.exists(f"{key}:lock")  # the failed writer let go of the lock


def test_commit_releases_the_lock_and_so_does_an_error(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, State(flow_id="main"))
    assert not redis_client.exists(f"{key}:lock")
    with pytest.raises(RuntimeError):
        with store.session(key):
            assert redis_client.exists(f"{key}:lock")
            raise RuntimeError("boom")
    assert not redis_client.exists(f"{key}:lock")


def test_the_lock_serialises_one_sender(store):
    key = store.key(NUMBER)
    order: list[str] = []

    def hold(name: str, pause: float) -> None:
        with store.session(key):
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
    with store.session(key):
        pass  # taken once the orphan lock expired


def test_a_lock_that_never_frees_gives_up_with_sender_busy(store, redis_client):
    key = store.key(NUMBER)
    redis_client.set(f"{key}:lock", "held-forever")
    with pytest.raises(SenderBusy):
        with store.session(key):
            pass
    assert redis_client.get(f"{key}:lock") == b"held-forever"  # someone else's lock is left alone


def test_a_handled_message_sid_is_remembered_with_its_replies(store, redis_client):
    key = store.key(NUMBER)
    save(store, key, State(flow_id="main"), sid="SM1", replies=["hola", "menu"])
    with store.session(key, "SM1") as session:
        assert session.seen == ["hola", "menu"]
    with store.session(key, "SM2") as session:
        assert session.seen is None
    assert 0 < redis_client.ttl(f"{key}:seen") <= 60
    assert redis_client.hkeys(f"{key}:seen") == [store.seen_field("SM1").encode()]  # an HMAC, never the sid


def test_dedupe_marks_rotate_so_memory_stays_bounded_and_recent_ones_are_kept(store, redis_client):
    from bot.conversations.store import SEEN_ROTATE
    key = store.key(NUMBER)
    total = SEEN_ROTATE * 3 + 7
    for n in range(total):
        with store.session(key, f"SM{n}") as session:
            assert session.seen is None
            with session.saving(State(flow_id="main")) as pipe:
                session.mark_seen(pipe, [f"reply {n}"])
    marks = redis_client.hlen(f"{key}:seen") + redis_client.hlen(f"{key}:seen:old")
    assert SEEN_ROTATE < marks <= 2 * SEEN_ROTATE
    for n in range(total - SEEN_ROTATE, total):  # at least the last SEEN_ROTATE messages are still known
        with store.session(key, f"SM{n}") as session:
            assert session.seen == [f"reply {n}"]


def test_an_unreadable_state_starts_the_conversation_over(store, redis_client):
    key = store.key(NUMBER)
    redis_client.hset(key, mapping={"v": 3, "state": "{not json"})
    assert store.load(key) == (None, 3)
    save(store, key, State(flow_id="main", node="menu"))
    assert store.load(key)[1] == 4


def test_a_key_that_must_be_new_stops_the_whole_commit_when_it_exists(store, redis_client):
    from bot.conversations.store import KeyTaken
    key = store.key(NUMBER)
    save(store, key, State(flow_id="main", node="menu"))
    redis_client.set("ls:tip:{AAAA-2222}", "an older tip")
    with pytest.raises(KeyTaken):
        with store.session(key) as session:
            session.must_be_new("ls:tip:{AAAA-2222}")
            with session.saving(State(flow_id="main", node="after_tip")) as pipe:
                pipe.set("ls:tip:{AAAA-2222}", "overwritten")
    assert redis_client.get("ls:tip:{AAAA-2222}") == b"an older tip"
    assert store.load(key) == (State(flow_id="main", node="menu"), 1)   # nothing of the message was written
    assert not redis_client.exists(f"{key}:lock")


def test_a_conversations_keys_share_one_cluster_hash_slot(store, redis_client):
    """Every key of one sender (state, lock, dedupe marks, handles, draft photos) has the same hash tag, and so
    has every key of one tip: the per-conversation script never spans slots (DEPLOY.md: why Cluster is still
    out)."""
    from redis.crc import key_slot

    from bot.tips.handles import HandleStore
    from bot.tips.repository import TipRepository

    key = store.key(NUMBER)
    with store.session(key, "SM-slot-test") as session:
        with session.saving(State(flow_id="main", node="menu", locale="es", updated_at=1.0)) as pipe:
            session.mark_seen(pipe, ["hola"])
            session.remember_handle(pipe, "K7QF-3MZP", 60)
            session.add_draft_media(pipe, "ME1", 60)
    written = [k.decode() for k in redis_client.scan_iter(match=f"{key}*")]
    assert len(written) == 4 and len({key_slot(k.encode()) for k in written + [f"{key}:lock", f"{key}:seen:old"]}) == 1
    tip_keys = [TipRepository.key("K7QF-3MZP"), HandleStore.key("K7QF-3MZP")]
    assert len({key_slot(k.encode()) for k in tip_keys}) == 1
