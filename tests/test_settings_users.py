"""The charity admin managing the association's members and their roles."""
import re

import pytest
import sqlalchemy as sa

from core.invitations.models import Invitation
from core.models import AuditEntry, Tenant, TenantRole, User
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, csrf_token, login, make_user
from tests.test_settings import open_form, submit

USERS = "/alpha/admin/users"


@pytest.fixture
def admin(app, client, tenant_a, tenant_b):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    return client


def roles_of(app, email, slug="alpha") -> list[str]:
    with app_ctx(app) as session, cross_tenant_scope():
        return sorted(session.scalars(
            sa.select(TenantRole.role).join(User, User.id == TenantRole.user_id)
            .join(Tenant, Tenant.id == TenantRole.tenant_id).where(User.email == email, Tenant.slug == slug)))


def user_id(app, email) -> int:
    with app_ctx(app) as session:
        return session.scalar(sa.select(User.id).where(User.email == email))


def audit(app, action) -> list[AuditEntry]:
    with app_ctx(app) as session, cross_tenant_scope():
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return entries


def _error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">([^<]+)<', html)
    assert match, f"no error on {field_id}"
    return match[1]


def test_the_list_shows_this_associations_members_with_their_roles_only(app, admin):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer", "reviewer"]})
    make_user(app, "someone@beta.example", {"beta": ["tenant_admin"]})
    html = admin.get(USERS + "?lang=en").get_data(as_text=True)
    assert "officer@alpha.example" in html and "Beneficiary relations officer" in html and "Reviewer" in html
    assert "someone@beta.example" not in html


def test_changing_roles_is_audited_with_before_and_after_and_takes_effect(app, admin):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    officer = user_id(app, "officer@alpha.example")
    form = open_form(admin, f"{USERS}/{officer}").untick("roles").tick("roles", "reviewer").tick("roles", "viewer")
    assert submit(admin, f"{USERS}/{officer}", form).status_code == 302
    assert roles_of(app, "officer@alpha.example") == ["reviewer", "viewer"]
    [entry] = audit(app, "membership.update")
    assert entry.before == {"roles": ["relations_officer"]} and entry.after == {"roles": ["reviewer", "viewer"]}


def test_the_last_admin_cannot_drop_the_admin_role_or_leave(app, admin):
    me = user_id(app, "admin@alpha.example")
    form = open_form(admin, f"{USERS}/{me}").untick("roles").tick("roles", "viewer")
    response = submit(admin, f"{USERS}/{me}?lang=en", form)
    assert response.status_code == 422
    assert "at least one active administrator" in _error(response.get_data(as_text=True), "roles")
    token = csrf_token(admin, f"{USERS}/{me}/remove")
    response = admin.post(f"{USERS}/{me}/remove?lang=en", data={"csrf_token": token})
    assert response.status_code == 422
    assert "The last active administrator cannot be removed" in response.get_data(as_text=True)
    assert roles_of(app, "admin@alpha.example") == ["tenant_admin"]
    assert audit(app, "membership.update") == [] and audit(app, "membership.remove") == []


def test_a_disabled_admin_does_not_count_as_the_other_admin(app, admin):
    from core import accounts

    make_user(app, "old-admin@alpha.example", {"alpha": ["tenant_admin"]})
    with app_ctx(app) as session, cross_tenant_scope():
        accounts.disable_user(session.scalar(sa.select(User).where(User.email == "old-admin@alpha.example")))
        session.commit()
    me = user_id(app, "admin@alpha.example")
    response = admin.post(f"{USERS}/{me}/remove", data={"csrf_token": csrf_token(admin, f"{USERS}/{me}/remove")})
    assert response.status_code == 422
    assert roles_of(app, "admin@alpha.example") == ["tenant_admin"]


def test_with_another_admin_you_may_step_down(app, admin):
    make_user(app, "second@alpha.example", {"alpha": ["tenant_admin"]})
    me = user_id(app, "admin@alpha.example")
    form = open_form(admin, f"{USERS}/{me}").untick("roles").tick("roles", "viewer")
    response = submit(admin, f"{USERS}/{me}", form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/tenants")
    assert roles_of(app, "admin@alpha.example") == ["viewer"]
    assert admin.get(USERS).status_code == 403


def test_removing_a_member_keeps_the_account_and_other_memberships(app, admin):
    make_user(app, "both@x.example", {"alpha": ["reviewer"], "beta": ["reviewer"]})
    both = user_id(app, "both@x.example")
    assert "both@x.example" in admin.get(f"{USERS}/{both}/remove").get_data(as_text=True)
    response = admin.post(f"{USERS}/{both}/remove", data={"csrf_token": csrf_token(admin, f"{USERS}/{both}/remove")})
    assert response.status_code == 302
    assert roles_of(app, "both@x.example") == [] and roles_of(app, "both@x.example", "beta") == ["reviewer"]
    assert user_id(app, "both@x.example") == both
    [entry] = audit(app, "membership.remove")
    assert entry.before["roles"] == ["reviewer"] and entry.after == {"roles": []}
    assert admin.get(f"{USERS}/{both}").status_code == 404


def test_an_admin_of_a_gets_404_for_the_people_of_b(app, admin):
    make_user(app, "someone@beta.example", {"beta": ["reviewer"]})
    someone = user_id(app, "someone@beta.example")
    token = csrf_token(admin, USERS)
    assert admin.get("/beta/admin/users").status_code == 404
    assert admin.get(f"{USERS}/{someone}").status_code == 404
    assert admin.get(f"{USERS}/{someone}/remove").status_code == 404
    assert admin.post(f"{USERS}/{someone}", data={"csrf_token": token, "roles": "viewer"}).status_code == 404
    assert admin.post(f"{USERS}/{someone}/remove", data={"csrf_token": token}).status_code == 404
    assert admin.post("/beta/admin/users/invite", data={"csrf_token": token, "email": "admin@alpha.example",
                                                         "roles": "tenant_admin"}).status_code == 404
    assert roles_of(app, "someone@beta.example", "beta") == ["reviewer"]
    assert roles_of(app, "admin@alpha.example", "beta") == []


def test_a_member_who_is_not_an_admin_gets_403(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    token = csrf_token(client, "/alpha/")
    assert client.get(USERS).status_code == 403
    assert client.get(USERS + "/invite").status_code == 403
    response = client.post(USERS + "/invite", data={"csrf_token": token, "email": "x@alpha.example",
                                                    "roles": "tenant_admin"})
    assert response.status_code == 403
    with app_ctx(app) as session, cross_tenant_scope():
        assert session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
