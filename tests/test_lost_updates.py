"""Lost updates: every editable row's version is checked in the UPDATE itself, forms carry the version
they were read at, and the loser of a race gets 409 (or 422 for a duplicate), never a 500."""
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from core import tenant_settings, tenants
from core.beneficiaries import operations as file_operations
from core.beneficiaries.models import Beneficiary, TenantCounter
from core.extensions import db
from core.models import Tenant
from core.tenancy import cross_tenant_scope, tenant_scope
from core.workflow import referrals as referral_operations
from core.workflow.models import Referral, RequestDocument
from tests.helpers import app_ctx, csrf_token, login, make_user, post_form
from tests.test_settings import Form, open_form, submit
from tests.test_staff_helpers import VALID_IDS, open_file, open_request, staff_client, version_of

ROLES = ["relations_officer", "social_researcher", "referral_officer"]


def meanwhile(app, work):
    """Run `work` as another person's save, committed in its own session, while a request is under way."""
    with app.app_context():
        work()
        db.session.commit()


# --- tenant settings -----------------------------------------------------------------------------

def test_two_saves_of_the_settings_at_once_do_not_lose_either(app, client, tenant_a, monkeypatch):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    form = open_form(client, "/alpha/admin/settings").set("contact-phone", "0112345678")
    original = tenant_settings.update

    def racing(tenant, changes):
        def other_admin():
            with cross_tenant_scope():
                other = tenants.by_slug("alpha")
            with tenant_scope(other):
                original(other, {"contact": {"email": "other@alpha.example"}})

        monkeypatch.setattr(tenant_settings, "update", original)
        meanwhile(app, other_admin)
        return original(tenant, changes)

    monkeypatch.setattr(tenant_settings, "update", racing)
    response = submit(client, "/alpha/admin/settings?lang=en", form)
    assert response.status_code == 409
    assert "Someone changed these settings" in response.get_data(as_text=True)
    with app_ctx(app) as session:
        contact = session.scalar(sa.select(Tenant).where(Tenant.slug == "alpha")).settings.get("contact", {})
    assert contact.get("email") == "other@alpha.example" and "phone" not in contact


# --- beneficiary files ----------------------------------------------------------------------------

def _edit(client, file_id, **changes):
    page = f"/alpha/staff/beneficiaries/{file_id}/edit"
    data = {"name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male",
            "version": version_of(client, page), **changes}
    return post_form(client, page, data)


def test_a_concurrent_edit_of_a_file_is_a_conflict_not_a_500(app, tenant_a, monkeypatch):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(officer, "alpha")
    original = file_operations._national_id_taken

    def racing(*args, **kwargs):
        def other_officer():
            with tenant_scope(tenant_a):
                beneficiary = db.session.get(Beneficiary, file_id)
                beneficiary.city = "جدة"
                beneficiary.updated_at = beneficiary.updated_at.replace(microsecond=1)

        monkeypatch.setattr(file_operations, "_national_id_taken", original)
        meanwhile(app, other_officer)
        return original(*args, **kwargs)

    monkeypatch.setattr(file_operations, "_national_id_taken", racing)
    response = _edit(officer, file_id, city="الدمام")
    assert response.status_code == 409
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(Beneficiary, file_id).city == "جدة"


def test_two_files_created_at_once_with_the_same_id_number_give_422(app, tenant_a, monkeypatch):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    open_file(officer, "alpha")
    # The check ran before the other file was committed: only the unique key can still tell.
    monkeypatch.setattr(file_operations, "_national_id_taken", lambda *args, **kwargs: False)
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {
        "name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male"})
    assert response.status_code == 422
    assert 'id="national_id-error"' in response.get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(sa.func.count(Beneficiary.id))) == 1


def test_the_first_file_of_a_tenant_created_twice_at_once_does_not_fail_on_the_counter(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    raced = []

    @event.listens_for(db.session, "before_flush")
    def other_first_file(session, flush_context, instances):
        # The other request creates the tenant's counter between our look and our insert.
        if not raced and any(isinstance(obj, TenantCounter) for obj in session.new):
            raced.append(True)
            meanwhile(app, lambda: db.session.execute(sa.text(
                "INSERT INTO tenant_counters (tenant_id, name, value) VALUES (:t, 'beneficiary', 1)"),
                {"t": tenant_a}))

    try:
        file_id = open_file(officer, "alpha")
    finally:
        event.remove(db.session, "before_flush", other_first_file)
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(Beneficiary, file_id).file_number == 1
    second = open_file(officer, "alpha", national_id=VALID_IDS[1], name="سعد علي")
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(Beneficiary, second).file_number == 2


# --- checklist items and referrals ------------------------------------------------------------------

def _document_id(app, tenant_id, request_id) -> int:
    with app_ctx(app), tenant_scope(tenant_id):
        return db.session.scalar(sa.select(RequestDocument.id).where(RequestDocument.request_id == request_id)
                                 .order_by(RequestDocument.id))


def test_a_stale_checklist_form_cannot_clear_a_verification(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    colleague = staff_client(app, "colleague@alpha.test", "alpha", ROLES)
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    document_id = _document_id(app, tenant_a, request_id)
    page = f"/alpha/staff/requests/{request_id}"
    stale = {"csrf_token": csrf_token(officer, page), "received_on": "2025-01-05",
             "version": _document_version(app, tenant_a, document_id)}
    verified = post_form(colleague, f"{page}/documents/{document_id}",
                         {"received_on": "2025-01-05", "verified": "1",
                          "version": _document_version(app, tenant_a, document_id)}, form_page=page)
    assert verified.status_code == 302
    response = officer.post(f"{page}/documents/{document_id}", data=stale)  # no tick: would clear it
    assert response.status_code == 409
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(RequestDocument, document_id).verified_on is not None


def _document_version(app, tenant_id, document_id) -> str:
    with app_ctx(app), tenant_scope(tenant_id):
        return str(db.session.get(RequestDocument, document_id).version)


def test_two_answers_to_one_referral_at_once_keep_the_first(app, tenant_a, monkeypatch):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(officer, "alpha")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    post_form(officer, f"{page}/referrals", {"question": "سؤال عن الإجراءات"}, form_page=page)
    with app_ctx(app), tenant_scope(tenant_a):
        referral_id, version = db.session.execute(sa.select(Referral.id, Referral.version)).one()
    original = referral_operations.utcnow

    def racing():
        def other_answer():
            with tenant_scope(tenant_a):
                referral = db.session.get(Referral, referral_id)
                referral.answer, referral.answered_at = "الجواب الأول", original()

        monkeypatch.setattr(referral_operations, "utcnow", original)
        meanwhile(app, other_answer)
        return original()

    monkeypatch.setattr(referral_operations, "utcnow", racing)
    response = post_form(officer, f"/alpha/staff/referrals/{referral_id}/answer",
                         {"answer": "الجواب الثاني", "version": str(version)}, form_page="/alpha/staff/referrals")
    assert response.status_code == 409
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(Referral, referral_id).answer == "الجواب الأول"


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_a_checklist_form_without_its_version_is_refused(app, tenant_a, version):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    document_id = _document_id(app, tenant_a, request_id)
    page = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{page}/documents/{document_id}",
                         {"received_on": "2025-01-05", "verified": "1", "version": version}, form_page=page)
    assert response.status_code in (409, 422)
    with app_ctx(app), tenant_scope(tenant_a):
        assert db.session.get(RequestDocument, document_id).verified_on is None


# --- a member's roles ----------------------------------------------------------------------------

def _roles_form(app, client):
    from core.models import User
    from tests.test_settings_users import USERS

    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    with app_ctx(app) as session:
        officer = session.scalar(sa.select(User.id).where(User.email == "officer@alpha.example"))
    url = f"{USERS}/{officer}"
    return url, open_form(client, url)


def _roles_and_changes(app):
    from tests.test_settings_users import audit, roles_of

    return roles_of(app, "officer@alpha.example"), len(audit(app, "membership.update"))


@pytest.fixture
def two_admins(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    make_user(app, "other@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    other = app.test_client()
    login(other, "other@alpha.example")
    return client, other


def test_a_roles_form_read_before_another_admins_save_is_refused_with_the_current_roles(app, two_admins):
    admin, other = two_admins
    url, stale = _roles_form(app, admin)
    theirs = open_form(other, url).untick("roles").tick("roles", "reviewer")
    assert submit(other, url, theirs).status_code == 302
    response = submit(admin, url + "?lang=en", stale.untick("roles").tick("roles", "viewer"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone changed this person&#39;s roles after you opened this page" in html
    shown = Form(html)
    assert shown.get("roles") == ["reviewer"]  # the roles as they are now, to decide again
    assert _roles_and_changes(app) == (["reviewer"], 1)
    # the page now carries the current version: saving again works
    again = shown.untick("roles").tick("roles", "viewer")
    assert submit(admin, url, again).status_code == 302
    assert _roles_and_changes(app) == (["viewer"], 2)


def test_a_role_added_by_an_accepted_invitation_makes_an_open_roles_form_stale(app, two_admins):
    from core import accounts, tenants
    from core.models import User

    admin, _other = two_admins
    url, stale = _roles_form(app, admin)

    def invitation_accepted():
        with cross_tenant_scope():
            user = db.session.scalar(sa.select(User).where(User.email == "officer@alpha.example"))
            accounts.grant_roles(user, tenants.by_slug("alpha"), ["reviewer"])

    meanwhile(app, invitation_accepted)
    # saving the stale form would silently take the new role away again
    assert submit(admin, url, stale.tick("roles", "viewer")).status_code == 409
    assert _roles_and_changes(app) == (["relations_officer", "reviewer"], 0)


def test_two_role_saves_at_once_cannot_both_succeed(app, two_admins, monkeypatch):
    """The other save commits between this one's version check and its UPDATE: the UPDATE itself refuses."""
    from core import memberships, tenants
    from core.models import User

    admin, _other = two_admins
    url, form = _roles_form(app, admin)
    original = memberships.version_of
    calls = []

    def racing(tenant, user_id):
        seen = original(tenant, user_id)
        calls.append(seen)
        if len(calls) == 1:
            return seen  # the page reading the form again; the second call is set_roles' own check
        monkeypatch.setattr(memberships, "version_of", original)

        def other_admin():
            with cross_tenant_scope():
                alpha = tenants.by_slug("alpha")
                user = db.session.get(User, user_id)
            with tenant_scope(alpha):
                memberships.set_roles(alpha, user, ["reviewer"], seen)

        meanwhile(app, other_admin)
        return seen

    monkeypatch.setattr(memberships, "version_of", racing)
    response = submit(admin, url, form.untick("roles").tick("roles", "viewer"))
    assert response.status_code == 409
    assert _roles_and_changes(app) == (["reviewer"], 1)


@pytest.mark.parametrize("version", ["", "x", "0", str(2**31), "٩٩"])
def test_a_roles_form_with_a_wrong_version_saves_nothing(app, two_admins, version):
    admin, _other = two_admins
    url, form = _roles_form(app, admin)
    response = submit(admin, url, form.set("version", version).untick("roles").tick("roles", "viewer"))
    assert response.status_code == 409
    assert _roles_and_changes(app) == (["relations_officer"], 0)
