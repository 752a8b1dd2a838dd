"""The sample welfare association (004) end to end over HTTP: intake → verification (visit, witnesses,
needs study) → decision → service → annual update missed → freeze → exclusion due → exclusion decision PDF."""
import io
import subprocess
from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.lifecycle.models import ExclusionDecision
from core.models import AuditEntry
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import act, receive_all_documents
from tests.welfare_helpers import (
    file_status,
    lifecycle_post,
    national_id,
    open_file,
    open_request,
    staff_client,
    user_id,
)

SLUG = "model-welfare"
T0 = datetime(2026, 1, 4, 6, 0, tzinfo=UTC)  # Sunday 09:00 in Riyadh
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _tenant_id(app):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(SLUG).id


def _jobs(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def test_model_welfare_runs_every_rule_of_004_over_http(app, seed_tenants):
    tenant_id = _tenant_id(app)
    with time_machine.travel(T0, tick=False):
        officer = staff_client(app, "officer@mw.test", SLUG, ["relations_officer"])
        manager = staff_client(app, "manager@mw.test", SLUG, ["reviewer"])
        admin = staff_client(app, "admin@mw.test", SLUG, ["tenant_admin"])
        outsider = staff_client(app, "outsider@mw.test", SLUG, ["relations_officer"])

        # Intake through one of the association's seven channels.
        file_id = open_file(officer, SLUG, name="هيا عبدالله", gender="female", marital_status="abandoned",
                            categories=["abandoned"], email="haya@example.com")
        request_id = open_request(officer, SLUG, file_id, "field_visit")
        assert outsider.get(f"/{SLUG}/staff/beneficiaries/{file_id}").status_code == 403  # file_access = assigned
        act(officer, SLUG, request_id, "check_documents")
        receive_all_documents(app, officer, SLUG, request_id)
        act(officer, SLUG, request_id, "declare", method="in_person", signed="1")

        # Verification: the checklist blocks review until it is complete.
        blocked = act(officer, SLUG, request_id, "send_to_review", manager_id=str(user_id(app, "manager@mw.test")))
        assert blocked.status_code == 409
        url = f"/{SLUG}/staff/requests/{request_id}/verification"
        assert post_form(officer, f"{url}/visit", {
            "visited_on": "2026-01-03", "visitors": "الباحثة سارة", "housing_condition": "unfit",
            "furniture": "لا يوجد أثاث يذكر", "needs_seen": "أسرّة ومكيف", "photos": [(io.BytesIO(PNG), "1.png")]},
            form_page=url, content_type="multipart/form-data").status_code == 302
        for n in range(2):
            assert post_form(officer, f"{url}/witnesses", {
                "name": f"شاهد {n + 1}", "national_id": national_id(90 + n), "relation": "جارة",
                "phone": "0501234567", "statement": "تعرف حالتها منذ أن هجرها زوجها قبل سنتين"},
                form_page=url).status_code == 302
        assert post_form(officer, f"{url}/study", {"needs_found": "إيجار متأخر ومصاريف معيشة",
                                                   "services_proposed": "مساعدة مالية وسلة غذائية شهرية"},
                         form_page=url).status_code == 302
        from tests.test_eligibility import _steps

        for code, step in _steps(app, tenant_id, request_id).items():
            data = {"status": "done", "note": "اطلعت على الأصل"}
            if code == "school_certificates":
                data = {"status": "not_applicable", "note": "لا يوجد أبناء في سن الدراسة"}
            response = post_form(officer, f"{url}/steps/{step.id}", {"version": str(step.version), **data},
                                 form_page=url)
            assert response.status_code == 302, code

        # Decision by the manager it was sent to (not by the receiver), then service.
        assert act(officer, SLUG, request_id, "send_to_review",
                   manager_id=str(user_id(app, "manager@mw.test"))).status_code == 302
        decision_page = manager.get(f"/{SLUG}/staff/requests/{request_id}").get_data(as_text=True)
        assert "verification-summary" in decision_page and "أسرّة ومكيف" in decision_page
        assert act(officer, SLUG, request_id, "accept").status_code == 403
        assert act(manager, SLUG, request_id, "accept").status_code == 302
        assert act(officer, SLUG, request_id, "register").status_code == 302
        assert act(officer, SLUG, request_id, "serve", kind="financial", amount="٢٠٠٠").status_code == 302

        # The annual data update: the admin opens a campaign, the file's update is due on 2026-01-31.
        assert post_form(admin, f"/{SLUG}/admin/updates", {"title": "التحديث السنوي 1447",
                                                            "opens_on": "2026-01-04",
                                                            "closes_on": "2026-01-31"}).status_code == 302
        assert "2026-01-31" in officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}/lifecycle").get_data(as_text=True)

    # Missed: the day after the due date the file is frozen for a month (late documents).
    with time_machine.travel(datetime(2026, 2, 1, 6, 0, tzinfo=UTC), tick=False):
        _jobs(app)
        assert file_status(app, tenant_id, file_id) == "frozen"
    # A month without a response: exclusion is due and in the manager's queue.
    with time_machine.travel(datetime(2026, 3, 1, 6, 0, tzinfo=UTC), tick=False):
        _jobs(app)
        assert file_status(app, tenant_id, file_id) == "exclusion_due"
        manager = staff_client(app, "manager2@mw.test", SLUG, ["reviewer"])
        assert f"/beneficiaries/{file_id}/lifecycle" in manager.get(f"/{SLUG}/staff/lifecycle").get_data(as_text=True)
        response = lifecycle_post(manager, SLUG, file_id, "exclude", reason="no_response_after_freeze",
                                  evidence="لم تقدم وثائق التحديث السنوي ولم تتجاوب خلال شهر التجميد")
        assert response.status_code == 302
        assert file_status(app, tenant_id, file_id) == "excluded"
        with app_ctx(app), tenant_scope(tenant_id):
            decision = db.session.scalar(sa.select(ExclusionDecision))
            actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        pdf = manager.get(f"/{SLUG}/staff/exclusions/{decision.id}/decision.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
        text = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c")  # pdftotext's bidi marks
        # (pdftotext reads the ligature of «الله» back as «اهلل»: compare the name's first word)
        assert "قرار استبعاد رقم 1" in text and "هيا عبد" in text and "عدم التجاوب بعد تجميد الملف" in text
    for action in ("verification.visit", "verification.witness", "verification.needs_study", "verification.step",
                   "request.accept", "request.serve", "update_campaign.open", "file.freeze", "file.freeze_expired",
                   "file.exclude", "beneficiary.view_denied"):
        assert action in actions, action
