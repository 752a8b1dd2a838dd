"""Tenant files (`tenants/<slug>.toml`): the operator's contract, validated by a marshmallow schema.

A bad file gets errors naming the file, the key and the problem, and nothing is written. Warnings
(say, a board approval whose weekday does not match its date) are reported but do not stop provisioning.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core.catalog import BENEFICIARY_TERMS, CHANNELS, MODULES, REVIEW_BODIES, TOOLS
from core.tenancy import RESERVED_SLUGS

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
HIJRI_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _slug(value: str) -> None:
    if not SLUG_RE.match(value):
        raise ValidationError("must be lower-case letters, digits and hyphens (1–63 characters)")
    if value in RESERVED_SLUGS:
        raise ValidationError(f"'{value}' is a platform path and cannot be a tenant slug")


def _hijri_date(value: str) -> None:
    from core.calendar import CalendarError, from_hijri

    match = HIJRI_RE.match(value)
    if not match:
        raise ValidationError("must be a Hijri date written YYYY-MM-DD, e.g. 1446-02-03")
    try:
        from_hijri(*map(int, match.groups()))
    except CalendarError as exc:
        raise ValidationError(f"is not a date of the Umm al-Qura calendar ({exc})") from exc


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ContactSchema(_Strict):
    phone = fields.String(load_default=None)
    email = fields.Email(load_default=None)
    address_ar = fields.String(load_default=None)
    address_en = fields.String(load_default=None)
    city_ar = fields.String(load_default=None)
    website = fields.String(load_default=None)
    social = fields.String(load_default=None)
    iban = fields.String(load_default=None)


class ReviewSchema(_Strict):
    body = fields.String(required=True, validate=validate.OneOf(REVIEW_BODIES))
    label_ar = fields.String(required=True, validate=validate.Length(min=2, max=120))
    label_en = fields.String(required=True, validate=validate.Length(min=2, max=120))
    decision_sla_days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))


class LabelSchema(_Strict):
    label_ar = fields.String(required=True, validate=validate.Length(min=2, max=120))
    label_en = fields.String(required=True, validate=validate.Length(min=2, max=120))


class CustomEntrySchema(LabelSchema):
    code = fields.String(required=True, validate=validate.Regexp(CODE_RE, error="must be a snake_case code"))


class BoardApprovalSchema(_Strict):
    """Kept exactly as the board's minutes give it; the calendar check only warns."""

    meeting = fields.String(load_default=None)
    session = fields.String(load_default=None)
    weekday = fields.String(load_default=None)
    hijri_date = fields.String(load_default=None, validate=_hijri_date)
    gregorian_date = fields.Date(load_default=None)
    policy_title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    #: The record's sentence as written in the document, shown on the policy page.
    text_ar = fields.String(load_default=None)

    @validates_schema
    def _some_date(self, data, **kwargs):
        if not data.get("hijri_date") and not data.get("gregorian_date"):
            raise ValidationError("a board approval needs a Hijri or a Gregorian date", "hijri_date")


class TenantFileSchema(_Strict):
    slug = fields.String(required=True, validate=_slug)
    name_ar = fields.String(required=True, validate=validate.Length(min=2, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=2, max=200))
    #: A sample tenant (not a real association); the UI says so.
    sample = fields.Boolean(load_default=False)
    beneficiary_term = fields.String(load_default="beneficiary", validate=validate.OneOf(BENEFICIARY_TERMS))
    policy_title_ar = fields.String(load_default=None)
    policy_title_en = fields.String(load_default=None)
    license_number = fields.String(load_default=None)
    license_date_hijri = fields.String(load_default=None, validate=_hijri_date)
    contact = fields.Nested(ContactSchema, load_default=dict)
    review = fields.Nested(ReviewSchema, required=True)
    referral = fields.Nested(LabelSchema, required=True)
    channels = fields.List(fields.String(), load_default=list)
    custom_channels = fields.List(fields.Nested(CustomEntrySchema), load_default=list)
    tools = fields.List(fields.String(), load_default=list)
    custom_tools = fields.List(fields.Nested(CustomEntrySchema), load_default=list)
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)), load_default=list)
    holidays = fields.List(fields.Date(), load_default=list)
    board_approvals = fields.List(fields.Nested(BoardApprovalSchema), load_default=list)

    @validates_schema
    def _catalog_codes(self, data, **kwargs):
        errors = {}
        for key, custom_key, catalog in (("channels", "custom_channels", CHANNELS),
                                         ("tools", "custom_tools", TOOLS)):
            custom = [c["code"] for c in data.get(custom_key, [])]
            clashes = sorted(set(custom) & set(catalog))
            if clashes:
                errors[custom_key] = [f"code '{c}' is already in the platform catalog; list it in "
                                      f"'{key}' instead" for c in clashes]
            unknown = [c for c in data.get(key, []) if c not in catalog and c not in custom]
            if unknown:
                errors[key] = [f"unknown code '{c}' (not in the platform catalog nor in {custom_key})"
                               for c in unknown]
            seen = data.get(key, [])
            if len(seen) != len(set(seen)):
                errors.setdefault(key, []).append("a code is listed twice")
        if not data.get("channels"):
            errors.setdefault("channels", []).append("at least one channel is required")
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
    """The file cannot be used. `messages` are lines of the form 'file: key: problem'."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


def flatten_errors(errors, prefix="") -> list[tuple[str, str]]:
    """Marshmallow's nested error dict as (dotted.key, message) pairs."""
    out = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = prefix if key == "_schema" else (f"{prefix}.{key}" if prefix else str(key))
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            out.extend(flatten_errors(value, name))
    elif isinstance(errors, list):
        for item in errors:
            out.extend(flatten_errors(item, prefix) if isinstance(item, dict | list) else [(prefix, str(item))])
    else:
        out.append((prefix, str(errors)))
    return out


def parse(text: str, source: str = "<upload>") -> TenantFile:
    """Parse and validate a tenant file's text, or raise TenantFileError naming key and problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TenantFileError([f"{source}: not valid TOML: {exc}"]) from exc
    try:
        data = TenantFileSchema().load(raw)
    except ValidationError as exc:
        raise TenantFileError([f"{source}: {key or '(file)'}: {msg}"
                               for key, msg in flatten_errors(exc.messages)]) from exc
    stem = Path(source).stem
    if source.endswith(".toml") and stem != data["slug"]:
        raise TenantFileError([f"{source}: slug: '{data['slug']}' must match the file name '{stem}.toml'"])
    tenant_file = TenantFile(path=source, data=data)
    tenant_file.warnings = [f"{source}: {w}" for w in warnings_for(data)]
    return tenant_file


def load(path: str | Path) -> TenantFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TenantFileError([f"{path}: cannot read: {exc}"]) from exc
    return parse(text, str(path))


def warnings_for(data: dict) -> list[str]:
    """Problems worth telling the operator that do not stop provisioning."""
    from core.approvals import approval_warnings

    messages = []
    for index, approval in enumerate(data.get("board_approvals", [])):
        for warning in approval_warnings(approval, expected_titles=policy_titles(data)):
            messages.append(f"board_approvals[{index}]: {warning}")
    return messages


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


def in_directory(directory: str | Path) -> list[Path]:
    return sorted(Path(directory).glob("*.toml"))

