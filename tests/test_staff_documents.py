"""The documents checklist's comforts (all received in one action, a wrong attachment removed but kept in
the audit, inline previews, each attachment's document), corrections after intake (request; household and
income rows) and the reviewer's page that shows what a decision needs."""
import io
import re

import pytest
import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary, HouseholdMember, IncomeSource
from core.models import AuditEntry
from core.tenancy import tenant_scope
from core.workflow.deadlines import today
from core.workflow.models import Attachment, RequestDocument, SupportRequest
from tests.helpers import app_ctx, csrf_token, make_tenant, post_form
from tests.test_staff_helpers import COMMITTEE, act, open_file, open_request, receive_all_documents, staff_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: A real 1×1 image, for the browser to decode.
PNG_IMAGE = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS"
             b"\xde\x00\x00\x00\x0cIDATx\x9cc\xe0\x8f\xf1\x05\x00\x016\x00\xb9\x89)\x8e\xc9\x00\x00\x00\x00IEND"
             b"\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = ["relations_officer", "social_researcher"]


@pytest.fixture
def alpha(app):
    return make_tenant(app, "alpha")


@pytest.fixture
def officer(app, alpha):
    return staff_client(app, "officer@alpha.test", "alpha", ROLES)


def _request(officer, **extra):
    file_id = open_file(officer, "alpha")
    return file_id, open_request(officer, "alpha", file_id, "interview", **extra)


def _page(client, request_id, lang="en"):
    return client.get(f"/alpha/staff/requests/{request_id}?lang={lang}").get_data(as_text=True)


def _upload(client, request_id, name, content, document_id=""):
    url = f"/alpha/staff/requests/{request_id}"
    return client.post(f"{url}/attachments", data={"csrf_token": csrf_token(client, url), "document_id": document_id,
                                                   "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _in_alpha(app, alpha):
    class _Scope:
        def __enter__(self):
            self.ctx = app_ctx(app)
            session = self.ctx.__enter__()
            self.scope = tenant_scope(alpha)
            self.scope.__enter__()
            return session

        def __exit__(self, *exc):
            self.scope.__exit__(*exc)
            self.ctx.__exit__(*exc)

    return _Scope()


def _audit(app, alpha, action):
    with _in_alpha(app, alpha) as session:
        return [(e.actor_id, e.before, e.after) for e in
                session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]


def _version(page, marker):
    """The version carried by the form whose action contains `marker`."""
    form = page.split(marker, 1)[1]
    return re.search(r'name="version" value="(\d+)"', form).group(1)


# --- all received --------------------------------------------------------------------------------

def test_all_documents_are_received_in_one_action(app, alpha, officer):
    _file, request_id = _request(officer)
    url = f"/alpha/staff/requests/{request_id}"
    page = _page(officer, request_id)
    assert "Mark every missing document as received today" in page
    response = post_form(officer, f"{url}/documents/all-received",
                         {"version": _version(page, "documents/all-received")}, form_page=url)
    assert response.status_code == 302
    with _in_alpha(app, alpha) as session:
        received = session.scalars(sa.select(RequestDocument.received_on)
                                   .where(RequestDocument.request_id == request_id)).all()
    assert received == [today()] * 4
    page = officer.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "The missing documents were marked as received today" in page and "all-received" not in page
    (_actor, _before, after), = _audit(app, alpha, "request.documents.all_received")
    assert after["codes"] == ["id_copy", "family_record", "income_certificate", "iban_certificate"]


def test_all_received_from_a_stale_page_is_a_conflict(app, alpha, officer):
    _file, request_id = _request(officer)
    url = f"/alpha/staff/requests/{request_id}"
    stale = _version(_page(officer, request_id), "documents/all-received")
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302  # someone moved it on
    response = post_form(officer, f"{url}/documents/all-received", {"version": stale}, form_page=url)
    assert response.status_code == 409
    with _in_alpha(app, alpha) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RequestDocument)
                              .where(RequestDocument.received_on.is_not(None))) == 0


def test_all_received_is_refused_once_the_request_went_for_a_decision(app, alpha, officer):
    _file, request_id = _request(officer)
    with _in_alpha(app, alpha) as session:
        session.get(SupportRequest, request_id).state = "under_review"
        session.commit()
    url = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{url}/documents/all-received", {"version": "2"}, form_page=url,
                         query_string={"lang": "en"})
    assert response.status_code == 409
    assert "Documents can no longer be changed" in response.get_data(as_text=True)


# --- attachments: document, preview, removal -----------------------------------------------------

def test_each_attachment_shows_its_document_and_previews_inline(app, alpha, officer):
    _file, request_id = _request(officer)
    with _in_alpha(app, alpha) as session:
        id_copy = session.scalar(sa.select(RequestDocument.id).where(RequestDocument.code == "id_copy"))
    assert _upload(officer, request_id, "هوية.png", PNG, str(id_copy)).status_code == 302
    assert _upload(officer, request_id, "lease.pdf", PDF).status_code == 302
    page = _page(officer, request_id)
    with _in_alpha(app, alpha) as session:
        png_id, pdf_id = session.scalars(sa.select(Attachment.id).order_by(Attachment.id)).all()
    png_item = page.split(f'id="attachment-{png_id}"')[1].split("</li>")[0]
    assert "Copy of the national ID or iqama" in png_item
    preview = f"/alpha/staff/requests/{request_id}/attachments/{png_id}/preview"
    assert f'<img class="attachment-preview mt-1" src="{preview}"' in png_item
    pdf_item = page.split(f'id="attachment-{pdf_id}"')[1].split("</li>")[0]
    assert "No document" in pdf_item and f'<iframe class="attachment-preview mt-1" src="/alpha/staff/requests/' \
        f'{request_id}/attachments/{pdf_id}/preview"' in pdf_item

    for attachment_id, content_type, body in ((png_id, "image/png", PNG), (pdf_id, "application/pdf", PDF)):
        response = officer.get(f"/alpha/staff/requests/{request_id}/attachments/{attachment_id}/preview")
        assert response.status_code == 200 and response.data == body
        assert response.mimetype == content_type
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The request page itself may frame its own previews (default-src 'self' covers frames and images).
    csp = officer.get(f"/alpha/staff/requests/{request_id}").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-src" not in csp and "img-src 'self'" in csp


def test_a_wrong_attachment_is_removed_from_the_file_but_kept_in_the_audit(app, alpha, officer):
    _file, request_id = _request(officer)
    assert _upload(officer, request_id, "wrong-person.png", PNG).status_code == 302
    with _in_alpha(app, alpha) as session:
        attachment_id = session.scalar(sa.select(Attachment.id))
    url = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{url}/attachments/{attachment_id}/delete", {}, form_page=url)
    assert response.status_code == 302
    page = _page(officer, request_id)
    assert "wrong-person.png" not in page.split("<h3 class=\"h6\">Attachments</h3>")[1].split("</ul>")[0]
    assert officer.get(f"/alpha/staff/attachments/{attachment_id}").status_code == 404
    assert officer.get(f"{url}/attachments/{attachment_id}/preview").status_code == 404
    assert post_form(officer, f"{url}/attachments/{attachment_id}/delete", {}, form_page=url).status_code == 404

    with _in_alpha(app, alpha) as session:
        kept = session.get(Attachment, attachment_id)
        assert kept.deleted_at is not None and kept.deleted_by_id is not None
        officer_id = kept.deleted_by_id
    (actor, before, after), = _audit(app, alpha, "request.attachment.delete")
    assert actor == officer_id and before["name"] == "wrong-person.png" and after["deleted_by_id"] == officer_id


def test_attachments_can_no_longer_be_removed_after_the_request_went_for_a_decision(app, alpha, officer):
    _file, request_id = _request(officer)
    assert _upload(officer, request_id, "scan.png", PNG).status_code == 302
    with _in_alpha(app, alpha) as session:
        attachment_id = session.scalar(sa.select(Attachment.id))
        session.get(SupportRequest, request_id).state = "under_review"
        session.commit()
    url = f"/alpha/staff/requests/{request_id}"
    page = _page(officer, request_id)
    assert f"/attachments/{attachment_id}/delete" not in page
    response = post_form(officer, f"{url}/attachments/{attachment_id}/delete", {}, form_page=url)
    assert response.status_code == 409
    with _in_alpha(app, alpha) as session:
        assert session.get(Attachment, attachment_id).deleted_at is None


def test_another_associations_staff_cannot_preview_remove_or_correct(app, alpha, officer):
    file_id, request_id = _request(officer)
    assert _upload(officer, request_id, "scan.png", PNG).status_code == 302
    with _in_alpha(app, alpha) as session:
        attachment_id = session.scalar(sa.select(Attachment.id))
        member = HouseholdMember(beneficiary_id=file_id, relation="son", name="محمد")
        income = IncomeSource(beneficiary_id=file_id, kind="salary", monthly_amount=3000)
        session.add_all([member, income])
        session.commit()
        member_id, income_id = member.id, income.id
    make_tenant(app, "beta")
    stranger = staff_client(app, "officer@beta.test", "beta", ROLES + ["reviewer"])
    base = f"/beta/staff/requests/{request_id}"
    assert stranger.get(f"{base}/attachments/{attachment_id}/preview").status_code == 404
    assert stranger.get(f"{base}/correct").status_code == 404
    assert stranger.get(f"/beta/staff/beneficiaries/{file_id}/household/{member_id}/edit").status_code == 404
    assert stranger.get(f"/beta/staff/beneficiaries/{file_id}/incomes/{income_id}/edit").status_code == 404
    token_page = "/beta/staff/"
    for url, data in ((f"{base}/attachments/{attachment_id}/delete", {}),
                      (f"{base}/documents/all-received", {"version": "1"}),
                      (f"{base}/correct", {"version": "1", "channel": "phone", "service": "financial_aid"}),
                      (f"/beta/staff/beneficiaries/{file_id}/incomes/{income_id}/edit",
                       {"version": "1", "kind": "salary", "monthly_amount": "1"})):
        assert post_form(stranger, url, data, form_page=token_page).status_code == 404
    with _in_alpha(app, alpha) as session:
        assert session.get(Attachment, attachment_id).deleted_at is None
        assert session.get(IncomeSource, income_id).monthly_amount == 3000
        assert session.get(SupportRequest, request_id).channel == "interview"


# --- corrections of a request ---------------------------------------------------------------------

def _correct(client, request_id, **data):
    url = f"/alpha/staff/requests/{request_id}/correct"
    if "version" not in data:
        data["version"] = _version(client.get(url).get_data(as_text=True), "/correct")
    return post_form(client, url, data, query_string={"lang": "en"})


def test_a_request_is_corrected_after_intake_and_audited_with_before_and_after(app, alpha, officer):
    _file, request_id = _request(officer, details="طلب مساعدة")
    assert f"/alpha/staff/requests/{request_id}/correct" in _page(officer, request_id)
    response = _correct(officer, request_id, channel="phone", service="financial_aid", details="طلب مساعدة في الإيجار")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with _in_alpha(app, alpha) as session:
        r = session.get(SupportRequest, request_id)
        assert (r.channel, r.details) == ("phone", "طلب مساعدة في الإيجار")
    (_actor, before, after), = _audit(app, alpha, "request.correct")
    assert before == {"channel": "interview", "details": "طلب مساعدة"}
    assert after["channel"] == "phone" and after["details"] == "طلب مساعدة في الإيجار"


def test_a_new_service_brings_its_checklist_and_keeps_what_was_received(app, alpha, officer):
    _file, request_id = _request(officer)
    with _in_alpha(app, alpha) as session:
        session.scalar(sa.select(RequestDocument).where(RequestDocument.code == "id_copy")).received_on = today()
        session.commit()
    response = _correct(officer, request_id, channel="interview", service="housing_support")
    assert response.status_code == 302
    with _in_alpha(app, alpha) as session:
        codes = session.scalars(sa.select(RequestDocument.code).where(RequestDocument.request_id == request_id)
                                .order_by(RequestDocument.code)).all()
    assert codes == ["family_record", "id_copy", "income_certificate", "lease"]  # the IBAN certificate dropped


def test_a_dropped_checklist_item_leaves_its_attachment_on_the_request_unlinked(app, alpha, officer):
    _file, request_id = _request(officer)
    with _in_alpha(app, alpha) as session:
        before = dict(session.execute(sa.select(RequestDocument.code, RequestDocument.id)
                                      .where(RequestDocument.request_id == request_id)).all())
    assert _upload(officer, request_id, "iban.png", PNG, str(before["iban_certificate"])).status_code == 302
    response = _correct(officer, request_id, channel="interview", service="housing_support")
    assert response.status_code == 302
    with _in_alpha(app, alpha) as session:
        codes = session.scalars(sa.select(RequestDocument.code).where(RequestDocument.request_id == request_id))
        assert "iban_certificate" not in set(codes)
        attachment = session.scalar(sa.select(Attachment).where(Attachment.request_id == request_id))
        assert (attachment.original_name, attachment.document_id) == ("iban.png", None)
    assert "iban.png" in _page(officer, request_id)


def test_a_correction_from_a_stale_page_is_a_409_and_changes_nothing(app, alpha, officer):
    _file, request_id = _request(officer)
    url = f"/alpha/staff/requests/{request_id}/correct"
    stale = _version(officer.get(url).get_data(as_text=True), "/correct")
    assert _correct(officer, request_id, channel="phone", service="financial_aid").status_code == 302
    response = _correct(officer, request_id, version=stale, channel="interview", service="financial_aid",
                        details="نص آخر")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed by someone else" in page and "نص آخر" in page  # the typed value is kept
    with _in_alpha(app, alpha) as session:
        r = session.get(SupportRequest, request_id)
        assert (r.channel, r.details) == ("phone", None)


def test_a_correction_with_an_unknown_channel_is_refused_on_its_field(app, alpha, officer):
    _file, request_id = _request(officer)
    response = _correct(officer, request_id, channel="pigeon", service="financial_aid")
    assert response.status_code == 422
    assert 'id="channel-error"' in response.get_data(as_text=True)


def test_a_decided_request_can_no_longer_be_corrected(app, alpha, officer):
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    _file, request_id = _request(officer)
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "declare", method="in_person", signed="1").status_code == 302
    assert act(officer, "alpha", request_id, "send_to_review").status_code == 302
    # Under review: details may still be corrected, the service not.
    response = _correct(officer, request_id, channel="interview", service="in_kind_aid")
    assert response.status_code == 422 and "The service can no longer change" in response.get_data(as_text=True)
    assert act(reviewer, "alpha", request_id, "accept", **COMMITTEE).status_code == 302

    page = officer.get(f"/alpha/staff/requests/{request_id}/correct?lang=en").get_data(as_text=True)
    assert "The request was decided" in page and 'name="channel"' not in page
    assert f"/alpha/staff/requests/{request_id}/correct" not in _page(officer, request_id)
    with _in_alpha(app, alpha) as session:
        version = session.get(SupportRequest, request_id).version
    response = _correct(officer, request_id, version=str(version), channel="phone", service="financial_aid")
    assert response.status_code == 409
    assert "The request was decided" in response.get_data(as_text=True)
    with _in_alpha(app, alpha) as session:
        assert session.get(SupportRequest, request_id).channel == "interview"


# --- corrections of household and income rows ----------------------------------------------------

def _rows(app, alpha, file_id):
    with _in_alpha(app, alpha) as session:
        member = HouseholdMember(beneficiary_id=file_id, relation="son", name="محمد أحمد")
        income = IncomeSource(beneficiary_id=file_id, kind="salary", monthly_amount=3000)
        session.add_all([member, income])
        session.commit()
        return member.id, income.id


def test_household_and_income_rows_are_corrected_and_audited(app, alpha, officer):
    file_id = open_file(officer, "alpha")
    member_id, income_id = _rows(app, alpha, file_id)
    base = f"/alpha/staff/beneficiaries/{file_id}"
    file_page = officer.get(base).get_data(as_text=True)
    assert f"{base}/household/{member_id}/edit" in file_page and f"{base}/incomes/{income_id}/edit" in file_page
    response = post_form(officer, f"{base}/household/{member_id}/edit",
                         {"version": "1", "relation": "daughter", "name": "مريم أحمد", "birth_date": "2012-03-04"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = post_form(officer, f"{base}/incomes/{income_id}/edit",
                         {"version": "1", "kind": "salary", "monthly_amount": "٢٥٠٠"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with _in_alpha(app, alpha) as session:
        member, income = session.get(HouseholdMember, member_id), session.get(IncomeSource, income_id)
        assert (member.relation, member.name, member.version) == ("daughter", "مريم أحمد", 2)
        assert (income.monthly_amount, income.version) == (2500, 2)
    (_a, before, after), = _audit(app, alpha, "beneficiary.household.correct")
    assert before == {"relation": "son", "name": "محمد أحمد", "birth_date": None}
    assert after["name"] == "مريم أحمد" and after["birth_date"] == "2012-03-04"
    (_a, before, after), = _audit(app, alpha, "beneficiary.income.correct")
    assert before == {"monthly_amount": "3000.00"} and after["monthly_amount"] == "2500.00"


def test_a_stale_household_or_income_correction_is_a_409(app, alpha, officer):
    file_id = open_file(officer, "alpha")
    member_id, income_id = _rows(app, alpha, file_id)
    base = f"/alpha/staff/beneficiaries/{file_id}"
    assert post_form(officer, f"{base}/incomes/{income_id}/edit",
                     {"version": "1", "kind": "salary", "monthly_amount": "2500"}).status_code == 302
    response = post_form(officer, f"{base}/incomes/{income_id}/edit",
                         {"version": "1", "kind": "salary", "monthly_amount": "9999"}, query_string={"lang": "en"})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    response = post_form(officer, f"{base}/household/{member_id}/edit",
                         {"version": "7", "relation": "son", "name": "خالد"})
    assert response.status_code == 409
    with _in_alpha(app, alpha) as session:
        assert session.get(IncomeSource, income_id).monthly_amount == 2500
        assert session.get(HouseholdMember, member_id).name == "محمد أحمد"


def test_rows_of_a_closed_file_are_not_corrected(app, alpha, officer):
    file_id = open_file(officer, "alpha")
    _member_id, income_id = _rows(app, alpha, file_id)
    with _in_alpha(app, alpha) as session:
        session.get(Beneficiary, file_id).status = "closed"
        session.commit()
    url = f"/alpha/staff/beneficiaries/{file_id}/incomes/{income_id}/edit"
    assert "can no longer be corrected" in officer.get(url + "?lang=en").get_data(as_text=True)
    response = post_form(officer, url, {"version": "1", "kind": "salary", "monthly_amount": "1"})
    assert response.status_code == 409
    with _in_alpha(app, alpha) as session:
        assert session.get(IncomeSource, income_id).monthly_amount == 3000


# --- the reviewer's page ---------------------------------------------------------------------------

def test_the_reviewer_sees_household_income_and_documents_on_the_request(app, alpha, officer):
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    file_id, request_id = _request(officer)
    _rows(app, alpha, file_id)
    assert _upload(officer, request_id, "salary.pdf", PDF).status_code == 302
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "declare", method="in_person", signed="1").status_code == 302
    assert act(officer, "alpha", request_id, "send_to_review").status_code == 302
    page = _page(reviewer, request_id)
    summary = page.split('id="household-summary"')[1].split('id="documents"')[0]
    assert "محمد أحمد" in summary and "Son" in summary
    assert '<bdi dir="ltr" class="household-size">2</bdi>' in summary
    assert '<bdi dir="ltr" class="income-total">3,000.00</bdi>' in summary
    assert "Copy of the family record" in page and "salary.pdf" in page and "/preview" in page
    assert "action-accept" in page and "action-reject" in page  # the decision is taken on this same page


def test_the_request_page_runs_the_same_queries_for_1_or_4_attachments_and_household_rows(app, alpha, officer):
    from tests.test_policy_admin import queries_for

    file_id, request_id = _request(officer)
    counts = []
    for upto in (1, 4):
        with _in_alpha(app, alpha) as session:
            while session.scalar(sa.select(sa.func.count()).select_from(HouseholdMember)) < upto:
                session.add(HouseholdMember(beneficiary_id=file_id, relation="son", name="ابن"))
                session.add(IncomeSource(beneficiary_id=file_id, kind="salary", monthly_amount=100))
                session.commit()
        while len(officer.get(f"/alpha/staff/requests/{request_id}").get_data(as_text=True)
                  .split('class="attachment ')) - 1 < upto:
            assert _upload(officer, request_id, "scan.png", PNG).status_code == 302
        counts.append(queries_for(app, officer, f"/alpha/staff/requests/{request_id}"))
    assert counts[0] == counts[1]


def test_the_evidence_of_a_verification_step_is_not_removed_from_the_request(app, alpha, officer):
    from core.eligibility.models import VerificationStep

    _file, request_id = _request(officer)
    assert _upload(officer, request_id, "salary.png", PNG).status_code == 302
    with _in_alpha(app, alpha) as session:
        attachment_id = session.scalar(sa.select(Attachment.id))
        session.add(VerificationStep(request_id=request_id, position=1, code="income", label_ar="شهادة الدخل",
                                     label_en="Income certificate", kind="evidence", status="done",
                                     attachment_id=attachment_id))
        session.commit()
    url = f"/alpha/staff/requests/{request_id}"
    response = post_form(officer, f"{url}/attachments/{attachment_id}/delete", {}, form_page=url,
                         query_string={"lang": "en"})
    assert response.status_code == 409
    assert "evidence of a verification step" in response.get_data(as_text=True)
    with _in_alpha(app, alpha) as session:
        assert session.get(Attachment, attachment_id).deleted_at is None
