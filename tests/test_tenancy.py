"""Tenant isolation in the web layer and in the ORM (the database layer is in test_postgres_rls.py)."""
from contextlib import nullcontext

import pytest
import sqlalchemy as sa

from core import audit
from core.models import AuditEntry, PlatformAuditEntry, TenantRole
from core.tenancy import TenantScopeError, cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, login, make_tenant, make_user, post_form


def test_unknown_tenant_gets_a_404_page_in_both_languages(client):
    response = client.get("/no-such-association/")
    assert response.status_code == 404
    assert "الصفحة غير موجودة" in response.get_data(as_text=True)
    response = client.get("/no-such-association/?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_suspended_tenant_is_404_and_comes_back_when_resumed(app, client, tenant_a):
    from core import tenants

    assert client.get("/alpha/").status_code == 200
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.suspend(tenants.by_slug("alpha"))
        session.commit()
    assert client.get("/alpha/").status_code == 404
    assert "alpha" not in client.get("/").get_data(as_text=True)
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.resume(tenants.by_slug("alpha"))
        session.commit()
    assert client.get("/alpha/").status_code == 200


def test_member_of_a_gets_404_for_every_private_page_of_b(app, client, tenant_a, tenant_b):
    make_user(app, "admin@alpha.example", {"alpha": list(
        ["tenant_admin", "relations_officer", "reviewer", "executive_director"])})
    login(client, "admin@alpha.example")
    assert client.get("/alpha/staff/").status_code == 200
    assert client.get("/alpha/admin/").status_code == 200
    for url in ("/beta/staff/", "/beta/admin/", "/beta/admin/audit"):
        assert client.get(url).status_code == 404, url


def test_admin_of_a_gets_404_for_an_audit_record_of_b(app, client, tenant_a, tenant_b):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    with app_ctx(app) as session, tenant_scope(tenant_b):
        entry = audit.record("test.secret", object_type="Thing", object_id="b-1")
        session.commit()
        b_entry = entry.id
    with app_ctx(app) as session, tenant_scope(tenant_a):
        entry = audit.record("test.visible", object_type="Thing", object_id="a-1")
        session.commit()
        a_entry = entry.id
    login(client, "admin@alpha.example")
    assert client.get(f"/alpha/admin/audit/{a_entry}").status_code == 200
    assert client.get(f"/alpha/admin/audit/{b_entry}").status_code == 404
    listing = client.get("/alpha/admin/audit").get_data(as_text=True)
    assert "test.visible" in listing and "test.secret" not in listing


def test_admin_of_a_sees_only_a_members(app, client, tenant_a, tenant_b):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    make_user(app, "someone@beta.example", {"beta": ["reviewer"]})
    login(client, "admin@alpha.example")
    html = client.get("/alpha/admin/").get_data(as_text=True)
    assert "admin@alpha.example" in html
    assert "someone@beta.example" not in html


def test_a_query_with_no_tenant_in_scope_reads_nothing(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app) as session:
        assert session.scalars(sa.select(TenantRole)).all() == []
        assert session.scalar(sa.select(sa.func.count()).select_from(TenantRole)) == 0
    with app_ctx(app) as session, tenant_scope(tenant_a):
        roles = session.scalars(sa.select(TenantRole)).all()
        assert {r.tenant_id for r in roles} == {tenant_a}
    with app_ctx(app) as session, cross_tenant_scope():
        assert session.scalar(sa.select(sa.func.count()).select_from(TenantRole)) == 2


def test_a_statement_built_once_and_reused_reads_each_tenant_its_own_rows_in_turn(app, tenant_a, tenant_b):
    """Pages keep some statements across requests (`reused`), scoped once per tenant: the scope of the
    tenant that ran it first must never stick to it."""
    from core.tenancy import reused

    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer", "reviewer"]})
    statement = reused(sa.select(TenantRole).where(TenantRole.role != sa.bindparam("not_role")))
    seen = []
    for tenant in (tenant_a, tenant_b, tenant_a, None, tenant_b):
        with app_ctx(app) as session, (tenant_scope(tenant) if tenant else nullcontext()):
            seen.append(sorted((r.tenant_id, r.role) for r in session.scalars(statement, {"not_role": "x"})))
    alpha, beta = [(tenant_a, "viewer")], [(tenant_b, "reviewer"), (tenant_b, "viewer")]
    assert seen == [alpha, beta, alpha, [], beta]


def test_bulk_update_and_delete_stay_inside_the_tenant(app, tenant_a, tenant_b):
    make_user(app, "a@x.example", {"alpha": ["viewer"]})
    make_user(app, "b@x.example", {"beta": ["viewer"]})
    with app_ctx(app) as session, tenant_scope(tenant_a):
        session.execute(sa.delete(TenantRole))
        session.commit()
    with app_ctx(app) as session, cross_tenant_scope():
        remaining = session.scalars(sa.select(TenantRole.tenant_id)).all()
    assert remaining == [tenant_b]


def test_writing_another_tenants_row_is_refused(app, tenant_a, tenant_b):
    user_id = make_user(app, "a@x.example")
    with app_ctx(app) as session, tenant_scope(tenant_a):
        session.add(TenantRole(tenant_id=tenant_b, user_id=user_id, role="viewer"))
        with pytest.raises(TenantScopeError):
            session.flush()
        session.rollback()
    with app_ctx(app) as session:
        session.add(TenantRole(user_id=user_id, role="viewer"))
        with pytest.raises(TenantScopeError):
            session.flush()
        session.rollback()


def test_new_rows_get_the_tenant_in_scope(app, tenant_a):
    user_id = make_user(app, "a@x.example")
    with app_ctx(app) as session, tenant_scope(tenant_a):
        session.add(TenantRole(user_id=user_id, role="viewer"))
        session.commit()
    with app_ctx(app) as session, cross_tenant_scope():
        assert session.scalar(sa.select(TenantRole.tenant_id)) == tenant_a


@pytest.mark.parametrize("slug", ["auth", "operator", "api", "static", "healthz"])
def test_platform_paths_cannot_be_tenant_slugs(app, slug):
    from core.tenant_files import TenantFileError

    with pytest.raises(TenantFileError, match="platform path"):
        make_tenant(app, slug)


def test_operator_actions_are_audited_as_platform_events(app, client, tenant_a):
    make_user(app, "op@wasl.example", operator=True)
    login(client, "op@wasl.example")
    page = client.get("/operator/")
    assert page.status_code == 200
    assert "alpha" in page.get_data(as_text=True)
    assert post_form(client, "/operator/tenants/alpha/suspend", {}, form_page="/operator/").status_code == 302
    assert client.get("/alpha/").status_code == 404
    with app_ctx(app) as session, cross_tenant_scope():
        actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        platform = session.scalars(sa.select(PlatformAuditEntry.action).order_by(PlatformAuditEntry.id)).all()
    # The suspension is the association's event; the console view, like the login, is the platform's.
    assert "tenant.suspend" in actions and "operator.view" not in actions
    assert set(platform) == {"user.create", "auth.login", "operator.view"}
