"""Saudi public holidays from the Umm al-Qura calendar: the Eids from their Hijri dates, Founding Day and
National Day from their Gregorian ones; the operator's announced days; a tenant's own and dropped days;
working-day deadlines across them."""
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from core import holidays, tenant_files
from core.config import ROOT
from core.holidays import add_working_days, holidays_for, platform_holidays, working_days_between
from tests.helpers import TENANT_TOML


def _tenant(**settings):
    return SimpleNamespace(settings=settings)


def _by_code(year: int) -> dict:
    return {h.code: (h.first, h.last) for h in platform_holidays(year)}


def test_the_eids_of_1447_are_computed_in_gregorian_from_their_hijri_dates():
    days = _by_code(1447)
    # Ramadan 1447 has 30 days: Eid al-Fitr starts the day after 29 Ramadan (2026-03-19), four days.
    assert days["eid_al_fitr"] == (date(2026, 3, 19), date(2026, 3, 22))
    # Eid al-Adha starts on the Day of Arafah, 9 Dhu al-Hijjah 1447 (2026-05-26), four days.
    assert days["eid_al_adha"] == (date(2026, 5, 26), date(2026, 5, 29))
    assert days["founding_day"] == (date(2026, 2, 22),) * 2
    assert days["national_day"] == (date(2025, 9, 23),) * 2


def test_a_ramadan_of_29_days_starts_eid_al_fitr_on_1_shawwal():
    assert _by_code(1446)["eid_al_fitr"] == (date(2025, 3, 30), date(2025, 4, 2))


def test_working_days_skip_eid_al_fitr_and_eid_al_adha_1447():
    tenant = _tenant()
    # Tuesday 17 March 2026 + 3 working days: Wed 18, then Eid (Thu 19 … Sun 22) and the weekend, Mon 23, Tue 24.
    assert add_working_days(tenant, date(2026, 3, 17), 3) == date(2026, 3, 24)
    # Monday 25 May 2026 + 2: Eid al-Adha Tue 26 … Fri 29, the weekend, Sun 31, Mon 1 June.
    assert add_working_days(tenant, date(2026, 5, 25), 2) == date(2026, 6, 1)
    # A grievance filed on Sunday 15 March 2026 is decided within 15 working days: Eid adds two.
    assert add_working_days(tenant, date(2026, 3, 15), 15) == date(2026, 4, 7)
    assert working_days_between(tenant, date(2026, 3, 15), date(2026, 4, 7)) == 15


def test_a_tenant_adds_its_own_days_and_may_drop_a_platform_day():
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    own = holidays_for(_tenant(holidays=["2026-11-10"]), start, end)
    assert date(2026, 11, 10) in own and date(2026, 2, 22) in own and date(2026, 9, 23) in own
    dropped = holidays_for(_tenant(dropped_holidays=["founding_day", "2026-03-22"]), start, end)
    assert date(2026, 2, 22) not in dropped
    assert date(2026, 3, 21) in dropped and date(2026, 3, 22) not in dropped
    assert add_working_days(_tenant(dropped_holidays=["eid_al_fitr"]), date(2026, 3, 17), 3) == date(2026, 3, 22)


def test_the_operators_announced_days_replace_the_computed_ones(tmp_path, monkeypatch):
    path = tmp_path / "holidays.toml"
    path.write_text((ROOT / "holidays.toml").read_text(encoding="utf-8") + '''
[[announced]]
code = "eid_al_fitr"
hijri_year = 1447
first = "2026-03-18"
last = "2026-03-25"
''', encoding="utf-8")
    monkeypatch.setenv("WASL_HOLIDAYS_FILE", str(path))
    assert _by_code(1447)["eid_al_fitr"] == (date(2026, 3, 18), date(2026, 3, 25))
    assert _by_code(1448)["eid_al_fitr"] == (date(2027, 3, 9), date(2027, 3, 12))  # computed again
    assert add_working_days(_tenant(), date(2026, 3, 17), 1) == date(2026, 3, 26)


@pytest.mark.parametrize("entry, message", [
    ('[[holiday]]\ncode = "x"\nlabel_ar = "ع"\nlabel_en = "X"\nhijri = "13-01"', "holiday[0]: hijri: not a day"),
    ('[[holiday]]\ncode = "x"\nlabel_ar = "ع"\nlabel_en = "X"', "give exactly one of hijri, after_hijri, gregorian"),
    ('[[holiday]]\ncode = "x"\nlabel_ar = "ع"\nlabel_en = "X"\ngregorian = "02-30"', "gregorian: not a day"),
    ('[[announced]]\ncode = "nothing"\nhijri_year = 1447\nfirst = "2026-03-18"\nlast = "2026-03-25"',
     "announced[0]: code must be one of"),
])
def test_a_bad_holidays_file_names_the_entry(entry, message):
    with pytest.raises(holidays.HolidaysFileError, match=re.escape(message)):
        holidays.parse(entry, "holidays.toml")


def test_wasl_holidays_prints_a_hijri_year_in_both_calendars(app):
    from core.cli import main

    result = CliRunner().invoke(main, ["holidays", "--year", "1447"])
    assert result.exit_code == 0, result.output
    assert "1447 AH (2025-06-26 … 2026-06-15)" in result.output
    fitr = next(line for line in result.output.splitlines() if "eid_al_fitr" in line)
    assert "عيد الفطر" in fitr and "1447-09-30 … 1447-10-03" in fitr and "2026-03-19 Thu … 2026-03-22 Sun" in fitr
    adha = next(line for line in result.output.splitlines() if "eid_al_adha" in line)
    assert "1447-12-09 … 1447-12-12" in adha and "2026-05-26 Tue … 2026-05-29 Fri" in adha
    bad = CliRunner().invoke(main, ["holidays", "--year", "1600"])
    assert bad.exit_code == 2 and "Umm al-Qura" in bad.output


def test_wasl_holidays_shows_a_tenants_days_off(app, tenant_a):
    from core.cli import main

    result = CliRunner().invoke(main, ["holidays", "--year", "1447", "--tenant", "alpha"])
    assert result.exit_code == 0, result.output
    assert "alpha: 10 day(s) off" in result.output and "2026-03-19 Thu" in result.output


def test_the_seed_tenant_files_carry_no_invented_holidays():
    for path in sorted(Path(ROOT / "tenants").glob("*.toml")):
        assert tenant_files.load(path).data["holidays"] == [], path.name


def test_a_dropped_holiday_that_is_neither_a_platform_holiday_nor_a_date_is_named():
    with pytest.raises(tenant_files.TenantFileError) as caught:
        tenant_files.parse(TENANT_TOML.format(slug="gamma").replace(
            'channels = ["interview", "phone"]',
            'channels = ["interview", "phone"]\ndropped_holidays = ["eid", "2026-02-22"]'))
    [(key, message)] = caught.value.problems
    assert key == "dropped_holidays[0]" and "must be a platform holiday (eid_al_fitr" in message


def test_the_admin_sees_the_platform_holidays_and_drops_one_on_the_settings_page(app, client, tenant_a):
    from tests.helpers import login, make_user
    from tests.test_settings import open_form, settings_of, submit

    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    page = client.get("/alpha/admin/settings?lang=en").get_data(as_text=True)
    listed = page.split('class="list-unstyled mb-2 observed-holidays"')[1].split("</ul>")[0]
    assert "Eid al-Fitr" in listed and "National Day" in listed and 'class="date-h"' in listed
    form = open_form(client, "/alpha/admin/settings").untick("observed_holidays", "national_day")
    assert submit(client, "/alpha/admin/settings", form).status_code == 302
    assert settings_of(app)["dropped_holidays"] == ["national_day"]
    again = open_form(client, "/alpha/admin/settings")
    assert "national_day" not in again.get("observed_holidays") and "eid_al_fitr" in again.get("observed_holidays")
