"""004's service-controls table, one test per row, on the file's lifecycle (over HTTP, jobs on frozen time)."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from core.beneficiaries.models import Beneficiary, HouseholdMember
from core.extensions import db
from core.lifecycle.models import ExclusionDecision, FileFreeze, FileTransfer
from core.models import AuditEntry
from core.tenancy import tenant_scope
from core.workflow.models import Interaction, SupportRequest
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import act, complete_verification, receive_all_documents
from tests.welfare_helpers import (
    add_member,
    file_status,
    lifecycle_post,
    make_welfare_tenant,
    national_id,
    open_file,
    open_request,
    staff_client,
    user_id,
)

SLUG = "wel"
T0 = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)  # 10:00 in Riyadh, a Sunday


@pytest.fixture
def wel(app):
    tenant_id = make_welfare_tenant(app, SLUG)
    officer = staff_client(app, "officer@wel.test", SLUG, ["relations_officer"])
    manager = staff_client(app, "manager@wel.test", SLUG, ["reviewer"])
    return tenant_id, officer, manager


@pytest.fixture
def wel_at_t0(app):
    """The tenant, with its staff logged in on T0 (sessions live in the travelled time)."""
    tenant_id = make_welfare_tenant(app, SLUG)
    with time_machine.travel(T0, tick=False):
        officer = staff_client(app, "officer@wel.test", SLUG, ["relations_officer"])
        admin = staff_client(app, "admin@wel.test", SLUG, ["tenant_admin"])
    return tenant_id, officer, admin


def _decisions(app, tenant_id):
    with app_ctx(app), tenant_scope(tenant_id):
        return [(d.number, d.reason, d.form_reference, d.authority_referral, d.certificate_issued_on is not None)
                for d in db.session.scalars(sa.select(ExclusionDecision).order_by(ExclusionDecision.id))]


def _pdf_text(data: bytes) -> str:
    """The PDF's text as a reader copies it (poppler's pdftotext), so Arabic shaping is checked too."""
    import subprocess

    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def _run_jobs(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "service_controls.update_deadlines",
                                                "service_controls.expire_freezes"])
    assert result.exit_code == 0, result.output
    return result.output


# --- row 1: «تطابق جميع شروط الجمعية» → the file continues ------------------------------------------

def test_row_conditions_met_the_file_continues_and_takes_requests(app, wel):
    tenant_id, officer, _manager = wel
    file_id = open_file(officer, SLUG)
    assert "changed=0" in _run_jobs(app)
    assert file_status(app, tenant_id, file_id) == "active"
    open_request(officer, SLUG, file_id, "phone")  # an active file takes a new request
    page = officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}/lifecycle").get_data(as_text=True)
    assert "status-active" in page


# --- the exclusion rows: a numbered decision with its reason, evidence and who decided ------------

@pytest.mark.parametrize("reason, extra, needed", [
    ("no_longer_eligible", {}, None),
    ("own_request", {"form_reference": "نموذج إلغاء ملف رقم 12 بتاريخ 2026-02-20"}, "form_reference"),
    ("assault", {"authority_referral": "مركز شرطة الحي، بلاغ رقم 5521"}, "authority_referral"),
    ("refused_cooperation", {}, None),
    ("undisclosed_income", {}, None),
    ("registered_elsewhere", {}, None),
    ("false_information", {}, None),
])
def test_exclusion_rows_each_make_a_numbered_decision(app, wel, reason, extra, needed):
    tenant_id, officer, manager = wel
    file_id = open_file(officer, SLUG)
    if needed:  # the row's control is required: refused without it, nothing written
        response = lifecycle_post(manager, SLUG, file_id, "exclude", reason=reason, evidence="محضر إثبات الحالة")
        assert response.status_code == 422
        assert f'id="ex-{needed}"' in response.get_data(as_text=True)
        assert "is-invalid" in response.get_data(as_text=True)
        assert file_status(app, tenant_id, file_id) == "active" and _decisions(app, tenant_id) == []
    response = lifecycle_post(manager, SLUG, file_id, "exclude", reason=reason, evidence="محضر إثبات الحالة",
                              **extra)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert file_status(app, tenant_id, file_id) == "excluded"
    [(number, stored, form_reference, referral, certificate)] = _decisions(app, tenant_id)
    assert (number, stored) == (1, reason)
    assert form_reference == extra.get("form_reference") and referral == extra.get("authority_referral")
    assert certificate == (reason == "no_longer_eligible")  # «ويمنح مشهد … واقفال الملف وتسليمه له رسمياً»
    with app_ctx(app), tenant_scope(tenant_id):
        decision = db.session.scalar(sa.select(ExclusionDecision))
        assert decision.decided_by_id is not None and decision.evidence == "محضر إثبات الحالة"
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "file.exclude")) is not None
    if reason == "no_longer_eligible":  # the printable decision and certificate (PDF rendering is slow: once)
        for name, words in (("decision", "قرار استبعاد رقم"), ("certificate", "مشهد")):
            pdf = manager.get(f"/{SLUG}/staff/exclusions/{decision.id}/{name}.pdf")
            assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
            assert words in _pdf_text(pdf.data) and "أحمد محمد العتيبي" in _pdf_text(pdf.data)
    else:
        assert manager.get(f"/{SLUG}/staff/exclusions/{decision.id}/certificate.pdf").status_code == 404
    # An excluded file takes no new request, with a clear message.
    refused = post_form(officer, f"/{SLUG}/staff/beneficiaries/{file_id}/requests/new",
                        {"channel": "phone", "service": "financial_aid"})
    assert refused.status_code == 409 and "لا يمكن أن يستقبل طلبًا جديدًا" in refused.get_data(as_text=True)


def test_exclusion_is_a_managers_decision_and_decisions_are_numbered_per_association(app, wel):
    tenant_id, officer, manager = wel
    first, second = open_file(officer, SLUG), open_file(officer, SLUG, national_id=national_id(7))
    response = lifecycle_post(officer, SLUG, first, "exclude", reason="false_information", evidence="مستند مزور")
    assert response.status_code == 403 and file_status(app, tenant_id, first) == "active"
    for file_id in (first, second):
        assert lifecycle_post(manager, SLUG, file_id, "exclude", reason="false_information",
                              evidence="مستند مزور").status_code == 302
    assert [d[0] for d in _decisions(app, tenant_id)] == [1, 2]


def test_remarriage_applies_to_a_widow_or_divorcee_only(app, wel):
    tenant_id, officer, manager = wel
    man = open_file(officer, SLUG)
    response = lifecycle_post(manager, SLUG, man, "exclude", reason="remarriage", evidence="عقد زواج")
    assert response.status_code == 422 and file_status(app, tenant_id, man) == "active"
    widow = open_file(officer, SLUG, national_id=national_id(8), gender="female", marital_status="widowed",
                      categories=["widow"])
    assert lifecycle_post(manager, SLUG, widow, "exclude", reason="remarriage",
                          evidence="عقد زواج موثق").status_code == 302
    assert file_status(app, tenant_id, widow) == "excluded"


def test_registration_elsewhere_does_not_exclude_an_orphan(app, wel):
    tenant_id, officer, manager = wel
    orphan = open_file(officer, SLUG, categories=["orphan"])
    response = lifecycle_post(manager, SLUG, orphan, "exclude", reason="registered_elsewhere",
                              evidence="مسجل في جمعية بر")
    assert response.status_code == 422 and "الأيتام" in response.get_data(as_text=True)
    assert file_status(app, tenant_id, orphan) == "active" and _decisions(app, tenant_id) == []


# --- row: late documents at the data update → frozen one month, then exclusion due ----------------

def test_late_documents_at_the_update_freeze_for_a_month_then_exclusion_is_due(app, wel_at_t0):
    tenant_id, officer, admin = wel_at_t0
    with time_machine.travel(T0, tick=False):
        late, on_time = open_file(officer, SLUG), open_file(officer, SLUG, national_id=national_id(9))
        response = post_form(admin, f"/{SLUG}/admin/updates",
                             {"title": "تحديث 1447", "opens_on": "2026-03-01", "closes_on": "2026-03-15"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert lifecycle_post(officer, SLUG, on_time, "update", note="صك الإعالة وتعريف الراتب").status_code == 302
    with time_machine.travel(datetime(2026, 3, 15, 20, 0, tzinfo=UTC), tick=False):  # the due day, Riyadh
        assert "changed=0" in _run_jobs(app)
    with time_machine.travel(datetime(2026, 3, 16, 6, 0, tzinfo=UTC), tick=False):
        _run_jobs(app)
        assert file_status(app, tenant_id, late) == "frozen"
        assert file_status(app, tenant_id, on_time) == "active"
        with app_ctx(app), tenant_scope(tenant_id):
            freeze = db.session.scalar(sa.select(FileFreeze))
            assert (freeze.reason, freeze.starts_on, freeze.ends_on) == ("late_documents", date(2026, 3, 16),
                                                                         date(2026, 4, 15))
    with time_machine.travel(datetime(2026, 4, 15, 20, 0, tzinfo=UTC), tick=False):  # still the last day
        _run_jobs(app)
        assert file_status(app, tenant_id, late) == "frozen"
    with time_machine.travel(datetime(2026, 4, 16, 6, 0, tzinfo=UTC), tick=False):
        _run_jobs(app)
        assert file_status(app, tenant_id, late) == "exclusion_due"  # «وإذا لم يتجاوب يتم استبعاده»
        director = staff_client(app, "director@wel.test", SLUG, ["executive_director"])
        queue = director.get(f"/{SLUG}/staff/lifecycle").get_data(as_text=True)
        assert f"/beneficiaries/{late}/lifecycle" in queue.split('id="queue-exclusion-due"')[1].split("</section>")[0]
        # Exclusion itself is a person's decision: the job never excludes.
        assert _decisions(app, tenant_id) == []
        response = lifecycle_post(director, SLUG, late, "exclude", reason="no_response_after_freeze",
                                  evidence="لم يقدم الوثائق خلال مدة التجميد")
        assert response.status_code == 302
        assert file_status(app, tenant_id, late) == "excluded"


def test_a_frozen_file_takes_no_request_and_no_service(app, wel):
    tenant_id, officer, manager = wel
    file_id = open_file(officer, SLUG)
    request_id = open_request(officer, SLUG, file_id, "phone")
    act(officer, SLUG, request_id, "check_documents")
    receive_all_documents(app, officer, SLUG, request_id)
    act(officer, SLUG, request_id, "declare", method="in_person", signed="1")
    complete_verification(app, officer, SLUG, request_id)
    act(officer, SLUG, request_id, "send_to_review", manager_id=str(user_id(app, "manager@wel.test")))
    assert act(manager, SLUG, request_id, "accept").status_code == 302
    assert act(officer, SLUG, request_id, "register").status_code == 302
    assert lifecycle_post(officer, SLUG, file_id, "freeze", reason="unreported_change").status_code == 302
    refused = post_form(officer, f"/{SLUG}/staff/beneficiaries/{file_id}/requests/new",
                        {"channel": "phone", "service": "financial_aid"})
    assert refused.status_code == 409 and "مجمد" in refused.get_data(as_text=True)
    served = act(officer, SLUG, request_id, "serve", kind="financial", amount="500")
    assert served.status_code == 409 and "لا يمكن تقديم أي خدمة" in served.get_data(as_text=True)
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.get(SupportRequest, request_id).state == "registered"


# --- row: change of address or contact not reported → frozen three months ------------------------

def test_unreported_change_freezes_three_months_lifted_when_the_beneficiary_responds(app, wel_at_t0):
    tenant_id, officer, _admin = wel_at_t0
    with time_machine.travel(T0, tick=False):
        file_id = open_file(officer, SLUG)
        response = lifecycle_post(officer, SLUG, file_id, "freeze", reason="unreported_change", note="الرقم مغلق")
        assert response.status_code == 302
        with app_ctx(app), tenant_scope(tenant_id):
            freeze = db.session.scalar(sa.select(FileFreeze))
            assert (freeze.starts_on, freeze.ends_on) == (date(2026, 3, 1), date(2026, 5, 31))
        missing = lifecycle_post(officer, SLUG, file_id, "lift", response="")
        assert missing.status_code == 422 and file_status(app, tenant_id, file_id) == "frozen"
        assert lifecycle_post(officer, SLUG, file_id, "lift",
                              response="أبلغ بالعنوان الجديد ورقم الجوال").status_code == 302
    assert file_status(app, tenant_id, file_id) == "active"
    with time_machine.travel(datetime(2026, 6, 2, 6, 0, tzinfo=UTC), tick=False):
        _run_jobs(app)
    assert file_status(app, tenant_id, file_id) == "active"  # a lifted freeze never expires


def test_unreported_change_without_response_makes_exclusion_due_after_three_months(app, wel_at_t0):
    tenant_id, officer, _admin = wel_at_t0
    with time_machine.travel(T0, tick=False):
        file_id = open_file(officer, SLUG)
        lifecycle_post(officer, SLUG, file_id, "freeze", reason="unreported_change")
    with time_machine.travel(datetime(2026, 5, 31, 12, 0, tzinfo=UTC), tick=False):
        _run_jobs(app)
        assert file_status(app, tenant_id, file_id) == "frozen"
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        first = _run_jobs(app)
        second = _run_jobs(app)  # run twice: the second changes nothing
    assert "service_controls.expire_freezes" in first and "changed=1" in first
    assert "changed=1" not in second
    assert file_status(app, tenant_id, file_id) == "exclusion_due"
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "file.freeze_expired")) == 1


def test_the_jobs_are_safe_when_two_runners_overlap(app, wel_at_t0):
    """The expiry job's function run in two threads at once changes each file once."""
    import threading

    from core.lifecycle import jobs

    tenant_id, officer, _admin = wel_at_t0
    with time_machine.travel(T0, tick=False):
        ids = [open_file(officer, SLUG, national_id=national_id(20 + n)) for n in range(4)]
        for file_id in ids:
            lifecycle_post(officer, SLUG, file_id, "freeze", reason="late_documents")
    results = []
    later = datetime(2026, 4, 2, 6, 0, tzinfo=UTC)

    def run():
        with app.app_context(), force_locale("ar"):
            results.append(jobs.expire_freezes(later))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 4 and all(file_status(app, tenant_id, i) == "exclusion_due" for i in ids)
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "file.freeze_expired")) == 4


# --- row: death ---------------------------------------------------------------------------------

def test_death_of_a_man_transfers_the_file_to_his_wife_keeping_the_history(app, wel):
    tenant_id, officer, _manager = wel
    file_id = open_file(officer, SLUG)
    request_id = open_request(officer, SLUG, file_id, "phone")
    add_member(officer, SLUG, file_id, "spouse", "نورة سعد", national_id=national_id(31), birth_date="1985-01-02")
    add_member(officer, SLUG, file_id, "son", "سعد أحمد", birth_date="2010-04-04")
    with app_ctx(app), tenant_scope(tenant_id):
        wife = db.session.scalar(sa.select(HouseholdMember.id).where(HouseholdMember.relation == "spouse"))
    missing = lifecycle_post(officer, SLUG, file_id, "death", died_on="2026-01-10", evidence="شهادة وفاة")
    assert missing.status_code == 422 and file_status(app, tenant_id, file_id) == "active"
    response = lifecycle_post(officer, SLUG, file_id, "death", died_on="2026-01-10", evidence="شهادة وفاة 77",
                              new_holder_id=str(wife), new_holder_mobile="0559876543")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert file_status(app, tenant_id, file_id) == "transferred"
    with app_ctx(app), tenant_scope(tenant_id):
        transfer = db.session.scalar(sa.select(FileTransfer))
        new = db.session.get(Beneficiary, transfer.to_beneficiary_id)
        assert (new.name, new.national_id, new.gender, new.status) == ("نورة سعد", national_id(31), "female",
                                                                       "active")
        assert "widow" in new.category_codes and transfer.new_holder_relation == "spouse"
        household = [(m.relation, m.name) for m in db.session.scalars(sa.select(HouseholdMember).where(
            HouseholdMember.beneficiary_id == new.id))]
        assert household == [("son", "سعد أحمد")]
        # The old file keeps everything: its request, its household, its timeline.
        assert db.session.get(SupportRequest, request_id).beneficiary_id == file_id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HouseholdMember).where(
            HouseholdMember.beneficiary_id == file_id)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction).where(
            Interaction.beneficiary_id == file_id)) >= 3
        new_id = new.id
    page = officer.get(f"/{SLUG}/staff/beneficiaries/{new_id}/lifecycle").get_data(as_text=True)
    assert "transfer-from" in page and f"/requests/{request_id}" in page  # the earlier holder's requests
    refused = post_form(officer, f"/{SLUG}/staff/beneficiaries/{file_id}/requests/new",
                        {"channel": "phone", "service": "financial_aid"})
    assert refused.status_code == 409


def test_death_of_a_woman_transfers_to_one_of_her_dependants(app, wel):
    tenant_id, officer, _manager = wel
    file_id = open_file(officer, SLUG, gender="female", marital_status="widowed", categories=["widow"])
    add_member(officer, SLUG, file_id, "daughter", "هند", national_id=national_id(41))
    add_member(officer, SLUG, file_id, "son", "فهد", national_id=national_id(42))
    with app_ctx(app), tenant_scope(tenant_id):
        son = db.session.scalar(sa.select(HouseholdMember.id).where(HouseholdMember.relation == "son"))
    response = lifecycle_post(officer, SLUG, file_id, "death", died_on="2026-02-01", evidence="شهادة وفاة",
                              new_holder_id=str(son))
    assert response.status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        new = db.session.get(Beneficiary, db.session.scalar(sa.select(FileTransfer.to_beneficiary_id)))
        assert (new.name, new.gender) == ("فهد", "male") and "orphan" in new.category_codes
        household = [(m.relation, m.name) for m in db.session.scalars(sa.select(HouseholdMember).where(
            HouseholdMember.beneficiary_id == new.id))]
        assert household == [("sister", "هند")]


def test_death_with_no_dependants_closes_the_file(app, wel):
    tenant_id, officer, _manager = wel
    for gender in ("male", "female"):
        file_id = open_file(officer, SLUG, gender=gender, national_id=national_id(50 if gender == "male" else 51))
        add_member(officer, SLUG, file_id, "brother", "أخ")
        response = lifecycle_post(officer, SLUG, file_id, "death", died_on="2026-02-01", evidence="شهادة وفاة",
                                  new_holder_id="")
        assert response.status_code == 302
        assert file_status(app, tenant_id, file_id) == "closed"
    with app_ctx(app), tenant_scope(tenant_id):
        assert set(db.session.scalars(sa.select(FileTransfer.to_beneficiary_id))) == {None}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Beneficiary)) == 2


def test_a_dependant_without_an_id_number_needs_one_to_take_the_file(app, wel):
    tenant_id, officer, _manager = wel
    file_id = open_file(officer, SLUG, gender="female")
    add_member(officer, SLUG, file_id, "son", "فهد")
    with app_ctx(app), tenant_scope(tenant_id):
        son = db.session.scalar(sa.select(HouseholdMember.id))
    response = lifecycle_post(officer, SLUG, file_id, "death", died_on="2026-02-01", evidence="شهادة وفاة",
                              new_holder_id=str(son))
    assert response.status_code == 422 and 'id="dt-new_holder_national_id"' in response.get_data(as_text=True)
    assert file_status(app, tenant_id, file_id) == "active"


# --- the module off: none of its screens --------------------------------------------------------

def test_with_the_module_off_no_lifecycle_screen_exists(app):
    make_welfare_tenant(app, "plain", modules=[])
    officer = staff_client(app, "officer@plain.test", "plain", ["relations_officer"])
    director = staff_client(app, "director@plain.test", "plain", ["executive_director"])
    admin = staff_client(app, "admin@plain.test", "plain", ["tenant_admin"])
    file_id = open_file(officer, "plain")
    page = officer.get(f"/plain/staff/beneficiaries/{file_id}").get_data(as_text=True)
    assert "/lifecycle" not in page and "file-status" not in page and "/rights" not in page
    assert officer.get(f"/plain/staff/beneficiaries/{file_id}/lifecycle").status_code == 404
    assert director.get("/plain/staff/lifecycle").status_code == 404
    assert lifecycle_post.__name__  # the POST routes are module-guarded as well:
    assert post_form(officer, f"/plain/staff/beneficiaries/{file_id}/lifecycle/freeze", {"reason": "late_documents"},
                     form_page=f"/plain/staff/beneficiaries/{file_id}").status_code == 404
    assert admin.get("/plain/admin/updates").status_code == 404
    assert "service-controls" not in admin.get("/plain/admin/casework").get_data(as_text=True)


def test_a_campaign_window_that_closes_before_it_opens_is_refused(app, wel):
    tenant_id, _officer, _manager = wel
    admin = staff_client(app, "admin@wel.test", SLUG, ["tenant_admin"])
    response = post_form(admin, f"/{SLUG}/admin/updates", {"title": "تحديث", "opens_on": "2026-03-10",
                                                             "closes_on": "2026-03-01"})
    assert response.status_code == 422 and 'id="cp-closes_on"' in response.get_data(as_text=True)
    assert "is-invalid" in response.get_data(as_text=True)
    with app_ctx(app), tenant_scope(tenant_id):
        from core.lifecycle.models import UpdateCampaign

        assert db.session.scalar(sa.select(sa.func.count()).select_from(UpdateCampaign)) == 0
