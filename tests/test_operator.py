"""The operator console: tenants with counts, provisioning from a file or a form, suspending; operators only."""
import io
import re

import pytest
import sqlalchemy as sa

from core import tenant_files, tenants
from core.models import AuditEntry, PlatformAuditEntry, Tenant, TenantRole
from core.tenancy import cross_tenant_scope
from tests.helpers import TENANT_TOML, app_ctx, csrf_token, login, make_user
from tests.test_settings import open_form, submit


@pytest.fixture
def operator(app, client):
    make_user(app, "op@wasl.example", operator=True)
    login(client, "op@wasl.example")
    return client


def tenant_row(app, slug):
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        if tenant is None:
            return None
        session.expunge(tenant)
        return tenant


def audit_count(app) -> int:
    """Entries in both logs, the associations' and the platform's."""
    with app_ctx(app) as session, cross_tenant_scope():
        return sum(session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (AuditEntry, PlatformAuditEntry))


def upload(client, text: str, name: str, action="provision", lang="en"):
    return client.post(f"/operator/provision?lang={lang}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/operator/provision"), "action": action,
        "tenant_file": (io.BytesIO(text.encode()), name)})


NEW_FILE = TENANT_TOML.format(slug="gamma")


# --- who may -------------------------------------------------------------------------------------------

def test_non_operators_get_403_on_every_console_page_and_post(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    token = csrf_token(client, "/alpha/admin/")
    for url in ("/operator/", "/operator/provision", "/operator/tenants/new", "/operator/tenants/alpha",
                "/operator/tenants/alpha/edit", "/operator/tenants/alpha/export.toml"):
        assert client.get(url).status_code == 403, url
    for url in ("/operator/provision", "/operator/tenants/new", "/operator/tenants/alpha/edit",
                "/operator/tenants/alpha/suspend"):
        assert client.post(url, data={"csrf_token": token, "slug": "gamma"}).status_code == 403, url
    response = client.post("/operator/provision", content_type="multipart/form-data", data={
        "csrf_token": token, "tenant_file": (io.BytesIO(NEW_FILE.encode()), "gamma.toml")})
    assert response.status_code == 403
    assert tenant_row(app, "gamma") is None and tenant_row(app, "alpha").is_active


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/operator/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- the list ------------------------------------------------------------------------------------------

def test_the_console_lists_tenants_with_status_and_counts_and_audits_the_view(app, operator, tenant_a, tenant_b):
    make_user(app, "a1@x.example", {"alpha": ["viewer"]})
    make_user(app, "a2@x.example", {"alpha": ["reviewer", "viewer"]})
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.suspend(tenants.by_slug("beta"))
        session.commit()
    html = operator.get("/operator/?lang=en").get_data(as_text=True)
    alpha = re.search(r'<tr data-slug="alpha">(.*?)</tr>', html, re.S)[1]
    beta = re.search(r'<tr data-slug="beta">(.*?)</tr>', html, re.S)[1]
    assert "Active" in alpha and "Suspended" in beta
    assert re.search(r'count-members"><bdi dir="ltr">2<', alpha)
    with app_ctx(app) as session, cross_tenant_scope():
        alpha_entries = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).join(
            Tenant, Tenant.id == AuditEntry.tenant_id).where(Tenant.slug == "alpha"))
    assert alpha_entries >= 3  # provisioning and two grants at least
    assert re.search(r'count-audit"><bdi dir="ltr">(\d+)<', alpha)[1] == str(alpha_entries)
    with app_ctx(app) as session, cross_tenant_scope():
        view = session.scalar(sa.select(PlatformAuditEntry).where(PlatformAuditEntry.action == "operator.view"))
        assert view.actor.email == "op@wasl.example" and (view.object_type, view.object_id) == ("Tenant", "*")
        assert session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "operator.view")) is None


def test_suspend_and_resume_from_the_console(app, operator, tenant_a):
    token = csrf_token(operator, "/operator/")
    assert operator.post("/operator/tenants/alpha/suspend", data={"csrf_token": token}).status_code == 302
    assert not tenant_row(app, "alpha").is_active
    assert operator.get("/alpha/").status_code == 404
    assert operator.post("/operator/tenants/alpha/resume", data={"csrf_token": token}).status_code == 302
    assert tenant_row(app, "alpha").is_active


# --- provisioning from a file ----------------------------------------------------------------------------

def test_an_uploaded_file_creates_the_tenant_and_uploading_it_again_changes_nothing(app, operator):
    response = upload(operator, NEW_FILE, "gamma.toml")
    assert response.status_code == 302 and response.headers["Location"].endswith("/operator/tenants/gamma")
    created = tenant_row(app, "gamma")
    assert created.name_en == "gamma association" and created.settings["channels"] == ["interview", "phone"]
    entries = audit_count(app)
    response = upload(operator, NEW_FILE, "gamma.toml")
    assert "already matched the file: nothing changed" in operator.get(response.headers["Location"]).get_data(
        as_text=True)
    again = tenant_row(app, "gamma")
    assert again.settings == created.settings and again.updated_at == created.updated_at
    assert audit_count(app) == entries + 1  # the operator's look at the tenant page, nothing else


def test_a_bad_upload_is_refused_naming_the_key_and_nothing_is_written(app, operator):
    bad = NEW_FILE.replace('body = "committee"', 'body = "board"')
    response = upload(operator, bad, "gamma.toml")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<code dir="ltr">review.body</code>: Must be one of: committee, manager.' in html
    assert tenant_row(app, "gamma") is None
    html = upload(operator, bad, "gamma.toml", lang="ar").get_data(as_text=True)
    assert '<code dir="ltr">review.body</code>: يجب أن تكون إحدى القيم: committee, manager.' in html


def test_an_upload_that_is_not_toml_or_not_named_after_its_slug_is_refused(app, operator):
    response = upload(operator, "slug = ", "gamma.toml")
    assert response.status_code == 422 and "not valid TOML" in response.get_data(as_text=True)
    response = upload(operator, NEW_FILE, "other-name.toml")
    assert response.status_code == 422
    assert "&#39;gamma&#39; must match the file name &#39;other-name.toml&#39;" in response.get_data(as_text=True)
    assert tenant_row(app, "gamma") is None


def test_check_only_validates_and_writes_nothing(app, operator):
    response = upload(operator, NEW_FILE, "gamma.toml", action="check")
    assert response.status_code == 200
    assert "The file is valid: gamma. Nothing was written yet." in response.get_data(as_text=True)
    assert tenant_row(app, "gamma") is None


def test_an_upload_updates_an_existing_tenant_and_keeps_its_members(app, operator, tenant_a):
    make_user(app, "member@alpha.example", {"alpha": ["viewer"]})
    changed = TENANT_TOML.format(slug="alpha").replace("Research committee", "Services committee")
    response = upload(operator, changed, "alpha.toml")
    assert response.status_code == 302
    assert tenant_row(app, "alpha").settings["review"]["label_en"] == "Services committee"
    with app_ctx(app) as session, cross_tenant_scope():
        assert session.scalar(sa.select(sa.func.count()).select_from(TenantRole)) == 1  # the member is kept
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "tenant.update"))
        assert entry.before["review"]["label_en"] == "Research committee"
        assert entry.after["review"]["label_en"] == "Services committee"
        assert entry.actor.email == "op@wasl.example"


# --- provisioning from a form ----------------------------------------------------------------------------

def test_a_new_tenant_from_the_form(app, operator):
    form = open_form(operator, "/operator/tenants/new")
    form.set("slug", "gamma").set("name_ar", "جمعية جاما").set("name_en", "Gamma Association")
    form.set("referral-label_ar", "مسؤول العلاقات العامة").set("referral-label_en", "Public relations officer")
    form.tick("modules", "grievances")
    response = submit(operator, "/operator/tenants/new", form)
    assert response.status_code == 302
    created = tenant_row(app, "gamma")
    assert created.name_ar == "جمعية جاما"
    assert created.settings["modules"] == ["grievances"]
    assert created.settings["review"] == {"body": "committee", "label_ar": "لجنة البحث",
                                          "label_en": "Research committee", "decision_sla_days": 14}


def test_a_bad_form_shows_the_errors_on_the_fields_and_writes_nothing(app, operator):
    form = open_form(operator, "/operator/tenants/new")
    form.set("slug", "Gamma!").set("name_ar", "").set("name_en", "Gamma Association")
    form.set("review-decision_sla_days", "0")
    response = submit(operator, "/operator/tenants/new?lang=en", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field_id, message in (
        ("slug", "must be lower-case letters, digits and hyphens (1–63 characters)"),
        ("name_ar", "Length must be between 2 and 200."),
        ("review-decision_sla_days", "Must be greater than or equal to 1 and less than or equal to 90."),
        ("referral-label_ar", "Missing data for required field."),
    ):
        assert re.search(rf'id="{field_id}-error">{re.escape(message)}<', html), field_id
    with app_ctx(app) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Tenant)) == 0


def test_the_form_refuses_a_slug_that_is_taken(app, operator, tenant_a):
    form = open_form(operator, "/operator/tenants/new")
    form.set("slug", "alpha").set("name_ar", "جمعية أخرى").set("name_en", "Another")
    form.set("referral-label_ar", "مسؤول").set("referral-label_en", "Officer")
    response = submit(operator, "/operator/tenants/new?lang=en", form)
    assert response.status_code == 422
    assert "An association with this slug exists already" in response.get_data(as_text=True)
    assert tenant_row(app, "alpha").name_en == "alpha association"


def test_editing_a_tenant_keeps_its_board_approvals(app, operator):
    text = NEW_FILE + ('[[board_approvals]]\npolicy_title = "سياسة تنظيم العلاقة مع المستفيدين"\n'
                       'gregorian_date = "2024-06-25"\n')
    assert upload(operator, text, "gamma.toml").status_code == 302
    form = open_form(operator, "/operator/tenants/gamma/edit").set("name_en", "Gamma Charity")
    assert form.get("slug") == ["gamma"]
    assert submit(operator, "/operator/tenants/gamma/edit", form).status_code == 302
    edited = tenant_row(app, "gamma")
    assert edited.name_en == "Gamma Charity"
    assert edited.settings["board_approvals"][0]["gregorian_date"] == "2024-06-25"


# --- export --------------------------------------------------------------------------------------------

def test_the_downloaded_tenant_file_provisions_back_to_the_same_tenant(app, operator, tenant_a):
    response = operator.get("/operator/tenants/alpha/export.toml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="alpha.toml"'
    tenant_file = tenant_files.parse(response.get_data(as_text=True), "alpha.toml")
    with app_ctx(app) as session, cross_tenant_scope():
        assert tenants.provision(tenant_file).outcome == "unchanged"
        export = session.scalar(sa.select(PlatformAuditEntry).where(PlatformAuditEntry.action == "operator.export"))
        assert (export.object_type, export.object_id) == ("Tenant", str(tenant_a))
