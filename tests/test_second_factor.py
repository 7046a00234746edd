"""The second factor, over HTTP and against a real redis-server: enrolment at the first sign-in, codes accepted once,
throttling, recovery codes, a partial session reaching nothing, and LINE_MFA. Resets: tests/test_users.py."""
from __future__ import annotations

import re

import fakeredis
import pyotp
import pytest

from bot import create_app
from bot.officers.second_factor import SecondFactors, normalise_code
from tests.conftest import PASSWORD, FakeClock, Staff, production_config


def page(response) -> str:
    return response.get_data(as_text=True)


def password_step(app, name: str, role: str = "officer") -> Staff:
    """A user who has typed the right password and now faces the second factor."""
    if app.extensions["linea"].accounts.get(name) is None:
        app.extensions["linea"].accounts.create(name, role, PASSWORD)
    staff = Staff(app)
    response = staff.login(name, PASSWORD)
    assert response.status_code == 302 and response.location.startswith("/login/code")
    staff.get(response.location)  # the page (and its form's token) the browser lands on
    return staff


def enrolled(app, clock, name: str = "maria", role: str = "officer") -> tuple[Staff, str, list[str]]:
    """A user who has enrolled (and is signed in); returns the client, the secret and the recovery codes."""
    staff = password_step(app, name, role)
    html = page(staff.get("/login/enrol"))
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    done = staff.post("/login/enrol", {"code": pyotp.TOTP(secret).at(clock())})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page(done))
    return staff, secret, codes


# --- the store (pure unit tests, fakeredis) -------------------------------------------------------------

@pytest.fixture
def factors():
    clock = FakeClock()
    return SecondFactors(fakeredis.FakeRedis(), "unit-test-secret-0123456789", clock), clock


@pytest.mark.parametrize("typed, normalised", [("123 456", "123456"), (" 123-456 ", "123456"),
                                               ("ABCDE-FGHJK", "abcdefghjk"), ("", "")])
def test_codes_are_read_as_typed(typed, normalised):
    assert normalise_code(typed) == normalised


def test_a_code_is_accepted_once_and_never_an_older_one(factors):
    store, clock = factors
    secret = store.new_secret()
    assert store.confirm("maria", secret, pyotp.TOTP(secret).at(clock())) is not None
    clock.advance(30)
    now = pyotp.TOTP(secret).at(clock())
    assert store.verify("maria", now) == "totp"
    assert store.verify("maria", now) is None                               # the same code again
    assert store.verify("maria", pyotp.TOTP(secret).at(clock() - 30)) is None  # an older one (the enrolment's)
    clock.advance(30)
    assert store.verify("maria", pyotp.TOTP(secret).at(clock())) == "totp"


@pytest.mark.parametrize("offset, accepted", [(-60, False), (-30, True), (30, True), (90, False)])
def test_a_phone_clock_may_be_one_step_off(factors, offset, accepted):
    store, clock = factors
    secret = store.new_secret()
    store.confirm("maria", secret, pyotp.TOTP(secret).at(clock()))
    clock.advance(90)
    assert (store.verify("maria", pyotp.TOTP(secret).at(clock() + offset)) == "totp") is accepted


def test_recovery_codes_work_once_each_and_are_kept_only_as_hmacs(factors):
    store, clock = factors
    secret = store.new_secret()
    codes = store.confirm("maria", secret, pyotp.TOTP(secret).at(clock()))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert store.verify("maria", codes[3].upper()) == "recovery"
    assert store.verify("maria", codes[3]) is None
    assert store.recovery_left("maria") == 9
    at_rest = b" ".join(v for k in store.redis.keys() if store.redis.type(k) == b"set"
                        for v in store.redis.smembers(k))
    assert codes[0].replace("-", "").encode() not in at_rest
    secret_at_rest = store.redis.hget("ls:user:maria:mfa", "secret")
    assert secret.encode() not in secret_at_rest and store.unseal(secret_at_rest.decode()) == secret


def test_a_wrong_code_does_not_enrol(factors):
    store, clock = factors
    secret = store.new_secret()
    wrong = f"{(int(pyotp.TOTP(secret).at(clock())) + 1) % 1_000_000:06d}"
    assert store.confirm("maria", secret, wrong) is None and not store.enrolled("maria")


def test_the_qr_code_is_svg_of_the_otpauth_uri(factors):
    store, _ = factors
    enrolment = store.enrolment("maria", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert enrolment.qr_svg.startswith("<svg") and "<script" not in enrolment.qr_svg
    assert enrolment.uri.startswith("otpauth://totp/L%C3%ADnea%20Segura:maria?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert enrolment.grouped == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


# --- over HTTP (real redis-server) ----------------------------------------------------------------------

def test_the_first_sign_in_enrols_with_a_qr_code_and_the_secret_in_text(app, clock):
    staff = password_step(app, "maria")
    assert staff.get("/login/code").location.startswith("/login/enrol")
    html = page(staff.get("/login/enrol"))
    assert '<svg' in html and 'id="mfa-secret"' in html and "<script" not in html
    staff2, secret, codes = enrolled(app, clock, "jose")
    assert len(codes) == 10
    assert staff2.get("/dashboard/tips").status_code == 200
    actions = [e.action for e in app.extensions["linea"].audit.recent() if e.who == "jose"]
    assert actions[:3] == ["login", "mfa_enrolled", "login_password"]


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_a_partial_session_reaches_nothing_but_the_second_factor(app, clock, role):
    from tests.test_dashboard import add_tip
    add_tip(app, "K7QF-3MZP", 1_790_000_000)
    staff = password_step(app, "user1", role)
    for path in ("/dashboard/", "/dashboard/tips", "/dashboard/tips/K7QF-3MZP", "/dashboard/tips/K7QF-3MZP/case-file",
                 "/dashboard/tips/K7QF-3MZP/photos/ME0123", "/dashboard/stats", "/dashboard/duty", "/dashboard/audit",
                 "/dashboard/users", "/dashboard/flows/", "/dashboard/flows/edit", "/dashboard/flows/export/1"):
        response = staff.get(path)
        assert response.status_code == 302 and response.location.startswith("/login/code?next="), path
    for path, form in (("/dashboard/tips/K7QF-3MZP/status", {"status": "closed"}),
                       ("/dashboard/tips/K7QF-3MZP/notes", {"note": "x"}), ("/dashboard/flows/publish", {}),
                       ("/dashboard/users/user1", {"action": "reset_mfa"})):
        assert staff.post(path, form).status_code == 403, path
    assert app.extensions["linea"].tips.get("K7QF-3MZP").status == "new"
    assert app.extensions["linea"].audit.recent()[0].action == "login_password"  # nothing viewed, nothing changed


def test_a_code_signs_in_once_and_the_same_code_is_refused_the_second_time(app, clock):
    _, secret, _ = enrolled(app, clock)
    clock.advance(30)
    code = pyotp.TOTP(secret).at(clock())
    first = password_step(app, "maria")
    assert first.post("/login/code", {"code": code, "next": "/dashboard/tips"}).location == "/dashboard/tips"
    assert first.get("/dashboard/tips").status_code == 200
    second = password_step(app, "maria")
    refused = second.post("/login/code", {"code": code})
    assert refused.status_code == 401 and "already used" in page(refused)
    assert second.get("/dashboard/tips").location.startswith("/login/code")


def test_wrong_codes_are_throttled_like_passwords(app, clock):
    _, secret, _ = enrolled(app, clock)
    clock.advance(30)
    staff = password_step(app, "maria")
    statuses = [staff.post("/login/code", {"code": f"{i:06d}"}).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    assert staff.post("/login/code", {"code": pyotp.TOTP(secret).at(clock())}).status_code == 429
    actions = [e.action for e in app.extensions["linea"].audit.recent() if e.who == "maria"]
    assert actions.count("mfa_failed") == 5 and "login_locked" in actions


def test_a_recovery_code_signs_in_once(app, clock):
    _, _, codes = enrolled(app, clock)
    staff = password_step(app, "maria")
    assert staff.post("/login/code", {"code": codes[0]}).status_code == 302
    assert staff.get("/dashboard/tips").status_code == 200
    again = password_step(app, "maria")
    assert again.post("/login/code", {"code": codes[0]}).status_code == 401
    assert app.extensions["linea"].audit.recent()[0].action == "mfa_failed"
    assert any(e.detail == "recovery code, 9 left" for e in app.extensions["linea"].audit.recent())


def test_the_partial_session_expires_and_its_cookie_never_becomes_a_full_one(app, clock):
    _, secret, _ = enrolled(app, clock)
    staff = password_step(app, "maria")
    partial_cookie = staff.client.get_cookie("__Host-linea-session", domain="line.example.test").value
    clock.advance(30)
    assert staff.post("/login/code", {"code": pyotp.TOTP(secret).at(clock())}).status_code == 302
    assert staff.client.get_cookie("__Host-linea-session", domain="line.example.test").value != partial_cookie
    thief = Staff(app)
    thief.client.set_cookie("__Host-linea-session", partial_cookie, domain="line.example.test")
    assert thief.get("/dashboard/tips").location.startswith("/login?")
    late = password_step(app, "maria")
    clock.advance(11 * 60)  # a partial session lasts 10 minutes at most (the idle timeout is 30)
    assert late.get("/login/code").location.startswith("/login")


@pytest.mark.parametrize("mode, role, asked", [
    ("officers-optional", "officer", False), ("officers-optional", "coordinator", True),
    ("officers-optional", "admin", True), ("required", "officer", True),
])
def test_line_mfa_decides_who_must_have_a_second_factor(redis_url, clock, twilio_http, mode, role, asked):
    app = create_app(production_config(redis_url, mfa=mode, extra={"clock": clock, "twilio_http_client": twilio_http}))
    app.extensions["linea"].accounts.create("user1", role, PASSWORD)
    response = Staff(app).login("user1", PASSWORD)
    assert response.location.startswith("/login/code") is asked


def test_an_officer_who_chose_a_factor_is_always_asked_for_it(redis_url, clock, twilio_http):
    app = create_app(production_config(redis_url, mfa="officers-optional",
                                       extra={"clock": clock, "twilio_http_client": twilio_http}))
    staff = Staff(app, "maria")
    assert "mfa-set-up" in page(staff.get("/dashboard/tips"))
    html = page(staff.get("/login/enrol"))
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert staff.post("/login/enrol", {"code": pyotp.TOTP(secret).at(clock())}).status_code == 200
    assert "mfa-set-up" not in page(staff.get("/dashboard/tips"))
    assert Staff(app).login("maria", PASSWORD).location.startswith("/login/code")
