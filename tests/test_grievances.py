"""Grievances (module `grievances`): nine items, a 30-day window, 15 working days, confidential handling."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from core.calendar import local_date
from core.changes.models import ChangeRequest
from core.extensions import db
from core.grievances import rules
from core.grievances.models import Complaint
from core.jobs import REGISTRY
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.tenancy import tenant_scope
from tests.helpers import app_ctx, post_form
from tests.portal_helpers import portal_tenant
from tests.test_staff_helpers import VALID_IDS, open_file, staff_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 40


def complaint_form(**overrides):
    today = local_date(datetime.now(UTC))
    data = {"name": "خالد سعد القحطاني", "national_id": VALID_IDS[0], "mobile": "0551234567", "email": "",
            "subject": "تأخر صرف المساعدة", "facts": "تقدمت بطلب في شهر رجب ولم يصلني أي رد حتى الآن رغم المراجعة",
            "event_date": (today - timedelta(days=3)).isoformat(), "against": "قسم خدمات المستفيدين",
            "harm": "تأخر سداد الإيجار", "reasons": "تجاوز المدة المعلنة للقرار", "previous_steps": "اتصلت مرتين",
            "requested": "البت في طلبي", "other_information": "", "late_excuse": ""}
    data.update(overrides)
    return data


def file(client, slug="alpha", **overrides):
    return post_form(client, f"/{slug}/complaints/new", complaint_form(**overrides))


def _complaint(app, tenant_id) -> Complaint:
    with app_ctx(app), tenant_scope(tenant_id):
        found = db.session.scalars(sa.select(Complaint).order_by(Complaint.id.desc())).first()
        db.session.expunge(found)
        return found


def test_the_filing_window_is_thirty_days_and_day_31_needs_an_excuse(app, client):
    tenant_id = portal_tenant(app)
    today = local_date(datetime.now(UTC))
    assert file(client, event_date=(today - timedelta(days=30)).isoformat()).status_code == 302
    assert _complaint(app, tenant_id).state == "received"
    late = file(app.test_client(), event_date=(today - timedelta(days=31)).isoformat())
    assert late.status_code == 422 and 'id="late_excuse-error"' in late.get_data(as_text=True)
    excused = file(app.test_client(), event_date=(today - timedelta(days=31)).isoformat(),
                   late_excuse="كنت منوماً في المستشفى")
    assert excused.status_code == 302
    assert _complaint(app, tenant_id).state == "excuse_pending"


def test_an_anonymous_or_incomplete_complaint_is_refused_with_each_missing_item_named(app, client):
    tenant_id = portal_tenant(app)
    client.get("/alpha/?lang=en")
    response = file(client, name="", national_id="", mobile="", harm="", previous_steps="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for text in ("Item 1 (personal data): your full name is missing.", "your ID number is missing",
                 "a mobile number to reach you is missing", "Item 4: the harm done is missing.",
                 "Item 6: the steps you already took"):
        assert text in html, text
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


@pytest.mark.parametrize(("filed", "holidays", "due"), [
    (date(2026, 11, 29), [], date(2026, 12, 20)),            # Sunday + 15 working days: three weeks on
    (date(2026, 11, 29), ["2026-12-02"], date(2026, 12, 21)),  # a Wednesday holiday pushes it a day
    (date(2026, 12, 3), [], date(2026, 12, 24)),             # filed Thursday: the weekend does not count
    (date(2026, 12, 4), [], date(2026, 12, 24)),             # filed Friday: counting starts on Sunday
    (date(2026, 12, 3), ["2026-12-05"], date(2026, 12, 24)),  # a holiday on a Saturday changes nothing
])
def test_the_decision_is_due_in_fifteen_working_days(filed, holidays, due):
    assert rules.decision_due(SimpleNamespace(settings={"holidays": holidays}), filed) == due


def test_the_portal_shows_the_due_date_with_both_calendars_and_the_holidays_counted(app, client):
    portal_tenant(app)  # its holidays: 2026-12-02
    with time_machine.travel(datetime(2026, 11, 29, 9, 0, tzinfo=UTC), tick=False):
        assert file(client, event_date="2026-11-25").status_code == 302
        page = client.get("/alpha/complaints/status").get_data(as_text=True)
    due = page.split('class="decision-due"')[1]
    assert ">2026-12-21</bdi>" in due and 'class="date-h"' in due
    assert ">2026-12-02</bdi>" in due.split('class="holidays')[1]


def test_only_the_executive_director_admins_and_added_people_open_a_complaint(app, client, tenant_b):
    tenant_id = portal_tenant(app)
    file(client)
    complaint = _complaint(app, tenant_id)
    url = f"/alpha/staff/complaints/{complaint.id}"
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    admin = staff_client(app, "admin@alpha.test", "alpha", ["tenant_admin"])
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer", "reviewer"])
    other_director = staff_client(app, "ed@beta.test", "beta", ["executive_director"])
    assert director.get(url).status_code == 200
    assert admin.get(url).status_code == 200
    assert officer.get(url).status_code == 404
    assert complaint.reference not in officer.get("/alpha/staff/complaints").get_data(as_text=True)
    assert other_director.get(url).status_code == 404
    assert other_director.get(url.replace("/alpha/", "/beta/")).status_code == 404
    # The director adds the officer (bulk assign): now the officer may open it, and only it.
    with app_ctx(app):
        from core.models import User

        officer_id = db.session.scalar(sa.select(User.id).where(User.email == "officer@alpha.test"))
    response = post_form(director, "/alpha/staff/complaints/bulk", {"ids": [str(complaint.id)], "action": "assign",
                                                                    "user_id": str(officer_id)},
                         form_page="/alpha/staff/complaints")
    assert response.status_code == 302
    assert officer.get(url).status_code == 200
    with app_ctx(app), tenant_scope(tenant_id):
        views = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "complaint.view"))
    assert views == 3


def _act(client, complaint_id, action, **data):
    url = f"/alpha/staff/complaints/{complaint_id}"
    page = client.get(url).get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    data.setdefault("confirmed", "1")  # deciding, closing and referring ask for a confirmation first
    return post_form(client, f"{url}/actions/{action}", {"version": version, **data}, form_page=url)


def test_the_director_decides_the_result_is_sent_and_shown_on_the_portal(app, client):
    tenant_id = portal_tenant(app)
    file(client, email="khalid@example.com")
    complaint = _complaint(app, tenant_id)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    assert _act(director, complaint.id, "decide", outcome="upheld", decision="x" * 12).status_code == 409
    assert _act(director, complaint.id, "start_review").status_code == 302
    assert _act(director, complaint.id, "decide", outcome="upheld", decision="").status_code == 422
    assert _act(director, complaint.id, "decide", outcome="upheld",
                decision="ثبت التأخر، وسيُبت في طلبك خلال أسبوع مع الاعتذار").status_code == 302
    assert client.get("/alpha/complaints/status").get_data(as_text=True).count("ثبت التأخر") == 0  # not told yet
    assert _act(director, complaint.id, "notify", via="outbox").status_code == 302
    page = client.get("/alpha/complaints/status").get_data(as_text=True)
    assert "ثبت التأخر، وسيُبت في طلبك خلال أسبوع" in page and "state-notified" in page
    with app_ctx(app), tenant_scope(tenant_id):
        kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        result = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "complaint_result")).one()
    assert kinds == ["complaint_received", "complaint_result"] and result.recipient == "khalid@example.com"
    # Only the executive director acts, even where another role may see the list.
    assert post_form(officer, f"/alpha/staff/complaints/{complaint.id}/actions/close", {"version": "1"},
                     form_page="/alpha/staff/").status_code == 404


def test_the_director_closes_several_decided_complaints_with_one_note(app, client):
    tenant_id = portal_tenant(app)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    ids = []
    for n in range(2):
        file(app.test_client(), subject=f"شكوى رقم {n + 1}")
        complaint = _complaint(app, tenant_id)
        _act(director, complaint.id, "start_review")
        _act(director, complaint.id, "decide", outcome="not_upheld", decision="لم يثبت ما ورد في الشكوى")
        ids.append(str(complaint.id))
    url = "/alpha/staff/complaints/bulk"
    assert post_form(director, url, {"ids": ids, "action": "close", "note": ""},
                     form_page="/alpha/staff/complaints").status_code == 422
    response = post_form(director, url, {"ids": ids, "action": "close", "note": "أغلقت بعد إبلاغ المتظلمين"},
                         form_page="/alpha/staff/complaints")
    assert response.status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        rows = db.session.scalars(sa.select(Complaint)).all()
        results = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                                    .where(OutboxMessage.kind == "complaint_result"))
    assert {c.state for c in rows} == {"closed"} and {c.closing_note for c in rows} == {"أغلقت بعد إبلاغ المتظلمين"}
    assert results == 2  # closing a decided complaint tells its result first


def test_a_late_excuse_is_decided_by_the_director_and_told_to_the_complainant(app, client):
    tenant_id = portal_tenant(app)
    today = local_date(datetime.now(UTC))
    file(client, event_date=(today - timedelta(days=60)).isoformat(), late_excuse="كنت مسافراً للعلاج")
    complaint = _complaint(app, tenant_id)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    assert _act(director, complaint.id, "start_review").status_code == 409  # the excuse comes first
    assert _act(director, complaint.id, "refuse_excuse", note="").status_code == 422
    assert _act(director, complaint.id, "refuse_excuse", note="لم يُرفق ما يثبت السفر").status_code == 302
    page = client.get("/alpha/complaints/status").get_data(as_text=True)
    assert "state-closed" in page and "لم يُرفق ما يثبت السفر" in page
    with app_ctx(app), tenant_scope(tenant_id):
        assert db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id.desc())).first() == \
            "complaint_excuse_refused"


def test_a_malicious_complaint_goes_to_the_investigation_committee_with_a_reason(app, client):
    tenant_id = portal_tenant(app)
    file(client)
    complaint = _complaint(app, tenant_id)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    _act(director, complaint.id, "start_review")
    assert _act(director, complaint.id, "refer", note="").status_code == 422
    assert _act(director, complaint.id, "refer", note="ادعاءات ثبت عدم صحتها بالمستندات").status_code == 302
    assert _complaint(app, tenant_id).state == "referred_to_investigation"


def test_a_complaint_showing_wrong_file_data_opens_a_change_request(app, client):
    tenant_id = portal_tenant(app)
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    open_file(officer, "alpha", national_id=VALID_IDS[0])
    file(client, subject="رقم الجوال في ملفي خاطئ")
    complaint = _complaint(app, tenant_id)
    assert complaint.beneficiary_id is not None
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    url = f"/alpha/staff/complaints/{complaint.id}"
    response = post_form(director, f"{url}/change-request", {"kinds": ["contact"], "mobile": "0558887777"},
                         form_page=url)
    assert response.status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        change = db.session.scalars(sa.select(ChangeRequest)).one()
    assert (change.source, change.complaint_id, change.proposed) == ("complaint", complaint.id,
                                                                     {"mobile": "+966558887777"})


def test_attachments_are_checked_by_content_and_only_those_allowed_can_download(app, client):
    from io import BytesIO

    tenant_id = portal_tenant(app)
    bad = post_form(client, "/alpha/complaints/new", {**complaint_form(), "attachments": (BytesIO(b"MZ..."), "x.exe")},
                    content_type="multipart/form-data")
    assert bad.status_code == 422 and 'id="attachments-error"' in bad.get_data(as_text=True)
    good = post_form(app.test_client(), "/alpha/complaints/new",
                     {**complaint_form(), "attachments": (BytesIO(PNG), "إيصال.png")},
                     content_type="multipart/form-data")
    assert good.status_code == 302
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    page = director.get(f"/alpha/staff/complaints/{_complaint(app, tenant_id).id}").get_data(as_text=True)
    link = page.split('href="/alpha/staff/complaints/attachments/')[1].split('"')[0]
    assert director.get(f"/alpha/staff/complaints/attachments/{link}").data == PNG
    assert officer.get(f"/alpha/staff/complaints/attachments/{link}").status_code == 404


def test_the_complaint_form_and_status_lookup_are_rate_limited(app, client):
    portal_tenant(app)
    codes = [file(client, name="").status_code for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429


def test_complaint_lookup_gives_one_answer_for_a_wrong_reference_or_id(app, client):
    tenant_id = portal_tenant(app)
    file(client)
    reference = _complaint(app, tenant_id).reference
    url = "/alpha/complaints/status"

    def look(**data):
        base = {"reference": reference, "national_id": VALID_IDS[0], "mobile": "0551234567", "mode": "mobile"}
        response = post_form(app.test_client(), url, {**base, **data}, form_page=url + "?other=1")
        html = response.get_data(as_text=True)
        return response.status_code, html[html.index("<main"):html.index("<form")] if "<form" in html else ""

    assert look()[0] == 302
    assert look(reference="C-2026-99999") == look(national_id=VALID_IDS[1]) == look(mobile="0559999999")
    assert look(reference=reference.lower().replace("-0", "-"))[0] == 302  # c-2026-1 is C-2026-00001


def test_without_the_module_there_is_no_complaint_form(app, client):
    portal_tenant(app, modules=())
    assert client.get("/alpha/complaints/new").status_code == 404
    assert client.get("/alpha/complaints/status").status_code == 404


def test_overdue_complaints_are_marked_and_the_director_reminded_once_a_week(app, client):
    tenant_id = portal_tenant(app)
    file(client)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director"])
    later = datetime.now(UTC) + timedelta(days=30)
    with app_ctx(app):
        assert REGISTRY["grievances.overdue_reminders"].run(later) == 1
        assert REGISTRY["grievances.overdue_reminders"].run(later + timedelta(days=1)) == 0
        assert REGISTRY["grievances.overdue_reminders"].run(later + timedelta(days=8)) == 1
    with app_ctx(app), tenant_scope(tenant_id):
        reminder = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "complaint_overdue")).first()
    assert reminder.recipient == "ed@alpha.test" and "خالد" not in reminder.body
    assert _complaint(app, tenant_id).reference not in director.get("/alpha/staff/complaints?overdue=1").get_data(
        as_text=True)
    with app_ctx(app), tenant_scope(tenant_id):
        db.session.execute(sa.update(Complaint).values(decision_due=local_date(datetime.now(UTC)) - timedelta(days=1)))
        db.session.commit()
    page = director.get("/alpha/staff/complaints?overdue=1").get_data(as_text=True)
    assert 'class="badge text-bg-danger overdue"' in page and _complaint(app, tenant_id).reference in page


@pytest.mark.parametrize("modules", [("grievances",), ()])
def test_a_rejection_offers_a_grievance_only_where_the_association_has_the_procedure(app, modules):
    from tests.test_staff_helpers import act, open_request, receive_all_documents

    tenant_id = portal_tenant(app, modules=modules)
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer", "reviewer"])
    file_id = open_file(officer, "alpha", email="ahmad@example.com")
    request_id = open_request(officer, "alpha", file_id, "phone")
    act(officer, "alpha", request_id, "check_documents")
    receive_all_documents(app, officer, "alpha", request_id)
    act(officer, "alpha", request_id, "declare", method="in_person", signed="1")
    act(officer, "alpha", request_id, "send_to_review")
    # The receiver of a request may not decide it (separation of duties): a colleague on the committee does.
    reviewer = staff_client(app, "reviewer@alpha.test", "alpha", ["reviewer"])
    assert act(reviewer, "alpha", request_id, "reject", meeting_date="2026-01-10", members="أ. سعد، أ. نورة",
               reason="الدخل أعلى من الحد المعتمد").status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        body = db.session.scalars(sa.select(OutboxMessage.body).where(
            OutboxMessage.kind == "decision_rejected")).one()
    assert ("/alpha/complaints/new" in body) == bool(modules)
    assert ("تظلم" in body) == bool(modules)


def test_the_complaint_and_change_lists_run_the_same_queries_for_1_or_6_rows(app, client):
    from tests.test_search import _queries

    tenant_id = portal_tenant(app)
    director = staff_client(app, "ed@alpha.test", "alpha", ["executive_director", "relations_officer"])

    def add(n):
        for i in range(n):
            file(app.test_client(), subject=f"شكوى {i}")
        with app_ctx(app), tenant_scope(tenant_id):
            from core.beneficiaries.models import Beneficiary

            for i in range(n):
                beneficiary = Beneficiary(file_number=1000 + i + n * 10, name=f"مستفيد {i}", name_search="x",
                                          national_id=f"{n}{i:09d}", gender="male", categories=[])
                db.session.add(beneficiary)
                db.session.flush()
                db.session.add(ChangeRequest(beneficiary_id=beneficiary.id, source="portal", kinds="other",
                                             proposed={}, description="تغيير"))
            db.session.commit()

    add(1)
    few = [_queries(app, director, url)[0] for url in ("/alpha/staff/complaints", "/alpha/staff/changes")]
    add(5)
    many = [_queries(app, director, url)[0] for url in ("/alpha/staff/complaints", "/alpha/staff/changes")]
    assert many == few


def test_a_complaint_handed_in_on_paper_is_typed_in_and_stays_confidential(app, client):
    tenant_id = portal_tenant(app)
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    viewer = staff_client(app, "viewer@alpha.test", "alpha", ["viewer"])
    assert viewer.get("/alpha/staff/complaints/new").status_code == 403
    response = post_form(officer, "/alpha/staff/complaints/new", complaint_form(language="ar"))
    assert response.status_code == 302
    complaint = _complaint(app, tenant_id)
    assert complaint.received_via == "sealed_envelope" and complaint.state == "received"
    # The officer typed it in but is not one of the people concerned: he cannot open it afterwards.
    assert officer.get(f"/alpha/staff/complaints/{complaint.id}").status_code == 404
    with app_ctx(app), tenant_scope(tenant_id):
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "complaint.create")).one()
        assert entry.after["received_via"] == "sealed_envelope" and entry.actor_id is not None
