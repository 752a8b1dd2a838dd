"""Board approval records, cross-checked against the Umm al-Qura calendar.

Records are kept exactly as the board's minutes wrote them. Inconsistencies are warnings for the
admin, never silently corrected: the minutes are the legal record, not Wasl.
"""
from datetime import date

from core.arabic import normalise
from core.calendar import CalendarError, from_hijri, hijri_iso

WEEKDAYS = {  # Python weekday() → names as boards write them
    0: ("الاثنين", "monday"), 1: ("الثلاثاء", "tuesday"), 2: ("الاربعاء", "wednesday"),
    3: ("الخميس", "thursday"), 4: ("الجمعه", "friday"), 5: ("السبت", "saturday"), 6: ("الاحد", "sunday"),
}


def weekday_number(name: str) -> int | None:
    """The weekday a written name means (Arabic with or without hamza, or English), or None."""
    wanted = normalise(name).removeprefix("يوم ").strip()
    for number, names in WEEKDAYS.items():
        if wanted in names:
            return number
    return None


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def approval_warnings(approval: dict, expected_titles: set[str]) -> list[str]:
    """English messages for each inconsistency in one board approval record."""
    warnings = []
    gregorian = _as_date(approval.get("gregorian_date"))
    hijri = approval.get("hijri_date")
    hijri_as_gregorian = None
    if hijri:
        try:
            hijri_as_gregorian = from_hijri(*map(int, hijri.split("-")))
        except (CalendarError, ValueError):
            warnings.append(f"the Hijri date {hijri} is not in the Umm al-Qura calendar")
    if gregorian and hijri_as_gregorian and gregorian != hijri_as_gregorian:
        warnings.append(
            f"the Hijri date {hijri} is {hijri_as_gregorian.isoformat()} in the Gregorian calendar, "
            f"not {gregorian.isoformat()} (and {gregorian.isoformat()} is {hijri_iso(gregorian)} AH)"
        )
    weekday = approval.get("weekday")
    if weekday:
        number = weekday_number(weekday)
        if number is None:
            warnings.append(f"the weekday '{weekday}' is not a day of the week")
        else:
            checks = [("Gregorian", gregorian)]
            if hijri_as_gregorian != gregorian:
                checks.append(("Hijri", hijri_as_gregorian))
            for label, day in checks:
                if day and day.weekday() != number:
                    warnings.append(
                        f"the weekday '{weekday}' does not match the {label} date: "
                        f"{day.isoformat()} was a {day.strftime('%A')}"
                    )
    title = approval.get("policy_title")
    if title and expected_titles and normalise(title) not in {normalise(t) for t in expected_titles}:
        warnings.append(
            f"the approved title '{title}' is not this policy's title ('{sorted(expected_titles)[0]}')"
        )
    return warnings
