"""Board approval records, cross-checked against the Umm al-Qura calendar.

Records are kept exactly as the board's minutes wrote them. Inconsistencies are warnings for the
admin, never silently corrected: the minutes are the legal record, not Wasl.

A warning is a code with its parameters, so each surface words it in its own language: the admin
pages in the visitor's language (`message()`, `html()`), `wasl tenants check` in English (`str()`
outside a request has no translations).
"""
import re
from dataclasses import dataclass, field
from datetime import date

from flask import has_request_context
from flask_babel import gettext
from markupsafe import Markup, escape

from core.arabic import normalise
from core.calendar import CalendarError, from_hijri, hijri_iso


def N_(msgid: str) -> str:  # noqa: N802 - Babel's default marker: extracted now, translated by _text()
    return msgid


def _text(msgid: str) -> str:
    """Translated in a request (the visitor's language); English anywhere else (the CLI)."""
    return gettext(msgid) if has_request_context() else msgid


WEEKDAYS = {  # Python weekday() → names as boards write them (normalised Arabic, English)
    0: ("الاثنين", "monday"), 1: ("الثلاثاء", "tuesday"), 2: ("الاربعاء", "wednesday"),
    3: ("الخميس", "thursday"), 4: ("الجمعه", "friday"), 5: ("السبت", "saturday"), 6: ("الاحد", "sunday"),
}

#: The weekday as the visitor reads it (Python weekday() → label).
WEEKDAY_LABELS = {
    0: N_("Monday"), 1: N_("Tuesday"), 2: N_("Wednesday"), 3: N_("Thursday"),
    4: N_("Friday"), 5: N_("Saturday"), 6: N_("Sunday"),
}

#: The weekday as Arabic minutes write it, with hamza (Python weekday() → name).
WEEKDAYS_AR = {0: "الاثنين", 1: "الثلاثاء", 2: "الأربعاء", 3: "الخميس", 4: "الجمعة", 5: "السبت", 6: "الأحد"}

HIJRI_NOT_IN_CALENDAR = "hijri_not_in_calendar"
DATES_DISAGREE = "dates_disagree"
WEEKDAY_UNKNOWN = "weekday_unknown"
WEEKDAY_MISMATCH = "weekday_mismatch"
TITLE_MISMATCH = "title_mismatch"

_MESSAGES = {
    HIJRI_NOT_IN_CALENDAR: N_("the Hijri date {hijri} is not in the Umm al-Qura calendar"),
    DATES_DISAGREE: N_("the Hijri date {hijri} is {hijri_as_gregorian} in the Gregorian calendar, not "
                       "{gregorian} (and {gregorian} is {gregorian_as_hijri} AH)"),
    WEEKDAY_UNKNOWN: N_("the weekday '{weekday}' is not a day of the week"),
    WEEKDAY_MISMATCH: {
        "gregorian": N_("the weekday '{weekday}' does not match the Gregorian date: {date} was a {actual}"),
        "hijri": N_("the weekday '{weekday}' does not match the Hijri date: {date} was a {actual}"),
    },
    TITLE_MISMATCH: N_("the approved title '{title}' is not this policy's title ('{expected}')"),
}

_ARABIC = re.compile("[\u0600-\u06ff]")

#: Parameters that are dates: isolated left-to-right in HTML so bidi cannot reverse their digits.
_DATE_PARAMS = {"hijri", "gregorian", "hijri_as_gregorian", "gregorian_as_hijri", "date"}


@dataclass(frozen=True)
class ApprovalWarning:
    """One inconsistency in a board approval record."""

    code: str
    #: The record's field the warning is about (a form shows it there).
    field: str
    params: dict = field(default_factory=dict)

    def _params(self) -> dict:
        params = {key: value for key, value in self.params.items() if key != "calendar"}
        if "actual" in params:
            params["actual"] = _text(WEEKDAY_LABELS[params["actual"]])
        return params

    def _msgid(self) -> str:
        message = _MESSAGES[self.code]
        return message[self.params["calendar"]] if isinstance(message, dict) else message

    def message(self) -> str:
        """The warning in the current language (English outside a request)."""
        return _text(self._msgid()).format(**self._params())

    def html(self) -> Markup:
        """The warning for a page, as a sentence: escaped, every date isolated left-to-right."""
        params = {key: (Markup('<bdi dir="ltr">{}</bdi>').format(value) if key in _DATE_PARAMS
                        else escape(value))
                  for key, value in self._params().items()}
        text = _text(self._msgid())
        return Markup(escape(text[:1].upper() + text[1:])).format(**params)

    def __str__(self) -> str:
        return self.message()


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


def _hijri_as_gregorian(hijri: str) -> date:
    try:
        return from_hijri(*map(int, hijri.split("-")))
    except (TypeError, ValueError) as exc:  # CalendarError is a ValueError
        raise CalendarError(str(exc)) from exc


def approval_warnings(approval: dict, expected_titles: set[str]) -> list[ApprovalWarning]:
    """Each inconsistency in one board approval record: dates, weekday, title."""
    warnings = []
    gregorian = _as_date(approval.get("gregorian_date"))
    hijri = approval.get("hijri_date")
    hijri_as_gregorian = None
    if hijri:
        try:
            hijri_as_gregorian = _hijri_as_gregorian(hijri)
        except CalendarError:
            warnings.append(ApprovalWarning(HIJRI_NOT_IN_CALENDAR, "hijri_date", {"hijri": hijri}))
    if gregorian and hijri_as_gregorian and gregorian != hijri_as_gregorian:
        try:
            gregorian_as_hijri = hijri_iso(gregorian)
        except CalendarError:
            gregorian_as_hijri = "?"
        warnings.append(ApprovalWarning(DATES_DISAGREE, "gregorian_date", {
            "hijri": hijri, "hijri_as_gregorian": hijri_as_gregorian.isoformat(),
            "gregorian": gregorian.isoformat(), "gregorian_as_hijri": gregorian_as_hijri,
        }))
    weekday = approval.get("weekday")
    if weekday:
        number = weekday_number(weekday)
        if number is None:
            warnings.append(ApprovalWarning(WEEKDAY_UNKNOWN, "weekday", {"weekday": weekday}))
        else:
            checks = [("gregorian", gregorian)]
            if hijri_as_gregorian != gregorian:
                checks.append(("hijri", hijri_as_gregorian))
            for calendar, day in checks:
                if day and day.weekday() != number:
                    warnings.append(ApprovalWarning(WEEKDAY_MISMATCH, "weekday", {
                        "weekday": weekday, "calendar": calendar,
                        "date": hijri if calendar == "hijri" else day.isoformat(), "actual": day.weekday(),
                    }))
    title = approval.get("policy_title")
    if title and expected_titles and normalise(title) not in {normalise(t) for t in expected_titles}:
        # Name the Arabic title: the minutes are Arabic, so that is what the title should have been.
        expected = min(expected_titles, key=lambda t: (not _ARABIC.search(t), t))
        warnings.append(ApprovalWarning(TITLE_MISMATCH, "policy_title", {"title": title, "expected": expected}))
    return warnings
