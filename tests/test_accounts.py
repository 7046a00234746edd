"""Accounts: roles, hashed passwords, no defaults, server-side sessions, login throttling (real redis-server)."""
from __future__ import annotations

import pytest

from bot.officers.accounts import FAILURES_PER_CLIENT, FAILURES_PER_NAME, AccountError, Accounts, User, same_token
from tests.conftest import PASSWORD, FakeClock


@pytest.fixture
def accounts(redis_client) -> Accounts:
    return Accounts(redis_client, session_ttl=3600, clock=FakeClock())


def test_there_are_no_accounts_until_someone_creates_one(accounts):
    assert accounts.all() == []
    assert accounts.authenticate("admin", "admin") is None and accounts.authenticate("", "") is None


def test_passwords_are_stored_hashed_never_in_clear(accounts, redis_client):
    accounts.create("maria", "officer", PASSWORD)
    dump = b"".join(k + b"".join(redis_client.hgetall(k).values()) for k in redis_client.keys("ls:user:*")
                    if redis_client.type(k) == b"hash")
    assert PASSWORD.encode() not in dump and b"scrypt:" in dump


@pytest.mark.parametrize("name, role, password, problem", [
    ("Maria", "officer", PASSWORD, None),                 # names are lower-cased
    ("m", "officer", PASSWORD, "2-32 characters"),
    ("maria gomez", "officer", PASSWORD, "2-32 characters"),
    ("<script>", "officer", PASSWORD, "2-32 characters"),
    ("maria", "chief", PASSWORD, "role must be one of"),
    ("maria", "officer", "short", "at least 12"),
    ("maria", "officer", "x" * 257, "at most 256"),
])
def test_account_rules(accounts, name, role, password, problem):
    if problem is None:
        assert accounts.create(name, role, password) == User("maria", "officer")
    else:
        with pytest.raises(AccountError, match=problem):
            accounts.create(name, role, password)


def test_a_name_cannot_be_taken_twice(accounts):
    accounts.create("maria", "officer", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create("maria", "admin", PASSWORD)
    assert accounts.get("maria").role == "officer"


@pytest.mark.parametrize("role, allowed", [
    ("officer", {"officer"}), ("coordinator", {"coordinator"}), ("admin", {"officer", "coordinator", "admin"}),
])
def test_roles(role, allowed):
    user = User("x", role)
    assert {r for r in ("officer", "coordinator", "admin") if user.can(r)} == allowed
    assert not User("x", role, disabled=True).can(role)


def test_authenticate_needs_the_right_password_and_an_enabled_account(accounts):
    accounts.create("maria", "officer", PASSWORD)
    assert accounts.authenticate(" MARIA ", PASSWORD) == User("maria", "officer")
    assert accounts.authenticate("maria", PASSWORD + "x") is None
    accounts.set_disabled("maria", True)
    assert accounts.authenticate("maria", PASSWORD) is None


def test_sessions_end_on_logout_password_change_and_disable(accounts):
    user = accounts.create("maria", "officer", PASSWORD)
    tokens = [accounts.start_session(user, "10.0.0.1") for _ in range(3)]
    assert all(accounts.session(t).user == user for t in tokens)
    accounts.end_session(tokens[0])
    assert accounts.session(tokens[0]) is None and accounts.session(tokens[1]) is not None
    accounts.set_password("maria", "another long password")
    assert accounts.session(tokens[1]) is None
    token = accounts.start_session(user, "10.0.0.1")
    accounts.set_disabled("maria", True)
    assert accounts.session(token) is None
    assert accounts.session("") is None and accounts.session("x" * 500) is None


def test_redis_keeps_only_a_digest_of_session_tokens(accounts, redis_client):
    token = accounts.start_session(accounts.create("maria", "officer", PASSWORD), "10.0.0.1")
    assert not any(token.encode() in k for k in redis_client.keys("*"))
    assert redis_client.ttl(next(iter(redis_client.keys("ls:session:*")))) == 3600


def test_too_many_failures_for_one_name_lock_it(accounts):
    for _ in range(FAILURES_PER_NAME):
        assert not accounts.locked_out("maria", "10.0.0.1")
        accounts.login_failed("maria", "10.0.0.1")
    assert accounts.locked_out("maria", "10.0.0.9")  # from anywhere
    assert not accounts.locked_out("jose", "10.0.0.9")


def test_too_many_failures_from_one_client_lock_it(accounts):
    for i in range(FAILURES_PER_CLIENT):
        accounts.login_failed(f"name{i}", "10.0.0.1")
    assert accounts.locked_out("anyone", "10.0.0.1") and not accounts.locked_out("anyone", "10.0.0.2")


def test_read_markers_are_per_user(accounts):
    accounts.mark_read("maria", "K7QF-3MZP")
    assert accounts.read_codes("maria", ["K7QF-3MZP", "2ABC-3DEF"]) == {"K7QF-3MZP"}
    assert accounts.read_codes("jose", ["K7QF-3MZP"]) == set() and accounts.read_codes("maria", []) == set()


@pytest.mark.parametrize("a, b, same", [("abc", "abc", True), ("abc", "abd", False), ("", "", False),
                                        ("abc", "", False)])
def test_same_token(a, b, same):
    assert same_token(a, b) is same
