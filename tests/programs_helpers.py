"""Shared steps for the programs tests (no tests here): valid IDs, a program form, registering, acting."""
import re
from datetime import UTC, datetime

from core.identity import id_check_digit_ok
from tests.helpers import csrf_token, post_form
from tests.test_staff_helpers import id_from

#: The program in the tests runs Sundays and Tuesdays from 6 to 17 December 2026: four session days.
BEFORE_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SECOND_DAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
AFTER_END = datetime(2026, 12, 18, 9, 0, tzinfo=UTC)
VERSION_RE = re.compile(r'id="action-{action}".*?name="version" value="(\d+)"', re.S)


def national_id(n: int, first: str = "1") -> str:
    """The n-th valid ID number (check digit right), distinct for each n."""
    base = f"{first}{n:08d}"
    return next(base + d for d in "0123456789" if id_check_digit_ok(base + d))


PROGRAM = {
    "title": "برنامج القراءة الصيفي", "description": "حلقات قراءة وتلخيص للطلاب.",
    "target_group": "طلاب المرحلة المتوسطة", "location": "مقر الجمعية", "min_age": "12", "max_age": "15",
    "gender": "any", "capacity": "3", "fee": "", "starts_on": "2026-12-06", "ends_on": "2026-12-17",
    "session_start": "16:00", "session_end": "18:00", "session_weekdays": ["6", "1"],
    "conditions": "إتقان القراءة\nالالتزام بالحضور",
}


def create_program(client, slug, **overrides) -> int:
    response = post_form(client, f"/{slug}/staff/programs/new", {**PROGRAM, **overrides})
    return id_from(response, "programs")


def page_version(client, url, action) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(VERSION_RE.pattern.format(action=action), page, re.S)
    assert match, f"no {action} form on {url}"
    return match.group(1)


def program_action(client, slug, program_id, action, **data):
    url = f"/{slug}/staff/programs/{program_id}"
    data.setdefault("version", page_version(client, url, action))
    data.setdefault("confirmed", "1")  # completing and cancelling ask for a confirmation first
    return post_form(client, f"{url}/actions/{action}", data, form_page=url)


def person(n: int, **overrides) -> dict:
    """An adult-looking registrant unless overridden: n makes the ID and the name distinct."""
    return {"name": f"مشارك رقم {n}", "national_id": national_id(n), "birth_date": "2012-03-01",
            "birth_calendar": "gregorian", "gender": "male", "mobile": "0501234567", "email": "", "city": "الرياض",
            "guardian_name": "والد المشارك", "guardian_national_id": national_id(n + 5000),
            "guardian_relation": "father", "guardian_mobile": "0551234567", "guardian_consent": "1", **overrides}


def register_online(client, slug, program_id, data, **kwargs):
    url = f"/{slug}/programs/{program_id}"
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)}, **kwargs)


def register_in_person(client, slug, program_id, data) -> int:
    response = post_form(client, f"/{slug}/staff/programs/{program_id}/register", data)
    return id_from(response, "registrations")


def registration_action(client, slug, program_id, registration_id, action, **data):
    url = f"/{slug}/staff/programs/{program_id}/registrations/{registration_id}"
    form_id = "interview" if action == "interview" else action
    data.setdefault("version", page_version(client, url, form_id))
    target = f"{url}/interview" if action == "interview" else f"{url}/actions/{action}"
    data.setdefault("confirmed", "1")  # rejecting and withdrawing ask for a confirmation first
    return post_form(client, target, data, form_page=url)


def registration_ids(app, slug, program_id) -> list[int]:
    import sqlalchemy as sa

    from core import tenants
    from core.extensions import db
    from core.programs.models import Registration
    from core.tenancy import cross_tenant_scope, tenant_scope
    from tests.helpers import app_ctx

    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            return list(db.session.scalars(sa.select(Registration.id).where(Registration.program_id == program_id)
                                           .order_by(Registration.id)))
