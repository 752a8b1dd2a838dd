"""Both program flows of Irth's policy, end to end over HTTP: a registration program with a fee, and a
program that needs a personal interview."""
import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.programs.models import Participant, Receipt, Registration
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, login, post_form
from tests.programs_helpers import (
    BEFORE_START,
    SECOND_DAY,
    create_program,
    person,
    program_action,
    register_in_person,
    register_online,
    registration_action,
    registration_ids,
)
from tests.test_staff_helpers import staff_client


def _messages(app, registration_id) -> list[str]:
    with app_ctx(app), cross_tenant_scope():
        return list(db.session.scalars(sa.select(OutboxMessage.kind).where(
            OutboxMessage.program_registration_id == registration_id).order_by(OutboxMessage.id)))


def test_irth_registration_program_with_a_fee_from_announcement_to_report(app, seed_tenants):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "officer@irth.test", "irth", ["relations_officer"])
        program_id = create_program(officer, "irth", fee="150", capacity="2")
        assert program_action(officer, "irth", program_id, "publish").status_code == 302

        # The announcement with its conditions on the public portal.
        public = app.test_client()
        listing = public.get("/irth/programs").get_data(as_text=True)
        assert "برنامج القراءة الصيفي" in listing
        page = public.get(f"/irth/programs/{program_id}").get_data(as_text=True)
        assert "إتقان القراءة" in page and "150.00" in page

        # Online: a minor through a guardian, with the transfer slip.
        slip = (b"%PDF-1.4 transfer slip", "slip.pdf")
        import io

        response = register_online(public, "irth", program_id, {**person(1), "proof": (io.BytesIO(slip[0]), slip[1])},
                                   content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        status_url = response.headers["Location"]
        status = public.get(status_url).get_data(as_text=True)
        assert "مقدم، البيانات قيد التحقق" in status

        # In person, at the desk: two more.
        second = register_in_person(officer, "irth", program_id, person(2, gender="female"))
        third = register_in_person(officer, "irth", program_id, person(3))
        first = registration_ids(app, "irth", program_id)[0]

        # The completeness check gives the two seats, the third waits.
        for registration_id in (first, second, third):
            response = registration_action(officer, "irth", program_id, registration_id, "confirm_complete")
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        assert "مقعد محجوز" in public.get(status_url).get_data(as_text=True)

        # The fee is confirmed: a numbered receipt voucher, printable.
        response = registration_action(officer, "irth", program_id, first, "confirm_fee", amount="١٥٠",
                                       method="bank_transfer", payer_name="والد المشارك")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        registration_action(officer, "irth", program_id, second, "confirm_fee", amount="150.00", method="cash",
                            payer_name="والد المشاركة")
        detail = officer.get(f"/irth/staff/programs/{program_id}/registrations/{first}").get_data(as_text=True)
        assert "000001" in detail and "مسجل" in detail
        with app_ctx(app), cross_tenant_scope():
            receipt_id = db.session.scalar(sa.select(Receipt.id).where(Receipt.registration_id == first))
        pdf = officer.get(f"/irth/staff/programs/{program_id}/receipts/{receipt_id}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

        # The second withdraws: the seat goes to the one waiting, who is told.
        registration_action(officer, "irth", program_id, second, "withdraw", reason="سافرت الأسرة")
        assert "program_awaiting_fee" in _messages(app, third)
        registration_action(officer, "irth", program_id, third, "confirm_fee", amount="150", method="card",
                            payer_name="والد المشارك")
        assert _messages(app, first) == ["program_registered", "program_awaiting_fee", "program_receipt",
                                         "program_enrolled"]

    # The first session day: the sheet, and the voucher handed over on attending.
    with time_machine.travel(SECOND_DAY, tick=False):
        assert login(officer, "officer@irth.test").status_code == 302
        detail = officer.get(f"/irth/staff/programs/{program_id}").get_data(as_text=True)
        session_ids = [int(s) for s in __import__("re").findall(r"/sessions/(\d+)", detail)]
        assert len(session_ids) == 2  # Sunday 6 and Tuesday 8 December are due; later days are not links yet
        url = f"/irth/staff/programs/{program_id}/sessions/{session_ids[0]}"
        sheet = officer.get(url).get_data(as_text=True)
        assert "000001" in sheet  # the voucher to hand over
        response = post_form(officer, url, {f"status-{third}": "late", "fill": "present"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        url2 = f"/irth/staff/programs/{program_id}/sessions/{session_ids[1]}"
        post_form(officer, url2, {f"status-{third}": "absent", "fill": "present"})
        response = post_form(officer, f"/irth/staff/programs/{program_id}/receipts/{receipt_id}/handed-over",
                             {"session_id": str(session_ids[0])}, form_page=url)
        assert response.status_code == 302

        report = officer.get(f"/irth/staff/programs/{program_id}/report").get_data(as_text=True)
        assert 'class="fig-registrations">3<' in report
        assert 'class="fig-receipts">3<' in report  # the one who withdrew had paid too
        assert 'class="fig-fees">450.00<' in report
        assert 'class="fig-rate">75.0%<' in report  # 3 attended of 4 counted
        assert officer.get(f"/irth/staff/programs/{program_id}/report.pdf").data.startswith(b"%PDF")
        csv_text = officer.get(f"/irth/staff/programs/{program_id}/report.csv").get_data(as_text=True)
        assert "مشارك رقم 1" in csv_text and "50.0%" in csv_text

    with app_ctx(app), cross_tenant_scope():
        first_row = db.session.get(Registration, (db.session.scalar(sa.select(Registration.tenant_id).limit(1)), first))
        assert first_row.guardian_consent_at is not None and "وليّ أمر" in first_row.guardian_consent_text
        assert first_row.proof_name == "slip.pdf"
        actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("program.%"))))
    assert {"program.create", "program.publish", "program.registration.create", "program.receipt.issue",
            "program.registration.withdraw", "program.registration.promote", "program.attendance",
            "program.receipt.hand_over"} <= actions


def test_irth_interview_program_from_shortlist_to_acceptance(app, seed_tenants):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "officer@irth.test", "irth", ["relations_officer"])
        researcher = staff_client(app, "researcher@irth.test", "irth", ["social_researcher"])
        program_id = create_program(officer, "irth", requires_interview="1", title="برنامج إعداد القادة",
                                    min_age="", max_age="", capacity="5")
        program_action(officer, "irth", program_id, "publish")
        public = app.test_client()
        adult = {"birth_date": "1998-01-15", "guardian_name": "", "guardian_national_id": "",
                 "guardian_relation": "", "guardian_mobile": "", "guardian_consent": ""}
        for n in (11, 12, 13):
            response = register_online(public, "irth", program_id, person(n, **adult))
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        accepted, refused, incomplete = registration_ids(app, "irth", program_id)

        # Data complete → shortlisted and contacted; incomplete data → told what is missing.
        for registration_id in (accepted, refused):
            assert registration_action(officer, "irth", program_id, registration_id, "shortlist").status_code == 302
        registration_action(officer, "irth", program_id, incomplete, "mark_incomplete",
                            note="صورة الهوية غير واضحة")
        assert _messages(app, accepted) == ["program_registered", "program_shortlisted"]
        assert _messages(app, incomplete) == ["program_registered", "program_incomplete"]

        # The registration-program step does not exist here.
        registration_page = f"/irth/staff/programs/{program_id}/registrations/{accepted}"
        assert 'id="action-confirm_complete"' not in officer.get(registration_page).get_data(as_text=True)

        with app_ctx(app), cross_tenant_scope():
            from core.models import User

            interviewer = db.session.scalar(sa.select(User.id).where(User.email == "researcher@irth.test"))
        for registration_id in (accepted, refused):
            response = registration_action(officer, "irth", program_id, registration_id, "schedule_interview",
                                           day="2026-12-03", at="١٠:٣٠", place="قاعة الاجتماعات",
                                           interviewer_id=str(interviewer))
            assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        assert _messages(app, accepted)[-1] == "program_interview"

        # The interviewer records the outcome against the published conditions.
        response = registration_action(researcher, "irth", program_id, accepted, "interview", outcome="accepted",
                                       met=["0", "1"], notes="متمكن من القراءة")
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        missing_reason = registration_action(researcher, "irth", program_id, refused, "interview",
                                             outcome="rejected")
        assert missing_reason.status_code == 422
        assert "سبب" in missing_reason.get_data(as_text=True)
        registration_action(researcher, "irth", program_id, refused, "interview", outcome="rejected", met=["1"],
                            reason="لم يستوف شرط إتقان القراءة")

        page = officer.get(registration_page).get_data(as_text=True)
        assert "مسجل" in page and "✓ إتقان القراءة" in page
        status = officer.get(f"/irth/staff/programs/{program_id}/registrations/{refused}").get_data(as_text=True)
        assert "لم يستوف شرط إتقان القراءة" in status
        report = officer.get(f"/irth/staff/programs/{program_id}/report").get_data(as_text=True)
        assert 'class="fig-interviews">2<' in report and 'class="fig-interviews-accepted">1<' in report
        assert _messages(app, refused)[-1] == "program_rejected"

    with app_ctx(app), cross_tenant_scope():
        person_row = db.session.scalar(sa.select(Participant).where(Participant.name == "مشارك رقم 11"))
        assert person_row.beneficiary_id is None  # no file in Irth: a light participant record
