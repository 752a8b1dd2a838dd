"""Programs in the API, the exports and the dashboard: counts that match, only where the module is on."""
import csv
import io

import pytest
import time_machine

from tests.api_helpers import Api, make_token
from tests.helpers import make_tenant
from tests.programs_helpers import (
    BEFORE_START,
    create_program,
    person,
    program_action,
    register_in_person,
    registration_action,
)
from tests.test_staff_helpers import staff_client

MODULES = '["program_registration", "program_interviews"]'
ADULT = {"birth_date": "1990-01-01", "guardian_name": "", "guardian_national_id": "", "guardian_relation": "",
         "guardian_mobile": "", "guardian_consent": ""}


@pytest.fixture
def programs(app):
    make_tenant(app, "alpha", modules=MODULES)
    with time_machine.travel(BEFORE_START, tick=False):
        officer = staff_client(app, "o@alpha.test", "alpha", ["relations_officer", "executive_director"])
        program_id = create_program(officer, "alpha", capacity="2", min_age="", max_age="")
        assert program_action(officer, "alpha", program_id, "publish").status_code == 302
        ids = [register_in_person(officer, "alpha", program_id, person(n, **ADULT)) for n in range(1, 4)]
        for registration_id in ids:
            registration_action(officer, "alpha", program_id, registration_id, "confirm_complete")
    return officer, program_id


def test_the_api_lists_programs_with_their_registrations_by_state(app, client, programs):
    _officer, program_id = programs
    api = Api(client, make_token(app, "api@alpha.test", "alpha", ["viewer"]))
    listed = api.get("/programs").json
    assert [p["id"] for p in listed["items"]] == [program_id]
    assert listed["items"][0]["registrations"] == {"enrolled": 2, "waitlisted": 1}
    assert api.get(f"/programs/{program_id}").json["state"] == "published"
    assert api.get("/programs?state=draft").json["items"] == []


def test_without_the_module_programs_are_not_found_in_the_api(app, client, tenant_b):
    api = Api(client, make_token(app, "api@beta.test", "beta", ["viewer"]))
    assert api.get("/programs").status_code == 404


def test_the_programs_export_counts_enrolments(programs):
    officer, _program_id = programs
    with time_machine.travel(BEFORE_START, tick=False):
        response = officer.get("/alpha/staff/exports/programs.csv?lang=en")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header = rows[0]
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Registrations"] == "3" and row["Enrolled"] == "2" and row["On the waiting list"] == "1"


def test_the_dashboard_shows_program_registrations(programs):
    officer, _program_id = programs
    with time_machine.travel(BEFORE_START, tick=False):
        html = officer.get("/alpha/staff/reports?from=2026-12&to=2026-12&lang=en").get_data(as_text=True)
    section = html.split('id="figure-program_registrations"')[1].split("</section>")[0]
    assert ">2</td>" in section and ">1</td>" in section
