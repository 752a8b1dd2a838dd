"""Another association's ids are not found on any staff route; attachments are checked and served safely."""
import io
import re
from pathlib import Path

import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from core.workflow.models import Attachment, Referral, RequestDocument
from tests.helpers import app_ctx, csrf_token, post_form
from tests.test_staff_helpers import (
    COMMITTEE,
    act,
    open_file,
    open_request,
    receive_all_documents,
    staff_client,
    version_of,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ALL_ROLES = ["relations_officer", "social_researcher", "reviewer", "referral_officer", "executive_director"]


def _upload(client, slug, request_id, name, content):
    url = f"/{slug}/staff/requests/{request_id}"
    return client.post(f"{url}/attachments", data={"csrf_token": csrf_token(client, url),
                                                   "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _b_records(app, tenant_a, tenant_b):
    b_officer = staff_client(app, "officer@beta.test", "beta", ALL_ROLES)
    file_id = open_file(b_officer, "beta")
    page = f"/beta/staff/beneficiaries/{file_id}"
    post_form(b_officer, f"{page}/household", {"relation": "son", "name": "محمد"}, form_page=page)
    post_form(b_officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": "3000"}, form_page=page)
    post_form(b_officer, f"{page}/referrals", {"question": "سؤال عن الإجراءات"}, form_page=page)
    request_id = open_request(b_officer, "beta", file_id, "phone")
    assert _upload(b_officer, "beta", request_id, "id.pdf", PDF).status_code == 302
    with app_ctx(app), cross_tenant_scope():
        from core.beneficiaries.models import HouseholdMember, IncomeSource

        return {
            "file": file_id, "request": request_id,
            "member": db.session.scalar(sa.select(HouseholdMember.id)),
            "income": db.session.scalar(sa.select(IncomeSource.id)),
            "document": db.session.scalar(sa.select(RequestDocument.id)),
            "attachment": db.session.scalar(sa.select(Attachment.id)),
            "referral": db.session.scalar(sa.select(Referral.id)),
        }


def test_every_staff_route_gives_404_for_another_associations_ids(app, tenant_a, tenant_b):
    b = _b_records(app, tenant_a, tenant_b)
    a_officer = staff_client(app, "officer@alpha.test", "alpha", ALL_ROLES)
    a_file = open_file(a_officer, "alpha")
    a_request = open_request(a_officer, "alpha", a_file, "phone")
    f, r = b["file"], b["request"]
    gets = [f"/alpha/staff/beneficiaries/{f}", f"/alpha/staff/beneficiaries/{f}/edit",
            f"/alpha/staff/beneficiaries/{f}/requests/new", f"/alpha/staff/requests/{r}",
            f"/alpha/staff/attachments/{b['attachment']}"]
    posts = [f"/alpha/staff/beneficiaries/{f}/edit", f"/alpha/staff/beneficiaries/{f}/household",
             f"/alpha/staff/beneficiaries/{f}/household/{b['member']}/delete",
             f"/alpha/staff/beneficiaries/{a_file}/household/{b['member']}/delete",
             f"/alpha/staff/beneficiaries/{f}/incomes", f"/alpha/staff/beneficiaries/{f}/incomes/{b['income']}/delete",
             f"/alpha/staff/beneficiaries/{a_file}/incomes/{b['income']}/delete",
             f"/alpha/staff/beneficiaries/{f}/requests/new", f"/alpha/staff/beneficiaries/{f}/contacts",
             f"/alpha/staff/beneficiaries/{f}/referrals", f"/alpha/staff/requests/{r}/actions/check_documents",
             f"/alpha/staff/requests/{r}/documents/{b['document']}",
             f"/alpha/staff/requests/{a_request}/documents/{b['document']}",
             f"/alpha/staff/requests/{r}/attachments", f"/alpha/staff/requests/{r}/notified",
             f"/alpha/staff/referrals/{b['referral']}/answer"]
    for url in gets:
        assert a_officer.get(url).status_code == 404, url
    token = csrf_token(a_officer, "/alpha/staff/")
    for url in posts:
        response = a_officer.post(url, data={"csrf_token": token, "version": "1", "name": "x", "answer": "xx"})
        assert response.status_code == 404, url
    # Nor does the other association's data show up in lists, queues or search.
    for url in ("/alpha/staff/beneficiaries", "/alpha/staff/requests", "/alpha/staff/", "/alpha/staff/referrals"):
        assert "سؤال عن الإجراءات" not in a_officer.get(url).get_data(as_text=True)
    assert a_officer.get("/alpha/staff/beneficiaries").get_data(as_text=True).count("/staff/beneficiaries/") >= 1
    # A member of alpha only gets 404 for beta's staff area itself.
    assert a_officer.get(f"/beta/staff/beneficiaries/{f}").status_code == 404


def test_attachments_are_checked_by_content_and_served_only_through_the_route(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    fake = _upload(officer, "alpha", request_id, "cv.pdf", b"<html><script>alert(1)</script></html>")
    assert fake.status_code == 422 and "PDF" in fake.get_data(as_text=True)
    big = _upload(officer, "alpha", request_id, "big.pdf", PDF + b"0" * (5 * 1024 * 1024))
    assert big.status_code == 422
    assert _upload(officer, "alpha", request_id, "../../هوية.pdf", PDF).status_code == 302
    with app_ctx(app), cross_tenant_scope():
        attachment = db.session.scalars(sa.select(Attachment)).one()
        assert attachment.original_name == "هوية.pdf"
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", attachment.stored_name)
        stored = Path(app.config["UPLOAD_FOLDER"]) / str(attachment.tenant_id) / attachment.stored_name
        assert stored.read_bytes() == PDF
    response = officer.get(f"/alpha/staff/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    anonymous = app.test_client()
    assert anonymous.get(f"/alpha/staff/attachments/{attachment.id}").status_code in (302, 401)


def test_every_change_leaves_an_audit_row(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ALL_ROLES)
    file_id = open_file(officer, "alpha")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    post_form(officer, f"{page}/household", {"relation": "son", "name": "محمد"}, form_page=page)
    post_form(officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": "3000"}, form_page=page)
    post_form(officer, f"{page}/contacts", {"channel": "phone", "direction": "in", "summary": "استفسار عن موعد"},
              form_page=page)
    request_id = open_request(officer, "alpha", file_id, "interview")
    _upload(officer, "alpha", request_id, "id.pdf", PDF)
    act(officer, "alpha", request_id, "check_documents")
    receive_all_documents(app, officer, "alpha", request_id)
    act(officer, "alpha", request_id, "declare", method="online", signed="1")
    act(officer, "alpha", request_id, "send_to_review")
    # Separation of duties: the person who received the request does not decide it.
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    assert act(officer, "alpha", request_id, "reject", reason="لا تنطبق شروط الاستحقاق على الأسرة",
               **COMMITTEE).status_code == 403
    act(reviewer, "alpha", request_id, "reject", reason="لا تنطبق شروط الاستحقاق على الأسرة", **COMMITTEE)
    url = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{url}/notified", {"channel": "phone", "version": version_of(officer, url)},
                         form_page=url)
    assert response.status_code == 302
    act(officer, "alpha", request_id, "close")
    with app_ctx(app), cross_tenant_scope():
        mine = ("beneficiary.", "request.", "interaction.", "referral.")
        entries = [e for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
                   if e.action.startswith(mine)]
        actions = [e.action for e in entries if not e.action.endswith(".view")]
        assert all(e.actor_id is not None and e.tenant_id is not None for e in entries)
    assert actions == [
        "beneficiary.create", "beneficiary.household.add", "beneficiary.income.add", "interaction.create",
        "request.create", "request.attachment", "request.check_documents",
        *["request.document"] * actions.count("request.document"),
        "request.declare", "request.send_to_review", "request.reject", "request.notified", "request.close"]
    assert actions.count("request.document") == 4


def test_the_requests_list_never_shows_another_associations_requests_whatever_the_filter(app, tenant_a, tenant_b):
    """The list reads plain rows of columns (not entities): the tenant scope must still hold on them."""
    alpha = staff_client(app, "list-a@alpha.test", "alpha", ["relations_officer"])
    beta = staff_client(app, "list-b@beta.test", "beta", ["relations_officer"])
    open_request(alpha, "alpha", open_file(alpha, "alpha", name="نورة سالم الشهري"), "phone")
    open_request(beta, "beta", open_file(beta, "beta", name="هند فالح الدوسري"), "phone")
    for query in ("", "?state=received", "?channel=phone", "?queue=new", "?category=low_income_family"):
        html = alpha.get(f"/alpha/staff/requests{query}").get_data(as_text=True)
        assert "نورة سالم الشهري" in html, query
        assert "هند فالح الدوسري" not in html, query
