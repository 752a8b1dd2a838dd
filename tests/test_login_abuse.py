"""Login abuse, host headers and what the server says about itself."""
import pytest

from core.app import create_app
from tests.helpers import PASSWORD, csrf_token, login, make_user


def _try(client, email, password="wrong password!", **environ):
    token = csrf_token(client)
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ).status_code


def test_a_huge_email_does_not_become_a_rate_limit_key(app, client, tenant_a):
    from blueprints.auth.views import _account_key

    huge = "a" * 50_000 + "@x.example"
    assert _try(client, huge) == 401
    with app.test_request_context("/auth/login", method="POST", data={"email": huge}):
        key = _account_key()
    with app.test_request_context("/auth/login", method="POST", data={"email": huge.upper()}):
        same = _account_key()
    assert len(key) < 64 and "aaaa" not in key and key == same


def test_a_field_larger_than_any_form_needs_is_refused(app, client, tenant_a):
    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": "x" * 300_000, "password": "p", "csrf_token": token})
    assert response.status_code == 413


def test_password_spraying_from_one_address_is_limited_across_accounts(app, client, tenant_a):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "4 per 15 minutes"
    try:
        codes = [_try(client, f"person{n}@alpha.example") for n in range(5)]
    finally:
        app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "30 per 15 minutes"
    assert codes == [401, 401, 401, 401, 429]


def test_an_attacker_cannot_lock_the_owner_out_of_their_own_browser(app, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    owner = app.test_client()
    assert login(owner, "officer@alpha.example").status_code == 302  # this browser gets a device cookie
    owner.post("/auth/logout", data={"csrf_token": csrf_token(owner, "/alpha/staff/")})
    for n in range(6):  # an attacker from several addresses
        attacker = app.test_client()
        _try(attacker, "officer@alpha.example", REMOTE_ADDR=f"10.0.0.{n}")
    assert _try(app.test_client(), "officer@alpha.example", PASSWORD, REMOTE_ADDR="10.0.0.9") == 429
    assert login(owner, "officer@alpha.example").status_code == 302


def test_a_forged_device_cookie_is_ignored(app, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    attacker = app.test_client()
    attacker.set_cookie("wasl_device", "forged.value", path="/auth/")
    codes = [_try(attacker, "officer@alpha.example") for _ in range(6)]
    assert codes[-1] == 429


def test_a_forged_host_header_is_refused():
    app = create_app({"TESTING": True, "TRUSTED_HOSTS": ["wasl.example.org"]})
    client = app.test_client()
    assert client.get("/auth/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/auth/login", headers={"Host": "wasl.example.org"}).status_code == 200


def test_behind_a_proxy_each_client_has_its_own_address(app):
    proxied = create_app({"TESTING": True, "PROXY_FIX_X_FOR": 1, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_STORAGE_URI": "memory://"})
    seen = []

    @proxied.get("/_whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    client = proxied.test_client()
    client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert seen == ["203.0.113.7"]


@pytest.mark.parametrize("path", ["/auth/login", "/nowhere"])
def test_the_server_header_names_no_versions(path):
    from core.cli import QuietServerHandler

    assert QuietServerHandler.version_string(None) == "Wasl"
