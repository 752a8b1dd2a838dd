"""Platform pages outside any tenant, and the embedded-default set-up behind `wasl demo`."""
import sqlalchemy as sa

from core.demo import OPERATOR_EMAIL
from core.models import TenantRole, User
from core.roles import Role
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, login


def test_landing_page_lists_active_tenants(client, seed_tenants):
    html = client.get("/").get_data(as_text=True)
    for slug in ("irth", "al-humaima", "green-energy", "live-law", "model-welfare"):
        assert f'href="/{slug}/"' in html
    assert "جمعية إرث التعليمية" in html


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_tenant_home_shows_its_own_channels_and_contact(client, seed_tenants):
    html = client.get("/al-humaima/").get_data(as_text=True)
    assert "خدمة التطوع" in html and "مناديب المكاتب الفرعية" in html
    assert "0508072675" in html
    irth = client.get("/irth/").get_data(as_text=True)
    assert "خدمة التطوع" not in irth and "الخطابات" in irth


def test_sample_tenant_is_marked_as_sample(client, seed_tenants):
    html = client.get("/model-welfare/?lang=en").get_data(as_text=True)
    assert "not a real organisation" in html


def test_demo_provisions_every_tenant_and_prints_working_logins(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WASL_DEMO_PASSWORD", "demo-password-42")
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "password: demo-password-42" in result.output
    assert "reviewer@irth.example" in result.output and OPERATOR_EMAIL in result.output
    with app_ctx(app) as session, cross_tenant_scope():
        emails = set(session.scalars(sa.select(User.email)))
        assert {f"{r.value}@{s}.example" for r in Role
                for s in ("irth", "al-humaima", "green-energy", "live-law", "model-welfare")} <= emails
        assert session.scalar(sa.select(sa.func.count()).select_from(TenantRole)) == 5 * len(Role)
    assert login(client, "reviewer@irth.example", "demo-password-42").headers["Location"].endswith(
        "/irth/staff/")
    # Running it again is harmless and keeps what admins changed since (files are applied with
    # `wasl tenants provision`, not by restarting the demo).
    from core import tenant_settings, tenants

    with app_ctx(app) as session, cross_tenant_scope():
        tenant_settings.update(tenants.by_slug("irth"), {"holidays": ["2027-01-01"]})
        session.commit()
    again = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert again.exit_code == 0 and "irth             kept" in again.output
    with app_ctx(app), cross_tenant_scope():
        assert tenants.by_slug("irth").settings["holidays"] == ["2027-01-01"]


def test_demo_generates_a_password_when_none_is_set(app, monkeypatch):
    monkeypatch.setitem(app.config, "WASL_DEMO_PASSWORD", None)
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    line = next(text for text in result.output.splitlines() if "password:" in text)
    assert len(line.split("password:")[1].strip()) >= 10


def test_users_create_gives_roles_in_a_tenant(app, client, tenant_a):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "new@alpha.example", "--name", "New Person",
        "--password", "a-long-password", "--tenant", "alpha", "--role", "reviewer", "--role", "viewer"])
    assert result.exit_code == 0, result.output
    response = login(client, "new@alpha.example", "a-long-password")
    assert response.headers["Location"].endswith("/alpha/staff/")


def test_users_create_refuses_a_short_password_and_writes_nothing(app, tenant_a):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "x@alpha.example", "--name", "X", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output
    with app_ctx(app) as session:
        assert session.scalar(sa.select(User).where(User.email == "x@alpha.example")) is None


def test_users_disable_ends_sessions(app, client, tenant_a):
    app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "d@alpha.example", "--name", "D",
        "--password", "a-long-password", "--tenant", "alpha", "--role", "viewer"])
    login(client, "d@alpha.example", "a-long-password")
    assert client.get("/alpha/staff/").status_code == 200
    assert app.test_cli_runner().invoke(args=["users", "disable", "d@alpha.example"]).exit_code == 0
    assert client.get("/alpha/staff/").status_code == 302
