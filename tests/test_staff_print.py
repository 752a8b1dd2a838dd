"""The request's printable letters (receipt, declaration to sign, decision letter) on each association's
letterhead, in the reader's language; another association's staff cannot read them; the print stylesheet."""
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, make_tenant
from tests.test_policy_document import pdf_text
from tests.test_staff_helpers import COMMITTEE, act, open_file, open_request, receive_all_documents, staff_client

REASON = "الدخل الشهري يتجاوز حد الاستحقاق المعتمد"
LETTERHEADS = {
    "alpha": {"license_number": '"650060001"', "contact": '{ phone = "0112345678", email = "info@alpha.example" }'},
    "beta": {"license_number": '"4215"', "contact": '{ phone = "0508072675", address_ar = "قرية الصمد" }'},
}


def _tenant_id(app, slug):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(slug).id


def _reference(app, slug, request_id):
    from core import tenants
    from core.tenancy import cross_tenant_scope
    from core.workflow.models import SupportRequest

    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            return db.session.get(SupportRequest, request_id).reference


def _decided_request(app, slug, reject=True):
    """A tenant with a letterhead, an officer and a reviewer, and a request taken to a decision."""
    make_tenant(app, slug, **LETTERHEADS[slug])
    officer = staff_client(app, f"officer@{slug}.test", slug, ["relations_officer"])
    reviewer = staff_client(app, f"reviewer@{slug}.test", slug, ["reviewer"])
    file_id = open_file(officer, slug)
    request_id = open_request(officer, slug, file_id, "interview", details="يحتاج مساعدة في الإيجار")
    assert act(officer, slug, request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, slug, request_id)
    assert act(officer, slug, request_id, "declare", method="in_person", signed="1").status_code == 302
    assert act(officer, slug, request_id, "send_to_review").status_code == 302
    if reject:
        response = act(reviewer, slug, request_id, "reject", reason=REASON, **COMMITTEE)
    else:
        response = act(reviewer, slug, request_id, "accept", **COMMITTEE)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return officer, reviewer, request_id


def _pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("inline;")
    return pdf_text(response.data)


@pytest.mark.parametrize("letter", ["receipt", "declaration", "decision"])
def test_each_letter_prints_on_each_associations_letterhead(app, letter):
    for slug in ("alpha", "beta"):
        officer, _reviewer, request_id = _decided_request(app, slug)
        reference = _reference(app, slug, request_id)
        text = _pdf(officer, f"/{slug}/staff/requests/{request_id}/{letter}.pdf?lang=ar")
        assert "جمعية" in text and slug in text and reference in text  # (a mixed-script name's order varies)
        licence = LETTERHEADS[slug]["license_number"].strip('"')
        assert licence in text
        english = _pdf(officer, f"/{slug}/staff/requests/{request_id}/{letter}.pdf?lang=en")
        assert f"{slug} association" in english and reference in english and "Licence number" in english


def test_the_receipt_says_what_happens_next_and_the_deadline_in_both_calendars(app):
    make_tenant(app, "alpha", **LETTERHEADS["alpha"])
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    text = _pdf(officer, f"/alpha/staff/requests/{request_id}/receipt.pdf?lang=en")
    assert "What happens next" in text and "Phone" in text and "0112345678" in text
    assert "within 14 days" in text  # not yet sent for a decision: the rule, no invented date
    assert " AH" in text  # the receipt date in the Hijri calendar too
    arabic = _pdf(officer, f"/alpha/staff/requests/{request_id}/receipt.pdf?lang=ar")
    assert "هـ" in arabic and "لجنة البحث" in arabic


def test_the_decision_letter_carries_the_reason_and_the_declaration_has_signature_lines(app):
    officer, _reviewer, request_id = _decided_request(app, "alpha")
    text = _pdf(officer, f"/alpha/staff/requests/{request_id}/decision.pdf?lang=ar")
    assert "الدخل الشهري يتجاوز حد الاستحقاق المعتمد" in text
    english = _pdf(officer, f"/alpha/staff/requests/{request_id}/decision.pdf?lang=en")
    assert "Refused" in english and "grievance" in english
    declaration = _pdf(officer, f"/alpha/staff/requests/{request_id}/declaration.pdf?lang=en")
    assert "Applicant's signature" in declaration and "1058529940" in declaration
    with app_ctx(app), tenant_scope(_tenant_id(app, "alpha")):
        printed = db.session.scalars(sa.select(AuditEntry.after).where(AuditEntry.action == "request.print")).all()
    assert {p["letter"] for p in printed} == {"decision", "declaration"}


def test_an_accepted_request_gets_an_acceptance_letter(app):
    officer, _reviewer, request_id = _decided_request(app, "beta", reject=False)
    english = _pdf(officer, f"/beta/staff/requests/{request_id}/decision.pdf?lang=en")
    assert "Accepted" in english and "Refused" not in english


def test_the_decision_letter_before_a_decision_is_a_clear_409(app):
    make_tenant(app, "alpha")
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    response = officer.get(f"/alpha/staff/requests/{request_id}/decision.pdf?lang=en")
    assert response.status_code == 409
    assert "has no decision yet" in response.get_data(as_text=True)
    page = officer.get(f"/alpha/staff/requests/{request_id}").get_data(as_text=True)
    assert f"/alpha/staff/requests/{request_id}/receipt.pdf" in page
    assert f"/alpha/staff/requests/{request_id}/declaration.pdf" in page
    assert "decision.pdf" not in page


def test_another_associations_staff_cannot_print_the_letters(app):
    officer, _reviewer, request_id = _decided_request(app, "alpha")
    make_tenant(app, "beta")
    stranger = staff_client(app, "officer@beta.test", "beta", ["relations_officer", "reviewer"])
    for letter in ("receipt", "declaration", "decision"):
        assert stranger.get(f"/beta/staff/requests/{request_id}/{letter}.pdf").status_code == 404
        assert stranger.get(f"/alpha/staff/requests/{request_id}/{letter}.pdf").status_code in (403, 404)


def test_the_print_stylesheet_hides_navigation_buttons_and_forms(app):
    from core.config import ROOT

    css = (ROOT / "static/css/wasl.css").read_text()
    block = css.split("/* docs:", 1)[1].split("@media print", 1)[1]
    hidden = block.split("{ display: none !important; }", 1)[0].rsplit("}", 1)[-1]
    selectors = {s.strip() for s in hidden.split(",")}
    assert {"nav", ".navbar", ".staff-nav", "footer", "form", "button", ".btn"} <= selectors
