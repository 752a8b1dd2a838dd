"""Personal data (PDPL): everything held about a person, consent (a guardian's for a minor), anonymisation."""
import json
import subprocess
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary, HouseholdMember
from core.extensions import db
from core.models import AuditEntry
from core.pdpl.models import Anonymisation, Consent
from core.tenancy import cross_tenant_scope, tenant_scope
from core.workflow.models import Interaction, SupportRequest
from tests.helpers import app_ctx, login, post_form
from tests.test_reports import DATA, _requests
from tests.test_staff_helpers import act, open_file, open_request, staff_client


@pytest.fixture
def officer(app, tenant_a):
    return staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])


def _audit(app, action):
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_export_holds_everything_about_the_person_and_is_audited(app, officer, tmp_path):
    file_id = open_file(officer, "alpha", name="سعاد علي", email="suad@example.com")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    post_form(officer, f"{page}/household", {"relation": "son", "name": "علي الصغير", "birth_date": "2015-03-01"},
              form_page=page)
    post_form(officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": "2500"}, form_page=page)
    open_request(officer, "alpha", file_id, "phone", details="إيجار متأخر")
    response = officer.get(f"{page}/personal-data.json")
    assert response.status_code == 200
    data = json.loads(response.data)
    assert data["file"]["name"] == "سعاد علي" and data["file"]["national_id"] == "1058529940"
    assert data["household"][0]["name"] == "علي الصغير" and data["incomes"][0]["monthly_amount"] == "2500.00"
    assert data["requests"][0]["details"] == "إيجار متأخر" and data["requests"][0]["documents"]
    assert data["messages"] and any(e["action"] == "beneficiary.create" for e in data["access_log"])
    assert len(_audit(app, "pdpl.export")) == 1
    english = officer.get(f"{page}/personal-data.pdf?lang=en")
    assert english.status_code == 200 and english.data.startswith(b"%PDF")
    path = tmp_path / "data.pdf"
    path.write_bytes(english.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Everything held about this person" in text and "1058529940" in text and "suad@example.com" in text


def test_a_minors_consent_must_be_a_guardians(app, officer):
    file_id = open_file(officer, "alpha", name="يتيم صغير", birth_date="2015-01-01")
    url = f"/alpha/staff/beneficiaries/{file_id}/consents"
    page = f"/alpha/staff/beneficiaries/{file_id}/personal-data"
    own = post_form(officer, url, {"purpose": "data_processing", "method": "in_person", "given_by": "self"},
                    form_page=page)
    assert own.status_code == 422 and 'id="given_by-error"' in own.get_data(as_text=True)
    half = post_form(officer, url, {"purpose": "data_processing", "method": "in_person", "given_by": "guardian",
                                    "guardian_name": "سعاد"}, form_page=page)
    assert half.status_code == 422 and 'id="guardian_national_id-error"' in half.get_data(as_text=True)
    good = post_form(officer, url, {"purpose": "data_processing", "method": "in_person", "given_by": "guardian",
                                    "guardian_name": "سعاد علي", "guardian_national_id": "١٠٠١٢٤٤٠١٩",
                                    "guardian_relation": "mother"}, form_page=page)
    assert good.status_code == 302
    with app_ctx(app), cross_tenant_scope():
        consent = db.session.scalars(sa.select(Consent)).one()
        assert consent.given_by == "guardian" and consent.guardian_national_id == "1001244019"
        consent_id = consent.id
    withdrawn = post_form(officer, f"{url}/{consent_id}/withdraw", {}, form_page=page)
    assert withdrawn.status_code == 302
    assert post_form(officer, f"{url}/{consent_id}/withdraw", {}, form_page=page).status_code == 409
    assert [e.action for e in _audit(app, "pdpl.consent")] == ["pdpl.consent"]
    assert len(_audit(app, "pdpl.consent.withdraw")) == 1


def test_an_adult_gives_consent_themself(app, officer):
    file_id = open_file(officer, "alpha")
    page = f"/alpha/staff/beneficiaries/{file_id}/personal-data"
    response = post_form(officer, f"/alpha/staff/beneficiaries/{file_id}/consents",
                         {"purpose": "messages", "method": "written", "given_on": "٢٠٢٥-٠١-٠٥"}, form_page=page)
    assert response.status_code == 302
    assert "لم يُسجَّل" not in officer.get(page).get_data(as_text=True)


def _old_closed_file(app, tenant_id):
    """The constructed requests of the dashboard test, all closed and last touched in January 2026."""
    _requests(app, tenant_id, DATA)
    with app_ctx(app), tenant_scope(tenant_id):
        db.session.execute(sa.update(SupportRequest).values(state="closed", closed_at=datetime(2026, 1, 31,
                                                                                                 tzinfo=UTC)))
        b = db.session.scalars(sa.select(Beneficiary)).one()
        b.updated_at = b.created_at = datetime(2025, 11, 1, tzinfo=UTC)
        b.mobile, b.birth_date = "+966501234567", datetime(1980, 5, 17).date()
        db.session.add(HouseholdMember(beneficiary_id=b.id, relation="son", name="علي", national_id="1001244019"))
        db.session.add(Interaction(beneficiary_id=b.id, kind="contact", summary="اتصل يسأل عن الإيجار",
                                   occurred_at=datetime(2026, 1, 5, tzinfo=UTC)))
        db.session.commit()
        return b.id


def test_a_closed_file_is_anonymised_after_the_retention_period_and_its_figures_stay(app, tenant_a, time_machine):
    from core.pdpl.anonymise import anonymise_expired
    from core.tenancy import cross_tenant_scope as cross

    file_id = _old_closed_file(app, tenant_a)
    director = staff_client(app, "director@alpha.test", "alpha", ["executive_director"])
    before = director.get("/alpha/staff/reports?from=2026-01&to=2026-02&lang=en").get_data(as_text=True)
    page = f"/alpha/staff/beneficiaries/{file_id}/personal-data"
    early = post_form(director, f"/alpha/staff/beneficiaries/{file_id}/anonymise", {}, form_page=page)
    assert early.status_code == 409 and "2031-02-20" in early.get_data(as_text=True)

    time_machine.move_to(datetime(2031, 3, 1, tzinfo=UTC))
    with app.test_request_context(), cross():
        assert anonymise_expired(datetime(2031, 3, 1, tzinfo=UTC)) == 0  # the association set no retention
    director = app.test_client()
    login(director, "director@alpha.test")  # five years on, the old session has long expired
    done = post_form(director, f"/alpha/staff/beneficiaries/{file_id}/anonymise", {}, form_page=page)
    assert done.status_code == 302
    with app_ctx(app), tenant_scope(tenant_a):
        b = db.session.get(Beneficiary, file_id)
        assert b.name == "— 1" and b.national_id != "1058529940" and b.mobile is None
        assert b.birth_date.isoformat() == "1980-01-01" and b.gender == "male"
        member = db.session.scalars(sa.select(HouseholdMember)).one()
        assert member.name == "—" and member.national_id is None
        assert db.session.scalars(sa.select(Interaction.summary)).all() == ["—"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SupportRequest)) == 6
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Anonymisation)) == 1
    assert len(_audit(app, "pdpl.anonymise")) == 1
    after = director.get("/alpha/staff/reports?from=2026-01&to=2026-02&lang=en").get_data(as_text=True)
    table = lambda html: html.split('id="figure-by_month"')[1].split("</table>")[0]  # noqa: E731
    assert table(after) == table(before)
    again = post_form(director, f"/alpha/staff/beneficiaries/{file_id}/anonymise", {}, form_page=page)
    assert again.status_code == 409


def test_the_nightly_job_anonymises_where_the_association_set_a_retention_period(app, time_machine):
    from core import tenant_files, tenants
    from core.pdpl.anonymise import anonymise_expired
    from tests.helpers import TENANT_TOML

    text = TENANT_TOML.format(slug="gamma").replace("[review]", "retention_years = 2\n[review]", 1)
    with app_ctx(app), cross_tenant_scope():
        tenant_id = tenants.provision(tenant_files.parse(text)).tenant.id
        db.session.commit()
    _old_closed_file(app, tenant_id)
    time_machine.move_to(datetime(2027, 6, 1, tzinfo=UTC))
    with app.test_request_context():
        assert anonymise_expired(datetime(2027, 6, 1, tzinfo=UTC)) == 0
    time_machine.move_to(datetime(2028, 3, 2, tzinfo=UTC))
    with app.test_request_context():
        assert anonymise_expired(datetime(2028, 3, 2, tzinfo=UTC)) == 1
        assert anonymise_expired(datetime(2028, 3, 3, tzinfo=UTC)) == 0


def test_an_open_request_keeps_the_file(app, officer, time_machine):
    file_id = open_file(officer, "alpha")
    request_id = open_request(officer, "alpha", file_id, "phone")
    act(officer, "alpha", request_id, "check_documents")
    director = staff_client(app, "director@alpha.test", "alpha", ["executive_director"])
    time_machine.move_to(datetime(2040, 1, 1, tzinfo=UTC))
    for client, email in ((director, "director@alpha.test"), (officer, "officer@alpha.test")):
        login(client, email)
    page = f"/alpha/staff/beneficiaries/{file_id}/personal-data"
    response = post_form(director, f"/alpha/staff/beneficiaries/{file_id}/anonymise", {}, form_page=page)
    assert response.status_code == 409
    assert post_form(officer, f"/alpha/staff/beneficiaries/{file_id}/anonymise", {},
                     form_page=page).status_code == 403


def test_personal_data_pages_are_for_this_associations_case_roles(app, officer, tenant_b):
    file_id = open_file(officer, "alpha")
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    assert viewer.get(f"/alpha/staff/beneficiaries/{file_id}/personal-data.json").status_code == 403
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    assert other.get(f"/beta/staff/beneficiaries/{file_id}/personal-data.json").status_code == 404
    assert other.get(f"/alpha/staff/beneficiaries/{file_id}/personal-data").status_code == 404
