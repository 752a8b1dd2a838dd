"""Board approval records against the Umm al-Qura calendar: each inconsistency its own warning, words
in the reader's language, dates never corrected."""
from datetime import date

import pytest
from click.testing import CliRunner

from core.approvals import (
    DATES_DISAGREE,
    HIJRI_NOT_IN_CALENDAR,
    TITLE_MISMATCH,
    WEEKDAY_MISMATCH,
    WEEKDAY_UNKNOWN,
    approval_warnings,
    weekday_number,
)

TITLE = "سياسة تنظيم العلاقة مع المستفيدين"


def record(**changes) -> dict:
    base = {"meeting": "2", "session": "08", "weekday": "الأربعاء", "hijri_date": "1446-02-03",
            "gregorian_date": date(2024, 8, 7), "policy_title": TITLE}
    return {**base, **changes}


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


@pytest.mark.parametrize(("weekday", "hijri", "gregorian"), [
    ("الأربعاء", "1446-02-03", date(2024, 8, 7)),
    ("الاربعاء", "1445-08-18", date(2024, 2, 28)),   # written without hamza, as minutes often are
    ("يوم الثلاثاء", "1442-06-13", date(2021, 1, 26)),
    ("Tuesday", "1442-06-13", "2021-01-26"),         # tenant files give ISO strings
])
def test_a_consistent_record_gives_no_warning(weekday, hijri, gregorian):
    assert approval_warnings(record(weekday=weekday, hijri_date=hijri, gregorian_date=gregorian), {TITLE}) == []


def test_a_wrong_weekday_gives_its_own_warning():
    warnings = approval_warnings(record(weekday="الاثنين"), {TITLE})
    assert codes(warnings) == [WEEKDAY_MISMATCH]
    assert warnings[0].field == "weekday"
    assert str(warnings[0]) == ("the weekday 'الاثنين' does not match the Gregorian date: "
                                "2024-08-07 was a Wednesday")


def test_a_hijri_gregorian_mismatch_gives_its_own_warning():
    # Green Energy's minutes: 13/1/1442 "corresponding to" 26/1/2021, which is 13/6/1442.
    warnings = approval_warnings(record(weekday=None, hijri_date="1442-01-13",
                                        gregorian_date=date(2021, 1, 26)), {TITLE})
    assert codes(warnings) == [DATES_DISAGREE]
    assert warnings[0].field == "gregorian_date"
    assert "2020-09-01" in str(warnings[0]) and "1442-06-13" in str(warnings[0])


def test_a_different_title_gives_its_own_warning():
    warnings = approval_warnings(record(policy_title="سياسة إستبيان رأي المستفيدين بالجمعية"), {TITLE})
    assert codes(warnings) == [TITLE_MISMATCH]
    assert warnings[0].field == "policy_title"


def test_the_title_is_compared_without_hamza_or_tashkeel_differences():
    assert approval_warnings(record(policy_title="سياسة تنظيم العلاقة مع المستفيدين "), {TITLE}) == []
    assert approval_warnings(record(policy_title="سياسة تنظيم العلاقة مع المُستفيدين"), {TITLE}) == []


def test_a_weekday_that_is_no_day_and_a_date_outside_the_calendar_are_reported():
    assert codes(approval_warnings(record(weekday="الفلاني"), {TITLE})) == [WEEKDAY_UNKNOWN]
    assert codes(approval_warnings(record(hijri_date="1446-02-31", gregorian_date=None), {TITLE})) == [
        HIJRI_NOT_IN_CALENDAR]


def test_a_weekday_wrong_for_both_disagreeing_dates_gets_a_warning_for_each():
    # 1442-01-13 was a Tuesday (2020-09-01) and 2021-01-26 a Tuesday too: a Monday fits neither.
    warnings = approval_warnings(record(weekday="الاثنين", hijri_date="1442-01-13",
                                        gregorian_date=date(2021, 1, 26)), {TITLE})
    assert codes(warnings) == [DATES_DISAGREE, WEEKDAY_MISMATCH, WEEKDAY_MISMATCH]


def test_weekday_names_are_read_as_boards_write_them():
    assert weekday_number("الأحد") == weekday_number("الاحد") == weekday_number("Sunday") == 6
    assert weekday_number("يوم الخميس") == 3
    assert weekday_number("غدا") is None


def test_warnings_are_translated_in_a_request_and_dates_isolated_in_html(app):
    warning = approval_warnings(record(weekday="الاثنين"), {TITLE})[0]
    with app.test_request_context("/?lang=ar"):
        assert warning.message() == "اليوم «الاثنين» لا يوافق التاريخ الميلادي: كان 2024-08-07 يوم الأربعاء"
        assert '<bdi dir="ltr">2024-08-07</bdi>' in warning.html()
    with app.test_request_context("/?lang=en"):
        assert warning.message().endswith("2024-08-07 was a Wednesday")


def test_warning_html_escapes_what_the_record_says(app):
    warning = approval_warnings(record(policy_title="<b>x</b>"), {TITLE})[0]
    with app.test_request_context("/?lang=en"):
        assert "<b>" not in warning.html() and "&lt;b&gt;" in warning.html()


def test_tenants_check_prints_the_warnings_in_english(app):
    from core.cli import main

    result = CliRunner().invoke(main, ["tenants", "check", "tenants/al-humaima.toml", "tenants/green-energy.toml",
                                       "tenants/live-law.toml"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert any("al-humaima.toml: board_approvals[0]: the weekday 'الاثنين' does not match" in line
               for line in lines)
    assert any("green-energy.toml" in line and "is 2020-09-01 in the Gregorian calendar" in line for line in lines)
    assert any("green-energy.toml" in line and "is not this policy's title" in line for line in lines)
    assert not any("live-law.toml: board_approvals" in line for line in lines)


def test_a_title_warning_names_the_arabic_title_the_minutes_should_have_given():
    [warning] = approval_warnings(record(policy_title="سياسة أخرى"), {TITLE, "Beneficiary Relations Policy"})
    assert warning.params["expected"] == TITLE
