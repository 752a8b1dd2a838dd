"""Invitations replace "add a member": the cross-tenant account pre-hijacking the probe found is closed.

Before, an admin of A could create an account for any e-mail with a password of their choosing; when B
later "added" that e-mail, the account was attached silently and A's admin could log in to B.
"""
import email
import email.policy
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.invitations.models import Invitation
from core.messaging import delivery
from core.messaging.models import OutboxMessage
from core.models import AuditEntry, Tenant, TenantRole, User
from core.tenancy import cross_tenant_scope
from tests.helpers import PASSWORD, app_ctx, csrf_token, login, make_user, post_form

USERS = "/alpha/admin/users"
LINK_RE = re.compile(r"https?://[^\s]+/invitations/([0-9]+\.[A-Za-z0-9_-]+)")


@pytest.fixture
def admin(app, client, tenant_a, tenant_b):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    return client


def invite(client, email, *roles, slug="alpha", lang="en"):
    return post_form(client, f"/{slug}/admin/users/invite?lang={lang}", {"email": email, "roles": list(roles)},
                     form_page=f"/{slug}/admin/users/invite")


def outbox(app) -> list[OutboxMessage]:
    with app_ctx(app) as session, cross_tenant_scope():
        rows = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return rows


def last_link(app) -> str:
    message = outbox(app)[-1]
    match = LINK_RE.search(message.body)
    assert match, message.body
    return "/invitations/" + match[1]


def roles_of(app, email, slug="alpha") -> list[str]:
    with app_ctx(app) as session, cross_tenant_scope():
        return sorted(session.scalars(
            sa.select(TenantRole.role).join(User, User.id == TenantRole.user_id)
            .join(Tenant, Tenant.id == TenantRole.tenant_id).where(User.email == email, Tenant.slug == slug)))


def accept_new(client, link, name="نورة الشهري", password="her-own-password-1", confirm=None):
    return post_form(client, link, {"name": name, "password": password,
                                    "confirm": password if confirm is None else confirm}, form_page="/auth/login")


def test_the_old_add_member_page_is_gone_and_no_admin_sets_a_password(app, admin):
    assert admin.get(USERS + "/new").status_code == 404
    page = admin.get(USERS + "/invite").get_data(as_text=True)
    assert 'type="password"' not in page and 'name="email"' in page


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(app, admin):
    make_user(app, "shared@beta.example", {"beta": ["reviewer"]})
    answers = []
    for address in ("shared@beta.example", "nobody@nowhere.example"):
        response = invite(admin, address, "viewer")
        assert response.status_code == 302
        page = admin.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
        [flash] = re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', page, re.S)
        answers.append(flash.replace(address, "E").strip())
    assert answers[0] == answers[1] and "invitation was sent" in answers[0]


def test_an_account_made_elsewhere_cannot_be_attached_without_its_owner(app, admin, tenant_b):
    """The probe's attack: A's admin knows the password of an account; B invites that e-mail."""
    make_user(app, "victim@example.com", {}, password="attacker-chose-this")
    make_user(app, "admin@beta.example", {"beta": ["tenant_admin"]})
    b_admin = app.test_client()
    login(b_admin, "admin@beta.example")
    assert invite(b_admin, "victim@example.com", "social_researcher", slug="beta").status_code == 302
    assert roles_of(app, "victim@example.com", "beta") == []  # nothing attached by inviting
    attacker = app.test_client()
    login(attacker, "victim@example.com", "attacker-chose-this")
    assert attacker.get("/beta/staff/").status_code == 404
    # Only a logged-in owner of the account can accept; the link alone creates nothing for it.
    link = last_link(app)
    anonymous = app.test_client()
    page = anonymous.get(link + "?lang=en").get_data(as_text=True)
    assert "Log in to accept" in page and 'name="password"' not in page
    token = csrf_token(anonymous, "/auth/login")
    assert anonymous.post(link, data={"csrf_token": token, "name": "x", "password": "another-password-1",
                                      "confirm": "another-password-1"}).status_code == 200
    assert roles_of(app, "victim@example.com", "beta") == []


def test_a_new_person_sets_their_own_password_and_joins(app, admin):
    assert invite(admin, "Noura@Alpha.example", "relations_officer", "viewer").status_code == 302
    [message] = outbox(app)
    assert (message.kind, message.medium, message.recipient, message.beneficiary_id) == (
        "invitation", "email", "noura@alpha.example", None)
    assert "alpha association" in message.body and "جمعية alpha" in message.body
    link = last_link(app)
    with app_ctx(app) as session, cross_tenant_scope():
        invitation = session.scalar(sa.select(Invitation))
        assert link.rsplit(".", 1)[1] not in invitation.token_hash  # only the hash is stored
    person = app.test_client()
    assert person.get(link).status_code == 200
    mismatch = accept_new(person, link, confirm="something-else-1")
    assert mismatch.status_code == 422 and roles_of(app, "noura@alpha.example") == []
    response = accept_new(person, link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/alpha/staff/")
    assert person.get("/alpha/staff/").status_code == 200  # logged in
    assert roles_of(app, "noura@alpha.example") == ["relations_officer", "viewer"]
    assert login(app.test_client(), "noura@alpha.example", "her-own-password-1").status_code == 302
    with app_ctx(app) as session, cross_tenant_scope():
        actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "invitation.create" in actions and "invitation.accept" in actions


def test_the_link_works_once(app, admin):
    invite(admin, "noura@alpha.example", "viewer")
    link = last_link(app)
    assert accept_new(app.test_client(), link).status_code == 302
    again = app.test_client()
    assert again.get(link).status_code == 404
    assert accept_new(again, link, password="a-second-password").status_code == 404
    assert login(app.test_client(), "noura@alpha.example", "a-second-password").status_code == 401


def test_an_expired_withdrawn_or_replaced_link_does_not_work(app, admin):
    invite(admin, "noura@alpha.example", "viewer")
    first = last_link(app)
    invite(admin, "noura@alpha.example", "reviewer")
    second = last_link(app)
    assert app.test_client().get(first).status_code == 404  # replaced by the newer invitation
    with app_ctx(app) as session, cross_tenant_scope():
        invitation = session.scalar(sa.select(Invitation).where(Invitation.revoked_at.is_(None)))
        invitation.expires_at = invitation.expires_at - timedelta(days=30)
        session.commit()
    assert app.test_client().get(second).status_code == 404
    invite(admin, "noura@alpha.example", "viewer")
    third = last_link(app)
    with app_ctx(app) as session, cross_tenant_scope():
        pending_id = session.scalar(sa.select(Invitation.id).where(Invitation.revoked_at.is_(None),
                                                                     Invitation.expires_at > sa.func.now()))
    token = csrf_token(admin, USERS)
    assert admin.post(f"{USERS}/invitations/{pending_id}/revoke", data={"csrf_token": token}).status_code == 302
    assert app.test_client().get(third).status_code == 404
    assert accept_new(app.test_client(), third).status_code == 404
    assert roles_of(app, "noura@alpha.example") == []
    for bad in ("/invitations/x", "/invitations/1.short", f"/invitations/{2**40}.{'a' * 43}", "/invitations/"):
        assert app.test_client().get(bad).status_code == 404


def test_an_existing_account_joins_only_when_its_owner_accepts_logged_in(app, admin):
    make_user(app, "shared@beta.example", {"beta": ["reviewer"]})
    invite(admin, "shared@beta.example", "social_researcher")
    link = last_link(app)
    someone_else = app.test_client()
    make_user(app, "other@alpha.example", {})
    login(someone_else, "other@alpha.example")
    response = someone_else.post(link, data={"csrf_token": csrf_token(someone_else, link)})
    assert response.status_code == 403 and roles_of(app, "shared@beta.example") == []
    owner = app.test_client()
    login(owner, "shared@beta.example", PASSWORD)
    assert "Join" in owner.get(link + "?lang=en").get_data(as_text=True)
    response = owner.post(link, data={"csrf_token": csrf_token(owner, link)})
    assert response.status_code == 302
    assert roles_of(app, "shared@beta.example") == ["social_researcher"]
    assert roles_of(app, "shared@beta.example", "beta") == ["reviewer"]
    assert login(app.test_client(), "shared@beta.example", PASSWORD).status_code == 302  # password unchanged


def test_other_tenants_people_do_not_show_until_they_accept(app, admin):
    make_user(app, "shared@beta.example", {"beta": ["reviewer"]})
    with app_ctx(app) as session, cross_tenant_scope():
        session.scalar(sa.select(User).where(User.email == "shared@beta.example")).name = "Secret Name"
        session.commit()
    invite(admin, "shared@beta.example", "viewer")
    page = admin.get(USERS + "?lang=en").get_data(as_text=True)
    assert "Secret Name" not in page and "Last login" in page
    owner = app.test_client()
    login(owner, "shared@beta.example")
    link = last_link(app)
    owner.post(link, data={"csrf_token": csrf_token(owner, link)})
    assert "Secret Name" in admin.get(USERS + "?lang=en").get_data(as_text=True)


def test_inviting_needs_a_valid_email_and_a_role_and_refuses_a_member(app, admin):
    response = invite(admin, "not-an-email", "viewer")
    assert response.status_code == 422
    response = invite(admin, "x@alpha.example")
    assert response.status_code == 422 and "Choose at least one role." in response.get_data(as_text=True)
    response = invite(admin, "admin@alpha.example", "viewer")
    assert response.status_code == 422 and "already a member" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_the_link_is_blanked_from_the_stored_message_once_sent(app, admin, tmp_path):
    invite(admin, "noura@alpha.example", "viewer")
    link = last_link(app)
    app.config["MAIL_FILE_DIR"] = str(tmp_path)
    with app_ctx(app):
        assert delivery.send_pending()["sent"] == 1
    [message] = outbox(app)
    assert message.status == "sent" and link not in message.body and message.sensitive is None
    [sent] = list(tmp_path.glob("*.eml"))
    body = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default).get_body().get_content()
    assert link.split("/")[-1] in body
    assert accept_new(app.test_client(), link).status_code == 302  # the person's copy still works


def test_an_admin_of_b_cannot_withdraw_or_see_as_invitations(app, admin):
    invite(admin, "noura@alpha.example", "viewer")
    with app_ctx(app) as session, cross_tenant_scope():
        invitation_id = session.scalar(sa.select(Invitation.id))
    b_admin = app.test_client()
    make_user(app, "admin@beta.example", {"beta": ["tenant_admin"]})
    login(b_admin, "admin@beta.example")
    assert "noura@alpha.example" not in b_admin.get("/beta/admin/users").get_data(as_text=True)
    token = csrf_token(b_admin, "/beta/admin/users")
    assert b_admin.post(f"/beta/admin/users/invitations/{invitation_id}/revoke",
                        data={"csrf_token": token}).status_code == 404
    assert accept_new(app.test_client(), last_link(app)).status_code == 302


# --- the operator creates an association and invites its first administrator (issue 8) ---------------

def _new_tenant_form(operator, email):
    from tests.test_settings import open_form

    form = open_form(operator, "/operator/tenants/new")
    form.set("slug", "gamma").set("name_ar", "جمعية جاما").set("name_en", "Gamma Association")
    form.set("referral-label_ar", "مسؤول العلاقات العامة").set("referral-label_en", "Public relations officer")
    return form.set("first_admin_email", email)


def test_creating_an_association_invites_its_first_administrator(app, client):
    from tests.test_settings import submit

    make_user(app, "operator@wasl.example", operator=True)
    login(client, "operator@wasl.example")
    response = submit(client, "/operator/tenants/new?lang=en", _new_tenant_form(client, "Head@Gamma.example"))
    assert response.status_code == 302
    [message] = outbox(app)
    assert message.recipient == "head@gamma.example" and "Gamma Association" in message.body
    person = app.test_client()
    response = accept_new(person, last_link(app), name="Head of Gamma")
    assert response.status_code == 302 and response.headers["Location"].endswith("/gamma/admin/")
    assert roles_of(app, "head@gamma.example", "gamma") == ["tenant_admin"]
    assert person.get("/gamma/admin/users").status_code == 200


def test_a_bad_first_administrator_email_writes_nothing(app, client):
    from tests.test_settings import submit

    make_user(app, "operator@wasl.example", operator=True)
    login(client, "operator@wasl.example")
    response = submit(client, "/operator/tenants/new?lang=en", _new_tenant_form(client, "not an email"))
    assert response.status_code == 422
    assert 'id="first_admin_email-error">This is not a valid e-mail address.<' in response.get_data(as_text=True)
    with app_ctx(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Tenant)) == 0
    assert outbox(app) == []


def test_a_name_with_a_bidi_override_is_refused_when_accepting(app, admin):
    invite(admin, "noura@alpha.example", "viewer")
    response = accept_new(app.test_client(), last_link(app), name="Noura \u202eadmin")
    assert response.status_code == 422 and roles_of(app, "noura@alpha.example") == []
