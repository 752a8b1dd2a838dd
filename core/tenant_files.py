"""Tenant files (`tenants/<slug>.toml`): the operator's contract, validated by a marshmallow schema.

A bad file gets errors naming the file, the key and the problem, and nothing is written. Warnings
(say, a board approval whose weekday does not match its date) are reported but do not stop provisioning.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.catalog import (
    BENEFICIARY_TERMS,
    CHANNELS,
    FILE_ACCESS,
    MODULES,
    REVIEW_BODIES,
    TOOLS,
    VERIFICATION_STEP_KINDS,
)
from core.digits import DigitError, to_ascii
from core.tenancy import RESERVED_SLUGS
from core.text import LABEL_MAX, LICENSE_NUMBER_MAX, NAME_MAX, TITLE_MAX, forbidden_character, is_blank
from core.validation import N_

# Matched with fullmatch: `$` would also accept a trailing newline ("admin\n").
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,39}")
HIJRI_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
#: Tables nested deeper than this are not a tenant file (and would exhaust the parser's recursion).
MAX_NESTING = 20


def _slug(value: str) -> None:
    if not SLUG_RE.fullmatch(value):
        raise ValidationError(N_("must be lower-case letters, digits and hyphens (1–63 characters)"))
    if unicodedata.normalize("NFKC", value).strip().lower() in RESERVED_SLUGS:
        raise ValidationError(N_("'{value}' is a platform path and cannot be a tenant slug", value=value))


def _hijri_date(value: str) -> None:
    from core.calendar import CalendarError, from_hijri

    match = HIJRI_RE.fullmatch(value)
    if not match:
        raise ValidationError(N_("must be a Hijri date written YYYY-MM-DD, e.g. 1446-02-03"))
    try:
        from_hijri(*map(int, match.groups()))
    except CalendarError as exc:
        raise ValidationError(N_("is not a date of the Umm al-Qura calendar ({reason})", reason=exc)) from exc


# Marshmallow's own messages, word for word, marked for translation: the web forms show them on the
# field in the visitor's language, while files and the CLI keep the English text.
_FIELD_MESSAGES = {
    "required": N_("Missing data for required field."),
    "null": N_("Field may not be null."),
    "validator_failed": N_("Invalid value."),
}


def _translatable(field_class, **messages):
    return type(field_class.__name__, (field_class,),
                {"default_error_messages": {**_FIELD_MESSAGES, **messages}})


class _CheckedString(fields.String):
    """Text without control or bidi-override characters (line breaks only where `multiline`)."""

    def __init__(self, *args, multiline=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if forbidden_character(text, self.multiline) is not None:
            raise ValidationError(N_("must not contain control characters or bidi overrides"))
        return text


String = _translatable(_CheckedString, invalid=N_("Not a valid string."),
                       invalid_utf8=N_("Not a valid utf-8 string."))
class _DigitsInteger(fields.Integer):
    """An integer; typed (a form sends text) in ASCII or Arabic-Indic digits only (core.digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            try:
                value = to_ascii(value).strip()
            except DigitError:
                raise self.make_error("invalid") from None
            if not value.lstrip("-").isdigit() or len(value) > 9:
                raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


Integer = _translatable(_DigitsInteger, invalid=N_("Not a valid integer."), too_large=N_("Number too large."))
Boolean = _translatable(fields.Boolean, invalid=N_("Not a valid boolean."))
Date = _translatable(fields.Date, invalid=N_("Not a valid date."),
                     format=N_('"{input}" cannot be formatted as a date.'))
Email = _translatable(fields.Email, invalid=N_("Not a valid email address."))
List = _translatable(fields.List, invalid=N_("Not a valid list."))
Nested = _translatable(fields.Nested, type=N_("Invalid type."))


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error=N_("Must be one of: {choices}."))


def _range(low: int, high: int) -> validate.Range:
    return validate.Range(min=low, max=high, error=N_(
        "Must be greater than or equal to {min} and less than or equal to {max}."))


def _length(low: int, high: int) -> validate.Length:
    return validate.Length(min=low, max=high, error=N_("Length must be between {min} and {max}."))


def _visible(value: str) -> None:
    if is_blank(value):
        raise ValidationError(N_("must contain visible text, not only spaces"))


def _text(low: int, high: int) -> list:
    """A name, label or title: a length the policy template can print, and something to see."""
    return [_length(low, high), _visible]


def _at_most(high: int) -> validate.Length:
    return validate.Length(max=high, error=N_("Longer than {max} characters."))


class _Strict(Schema):
    error_messages = {"unknown": N_("Unknown field."), "type": N_("Invalid input type.")}

    class Meta:
        unknown = RAISE


class ContactSchema(_Strict):
    phone = String(load_default=None, validate=_at_most(40))
    email = Email(load_default=None, validate=_at_most(254))
    address_ar = String(load_default=None, validate=_at_most(300))
    address_en = String(load_default=None, validate=_at_most(300))
    city_ar = String(load_default=None, validate=_at_most(100))
    website = String(load_default=None, validate=_at_most(300))
    social = String(load_default=None, validate=_at_most(300))
    iban = String(load_default=None, validate=_at_most(40))


class ReviewSchema(_Strict):
    body = String(required=True, validate=_one_of(REVIEW_BODIES))
    label_ar = String(required=True, validate=_text(2, LABEL_MAX))
    label_en = String(required=True, validate=_text(2, LABEL_MAX))
    decision_sla_days = Integer(load_default=14, validate=_range(1, 90))


class LabelSchema(_Strict):
    label_ar = String(required=True, validate=_text(2, LABEL_MAX))
    label_en = String(required=True, validate=_text(2, LABEL_MAX))


class CustomEntrySchema(LabelSchema):
    code = String(required=True, validate=validate.Regexp(CODE_RE, error=N_("must be a snake_case code")))


class SurveyQuestionSchema(CustomEntrySchema):
    """One of the association's own survey questions (scored 1–5), after the fixed ones."""

    #: false: no longer asked (kept, so earlier answers keep their label in the results).
    active = Boolean()


class CategorySchema(CustomEntrySchema):
    """A beneficiary category of the association."""

    #: Sample data written for the demo, not the association's own list: the admin should review it.
    sample = Boolean()
    #: false: no longer offered (kept, so what was recorded with it keeps its label).
    active = Boolean()


class ServiceSchema(CategorySchema):
    """A service a support request can ask for, with its required-documents checklist."""

    documents = List(Nested(CustomEntrySchema), load_default=list)


class Wording(fields.Field):
    """A clause's wording: text, or for a table row the list of its two cells."""

    default_error_messages = {**_FIELD_MESSAGES, "invalid": N_("Must be text, or a list of the row's cells."),
                              "too_long": N_("At most {max} characters.")}
    MAX = 4000

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) for v in items):
            raise self.make_error("invalid")
        if any(len(v) > self.MAX for v in items):
            raise self.make_error("too_long", max=self.MAX)
        if any(forbidden_character(v, multiline=True) is not None for v in items):
            raise ValidationError(N_("must not contain control characters or bidi overrides"))
        return [v.strip() for v in value] if isinstance(value, list) else value.strip()


class ClauseOverrideSchema(_Strict):
    """A tenant's change to one clause of the shared policy (see core/policy/clauses.py)."""

    ar = Wording()
    en = Wording()
    term = String(validate=_one_of(BENEFICIARY_TERMS))
    omit = Boolean()
    after = String(validate=_length(3, 120))
    kind = String(validate=_one_of(("para", "item", "bullet", "subitem", "subheading", "row")))


class VerificationStepSchema(CustomEntrySchema):
    """A step of the eligibility_verification checklist (without any, 004's nine steps apply)."""

    label_ar = String(required=True, validate=_length(2, 300))
    label_en = String(required=True, validate=_length(2, 300))
    kind = String(load_default="evidence", validate=_one_of(VERIFICATION_STEP_KINDS))
    #: Category codes for which the step may not be marked "not applicable".
    required_for = List(String(), load_default=list)


class ServiceControlsSchema(_Strict):
    """The service_controls module's numbers; left out, 004's table applies (1 and 3 months, name not shown)."""

    late_documents_freeze_months = Integer(validate=_range(1, 12))
    unreported_change_freeze_months = Integer(validate=_range(1, 12))
    #: Whether other associations' "registered elsewhere" checks may name this association.
    disclose_name_to_other_associations = Boolean()


class BoardApprovalSchema(_Strict):
    """Kept exactly as the board's minutes give it; the calendar check only warns."""

    meeting = String(load_default=None, validate=_at_most(100))
    session = String(load_default=None, validate=_at_most(100))
    weekday = String(load_default=None, validate=_at_most(40))
    hijri_date = String(load_default=None, validate=_hijri_date)
    gregorian_date = Date(load_default=None)
    policy_title = String(required=True, validate=_text(3, TITLE_MAX))
    #: The record's sentence as written in the document, shown on the policy page.
    text_ar = String(load_default=None, multiline=True, validate=_at_most(4000))
    #: The fingerprint of the text the board approved (`wasl tenants check` prints a file's): the record
    #: approves this policy only if its text still has it. Without it, it approves the text the file gives.
    text_hash = String(validate=validate.Regexp(r"^[0-9a-f]{64}$",
                                                error=N_("must be a text fingerprint: 64 hex digits")))

    @validates_schema
    def _some_date(self, data, **kwargs):
        if not data.get("hijri_date") and not data.get("gregorian_date"):
            raise ValidationError(N_("a board approval needs a Hijri or a Gregorian date"), "hijri_date")


class TenantFileSchema(_Strict):
    slug = String(required=True, validate=_slug)
    name_ar = String(required=True, validate=_text(2, NAME_MAX))
    name_en = String(required=True, validate=_text(2, NAME_MAX))
    #: A sample tenant (not a real association); the UI says so.
    sample = Boolean(load_default=False)
    beneficiary_term = String(load_default="beneficiary", validate=_one_of(BENEFICIARY_TERMS))
    policy_title_ar = String(load_default=None, validate=_text(3, TITLE_MAX))
    policy_title_en = String(load_default=None, validate=_text(3, TITLE_MAX))
    license_number = String(load_default=None, validate=[_at_most(LICENSE_NUMBER_MAX), _visible])
    license_date_hijri = String(load_default=None, validate=_hijri_date)
    contact = Nested(ContactSchema, load_default=dict)
    review = Nested(ReviewSchema, required=True)
    referral = Nested(LabelSchema, required=True)
    channels = List(String(), load_default=list)
    custom_channels = List(Nested(CustomEntrySchema), load_default=list)
    tools = List(String(), load_default=list)
    custom_tools = List(Nested(CustomEntrySchema), load_default=list)
    modules = List(String(validate=_one_of(MODULES)), load_default=list)
    #: The association's own days off, on top of the platform's Saudi public holidays.
    holidays = List(Date(), load_default=list)
    #: Platform holidays the association does not take: a holiday's code (every year) or one ISO date.
    dropped_holidays = List(String(), load_default=list)
    #: Beneficiary categories and requestable services; without them Wasl uses the defaults from seed 004.
    categories = List(Nested(CategorySchema), load_default=list)
    services = List(Nested(ServiceSchema), load_default=list)
    #: The association's changes to the shared policy's clauses, by clause id.
    clauses = fields.Dict(keys=String(validate=_length(3, 120)), values=Nested(ClauseOverrideSchema),
                          load_default=dict)
    #: The association's own satisfaction-survey questions, asked after the platform's fixed ones.
    survey_questions = List(Nested(SurveyQuestionSchema), load_default=list)
    board_approvals = List(Nested(BoardApprovalSchema), load_default=list)
    #: PDPL: years a closed file is kept before its personal data is anonymised (core.pdpl.anonymise).
    retention_years = Integer(load_default=None, validate=_range(1, 50))
    #: Who may open a beneficiary file: every staff member, or only the people assigned to it.
    file_access = String(load_default="all_staff", validate=_one_of(FILE_ACCESS))
    verification_steps = List(Nested(VerificationStepSchema), load_default=list)
    service_controls = Nested(ServiceControlsSchema, load_default=dict)

    @validates_schema
    def _catalog_codes(self, data, **kwargs):
        errors = {}
        for key, custom_key, catalog in (("channels", "custom_channels", CHANNELS),
                                         ("tools", "custom_tools", TOOLS)):
            custom = [c["code"] for c in data.get(custom_key, [])]
            twice = sorted({c for c in custom if custom.count(c) > 1})
            if twice:
                errors[custom_key] = [N_("code '{code}' is defined twice", code=c) for c in twice]
            clashes = sorted(set(custom) & set(catalog))
            if clashes:
                errors.setdefault(custom_key, []).extend(
                    N_("code '{code}' is already in the platform catalog; list it in '{key}' instead",
                       code=c, key=key) for c in clashes)
            unknown = [c for c in data.get(key, []) if c not in catalog and c not in custom]
            if unknown:
                errors[key] = [N_("unknown code '{code}' (not in the platform catalog nor in {custom_key})",
                                  code=c, custom_key=custom_key) for c in unknown]
            seen = data.get(key, [])
            if len(seen) != len(set(seen)):
                errors.setdefault(key, []).append(N_("a code is listed twice"))
        for key in ("categories", "services", "survey_questions", "verification_steps"):
            codes = [c["code"] for c in data.get(key, [])]
            twice = sorted({c for c in codes if codes.count(c) > 1})
            if twice:
                errors[key] = [N_("code '{code}' is defined twice", code=c) for c in twice]
        if not data.get("channels"):
            errors.setdefault("channels", []).append(N_("at least one channel is required"))
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def _holidays_and_clauses(self, data, **kwargs):
        from core import holidays
        from core.policy import clauses

        errors: dict[str, list] = {}
        problems = holidays.dropped_problems(data.get("dropped_holidays", []))
        for index, message in problems:
            errors.setdefault(f"dropped_holidays[{index}]", []).append(message)
        for key, message in clauses.override_problems(data):
            errors.setdefault(key, []).append(message)
        if errors:
            raise ValidationError(errors)


@dataclass
class TenantFile:
    path: str
    data: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.data["slug"]


class TenantFileError(ValueError):
    """The file cannot be used. `messages` are lines of the form 'file: key: problem'.

    `problems` are the same as (key, message) pairs, for forms that show each message on its field
    (messages made with `N_` are translated there; the lines stay English).
    """

    def __init__(self, messages: list[str], problems: list[tuple[str, str]] | None = None):
        super().__init__("\n".join(messages))
        self.messages = messages
        self.problems = problems if problems is not None else [("", m) for m in messages]

    @classmethod
    def of(cls, source: str, problems: list[tuple[str, str]]) -> TenantFileError:
        return cls([f"{source}: {key or '(file)'}: {msg}" for key, msg in problems], problems)


def flatten_errors(errors, prefix="") -> list[tuple[str, str]]:
    """Marshmallow's nested error dict as (dotted.key, message) pairs (messages kept as given)."""
    out = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            out.extend(flatten_errors(value, name))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict | list):
                out.extend(flatten_errors(item, prefix))
            else:
                out.append((prefix, item if isinstance(item, str) else str(item)))
    else:
        out.append((prefix, errors if isinstance(errors, str) else str(errors)))
    return out


def validate(raw: dict, source: str = "<form>") -> TenantFile:
    """Validate a tenant file's content (as TOML gives it), or raise TenantFileError."""
    try:
        data = TenantFileSchema().load(raw)
    except ValidationError as exc:
        raise TenantFileError.of(source, flatten_errors(exc.messages)) from exc
    tenant_file = TenantFile(path=source, data=data)
    tenant_file.warnings = [f"{source}: {w}" for w in warnings_for(data)]
    return tenant_file


def parse(text: str, source: str = "<upload>") -> TenantFile:
    """Parse and validate a tenant file's text, or raise TenantFileError naming key and problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TenantFileError.of(source, [("", N_("not valid TOML: {error}", error=exc))]) from exc
    except RecursionError as exc:
        raise TenantFileError.of(source, [("", N_("tables or lists are nested too deeply"))]) from exc
    if _depth(raw) > MAX_NESTING:
        raise TenantFileError.of(source, [("", N_("tables or lists are nested too deeply"))])
    tenant_file = validate(raw, source)
    stem = Path(source).stem
    if source.endswith(".toml") and stem != tenant_file.slug:
        raise TenantFileError.of(source, [("slug", N_("'{slug}' must match the file name '{name}'",
                                                     slug=tenant_file.slug, name=f"{stem}.toml"))])
    return tenant_file


def _depth(value, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def load(path: str | Path) -> TenantFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TenantFileError([f"{path}: cannot read: {exc}"]) from exc
    return parse(text, str(path))


def warnings_for(data: dict) -> list[str]:
    """Problems worth telling the operator that do not stop provisioning: calendar and title checks of
    board approvals, approvals of another text, and wording that conflicts with the settings."""
    from core.approvals import TITLE_MISMATCH, approval_warnings
    from core.policy import checks

    messages = []
    text_hash = None
    for index, approval in enumerate(data.get("board_approvals", [])):
        for warning in approval_warnings(approval, expected_titles=policy_titles(data)):
            suffix = " — it names another policy, so it does not approve this one" \
                if warning.code == TITLE_MISMATCH else ""
            messages.append(f"board_approvals[{index}]: {warning}{suffix}")
        if approval.get("text_hash"):
            text_hash = text_hash or policy_text_hash(data)
            if approval["text_hash"] != text_hash:
                messages.append(f"board_approvals[{index}]: it approves the text {approval['text_hash'][:12]}…, "
                                f"but this file's policy is the text {text_hash[:12]}…: the board approved another "
                                "text, so the policy stays a draft until the board approves this one")
    messages.extend(f"clauses: {advice}" for advice in checks.wording_checks(data))
    for key, entries in unlisted_custom(data).items():
        for entry in entries:
            messages.append(f"custom_{key}: '{entry['code']}' is declared but not listed in '{key}', so staff, "
                            f"forms and the policy do not show it: add it to '{key}' to use it, or remove it")
    return messages


def unlisted_custom(data: dict) -> dict[str, list[dict]]:
    """Custom channels and tools a tenant file (or the saved settings) declares but does not list in
    `channels` / `tools`: they are kept but shown nowhere. {"channels": [...], "tools": [...]}, non-empty only."""
    found = {}
    for key in ("channels", "tools"):
        listed = set(data.get(key) or [])
        left = [entry for entry in data.get(f"custom_{key}") or [] if entry.get("code") not in listed]
        if left:
            found[key] = left
    return found


def policy_text_hash(data: dict) -> str:
    """The fingerprint of the policy text a tenant file gives (what a board approval binds to)."""
    from core.policy import rendering

    return rendering.render(data).fingerprint


def policy_titles(data: dict) -> set[str]:
    term = BENEFICIARY_TERMS[data.get("beneficiary_term", "beneficiary")]
    return {t for t in (data.get("policy_title_ar") or f"سياسة تنظيم العلاقة مع {term['ar_plural']}",
                        data.get("policy_title_en")) if t}


def to_toml_dict(data: dict) -> dict:
    """The settings as a tenant file again (dates as strings, empty values left out)."""
    def clean(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, [], {})}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(data)


def dumps(data: dict, header: str | None = None) -> str:
    """A tenant file's text for these settings: keys in the schema's order, tables as [table] and
    lists of tables as [[table]], so the file reads like the hand-written ones and parses back the same."""
    import tomli_w

    def plain(value):  # TOML has no null; an empty table stays, as `[contact]` with nothing in it
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, dict):  # a custom entry reads best code first
            keys = sorted(value, key=lambda k: k != "code")
            return {k: plain(value[k]) for k in keys if value[k] is not None}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    data = plain(data)
    order = list(TenantFileSchema().fields)
    keys = sorted(data, key=lambda k: order.index(k) if k in order else len(order))
    tables = [k for k in keys if isinstance(data[k], dict)]
    arrays = [k for k in keys if isinstance(data[k], list) and data[k] and all(isinstance(v, dict) for v in data[k])]
    chunks = [f"# {line}\n" for line in (header or "").splitlines()]
    chunks.append(tomli_w.dumps({k: data[k] for k in keys if k not in tables and k not in arrays}))
    for key in tables:
        chunks.append(_table(key, data[key]))
    for key in arrays:
        chunks.extend(_table(key, item, array=True) for item in data[key])
    return "".join(chunks)


def _is_tables(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(name: str, value: dict, array: bool = False) -> str:
    """One table under its full name ([clauses."procedure.sign"], [[services]] then
    [[services.documents]]), its sub-tables after its own keys, so the file parses back the same."""
    import tomli_w

    def key(k: str) -> str:
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else tomli_w.dumps({k: 0}).split(" =")[0]

    own = {k: v for k, v in value.items() if not isinstance(v, dict) and not _is_tables(v)}
    out = f"\n[[{name}]]\n" if array else f"\n[{name}]\n"
    out += tomli_w.dumps(own)
    for k, v in value.items():
        if isinstance(v, dict):
            out += _table(f"{name}.{key(k)}", v)
        elif _is_tables(v):
            out += "".join(_table(f"{name}.{key(k)}", item, array=True) for item in v)
    return out


def in_directory(directory: str | Path) -> list[Path]:
    return sorted(Path(directory).glob("*.toml"))

