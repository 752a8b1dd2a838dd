"""The tenant settings form, shared by the charity admin's settings page and the operator's console.

The form only collects what was typed into the shape of a tenant file; the tenant-file schema decides
what is valid, and `show_problems` puts each of its messages on the field it is about.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from core import holidays
from core.catalog import CHANNELS, MODULES, TOOLS
from core.digits import ascii_digits, to_int
from core.i18n import locale_code
from core.validation import translate

#: Empty rows offered under the custom channels and tools, for adding new ones.
BLANK_ROWS = 2
MAX_ROWS = 100

#: In the order of the settings page.
SECTION_LABELS = {
    "beneficiary_term": _l("Word for the beneficiary"),
    "review": _l("Who decides requests"),
    "referral": _l("Referral role"),
    "channels": _l("Channels"),
    "custom_channels": _l("Channels"),
    "tools": _l("Staff tools"),
    "custom_tools": _l("Staff tools"),
    "modules": _l("Optional modules"),
    "contact": _l("Contact details"),
    "holidays": _l("Holidays"),
    "dropped_holidays": _l("Holidays"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EntryRow(Form):
    """One channel or staff tool: a catalog entry (code only) or the tenant's own (code and labels)."""

    use = BooleanField(_l("In use"))
    code = StringField(_l("Code"), filters=[_strip])
    label_ar = StringField(_l("Arabic name"), filters=[_strip])
    label_en = StringField(_l("English name"), filters=[_strip])
    position = StringField(_l("Order"), filters=[_strip])
    #: The position the row had when the page was drawn: a row moved to a taken place goes before
    #: the row that was there, as "put it at place 2" means.
    was = HiddenField()
    custom = HiddenField()

    @property
    def is_custom(self) -> bool:
        return self.custom.data == "1"


class ContactForm(Form):
    phone = StringField(_l("Phone"), filters=[_strip])
    email = StringField(_l("E-mail"), filters=[_strip])
    website = StringField(_l("Website"), filters=[_strip])
    social = StringField(_l("Social media"), filters=[_strip])
    address_ar = StringField(_l("Address (Arabic)"), filters=[_strip])
    address_en = StringField(_l("Address (English)"), filters=[_strip])
    city_ar = StringField(_l("City (Arabic)"), filters=[_strip])
    iban = StringField(_l("IBAN for donations"), filters=[_strip])


class ReviewForm(Form):
    body = RadioField(_l("Kind of review body"), validate_choice=False, choices=[
        SelectChoice("committee", _l("A committee (for example the research committee)")),
        SelectChoice("manager", _l("One manager (for example the beneficiary services manager)")),
    ])
    label_ar = StringField(_l("Name in Arabic"), filters=[_strip])
    label_en = StringField(_l("Name in English"), filters=[_strip])
    decision_sla_days = StringField(_l("Decision deadline (days)"), filters=[_strip])


class LabelForm(Form):
    label_ar = StringField(_l("Name in Arabic"), filters=[_strip])
    label_en = StringField(_l("Name in English"), filters=[_strip])


def _entry_rows(settings: dict, key: str, custom_key: str, catalog: dict) -> list[dict]:
    """The tenant's entries in its own order, then the rest of the catalog, then empty rows."""
    custom = {c["code"]: c for c in settings.get(custom_key, [])}
    used = settings.get(key, [])
    rows = []
    for position, code in enumerate(used, 1):
        row = {"use": True, "code": code, "position": str(position), "was": str(position)}
        if code in custom:
            row.update(custom="1", label_ar=custom[code]["label_ar"], label_en=custom[code]["label_en"])
        rows.append(row)
    rows += [{"use": False, "code": code} for code in catalog if code not in used]
    rows += [{"use": False, "custom": "1", **c} for code, c in custom.items() if code not in used]
    rows += [{"use": True, "custom": "1"} for _ in range(BLANK_ROWS)]
    return rows


class TenantSettingsForm(FlaskForm):
    """What a charity admin may change, in the shape of a tenant file."""

    beneficiary_term = RadioField(_l("Word for the beneficiary"), validate_choice=False, choices=[
        SelectChoice("beneficiary", _l("Beneficiary (المستفيد)")),
        SelectChoice("user", _l("User (المستخدم)")),
    ])
    contact = FormField(ContactForm)
    review = FormField(ReviewForm)
    referral = FormField(LabelForm)
    channels = FieldList(FormField(EntryRow), max_entries=MAX_ROWS)
    tools = FieldList(FormField(EntryRow), max_entries=MAX_ROWS)
    modules = MultiCheckboxField(_l("Optional modules"), validate_choice=False)
    holidays = TextAreaField(_l("Holidays"), filters=[_strip])
    #: The platform's public holidays the association takes (unticked: dropped, every year).
    observed_holidays = MultiCheckboxField(_l("Saudi public holidays the association takes"), validate_choice=False)
    #: Single platform days the association dropped in its file (kept as they are).
    dropped_dates = HiddenField()
    #: When the settings were loaded, so a save over someone else's newer change is refused.
    version = HiddenField()

    SECTIONS = ("beneficiary_term", "contact", "review", "referral", "channels", "tools", "modules",
                "holidays")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = locale_code()
        self.modules.choices = [SelectChoice(code, entry.label(locale)) for code, entry in MODULES.items()]
        self.observed_holidays.choices = [SelectChoice(rule.code, rule.label(locale))
                                          for rule in holidays.platform_calendar().rules]
        self.section_errors: dict[str, list[str]] = {}
        self.general_errors: list[str] = []
        self._custom_rows: dict[str, dict[int, Form]] = {}
        self._holiday_values: list[str] = []

    # --- filling the form from a tenant's settings ------------------------------------------------

    @classmethod
    def initial_data(cls, settings: dict) -> dict:
        review = settings.get("review") or {}
        return {
            "beneficiary_term": settings.get("beneficiary_term", "beneficiary"),
            "contact": {k: v for k, v in (settings.get("contact") or {}).items() if v is not None},
            "review": {**review, "decision_sla_days": str(review.get("decision_sla_days", 14))},
            "referral": settings.get("referral") or {},
            "channels": _entry_rows(settings, "channels", "custom_channels", CHANNELS),
            "tools": _entry_rows(settings, "tools", "custom_tools", TOOLS),
            "modules": list(settings.get("modules", [])),
            "holidays": "\n".join(settings.get("holidays", [])),
            "observed_holidays": [rule.code for rule in holidays.platform_calendar().rules
                                  if rule.code not in settings.get("dropped_holidays", [])],
            "dropped_dates": " ".join(d for d in settings.get("dropped_holidays", [])
                                      if d not in holidays.platform_calendar().codes),
        }

    # --- reading what was typed --------------------------------------------------------------------

    def has_errors(self) -> bool:
        return bool(self.errors_anywhere())

    def errors_anywhere(self) -> list[str]:
        found = [*self.general_errors, *(e for errors in self.section_errors.values() for e in errors)]

        def walk(field):
            if isinstance(field, FieldList):
                for entry in field.entries:
                    walk(entry)
            elif isinstance(field, FormField):
                for sub in field.form:
                    walk(sub)
            else:
                found.extend(field.errors or [])

        for field in self:
            walk(field)
        return found

    def _entries(self, rows: FieldList, custom_key: str) -> tuple[list[str], list[dict]]:
        chosen, custom = [], []
        self._custom_rows[custom_key] = {}
        for index, row in enumerate(rows.entries):
            entry = row.form
            if entry.is_custom and not (entry.code.data or entry.label_ar.data or entry.label_en.data):
                continue  # an empty row left for adding one
            if not entry.use.data:
                continue  # an unticked custom entry is removed with its labels (the audit log keeps them)
            order = float("inf")
            if entry.position.data:
                number = to_int(entry.position.data, low=0, high=MAX_ROWS * 10)
                if number is None:
                    entry.position.errors = [*entry.position.errors, _("Enter a whole number.")]
                else:
                    order = number
            moved = 0 if entry.position.data != entry.was.data else 1
            chosen.append((order, moved, index, entry.code.data or ""))
            if entry.is_custom:
                self._custom_rows[custom_key][len(custom)] = entry
                custom.append({"code": entry.code.data or "", "label_ar": entry.label_ar.data or "",
                               "label_en": entry.label_en.data or ""})
        return [code for *_key, code in sorted(chosen)], custom

    def holiday_values(self) -> list[str]:
        text = ascii_digits(self.holidays.data)
        return sorted(set(filter(None, re.split(r"[\s,،]+", text))))

    def to_changes(self) -> dict:
        """The form's values as tenant-file keys (text as typed: the schema converts and checks it)."""
        contact = {k: v for k, v in self.contact.data.items() if v}
        review = {k: v for k, v in self.review.data.items() if v not in (None, "")}
        if review.get("decision_sla_days"):
            review["decision_sla_days"] = ascii_digits(review["decision_sla_days"])
        referral = {k: v for k, v in self.referral.data.items() if v not in (None, "")}
        channels, custom_channels = self._entries(self.channels, "custom_channels")
        tools, custom_tools = self._entries(self.tools, "custom_tools")
        self._holiday_values = self.holiday_values()
        return {
            "beneficiary_term": self.beneficiary_term.data or "",
            "contact": contact,
            "review": review,
            "referral": referral,
            "channels": channels,
            "custom_channels": custom_channels,
            "tools": tools,
            "custom_tools": custom_tools,
            "modules": list(self.modules.data or []),
            "holidays": self._holiday_values,
            "dropped_holidays": [code for code in holidays.platform_calendar().codes
                                 if code not in (self.observed_holidays.data or [])]
            + (self.dropped_dates.data or "").split(),
        }

    # --- showing the schema's verdict on the fields -------------------------------------------------

    def show_problems(self, problems) -> None:
        """Put each (key, message) from the tenant-file schema on the field it names."""
        for key, message in problems:
            text = translate(message)
            if not self._place(key, text):
                label = SECTION_LABELS.get(key.split(".")[0].split("[")[0])
                self.general_errors.append(
                    _("{field}: {problem}").format(field=label or key, problem=text) if key else text)

    def _add(self, field, text: str) -> bool:
        field.errors = [*(field.errors or []), text]
        return True

    def _place(self, key: str, text: str) -> bool:
        match = re.fullmatch(r"(custom_channels|custom_tools)\[(\d+)\](?:\.(\w+))?", key)
        if match:
            row = self._custom_rows.get(match[1], {}).get(int(match[2]))
            if row is not None:
                return self._add(getattr(row, match[3] or "code", row.code), text)
        match = re.fullmatch(r"holidays\[(\d+)\]", key)
        if match and int(match[1]) < len(self._holiday_values):
            value = self._holiday_values[int(match[1])]
            return self._add(self.holidays, _("{value}: {problem}").format(value=value, problem=text))
        base = re.split(r"[.\[]", key, maxsplit=1)[0]
        if base in ("channels", "custom_channels", "tools", "custom_tools"):
            section = "channels" if "channels" in base else "tools"
            self.section_errors.setdefault(section, []).append(text)
            return True
        if "." in key:
            outer, inner = key.split(".", 1)
            field = getattr(self, outer, None)
            if isinstance(field, FormField) and inner in field.form._fields:
                return self._add(field.form[inner], text)
        field = self._fields.get(base)
        if field is not None and not isinstance(field, FormField | FieldList):
            return self._add(field, text)
        if isinstance(field, FormField):
            self.section_errors.setdefault(base, []).append(text)
            return True
        return False
