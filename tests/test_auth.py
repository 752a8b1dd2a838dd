"""Logging in and out, sessions that really end, rate limits, CSRF and role checks."""
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from core.models import AuthSession
from core.models.base import utcnow
from tests.helpers import PASSWORD, app_ctx, csrf_token, login, make_user


def test_login_lands_on_the_staff_home_of_the_only_tenant(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    response = login(client, "officer@alpha.example")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/alpha/staff/")
    page = client.get("/alpha/staff/")
    assert page.status_code == 200
    assert "officer" in page.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message_on_the_password_field(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    response = login(client, "officer@alpha.example", "wrong password!")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'id="password-error"' in html
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in html
    assert client.get("/alpha/staff/").status_code == 302  # still anonymous


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(app, client):
    response = login(client, "nobody@nowhere.example", "whatever-password")
    assert response.status_code == 401
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in response.get_data(as_text=True)


def test_login_starts_a_new_session_cookie(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    client.get("/auth/login")
    before = client.get_cookie("wasl_session").value
    login(client, "officer@alpha.example")
    after = client.get_cookie("wasl_session").value
    assert before != after
    with app_ctx(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuthSession)) == 1


def test_logout_then_replaying_the_old_cookie_is_refused(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    stolen = client.get_cookie("wasl_session").value
    assert client.get("/alpha/staff/").status_code == 200
    token = csrf_token(client, "/alpha/staff/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("wasl_session", stolen)
    response = attacker.get("/alpha/staff/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_disabling_a_user_ends_their_open_session(app, client, tenant_a):
    from core import accounts
    from core.models import User
    from core.tenancy import cross_tenant_scope

    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    assert client.get("/alpha/staff/").status_code == 200
    with app_ctx(app) as session, cross_tenant_scope():
        accounts.disable_user(session.scalar(sa.select(User).where(User.email == "officer@alpha.example")))
        session.commit()
    assert client.get("/alpha/staff/").status_code == 302
    assert login(client, "officer@alpha.example").status_code == 401


def test_idle_session_expires(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    assert client.get("/alpha/staff/").status_code == 200
    later = utcnow() + timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        response = client.get("/alpha/staff/")
        assert response.status_code == 302
        page = client.get(response.headers["Location"])
    assert "انتهت جلستك" in page.get_data(as_text=True)


def test_repeated_wrong_passwords_are_rate_limited(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    codes = [login(client, "officer@alpha.example", "wrong password!").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # Even the right password is refused until the window passes.
    assert login(client, "officer@alpha.example", PASSWORD).status_code == 429


def test_form_without_csrf_token_is_refused(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    response = client.post("/auth/login", data={"email": "officer@alpha.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "انتهت صلاحية النموذج" in response.get_data(as_text=True)
    assert client.get("/alpha/staff/").status_code == 302


def test_member_without_the_role_gets_403(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    response = client.get("/alpha/admin/")
    assert response.status_code == 403
    assert "ليس لديك صلاحية" in response.get_data(as_text=True)


def test_admin_only_member_gets_403_in_the_staff_area(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    response = login(client, "admin@alpha.example")
    assert response.headers["Location"].endswith("/alpha/admin/")
    assert client.get("/alpha/staff/").status_code == 403
    assert client.get("/alpha/admin/").status_code == 200


def test_non_operator_gets_403_on_the_operator_console(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    assert client.get("/operator/").status_code == 403


def test_open_redirect_after_login_is_ignored(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    token = csrf_token(client)
    response = client.post("/auth/login?next=https://evil.example/x",
                           data={"email": "officer@alpha.example", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/alpha/staff/")


def test_pages_with_personal_data_are_not_cached_and_carry_security_headers(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    response = client.get("/alpha/admin/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    cookie = client.get_cookie("wasl_session")
    assert cookie.http_only


def test_user_of_several_tenants_chooses_one(app, client, tenant_a, tenant_b):
    make_user(app, "both@x.example", {"alpha": ["reviewer"], "beta": ["tenant_admin"]})
    response = login(client, "both@x.example")
    assert response.headers["Location"].endswith("/auth/tenants")
    html = client.get("/auth/tenants").get_data(as_text=True)
    assert "/alpha/staff/" in html and "/beta/admin/" in html
    assert client.get("/beta/staff/").status_code == 403
    assert client.get("/alpha/admin/").status_code == 403
