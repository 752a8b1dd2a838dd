"""A support request walks from intake to served over HTTP, in every seed association."""
import pytest
import sqlalchemy as sa

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.tenancy import tenant_scope
from core.workflow.models import SupportRequest
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import (
    COMMITTEE,
    act,
    complete_verification,
    open_file,
    open_request,
    receive_all_documents,
    staff_client,
)

SEEDS = ["irth", "al-humaima", "green-energy", "live-law", "model-welfare"]


def _tenant(app, slug):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app), cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        return tenant.id, tenant.settings


@pytest.mark.parametrize("slug", SEEDS)
def test_request_walks_from_intake_to_served(app, seed_tenants, slug):
    tenant_id, settings = _tenant(app, slug)
    officer = staff_client(app, f"officer@{slug}.test", slug, ["relations_officer"])
    reviewer = staff_client(app, f"reviewer@{slug}.test", slug, ["reviewer"])
    referral = staff_client(app, f"referral@{slug}.test", slug, ["referral_officer"])

    # Each association's own categories and services (sample data in its tenant file).
    beneficiary_id = open_file(officer, slug, email="ahmad@example.com",
                               categories=[settings["categories"][0]["code"]])
    channel = settings["channels"][-1]
    request_id = open_request(officer, slug, beneficiary_id, channel, service=settings["services"][0]["code"])
    page = officer.get(f"/{slug}/staff/requests/{request_id}").get_data(as_text=True)
    assert "مستلم" in page or "Received" in page

    # Step 3: the question goes to the tenant's own referral role, who answers it.
    referral_label = settings["referral"]["label_ar"]
    file_page = officer.get(f"/{slug}/staff/beneficiaries/{beneficiary_id}").get_data(as_text=True)
    assert referral_label in file_page
    response = post_form(officer, f"/{slug}/staff/beneficiaries/{beneficiary_id}/referrals",
                         {"question": "ما المستندات المطلوبة لطلب المساعدة المالية؟"},
                         form_page=f"/{slug}/staff/beneficiaries/{beneficiary_id}")
    assert response.status_code == 302
    inbox = referral.get(f"/{slug}/staff/referrals").get_data(as_text=True)
    assert referral_label in inbox and "ما المستندات المطلوبة" in inbox
    referral_id = int(inbox.split("/referrals/")[1].split("/answer")[0])
    response = post_form(referral, f"/{slug}/staff/referrals/{referral_id}/answer",
                         {"answer": "صورة الهوية وسجل الأسرة وتعريف بالدخل", "version": "1"},
                         form_page=f"/{slug}/staff/referrals")
    assert response.status_code == 302
    assert "صورة الهوية وسجل الأسرة" in officer.get(f"/{slug}/staff/beneficiaries/{beneficiary_id}").get_data(
        as_text=True)

    assert act(officer, slug, request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, slug, request_id)
    assert act(officer, slug, request_id, "declare", method="in_person", signed="1").status_code == 302

    complete_verification(app, officer, slug, request_id)
    review = settings["review"]
    if review["body"] == "committee":
        response = act(officer, slug, request_id, "send_to_review")
    else:
        with app_ctx(app):
            from core.models import User

            with tenant_scope(tenant_id):
                reviewer_id = db.session.scalar(sa.select(User.id).where(User.email == f"reviewer@{slug}.test"))
        response = act(officer, slug, request_id, "send_to_review", manager_id=str(reviewer_id))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = officer.get(f"/{slug}/staff/requests/{request_id}").get_data(as_text=True)
    assert review["label_ar"] in page

    # The reviewer sees it in the decision queue, then accepts.
    assert "queue-decision" in reviewer.get(f"/{slug}/staff/").get_data(as_text=True)
    # A committee's decision records its meeting and the members present.
    decision = COMMITTEE if review["body"] == "committee" else {}
    assert act(reviewer, slug, request_id, "accept", **decision).status_code == 302
    assert act(officer, slug, request_id, "register").status_code == 302
    response = act(officer, slug, request_id, "serve", kind="financial", amount="1500", served_on="")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = officer.get(f"/{slug}/staff/requests/{request_id}").get_data(as_text=True)
    assert "1,500.00" in page

    with app_ctx(app), tenant_scope(tenant_id):
        request = db.session.get(SupportRequest, request_id)
        assert request.state == "served"
        assert request.channel == channel
        assert request.decision_due is not None
        messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.request_id == request_id)
                                      .order_by(OutboxMessage.id)).all()
        assert [m.kind for m in messages] == ["request_received", "under_review", "decision_accepted", "served"]
        assert all(m.language == "ar" and m.recipient == "ahmad@example.com" for m in messages)
        assert request.reference in messages[0].body
        assert review["label_ar"] in messages[1].body
        assert request.decision_due.isoformat() in messages[1].body
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    for action in ("beneficiary.create", "request.create", "request.check_documents", "request.document",
                   "request.declare", "request.send_to_review", "request.accept", "request.register",
                   "request.serve", "referral.create", "referral.answer", "beneficiary.view", "request.view"):
        assert action in actions, action
