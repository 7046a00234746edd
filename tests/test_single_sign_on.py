"""Single sign-on against a real OpenID Connect provider on 127.0.0.1 (tests/oidc_provider.py): the code flow with
PKCE, state and nonce; every bad answer refused (signature, audience, expiry, replayed nonce or state, unmapped
group, another browser); roles from groups; LINE_LOCAL_LOGIN=off."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from bot import ConfigError, create_app
from tests.conftest import PASSWORD, Staff, production_config
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider

GROUPS = "admin=LineAdmins,coordinator=LineCoordinators,officer=LineOfficers"


@pytest.fixture
def provider(clock):
    provider = Provider()
    provider.clock = clock
    provider.people["maria.lopez@pd.example"] = Person("provider password", ["Everyone", "LineOfficers"])
    provider.people["boss@pd.example"] = Person("provider password", ["LineOfficers", "LineAdmins"])
    provider.people["cook@pd.example"] = Person("provider password", ["Cafeteria"])
    yield provider.start()
    provider.stop()


def sso_config(redis_url, provider, clock, twilio_http, **overrides):
    settings = {"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
                "oidc_role_groups": GROUPS, "oidc_label": "Test IdP",
                "extra": {"clock": clock, "twilio_http_client": twilio_http}}
    return production_config(redis_url, **{**settings, **overrides})


@pytest.fixture
def app(redis_url, provider, clock, twilio_http):
    return create_app(sso_config(redis_url, provider, clock, twilio_http))


def leave_for_provider(staff: Staff, next_url: str = "/dashboard/tips") -> str:
    """Press the single sign-on button; return the provider's URL the browser is sent to."""
    response = staff.get("/login/sso?next=" + next_url)
    assert response.status_code == 302
    return response.location


def provider_login(url: str, username: str, password: str = "provider password") -> str:
    """Sign in on the provider's page (a real HTTP POST); return where it sends the browser back to."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    answer = requests.post(url.split("?")[0], data={**query, "username": username, "password": password},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def come_back(staff: Staff, callback: str):
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}" == "https://line.example.test"  # PUBLIC_BASE_URL's callback
    return staff.get(parts.path + "?" + parts.query)


def sign_in(app, username: str, next_url: str = "/dashboard/tips"):
    staff = Staff(app)
    return staff, come_back(staff, provider_login(leave_for_provider(staff, next_url), username))


def test_the_authorisation_request_carries_pkce_state_and_nonce(app, provider):
    url = leave_for_provider(Staff(app))
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer + "/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["https://line.example.test/login/sso/callback"]
    assert set(query["scope"][0].split()) >= {"openid"}


def test_a_provider_sign_in_opens_a_complete_session_with_the_mapped_role(app, provider):
    staff, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == 302 and response.location == "/dashboard/tips"
    assert staff.get("/dashboard/tips").status_code == 200   # no second factor asked: the provider's counts
    assert staff.get("/dashboard/audit").status_code == 403  # an officer
    user = app.extensions["linea"].accounts.get("maria.lopez")
    assert user.role == "officer" and user.source == "sso"
    assert app.extensions["linea"].accounts.last_sign_in("maria.lopez")[1] == "sso"
    assert provider.token_requests[-1]["code_verifier"]  # the code was exchanged with its PKCE verifier
    assert app.extensions["linea"].audit.recent()[0].detail == "sso as officer"


def test_the_highest_mapped_group_wins_and_the_role_follows_the_provider(app, provider):
    staff, _ = sign_in(app, "boss@pd.example")
    assert staff.get("/dashboard/audit").status_code == 200
    provider.people["boss@pd.example"].groups = ["LineOfficers"]
    staff, _ = sign_in(app, "boss@pd.example")
    assert app.extensions["linea"].accounts.get("boss").role == "officer"
    assert staff.get("/dashboard/audit").status_code == 403


@pytest.mark.parametrize("misbehave, reason, status", [
    ("bad_signature", "could not be verified", 400),
    ("wrong_audience", "could not be verified", 400),
    ("expired", "could not be verified", 400),
    ("no_groups", "not in a group", 403),
])
def test_a_bad_id_token_signs_nobody_in(app, provider, misbehave, reason, status):
    provider.misbehave = misbehave
    staff, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == status and reason in response.get_data(as_text=True)
    assert staff.get("/dashboard/tips").location.startswith("/login?")
    assert app.extensions["linea"].accounts.get("maria.lopez") is None
    entry = app.extensions["linea"].audit.recent()[0]
    assert entry.action == "login_refused" and entry.detail.startswith("sso ")


def test_a_user_in_no_mapped_group_is_refused_with_a_clear_page(app):
    _, response = sign_in(app, "cook@pd.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "Ask your IT department to add you" in html
    assert app.extensions["linea"].audit.recent()[0].detail.startswith("sso no_group")


def test_an_id_token_with_the_nonce_of_an_earlier_sign_in_is_refused(app, provider):
    sign_in(app, "maria.lopez@pd.example")
    provider.misbehave = "replayed_nonce"
    staff, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == 400 and staff.get("/dashboard/tips").status_code == 302
    assert app.extensions["linea"].audit.recent()[0].detail.startswith("sso nonce")


def test_a_callback_works_once(app):
    staff = Staff(app)
    callback = provider_login(leave_for_provider(staff), "maria.lopez@pd.example")
    assert come_back(staff, callback).status_code == 302
    again = come_back(staff, callback)
    assert again.status_code == 400 and "took too long" in again.get_data(as_text=True)


def test_a_callback_in_another_browser_is_refused(app):
    started = Staff(app)
    callback = provider_login(leave_for_provider(started), "maria.lopez@pd.example")
    victim = Staff(app)  # someone sent this link: they must not be signed in as the sender
    response = come_back(victim, callback)
    assert response.status_code == 400 and victim.get("/dashboard/tips").status_code == 302


def test_the_provider_saying_no_signs_nobody_in(app):
    staff = Staff(app)
    state = parse_qs(urlsplit(leave_for_provider(staff)).query)["state"][0]
    response = staff.get(f"/login/sso/callback?state={state}&error=access_denied")
    assert response.status_code == 400 and staff.get("/dashboard/tips").status_code == 302


def test_an_sso_identity_cannot_take_over_a_local_account(app):
    app.extensions["linea"].accounts.create("maria.lopez", "admin", PASSWORD)
    _, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == 409 and app.extensions["linea"].accounts.get("maria.lopez").role == "admin"


def test_a_disabled_sso_account_stays_out(app):
    sign_in(app, "maria.lopez@pd.example")
    app.extensions["linea"].accounts.set_disabled("maria.lopez", True)
    staff, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == 403 and staff.get("/dashboard/tips").status_code == 302


def test_an_sso_account_has_no_password_to_guess(app):
    sign_in(app, "maria.lopez@pd.example")
    assert Staff(app).login("maria.lopez", "").status_code in (400, 401)
    assert app.extensions["linea"].accounts.authenticate("maria.lopez", "anything at all") is None


def test_the_login_page_offers_the_provider(app):
    html = Staff(app).get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in html and 'name="password"' in html


def test_local_login_off_leaves_only_single_sign_on(redis_url, provider, clock, twilio_http):
    app = create_app(sso_config(redis_url, provider, clock, twilio_http, local_login="off"))
    app.extensions["linea"].accounts.create("maria", "admin", PASSWORD)
    staff = Staff(app)
    html = staff.get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in html and 'name="password"' not in html
    response = staff.post("/login", {"name": "maria", "password": PASSWORD})
    assert response.status_code == 403 and staff.get("/dashboard/tips").status_code == 302


def test_an_unreachable_provider_gets_a_clear_page_not_a_500(redis_url, clock, twilio_http):
    dead = Provider()
    dead.issuer = "http://127.0.0.1:9"  # nothing listens there
    app = create_app(sso_config(redis_url, dead, clock, twilio_http))
    response = Staff(app).get("/login/sso")
    assert response.status_code == 502 and "cannot be reached" in response.get_data(as_text=True)


@pytest.mark.parametrize("overrides, message", [
    ({"oidc_client_secret": ""}, "LINE_OIDC_CLIENT_SECRET"),
    ({"oidc_role_groups": ""}, "LINE_OIDC_ROLE_GROUPS"),
    ({"oidc_role_groups": "chief=LineAdmins"}, "ROLE=GROUP"),
    ({"oidc_issuer": "http://login.example.org"}, "https://"),
    ({"oidc_issuer": "", "local_login": "off"}, "needs single sign-on"),
    ({"mfa": "optional"}, "only in local mode"),
    ({"mfa": "sometimes"}, "LINE_MFA must be one of"),
])
def test_a_sign_in_setting_that_cannot_work_stops_start_up(redis_url, provider, clock, twilio_http, overrides,
                                                            message):
    with pytest.raises(ConfigError, match=message):
        create_app(sso_config(redis_url, provider, clock, twilio_http, **overrides))


def test_without_an_issuer_there_is_no_single_sign_on(redis_url, clock, twilio_http):
    app = create_app(production_config(redis_url, extra={"clock": clock, "twilio_http_client": twilio_http}))
    assert Staff(app).get("/login/sso").status_code == 404


def test_a_rotated_signing_key_is_fetched_again(app, provider):
    from joserfc.jwk import RSAKey
    sign_in(app, "maria.lopez@pd.example")  # the line now holds the provider's keys
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "signing-2", "use": "sig", "alg": "RS256"})
    staff, response = sign_in(app, "maria.lopez@pd.example")
    assert response.status_code == 302 and staff.get("/dashboard/tips").status_code == 200
