"""The admins' Users page and the users CLI's second-factor reset: who may use them, CSRF, every action audited."""
from __future__ import annotations

import pytest

from tests.conftest import Staff
from tests.test_second_factor import enrolled, page, password_step


def test_an_admin_resets_a_factor_and_the_next_sign_in_enrols_again(app, clock):
    admin = Staff(app, "boss", "admin")
    maria, _, _ = enrolled(app, clock)
    html = page(admin.get("/dashboard/users"))
    assert 'id="user-maria"' in html and "10 recovery codes left" in html
    assert admin.post("/dashboard/users/maria", {"action": "reset_mfa"}).status_code == 302
    assert maria.get("/dashboard/tips").location.startswith("/login?")  # her sessions ended
    staff = password_step(app, "maria")
    assert staff.get("/login/code").location.startswith("/login/enrol")
    audit = app.extensions["linea"].audit.recent()
    assert any(e.who == "boss" and e.action == "user_reset_mfa" and e.detail == "maria" for e in audit)


@pytest.mark.parametrize("role", ["officer", "coordinator"])
def test_only_admins_reach_the_users_page(app, role):
    staff = Staff(app, "someone", role)
    assert staff.get("/dashboard/users").status_code == 403
    assert staff.post("/dashboard/users/someone", {"action": "reset_mfa"}).status_code == 403


def test_the_users_page_needs_its_csrf_token_and_a_known_action(app):
    admin = Staff(app, "boss", "admin")
    Staff(app, "maria")
    assert admin.post("/dashboard/users/maria", {"action": "disable"}, csrf=False).status_code == 400
    assert admin.post("/dashboard/users/maria", {"action": "delete"}).status_code == 400
    assert admin.post("/dashboard/users/nobody", {"action": "disable"}).status_code == 404
    assert admin.post("/dashboard/users/boss", {"action": "disable"}).status_code == 400  # not yourself
    assert admin.post("/dashboard/users/maria", {"action": "disable"}).status_code == 302
    assert app.extensions["linea"].accounts.get("maria").disabled


def test_the_cli_resets_a_factor(app, clock):
    enrolled(app, clock)
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "maria"])
    assert result.exit_code == 0 and "maria" in result.output
    assert not app.extensions["linea"].second_factors.enrolled("maria")
    assert app.extensions["linea"].audit.recent()[0].action == "user_reset_mfa"
    listed = app.test_cli_runner().invoke(args=["users", "list"]).output
    assert "maria\tofficer\tpassword, no second factor" in listed
