"""Eligibility verification (004): the checklist on a request, its evidence, and the guard before review."""
import io

import pytest
import sqlalchemy as sa

from core.eligibility.models import FieldVisit, NeedsStudy, VerificationStep, Witness
from core.extensions import db
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import act, receive_all_documents
from tests.welfare_helpers import make_welfare_tenant, national_id, open_file, open_request, staff_client, user_id

SLUG = "elig"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def elig(app):
    tenant_id = make_welfare_tenant(app, SLUG)
    officer = staff_client(app, "officer@elig.test", SLUG, ["relations_officer"])
    manager = staff_client(app, "manager@elig.test", SLUG, ["reviewer"])
    return tenant_id, officer, manager


def _declared_request(app, officer, categories=("low_income_family",)):
    file_id = open_file(officer, SLUG, categories=list(categories))
    request_id = open_request(officer, SLUG, file_id, "phone")
    act(officer, SLUG, request_id, "check_documents")
    receive_all_documents(app, officer, SLUG, request_id)
    act(officer, SLUG, request_id, "declare", method="in_person", signed="1")
    return file_id, request_id


def _steps(app, tenant_id, request_id):
    with app_ctx(app), tenant_scope(tenant_id):
        return {s.code: s for s in db.session.scalars(sa.select(VerificationStep).where(
            VerificationStep.request_id == request_id).order_by(VerificationStep.position))}


def _step(client, request_id, step, **data):
    url = f"/{SLUG}/staff/requests/{request_id}/verification"
    return post_form(client, f"{url}/steps/{step.id}", {"version": str(step.version), **data}, form_page=url)


def test_a_new_request_gets_004s_nine_steps(app, elig):
    tenant_id, officer, _ = elig
    _file, request_id = _declared_request(app, officer)
    steps = _steps(app, tenant_id, request_id)
    assert list(steps) == ["authorities_inquiry", "field_visit", "witnesses", "income_certificate",
                           "school_certificates", "social_security_certificate", "medical_reports", "aid_form",
                           "needs_study"]
    assert {s.status for s in steps.values()} == {"pending"}
    page = officer.get(f"/{SLUG}/staff/requests/{request_id}/verification").get_data(as_text=True)
    assert "الزيارة الميدانية لسكن المتقدم" in page and "دراسة احتياج المستفيد" in page


def test_a_request_cannot_go_to_review_with_the_checklist_incomplete(app, elig):
    tenant_id, officer, _ = elig
    _file, request_id = _declared_request(app, officer)
    response = act(officer, SLUG, request_id, "send_to_review", manager_id=str(user_id(app, "manager@elig.test")))
    assert response.status_code == 409
    assert "قائمة التحقق من الاستحقاق غير مكتملة" in response.get_data(as_text=True)
    with app_ctx(app), tenant_scope(tenant_id):
        from core.workflow.models import SupportRequest

        assert db.session.get(SupportRequest, request_id).state == "declared"


def test_each_step_needs_its_evidence_or_a_reason(app, elig):
    tenant_id, officer, _ = elig
    _file, request_id = _declared_request(app, officer)
    steps = _steps(app, tenant_id, request_id)
    # not applicable without a reason: refused on the note field
    response = _step(officer, request_id, steps["school_certificates"], status="not_applicable")
    assert response.status_code == 422 and "اذكر سبب عدم انطباق" in response.get_data(as_text=True)
    # done without evidence: refused
    response = _step(officer, request_id, steps["income_certificate"], status="done")
    assert response.status_code == 422 and "قدّم الإثبات" in response.get_data(as_text=True)
    # done with an attached file: the evidence is kept and downloadable
    url = f"/{SLUG}/staff/requests/{request_id}/verification"
    response = post_form(officer, f"{url}/steps/{steps['income_certificate'].id}",
                         {"version": "1", "status": "done", "file": (io.BytesIO(PNG), "salary.png")},
                         form_page=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    step = _steps(app, tenant_id, request_id)["income_certificate"]
    assert step.status == "done" and step.attachment_id and step.done_by_id == user_id(app, "officer@elig.test")
    assert officer.get(f"/{SLUG}/staff/attachments/{step.attachment_id}").data == PNG
    # a stale form is refused ("changed by someone else")
    assert _step(officer, request_id, steps["income_certificate"], status="pending").status_code == 409


def test_visit_witnesses_and_needs_study_have_their_own_records(app, elig):
    tenant_id, officer, manager = elig
    _file, request_id = _declared_request(app, officer, categories=("abandoned",))
    steps = _steps(app, tenant_id, request_id)
    url = f"/{SLUG}/staff/requests/{request_id}/verification"
    # special steps cannot be "done" before their record exists
    assert _step(officer, request_id, steps["field_visit"], status="done").status_code == 422
    # witnesses are required for an abandoned woman: "not applicable" is refused
    response = _step(officer, request_id, steps["witnesses"], status="not_applicable", note="لا يلزم")
    assert response.status_code == 422 and "إلزامية لفئة" in response.get_data(as_text=True)
    response = post_form(officer, f"{url}/visit", {
        "visited_on": "2026-01-05", "visitors": "الباحثة سارة، الباحثة منى", "housing_condition": "poor",
        "furniture": "أثاث قديم ومتهالك", "needs_seen": "ثلاجة ومكيف", "notes": "السكن بالإيجار",
        "photos": [(io.BytesIO(PNG), "room.png")]}, form_page=url, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    bad = post_form(officer, f"{url}/witnesses", {"name": "شاهد", "national_id": "1234567890", "relation": "جار",
                                                 "phone": "0501112222", "statement": "أعرف حالتها منذ سنوات"},
                    form_page=url)
    assert bad.status_code == 422 and 'id="wt-national_id"' in bad.get_data(as_text=True)
    for n, name in enumerate(("خالد الجار", "فهد إمام المسجد")):
        response = post_form(officer, f"{url}/witnesses", {
            "name": name, "national_id": national_id(60 + n), "relation": "جار", "phone": "0501112222",
            "statement": "أعرف حالتها المادية والاجتماعية منذ سنوات"}, form_page=url)
        assert response.status_code == 302
    response = post_form(officer, f"{url}/study", {"needs_found": "مصاريف سكن ومعيشة",
                                                   "services_proposed": "مساعدة مالية شهرية وسلة غذائية"},
                         form_page=url)
    assert response.status_code == 302
    steps = _steps(app, tenant_id, request_id)
    for code in ("field_visit", "witnesses", "needs_study"):
        assert _step(officer, request_id, steps[code], status="done").status_code == 302, code
    for code in ("authorities_inquiry", "income_certificate", "school_certificates", "social_security_certificate",
                 "medical_reports", "aid_form"):
        assert _step(officer, request_id, _steps(app, tenant_id, request_id)[code], status="done",
                     note="اطلعت على الأصل").status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        visit = db.session.scalar(sa.select(FieldVisit))
        assert (visit.housing_condition, visit.needs_seen) == ("poor", "ثلاجة ومكيف")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Witness)) == 2
        assert db.session.scalar(sa.select(NeedsStudy.services_proposed)) == "مساعدة مالية شهرية وسلة غذائية"
    response = act(officer, SLUG, request_id, "send_to_review", manager_id=str(user_id(app, "manager@elig.test")))
    assert response.status_code == 302
    # The reviewer sees the checklist on the decision page.
    page = manager.get(f"/{SLUG}/staff/requests/{request_id}").get_data(as_text=True)
    assert "verification-summary" in page and "ثلاجة ومكيف" in page and "فهد إمام المسجد" in page
    # After it was sent, the verification is frozen.
    late = _step(officer, request_id, _steps(app, tenant_id, request_id)["aid_form"], status="pending")
    assert late.status_code == 409


def test_the_admin_edits_the_checklist_and_new_requests_use_it(app, elig):
    tenant_id, officer, _ = elig
    admin = staff_client(app, "admin@elig.test", SLUG, ["tenant_admin"])
    form = {"section": "checklist", "code": ["home_visit", "salary", ""], "label_ar": ["زيارة", "راتب", ""],
            "label_en": ["Visit", "Salary", ""], "kind": ["field_visit", "evidence", "evidence"],
            "required_for": ["", "widow, orphan", ""]}
    bad = post_form(admin, f"/{SLUG}/admin/casework", {**form, "code": ["home_visit", "Bad Code", ""]})
    assert bad.status_code == 422 and "verification_steps[1].code" in bad.get_data(as_text=True)
    assert post_form(admin, f"/{SLUG}/admin/casework", form).status_code == 302
    _file, request_id = _declared_request(app, officer)
    steps = _steps(app, tenant_id, request_id)
    assert list(steps) == ["home_visit", "salary"] and steps["salary"].required_for == "widow,orphan"
    assert post_form(admin, f"/{SLUG}/admin/casework", {"section": "checklist", "reset": "1"}).status_code == 302
    second = open_request(officer, SLUG, open_file(officer, SLUG, national_id=national_id(70)), "phone")
    assert len(_steps(app, tenant_id, second)) == 9
    assert list(_steps(app, tenant_id, request_id)) == ["home_visit", "salary"]  # opened requests keep theirs


def test_with_the_module_off_no_checklist_and_no_guard(app):
    make_welfare_tenant(app, "noelig", modules=["service_controls"])
    officer = staff_client(app, "officer@noelig.test", "noelig", ["relations_officer"])
    staff_client(app, "manager@noelig.test", "noelig", ["reviewer"])
    file_id = open_file(officer, "noelig")
    request_id = open_request(officer, "noelig", file_id, "phone")
    assert officer.get(f"/noelig/staff/requests/{request_id}/verification").status_code == 404
    assert "verification-summary" not in officer.get(f"/noelig/staff/requests/{request_id}").get_data(as_text=True)
    act(officer, "noelig", request_id, "check_documents")
    receive_all_documents(app, officer, "noelig", request_id)
    act(officer, "noelig", request_id, "declare", method="in_person", signed="1")
    response = act(officer, "noelig", request_id, "send_to_review",
                   manager_id=str(user_id(app, "manager@noelig.test")))
    assert response.status_code == 302
