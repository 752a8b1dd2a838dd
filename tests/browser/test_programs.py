"""Programs in a real browser on a phone (390×844): the attendance sheet of 30 participants marked in the
hall with a handful of taps, and the public announcement with its registration form."""
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.arabic import normalise
from core.extensions import db
from core.programs.models import Attendance, Participant, Program, ProgramSession, Registration
from core.tenancy import tenant_scope
from core.workflow.deadlines import today
from tests.browser.conftest import screenshot
from tests.helpers import PASSWORD, app_ctx, make_tenant, make_user
from tests.programs_helpers import national_id

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
NAMES = ["عبدالله", "محمد", "فهد", "سلمان", "خالد", "عمر", "يوسف", "إبراهيم", "نواف", "تركي"]


def _program_with_30_enrolled(app, tenant_id) -> tuple[int, int, list[int]]:
    """A running program (all weekdays, from two days ago) with 30 enrolled participants."""
    start = today() - timedelta(days=2)
    with app_ctx(app), tenant_scope(tenant_id):
        program = Program(title="حلقة التلاوة المسائية", description="حلقة يومية", target_group="طلاب",
                          capacity=30, starts_on=start, ends_on=start + timedelta(days=20),
                          session_weekdays=list(range(7)), state="published")
        db.session.add(program)
        db.session.flush()
        for offset in range(21):
            db.session.add(ProgramSession(program_id=program.id, day=start + timedelta(days=offset)))
        ids = []
        for n in range(30):
            name = f"{NAMES[n % 10]} {['العتيبي', 'القحطاني', 'الشهري'][n // 10]}"
            person = Participant(name=name, name_search=normalise(name), national_id=national_id(700 + n),
                                 birth_date=start.replace(year=start.year - 14), gender="male",
                                 mobile="+966501234567")
            db.session.add(person)
            db.session.flush()
            registration = Registration(number=n + 1, program_id=program.id, participant_id=person.id,
                                        channel="in_person", state="enrolled", age_at_start=14,
                                        token_hash=f"{n:064d}")
            db.session.add(registration)
            db.session.flush()
            ids.append(registration.id)
        session_id = db.session.scalar(sa.select(ProgramSession.id).where(ProgramSession.day == today()))
        db.session.commit()
        return program.id, session_id, ids


def test_thirty_participants_are_marked_on_a_phone_with_a_few_taps(app, browser, live_server):
    tenant_id = make_tenant(app, "alpha", modules='["program_registration"]')
    make_user(app, "officer@alpha.test", {"alpha": ["relations_officer"]})
    program_id, session_id, ids = _program_with_30_enrolled(app, tenant_id)
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/auth/login")
        page.fill("#email", "officer@alpha.test")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_server}/alpha/staff/programs/{program_id}/sessions/{session_id}")
        assert page.locator(".sheet-row").count() == 30
        # Nothing wider than the phone: no sideways scrolling in the hall.
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "programs-attendance-phone-before")

        started = time.monotonic()
        taps = 0
        for registration_id, status in [(ids[3], "absent"), (ids[11], "absent"), (ids[27], "absent"),
                                        (ids[5], "late"), (ids[19], "excused")]:
            page.locator(f"label[for=s-{registration_id}-{status}]").tap()
            taps += 1
        page.locator("#save-rest-present").tap()
        taps += 1
        page.wait_for_selector(".alert-success")
        elapsed = time.monotonic() - started
        print(f"30 participants marked with {taps} taps; the browser took {elapsed:.1f} s")
        assert taps == 6  # the exceptions and one save: the rest is "everyone else present"
        assert "حُفظ الحضور: 30 مسجلاً" in page.locator(".alert-success").inner_text()
        # The saved sheet shows what was marked.
        assert page.locator(f"#s-{ids[3]}-absent").is_checked()
        assert page.locator(f"#s-{ids[0]}-present").is_checked()
        screenshot(page, "programs-attendance-phone-after")
        # The save bar stays in reach at the bottom of the screen while scrolling the list.
        page.evaluate("window.scrollTo(0, 600)")
        bar = page.locator(".sheet-bar").bounding_box()
        assert bar["y"] + bar["height"] <= PHONE["height"] + 1
        screenshot_path = screenshot(page, "programs-attendance-phone-scrolled")
        assert screenshot_path.stat().st_size > 5000
    finally:
        context.close()
    with app_ctx(app), tenant_scope(tenant_id):
        counts = dict(db.session.execute(sa.select(Attendance.status, sa.func.count())
                                         .where(Attendance.session_id == session_id)
                                         .group_by(Attendance.status)).all())
    assert counts == {"present": 25, "absent": 3, "late": 1, "excused": 1}


def test_the_announcement_and_its_form_on_a_phone_in_arabic_and_english(app, browser, live_server, seed_tenants):
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with app_ctx(app):
        with cross_tenant_scope():
            irth = tenants.by_slug("irth").id
    program_id, _session, _ids = _program_with_30_enrolled(app, irth)
    with app_ctx(app), tenant_scope(irth):
        program = db.session.get(Program, (irth, program_id))
        program.starts_on = today() + timedelta(days=7)
        program.capacity, program.conditions = 40, ["إتقان القراءة", "الالتزام بالحضور"]
        db.session.commit()
    context = browser.new_context(locale="ar-SA", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/irth/")
        page.locator(".programs-link a").tap()
        page.wait_for_url("**/irth/programs")
        assert "حلقة التلاوة المسائية" in page.locator(".program-card").first.inner_text()
        assert "بقيت 10 مقاعد" in page.locator(".seats-left").first.inner_text()
        screenshot(page, "programs-portal-list-phone")
        page.locator(".program-card a.btn").first.tap()
        page.wait_for_url(f"**/irth/programs/{program_id}")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.locator(".program-conditions li").all_inner_texts() == ["إتقان القراءة", "الالتزام بالحضور"]
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
        page.fill("#name", "سارة")  # too short a name and nothing else: refused field by field
        page.locator(".registration-form button[type=submit]").tap()
        page.wait_for_selector("#national_id-error")
        assert page.locator("#national_id-error").is_visible()
        assert page.locator("#birth_date-error").is_visible()
        screenshot(page, "programs-portal-form-errors-phone")
        page.goto(f"{live_server}/irth/programs/{program_id}?lang=en")
        assert page.evaluate("document.documentElement.dir") == "ltr"
        assert "Registration form" in page.locator("#register").inner_text()
        screenshot(page, "programs-portal-program-phone-en")
    finally:
        context.close()
