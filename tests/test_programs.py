"""Programs: conditions, seats and the waiting list, receipt numbering, attendance arithmetic, the report,
reminders, modules off, and isolation between associations."""
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.programs import attendance, jobs, registrations, report
from core.programs.attendance import Tally
from core.programs.models import Program, Receipt, Registration
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, make_tenant, post_form
from tests.programs_helpers import (
    BEFORE_START,
    FIRST_DAY,
    PROGRAM,
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

MODULES = '["program_registration", "program_interviews"]'
ADULT = {"birth_date": "1990-01-01", "guardian_name": "", "guardian_national_id": "", "guardian_relation": "",
         "guardian_mobile": "", "guardian_consent": ""}


@pytest.fixture
def alpha(app):
    return make_tenant(app, "alpha", modules=MODULES)


def _program(app, client, slug="alpha", **overrides) -> int:
    program_id = create_program(client, slug, **overrides)
    assert program_action(client, slug, program_id, "publish").status_code == 302
    return program_id


def test_registration_outside_the_age_range_is_refused_with_the_reason(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer)
        # Born 2014-12-07: 11 on the start date (6 December 2026), though 12 by the end.
        response = register_online(app.test_client(), "alpha", program_id, person(1, birth_date="2014-12-07"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "للأعمار من 12 إلى 15 في تاريخ بدئه" in page and "عمر هذا الشخص في ذلك اليوم 11" in page
    assert 'id="birth_date-error"' in page
    assert registration_ids(app, "alpha", program_id) == []


def test_incomplete_data_is_refused_field_by_field_and_a_minor_needs_a_guardian(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer)
        response = register_online(app.test_client(), "alpha", program_id, person(
            2, name="", national_id="1234567890", guardian_name="", guardian_consent="", gender=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("name", "national_id", "gender"):
        assert f'id="{field}-error"' in page, field
    response2 = None
    with time_machine.travel(BEFORE_START, tick=False):
        response2 = register_online(app.test_client(), "alpha", program_id, person(2, guardian_consent=""))
    assert response2.status_code == 422
    assert "موافقة وليّ الأمر مطلوبة" in response2.get_data(as_text=True)


def test_digits_of_other_scripts_are_refused_on_their_field_and_nothing_is_created(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        response = post_form(officer, "/alpha/staff/programs/new?lang=en", {
            **PROGRAM, "capacity": "\u0967\u096b", "session_start": "\u0967\u096c:00"})  # Devanagari 15, 16:00
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="capacity-error"' in page and "Type the number with the digits 0-9" in page
    assert 'id="session_start-error"' in page
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Program)) == 0


def test_arabic_indic_digits_are_accepted_in_every_number_field(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, capacity="٣٠", fee="١٥٠٫٥٠", min_age="١٢", max_age="۱۵",
                              starts_on="٢٠٢٦-١٢-٠٦", session_start="١٦:٠٠")
        digits = person(3)
        arabic = digits["national_id"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        response = register_online(app.test_client(), "alpha", program_id,
                                    {**digits, "national_id": arabic, "birth_date": "٢٠١٢-٠٣-٠١",
                                     "guardian_mobile": "٠٥٥١٢٣٤٥٦٧"})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app_ctx(app), cross_tenant_scope():
        program = db.session.scalar(sa.select(Program))
        assert (program.capacity, program.fee, program.max_age) == (30, Decimal("150.50"), 15)
        registration = db.session.scalar(sa.select(Registration))
        assert registration.guardian_mobile == "+966551234567"


def test_seats_go_in_order_then_the_waiting_list_and_a_freed_seat_goes_to_the_first_waiting(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, capacity="2", min_age="", max_age="")
        ids = [register_in_person(officer, "alpha", program_id, person(n, **ADULT)) for n in range(1, 6)]
        for registration_id in ids:
            registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
        states = _states(app, ids)
        assert states == ["enrolled", "enrolled", "waitlisted", "waitlisted", "waitlisted"]
        page = officer.get(f"/alpha/staff/programs/{program_id}/registrations/{ids[3]}").get_data(as_text=True)
        assert "رقم 2 في قائمة الانتظار" in page
        registration_action(officer, "alpha", program_id, ids[0], "withdraw", reason="انتقل إلى مدينة أخرى")
        assert _states(app, ids) == ["withdrawn", "enrolled", "enrolled", "waitlisted", "waitlisted"]
        # Raising the capacity gives the new seats to the waiting list, in order.
        edit = f"/alpha/staff/programs/{program_id}/edit"
        page = officer.get(edit).get_data(as_text=True)
        version = page.split('name="version" value="')[1].split('"')[0]
        from tests.programs_helpers import PROGRAM

        response = post_form(officer, edit, {**PROGRAM, "capacity": "3", "min_age": "", "max_age": "",
                                             "version": version})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert _states(app, ids) == ["withdrawn", "enrolled", "enrolled", "enrolled", "waitlisted"]
        with app_ctx(app), cross_tenant_scope():
            told = db.session.scalar(sa.select(OutboxMessage.kind).where(
                OutboxMessage.program_registration_id == ids[3]).order_by(OutboxMessage.id.desc()).limit(1))
        assert told == "program_enrolled"
        # The capacity cannot go under the seats taken.
        page = officer.get(edit).get_data(as_text=True)
        version = page.split('name="version" value="')[1].split('"')[0]
        response = post_form(officer, edit, {**PROGRAM, "capacity": "2", "version": version})
        assert response.status_code == 422 and "3 مقاعد محجوزة" in response.get_data(as_text=True)


def _states(app, ids):
    with app_ctx(app), cross_tenant_scope():
        rows = {r.id: r.state for r in db.session.scalars(sa.select(Registration).where(Registration.id.in_(ids)))}
    return [rows[i] for i in ids]


def _paid_registrations(app, slug, count, start):
    officer = staff_client(app, f"o{start}@{slug}.test", slug, ["relations_officer"])
    program_id = _program(app, officer, slug=slug, fee="50", capacity="20", min_age="", max_age="")
    ids = []
    for n in range(start, start + count):
        registration_id = register_in_person(officer, slug, program_id, person(n, **ADULT))
        registration_action(officer, slug, program_id, registration_id, "confirm_complete")
        ids.append(registration_id)
    return officer, program_id, ids


def _receipt_numbers(app, tenant_slug):
    from core import tenants

    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(tenant_slug)
        with tenant_scope(tenant):
            return list(db.session.scalars(sa.select(Receipt.number).order_by(Receipt.issued_at, Receipt.id)))


def test_receipt_numbers_are_unique_and_sequential_per_association(app, alpha):
    make_tenant(app, "beta", modules=MODULES)
    with time_machine.travel(BEFORE_START, tick=False):
        a_officer, a_program, a_ids = _paid_registrations(app, "alpha", 3, 100)
        b_officer, b_program, b_ids = _paid_registrations(app, "beta", 2, 200)
        order = [("alpha", a_officer, a_program, a_ids[0]), ("beta", b_officer, b_program, b_ids[0]),
                 ("alpha", a_officer, a_program, a_ids[1]), ("beta", b_officer, b_program, b_ids[1]),
                 ("alpha", a_officer, a_program, a_ids[2])]
        for slug, officer, program_id, registration_id in order:
            response = registration_action(officer, slug, program_id, registration_id, "confirm_fee", amount="50",
                                           method="cash", payer_name="مشارك")
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        # A wrong amount issues nothing.
        extra = register_in_person(a_officer, "alpha", a_program, person(150, **ADULT))
        registration_action(a_officer, "alpha", a_program, extra, "confirm_complete")
        wrong = registration_action(a_officer, "alpha", a_program, extra, "confirm_fee", amount="40",
                                    method="cash", payer_name="مشارك")
        assert wrong.status_code == 422 and "رسوم هذا التسجيل 50.00 ريال" in wrong.get_data(as_text=True)
    assert _receipt_numbers(app, "alpha") == [1, 2, 3]
    assert _receipt_numbers(app, "beta") == [1, 2]


def test_attendance_rate_arithmetic():
    tally = Tally()
    for status in ["present", "present", "late", "absent", "excused", "excused"]:
        tally.add(status)
    assert (tally.attended, tally.counted) == (3, 4)
    assert tally.rate == Decimal("75.0")  # excused days are not counted either way
    assert Tally(present=1, absent=2).rate == Decimal("33.3")
    assert Tally(present=2, absent=1).rate == Decimal("66.7")
    assert Tally(excused=3).rate is None  # nothing counted yet: no rate, not 0%


def test_report_figures_match_the_data(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, fee="100", capacity="3", min_age="", max_age="")
        ids = [register_in_person(officer, "alpha", program_id, person(n, **ADULT)) for n in range(1, 5)]
        register_online(app.test_client(), "alpha", program_id, person(9))  # a minor, online, left unchecked
        for registration_id in ids:
            registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
        for registration_id in ids[:2]:
            registration_action(officer, "alpha", program_id, registration_id, "confirm_fee", amount="100",
                                method="cash", payer_name="مشارك")
    sessions = []
    for day in (FIRST_DAY, SECOND_DAY):
        with time_machine.travel(day, tick=False):
            from tests.helpers import login

            login(officer, "o@alpha.test")
            page = officer.get(f"/alpha/staff/programs/{program_id}").get_data(as_text=True)
            session_id = int(page.split("/sessions/")[len(sessions) + 1].split('"')[0])
            sessions.append(session_id)
            statuses = {FIRST_DAY: {ids[0]: "present", ids[1]: "excused"},
                        SECOND_DAY: {ids[0]: "late", ids[1]: "absent"}}[day]
            response = post_form(officer, f"/alpha/staff/programs/{program_id}/sessions/{session_id}",
                                 {f"status-{k}": v for k, v in statuses.items()})
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app_ctx(app), cross_tenant_scope():
        program = db.session.get(Program, (alpha, program_id))
        with tenant_scope(alpha), app.test_request_context():
            r = report.build(program)
            csv_text = report.to_csv(r, str, str)
    assert r.registrations == 5 and r.by_channel == {"in_person": 4, "online": 1} and r.minors == 1
    assert r.complete == 4
    assert dict(r.by_state) == {"enrolled": 2, "awaiting_fee": 1, "waitlisted": 1, "submitted": 1}
    assert (r.receipts, r.fees_collected, r.fees_awaited) == (2, Decimal("200.00"), Decimal("100.00"))
    assert (r.sessions_planned, r.sessions_held) == (4, 2)
    lines = {line.registration.id: line.tally for line in r.lines}
    assert lines[ids[0]].rate == Decimal("100.0") and lines[ids[1]].rate == Decimal("0.0")
    assert (r.attendance.attended, r.attendance.counted, r.attendance.rate) == (2, 3, Decimal("66.7"))
    assert "200.00" in csv_text and "66.7%" in csv_text and csv_text.startswith("\ufeff")


def test_reminders_go_once_the_day_before_each_session(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, min_age="", max_age="")
        registration_id = register_in_person(officer, "alpha", program_id, person(1, **ADULT))
        registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
    from core.jobs import REGISTRY

    assert REGISTRY["programs.session_reminders"].run is jobs.session_reminders
    eve = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # Saturday: Sunday's session is tomorrow
    with app_ctx(app):
        assert jobs.session_reminders(datetime(2026, 12, 3, 12, 0, tzinfo=UTC)) == 0
        assert jobs.session_reminders(eve) == 1
        assert jobs.session_reminders(eve) == 0  # idempotent
    with app_ctx(app), cross_tenant_scope():
        reminder = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "program_reminder"))
        assert "2026-12-06" in reminder.subject and reminder.recipient == "+966501234567"


def test_without_the_modules_every_program_screen_is_hidden(app, seed_tenants):
    officer = staff_client(app, "o@live-law.test", "live-law", ["relations_officer", "executive_director"])
    for url in ["/live-law/programs", "/live-law/programs/1", "/live-law/programs/registration/abc",
                "/live-law/staff/programs", "/live-law/staff/programs/new", "/live-law/staff/programs/1",
                "/live-law/staff/programs/1/report", "/live-law/staff/programs/1/report.csv",
                "/live-law/staff/programs/1/register", "/live-law/staff/programs/1/sessions/1",
                "/live-law/staff/programs/1/registrations/1", "/live-law/staff/programs/1/receipts/1.pdf"]:
        assert officer.get(url).status_code == 404, url
    response = post_form(officer, "/live-law/staff/programs/new", {"title": "x"}, form_page="/live-law/staff/")
    assert response.status_code == 404
    assert "/staff/programs" not in officer.get("/live-law/staff/").get_data(as_text=True)
    assert "/live-law/programs" not in app.test_client().get("/live-law/").get_data(as_text=True)
    assert "/irth/programs" in app.test_client().get("/irth/").get_data(as_text=True)


def test_another_association_cannot_read_or_change_a_program_and_roles_are_checked(app, alpha):
    make_tenant(app, "beta", modules=MODULES)
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, fee="10", min_age="", max_age="")
        registration_id = register_in_person(officer, "alpha", program_id, person(1, **ADULT))
        registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
        registration_action(officer, "alpha", program_id, registration_id, "confirm_fee", amount="10",
                            method="cash", payer_name="مشارك")
        with app_ctx(app), cross_tenant_scope():
            receipt_id = db.session.scalar(sa.select(Receipt.id))
        outsider = staff_client(app, "o@beta.test", "beta", ["relations_officer", "executive_director"])
        base = f"/alpha/staff/programs/{program_id}"
        for url in [base, f"{base}/report", f"{base}/registrations/{registration_id}",
                    f"{base}/receipts/{receipt_id}.pdf"]:
            assert outsider.get(url).status_code == 404, url
        # The same ids under the outsider's own association are not found either.
        beta_base = f"/beta/staff/programs/{program_id}"
        for url in [beta_base, f"{beta_base}/registrations/{registration_id}",
                    f"{beta_base}/receipts/{receipt_id}.pdf"]:
            assert outsider.get(url).status_code == 404, url
        response = post_form(outsider, f"{beta_base}/registrations/{registration_id}/actions/withdraw",
                             {"reason": "x", "version": "1"}, form_page="/beta/staff/programs")
        assert response.status_code == 404
        viewer = staff_client(app, "v@alpha.test", "alpha", ["viewer"])
        assert viewer.get(base).status_code == 200
        assert viewer.get("/alpha/staff/programs/new").status_code == 403
        assert viewer.get(f"{base}/register").status_code == 403
        response = post_form(viewer, f"{base}/registrations/{registration_id}/actions/withdraw",
                             {"reason": "x", "version": "3"}, form_page=base)
        assert response.status_code == 403
    assert _states(app, [registration_id]) == ["enrolled"]


def test_a_participant_is_linked_to_the_file_with_the_same_national_id(app, alpha):
    from tests.test_staff_helpers import VALID_IDS, open_file

    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        beneficiary_id = open_file(officer, "alpha")
        program_id = _program(app, officer, min_age="", max_age="")
        registration_id = register_in_person(officer, "alpha", program_id,
                                             person(1, **{**ADULT, "national_id": VALID_IDS[0]}))
        page = officer.get(f"/alpha/staff/programs/{program_id}/registrations/{registration_id}").get_data(
            as_text=True)
    assert f"/alpha/staff/beneficiaries/{beneficiary_id}" in page


def test_cancelling_a_program_tells_everyone_registered_why(app, alpha):
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, min_age="", max_age="")
        ids = [register_in_person(officer, "alpha", program_id, person(n, **ADULT)) for n in (1, 2)]
        no_reason = program_action(officer, "alpha", program_id, "cancel")
        assert no_reason.status_code == 422
        program_action(officer, "alpha", program_id, "cancel", reason="تعذر توفير القاعة")
    assert _states(app, ids) == ["withdrawn", "withdrawn"]
    with app_ctx(app), cross_tenant_scope():
        bodies = list(db.session.scalars(sa.select(OutboxMessage.body).where(
            OutboxMessage.kind == "program_cancelled")))
    assert len(bodies) == 2 and all("تعذر توفير القاعة" in b for b in bodies)


def test_the_program_page_runs_the_same_number_of_queries_for_3_or_12_registrations(app, alpha):
    from tests.test_search import QueryCounter

    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, min_age="", max_age="", capacity="50")
        counts = []
        for upto in (3, 12):
            while len(registration_ids(app, "alpha", program_id)) < upto:
                n = len(registration_ids(app, "alpha", program_id)) + 1
                register_in_person(officer, "alpha", program_id, person(n, **ADULT))
            with app.app_context():
                engine = db.engine
            for url in (f"/alpha/staff/programs/{program_id}", f"/alpha/staff/programs/{program_id}/report"):
                with QueryCounter(engine) as counter:
                    assert officer.get(url).status_code == 200
                counts.append(counter.count)
    assert counts[:2] == counts[2:]


def test_registration_age_helpers():
    from datetime import date

    assert registrations.age_on(date(2012, 12, 6), date(2026, 12, 6)) == 14
    assert registrations.age_on(date(2012, 12, 7), date(2026, 12, 6)) == 13
    assert attendance.ATTENDED == ("present", "late")


def test_completing_a_program_surveys_the_enrolled_and_its_report_shows_their_satisfaction(app, alpha):
    import re

    from core.surveys.models import SurveyInvitation
    from tests.helpers import login

    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer"])
        program_id = _program(app, officer, min_age="", max_age="", capacity="3")
        ids = [register_in_person(officer, "alpha", program_id, person(n, **ADULT, mobile=f"05012345{n:02d}"))
               for n in range(1, 5)]
        for registration_id in ids:  # three seats: the fourth waits and is not asked
            registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
        assert program_action(officer, "alpha", program_id, "complete").status_code == 409  # not ended yet
    with app_ctx(app), cross_tenant_scope():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyInvitation)) == 0
    with time_machine.travel(datetime(2026, 12, 18, 9, 0, tzinfo=UTC), tick=False):
        login(officer, "o@alpha.test")
        assert program_action(officer, "alpha", program_id, "complete").status_code == 302
        with app_ctx(app), cross_tenant_scope():
            invitations = db.session.scalars(sa.select(SurveyInvitation).order_by(SurveyInvitation.id)).all()
            assert [(i.subject_kind, i.subject_key, i.recipient) for i in invitations] == [
                ("program", f"program:{program_id}", f"+9665012345{n:02d}") for n in (1, 2, 3)]
            assert invitations[0].subject_label_ar == "برنامج القراءة الصيفي"
            bodies = db.session.scalars(sa.select(OutboxMessage.body).where(OutboxMessage.kind == "survey")
                                        .order_by(OutboxMessage.id)).all()
        links = [re.search(r"/alpha/survey/[A-Za-z0-9_-]+", body).group(0) for body in bodies]
        assert len(links) == 3
        report_url = f"/alpha/staff/programs/{program_id}/report?lang=en"
        assert "No answers yet" in officer.get(report_url).get_data(as_text=True)
        visitor = app.test_client()
        for link, overall in zip(links, ("5", "4", "3"), strict=True):
            data = {"overall": overall, "respect": "5", "speed": "4", "clarity": "4", "comment": ""}
            assert post_form(visitor, link, data).status_code == 200
            if link == links[1]:  # two answers: too few to show without pointing at someone
                assert "Too few answers to show (2)" in officer.get(report_url).get_data(as_text=True)
        page = officer.get(report_url).get_data(as_text=True)
        csv_text = officer.get(f"/alpha/staff/programs/{program_id}/report.csv?lang=en").get_data(as_text=True)
    satisfaction = page.split('class="fig-satisfaction">')[1].split("</td>")[0]
    assert "4.25" in satisfaction and "answers: 3" in satisfaction  # (4 + 5 + 4 + 4) / 4
    assert "4.00" in page.split("Your overall satisfaction with the service")[1][:120]
    assert "Average satisfaction (1 to 5),4.25" in csv_text
