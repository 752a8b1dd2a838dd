"""The public portal: apply online, follow the request, report a change — with no account."""
import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary
from core.changes.models import ChangeRequest
from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.portal.models import OnlineApplication
from core.tenancy import tenant_scope
from core.workflow.models import SupportRequest
from tests.helpers import app_ctx, post_form
from tests.portal_helpers import APPLICATION, apply, lookup, portal_tenant, reference_of
from tests.test_staff_helpers import VALID_IDS, act, open_file, receive_all_documents, staff_client


def test_apply_online_then_staff_decide_and_the_status_page_shows_the_reason(app, client):
    tenant_id = portal_tenant(app)
    response = apply(client, national_id="١٠٠١٢٤٤٠١٩", mobile="٠٥٥١٢٣٤٥٦٧")  # Arabic-Indic digits
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    reference = reference_of(app, tenant_id)
    assert reference in done and "expected-due" in done
    with app_ctx(app), tenant_scope(tenant_id):
        request = db.session.scalars(sa.select(SupportRequest)).one()
        application = db.session.scalars(sa.select(OnlineApplication)).one()
        beneficiary = db.session.get(Beneficiary, request.beneficiary_id)
        [message] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert request.channel == "website" and request.received_by_id is None and request.state == "received"
        assert beneficiary.national_id == VALID_IDS[1] and beneficiary.mobile == "+966551234567"
        assert application.typed_name == APPLICATION["signature"] and "أقر" in application.declaration_text
        assert message.medium == "sms" and reference in message.body and "/alpha/status" in message.body

    # Staff see it with channel "website" and carry it to a decision.
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    listing = officer.get("/alpha/staff/requests?channel=website&lang=en").get_data(as_text=True)
    assert reference in listing
    detail = officer.get(f"/alpha/staff/requests/{request.id}").get_data(as_text=True)
    assert "online-application" in detail and APPLICATION["signature"] in detail
    act(officer, "alpha", request.id, "check_documents")
    receive_all_documents(app, officer, "alpha", request.id)
    act(officer, "alpha", request.id, "declare", method="online", signed="1")
    act(officer, "alpha", request.id, "send_to_review")
    assert act(reviewer, "alpha", request.id, "reject", meeting_date="2026-01-10", members="أ. سعد، أ. نورة",
               reason="الدخل أعلى من الحد المعتمد للمساعدة").status_code == 302

    fresh = app.test_client()
    response = lookup(fresh, "alpha", reference.replace("-0", "-"))  # "2026-1" finds 2026-00001
    assert response.status_code == 302
    page = fresh.get("/alpha/status").get_data(as_text=True)
    assert "الدخل أعلى من الحد المعتمد للمساعدة" in page and "state-rejected" in page
    assert "/alpha/complaints/new" in page  # the right to a grievance, where the module is on
    assert fresh.get("/alpha/status").headers["Cache-Control"] == "no-store"


def test_a_wrong_reference_and_a_wrong_id_get_the_same_answer(app, client):
    tenant_id = portal_tenant(app)
    apply(client)
    reference = reference_of(app, tenant_id)
    wrong_reference = lookup(app.test_client(), "alpha", "2026-99999")
    wrong_id = lookup(app.test_client(), "alpha", reference, national_id=VALID_IDS[0])
    wrong_mobile = lookup(app.test_client(), "alpha", reference, mobile="0559999999")
    assert wrong_reference.status_code == wrong_id.status_code == wrong_mobile.status_code == 422

    def answer(response):
        html = response.get_data(as_text=True)
        return html[html.index("<main"):html.index("</main>")].replace(reference, "REF").replace("2026-99999", "REF")
    without_values = [answer(r).split("<form")[0] for r in (wrong_reference, wrong_id, wrong_mobile)]
    assert without_values[0] == without_values[1] == without_values[2]
    english = app.test_client()
    english.get("/alpha/?lang=en")
    assert "We found no request with these details" in answer(lookup(english, "alpha", "2026-99999"))


def test_status_lookups_are_rate_limited(app, client):
    portal_tenant(app)
    codes = [lookup(client, "alpha", "2026-99999").status_code for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429


def test_an_existing_file_is_matched_by_id_and_not_changed_by_the_form(app, client):
    tenant_id = portal_tenant(app)
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", national_id=VALID_IDS[1], mobile="0501234567", name="فاطمة الزهراني")
    assert apply(client, mobile="0551234567").status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        beneficiary = db.session.get(Beneficiary, file_id)
        assert beneficiary.mobile == "+966501234567" and beneficiary.name == "فاطمة الزهراني"
        assert db.session.scalar(sa.select(sa.func.count(Beneficiary.id))) == 1
        request = db.session.scalars(sa.select(SupportRequest)).one()
        assert request.beneficiary_id == file_id
        # The applicant gets the acknowledgement on the mobile typed, the file's owner is told too.
        recipients = sorted(db.session.scalars(sa.select(OutboxMessage.recipient)))
        assert recipients == ["+966501234567", "+966551234567"]
    # Either mobile opens the status page: the one on the file and the one the applicant typed.
    reference = reference_of(app, tenant_id)
    assert lookup(app.test_client(), "alpha", reference, mobile="0501234567").status_code == 302
    assert lookup(app.test_client(), "alpha", reference, mobile="0551234567").status_code == 302


def test_bad_input_is_named_on_its_field_and_nothing_is_written(app, client):
    tenant_id = portal_tenant(app)
    response = apply(client, national_id="1234567890", declaration="", signature="شخص آخر", service="nope",
                     mobile="12", lang="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("national_id", "declaration", "service", "mobile"):
        assert f'id="{field}-error"' in html, field
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count(Beneficiary.id))) == 0
    response = apply(client, signature="شخص آخر")
    assert response.status_code == 422 and 'id="signature-error"' in response.get_data(as_text=True)


def test_an_association_without_the_website_channel_takes_no_online_requests(app, client, tenant_a):
    assert client.get("/alpha/apply").status_code == 404


def test_a_change_reported_on_the_portal_is_accepted_by_staff_and_the_file_updated(app, client):
    tenant_id = portal_tenant(app)
    apply(client)
    reference = reference_of(app, tenant_id)
    assert client.get("/alpha/change").status_code == 200  # the browser that applied has just proved it
    visitor = app.test_client()
    assert visitor.get("/alpha/change").headers["Location"].endswith("/alpha/status")
    lookup(visitor, "alpha", reference)
    response = post_form(visitor, "/alpha/change", {"kinds": ["address", "contact"], "city": "مكة",
                                                     "district": "العزيزية", "mobile": "٠٥٠٧٧٧٧٧٧٧"})
    assert response.status_code == 200
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    with app_ctx(app), tenant_scope(tenant_id):
        change_id = db.session.scalars(sa.select(ChangeRequest.id)).one()
    page = officer.get(f"/alpha/staff/changes/{change_id}").get_data(as_text=True)
    assert "العزيزية" in page
    response = post_form(officer, f"/alpha/staff/changes/{change_id}/accept", {"reason": ""},
                         form_page=f"/alpha/staff/changes/{change_id}")
    assert response.status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        beneficiary = db.session.scalars(sa.select(Beneficiary)).one()
        assert (beneficiary.city, beneficiary.district, beneficiary.mobile) == ("مكة", "العزيزية", "+966507777777")
        update = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "beneficiary.update")).one()
        assert update.after["city"] == "مكة"


def test_a_change_reported_on_the_portal_lifts_the_freeze_that_waited_for_it_once_staff_record_it(app, client):
    from core.lifecycle.models import FileFreeze
    from tests.welfare_helpers import file_status, lifecycle_post

    tenant_id = portal_tenant(app, modules=("service_controls",))
    apply(client)
    reference = reference_of(app, tenant_id)
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    with app_ctx(app), tenant_scope(tenant_id):
        file_id = db.session.scalars(sa.select(Beneficiary.id)).one()
    frozen = lifecycle_post(officer, "alpha", file_id, "freeze", reason="unreported_change", note="الجوال مغلق")
    assert frozen.status_code == 302 and file_status(app, tenant_id, file_id) == "frozen"
    visitor = app.test_client()
    lookup(visitor, "alpha", reference)
    assert post_form(visitor, "/alpha/change", {"kinds": ["contact"], "mobile": "0507777777"}).status_code == 200
    assert file_status(app, tenant_id, file_id) == "frozen"  # reported, not yet checked by staff
    with app_ctx(app), tenant_scope(tenant_id):
        change_id = db.session.scalars(sa.select(ChangeRequest.id)).one()
    accepted = post_form(officer, f"/alpha/staff/changes/{change_id}/accept", {"reason": ""},
                         form_page=f"/alpha/staff/changes/{change_id}")
    assert accepted.status_code == 302
    assert file_status(app, tenant_id, file_id) == "active"
    with app_ctx(app), tenant_scope(tenant_id):
        freeze = db.session.scalars(sa.select(FileFreeze)).one()
        assert freeze.lifted_at is not None and str(change_id) in freeze.response
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action.like("file.%lift%"))) == 1


def test_a_refused_change_needs_a_reason_which_the_beneficiary_is_told(app, client):
    tenant_id = portal_tenant(app)
    apply(client, email="fatima@example.com")
    lookup(client, "alpha", reference_of(app, tenant_id))
    post_form(client, "/alpha/change", {"kinds": ["income"], "description": "توقف راتب الزوج منذ شهر"})
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    with app_ctx(app), tenant_scope(tenant_id):
        change_id = db.session.scalars(sa.select(ChangeRequest.id)).one()
    url = f"/alpha/staff/changes/{change_id}"
    assert post_form(officer, f"{url}/refuse", {"reason": ""}, form_page=url).status_code == 422
    assert post_form(officer, f"{url}/refuse", {"reason": "لم يُرفق ما يثبت توقف الراتب"}, form_page=url) \
        .status_code == 302
    assert post_form(officer, f"{url}/accept", {}, form_page=url).status_code == 409  # already decided
    with app_ctx(app), tenant_scope(tenant_id):
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "change_refused")).one()
        assert "لم يُرفق ما يثبت توقف الراتب" in message.body


def _last_code(app, tenant_id) -> str:
    from tests.portal_helpers import CODE_RE

    with app_ctx(app), tenant_scope(tenant_id):
        message = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "code")
                                     .order_by(OutboxMessage.id.desc())).first()
    return CODE_RE.search(message.body.replace("\u2066", "").replace("\u2069", "")).group(1)


def test_a_one_time_code_through_the_outbox_replaces_the_mobile_and_works_once(app, client):
    tenant_id = portal_tenant(app)
    apply(client)
    reference = reference_of(app, tenant_id)
    visitor = app.test_client()
    url = "/alpha/status"
    asked = post_form(visitor, url, {"reference": reference, "national_id": VALID_IDS[1], "mode": "send_code"},
                      form_page=url + "?other=1")
    assert asked.status_code == 200 and 'name="code"' in asked.get_data(as_text=True)
    # A wrong reference gets the very same answer, and no code is sent.
    wrong = post_form(app.test_client(), url, {"reference": "2026-09999", "national_id": VALID_IDS[1],
                                               "mode": "send_code"}, form_page=url + "?other=1")
    assert wrong.status_code == 200
    with app_ctx(app), tenant_scope(tenant_id):
        codes = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "code")).all()
    assert len(codes) == 1 and codes[0].medium == "sms" and codes[0].recipient == "+966551234567"
    code = _last_code(app, tenant_id)
    wrong_code = post_form(visitor, url, {"reference": reference, "national_id": VALID_IDS[1], "mode": "code",
                                          "code": "000000" if code != "000000" else "111111"},
                           form_page=url + "?other=1")
    assert wrong_code.status_code == 422
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    right = post_form(visitor, url, {"reference": reference, "national_id": VALID_IDS[1], "mode": "code",
                                     "code": arabic}, form_page=url + "?other=1")
    assert right.status_code == 302 and reference in visitor.get(url).get_data(as_text=True)
    again = post_form(app.test_client(), url, {"reference": reference, "national_id": VALID_IDS[1], "mode": "code",
                                               "code": code}, form_page=url + "?other=1")
    assert again.status_code == 422  # spent


def test_a_code_dies_after_five_wrong_tries(app, client):
    tenant_id = portal_tenant(app)
    apply(client)
    reference = reference_of(app, tenant_id)
    url = "/alpha/status"
    base = {"reference": reference, "national_id": VALID_IDS[1]}
    post_form(client, url, {**base, "mode": "send_code"}, form_page=url + "?other=1")
    code = _last_code(app, tenant_id)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert post_form(app.test_client(), url, {**base, "mode": "code", "code": wrong},
                         form_page=url + "?other=1").status_code == 422
    assert post_form(app.test_client(), url, {**base, "mode": "code", "code": code},
                     form_page=url + "?other=1").status_code == 422


def test_change_requests_of_one_association_are_not_found_from_another(app, client, tenant_b):
    tenant_id = portal_tenant(app)
    apply(client)
    post_form(client, "/alpha/change", {"kinds": ["other"], "description": "انتقلت إلى حي آخر"})
    with app_ctx(app), tenant_scope(tenant_id):
        change_id = db.session.scalars(sa.select(ChangeRequest.id)).one()
    stranger = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    assert stranger.get(f"/alpha/staff/changes/{change_id}").status_code == 404
    assert stranger.get(f"/beta/staff/changes/{change_id}").status_code == 404
    assert "انتقلت" not in stranger.get("/beta/staff/changes").get_data(as_text=True)
    assert post_form(stranger, f"/beta/staff/changes/{change_id}/accept", {}, form_page="/beta/staff/changes") \
        .status_code == 404
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    url = f"/alpha/staff/changes/{change_id}"
    assert post_form(viewer, f"{url}/accept", {}, form_page=url).status_code == 403


def test_a_file_that_takes_no_new_request_is_told_so_on_the_form(app, client, monkeypatch):
    from core.beneficiaries.errors import IllegalTransition
    from core.workflow import operations as workflow

    def frozen(*args, **kwargs):
        raise IllegalTransition("هذا الملف مجمّد: لا يُقبل عليه طلب جديد.")

    tenant_id = portal_tenant(app)
    monkeypatch.setattr(workflow, "open_request", frozen)
    response = apply(client)
    assert response.status_code == 409 and "هذا الملف مجمّد" in response.get_data(as_text=True)
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count(Beneficiary.id))) == 0


def test_examples_of_references_and_dates_are_isolated_so_arabic_cannot_reverse_them(app, client):
    portal_tenant(app)
    assert 'مثل <bdi dir="ltr">2026-00042</bdi>.' in client.get("/alpha/status").get_data(as_text=True)
    assert '<bdi dir="ltr">C-2026-00007</bdi>' in client.get("/alpha/complaints/status").get_data(as_text=True)
    assert '<bdi dir="ltr">2026-11-20</bdi>' in client.get("/alpha/complaints/new").get_data(as_text=True)
