"""What an association offers, edited by its admin: beneficiary categories, the services a request
can ask for (each with its required-documents checklist), and its own satisfaction-survey questions.

Stored in the tenant's settings (`categories`, `services`) exactly as a tenant file writes them, through
`core.tenant_settings.update`: validated by the tenant-file schema, audited with before and after. An
entry's code never changes once used (files and requests keep it); an entry is deactivated, never
deleted, so what was recorded with it keeps its label. Every change names the settings version the
form was read at: a form read before someone else's change is refused (409) and nothing is written.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from core import tenant_settings
from core.beneficiaries.vocabulary import DEFAULT_CATEGORIES
from core.digits import to_int
from core.tenant_files import CODE_RE, TenantFileError
from core.validation import translate
from core.workflow.services import DEFAULT_SERVICES

KINDS = ("categories", "services", "survey_questions")
#: Kinds that must keep one active entry (a survey always has its fixed questions).
NEVER_EMPTY = ("categories", "services")
#: Blank checklist rows offered on a service's form.
BLANK_DOCUMENTS = 3


class Stale(Exception):
    """The settings changed after the form was read."""


class Refused(Exception):
    """Field messages ({field: message}); nothing was written."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def entries(tenant, kind: str) -> list[dict]:
    """The association's entries as settings dicts (the defaults, written out, when it has none yet)."""
    found = (tenant.settings or {}).get(kind)
    if found or kind == "survey_questions":
        return [dict(e) for e in found or []]
    if kind == "categories":
        return [{"code": e.code, "label_ar": e.label_ar, "label_en": e.label_en} for e in DEFAULT_CATEGORIES]
    return [{"code": s.code, "label_ar": s.entry.label_ar, "label_en": s.entry.label_en,
             "documents": [{"code": d.code, "label_ar": d.label_ar, "label_en": d.label_en} for d in s.documents]}
            for s in DEFAULT_SERVICES]


def active(entry: dict) -> bool:
    return entry.get("active", True) is not False


def inactive_codes(tenant, kind: str) -> set[str]:
    return {e["code"] for e in (tenant.settings or {}).get(kind) or [] if not active(e)}


def find(tenant, kind: str, code: str) -> dict | None:
    return next((e for e in entries(tenant, kind) if e["code"] == code), None)


def documents_from(form) -> list[dict]:
    rows = []
    codes, ars, ens = form.getlist("doc_code"), form.getlist("doc_label_ar"), form.getlist("doc_label_en")
    for i, code in enumerate(codes):
        row = {"code": code.strip(), "label_ar": (ars[i] if i < len(ars) else "").strip(),
               "label_en": (ens[i] if i < len(ens) else "").strip()}
        if any(row.values()):
            rows.append(row)
    return rows


def save(tenant, kind: str, form, code: str | None = None) -> dict:
    """Create (code None) or change one entry from the form; returns it. Raises Refused or Stale."""
    _check_version(tenant, form)
    current = entries(tenant, kind)
    existing = next((e for e in current if e["code"] == code), None) if code else None
    entry = dict(existing or {})
    if existing is None:
        entry["code"] = form.get("code", "").strip()
    entry["label_ar"] = form.get("label_ar", "").strip()
    entry["label_en"] = form.get("label_en", "").strip()
    entry.pop("sample", None)  # the admin has looked at it: no longer sample data
    if kind == "services":
        entry["documents"] = documents_from(form)
    errors = _field_errors(entry, current, is_new=existing is None)
    if errors:
        raise Refused(errors)
    rows = [entry if e["code"] == code else e for e in current] if existing else [*current, entry]
    _update(tenant, kind, rows, position=[e["code"] for e in rows].index(entry["code"]))
    return entry


def set_active(tenant, kind: str, code: str, form, on: bool) -> None:
    _check_version(tenant, form)
    current = entries(tenant, kind)
    if not any(e["code"] == code for e in current):
        raise LookupError(code)
    rows = []
    for e in current:
        if e["code"] == code:
            e = {k: v for k, v in e.items() if k != "active"}
            if not on:
                e["active"] = False
        rows.append(e)
    if on is False and kind in NEVER_EMPTY and not any(active(e) for e in rows):
        raise Refused({"": str(_l("At least one entry must stay active."))})
    _update(tenant, kind, rows)


def _check_version(tenant, form) -> None:
    if to_int(form.get("version")) != tenant.version:
        raise Stale()


def _field_errors(entry: dict, current: list[dict], is_new: bool) -> dict:
    errors = {}
    bad_code = str(_l("Lower-case English letters, digits and underscores, starting with a letter."))
    if is_new:
        if not entry["code"]:
            errors["code"] = str(_l("Enter a code."))
        elif not CODE_RE.fullmatch(entry["code"]):
            errors["code"] = bad_code
        elif any(e["code"] == entry["code"] for e in current):
            errors["code"] = str(_l("This code is already used."))
    for field in ("label_ar", "label_en"):
        if len(entry[field]) < 2:
            errors[field] = str(_l("Enter at least 2 characters."))
    for i, doc in enumerate(entry.get("documents", [])):
        if not doc["code"] or not CODE_RE.fullmatch(doc["code"]):
            errors[f"doc_code-{i}"] = bad_code
        for field in ("label_ar", "label_en"):
            if len(doc[field]) < 2:
                errors[f"doc_{field}-{i}"] = str(_l("Enter at least 2 characters."))
    codes = [d["code"] for d in entry.get("documents", [])]
    for i, c in enumerate(codes):
        if c and codes.index(c) != i:
            errors[f"doc_code-{i}"] = str(_l("This code is already used."))
    return errors


def _update(tenant, kind: str, rows: list[dict], position: int | None = None) -> None:
    try:
        tenant_settings.update(tenant, {kind: rows})
    except TenantFileError as exc:
        raise Refused(_problems(exc.problems, kind, position)) from exc


_KEY = re.compile(r"^(?P<kind>\w+)\[(?P<pos>\d+)\]\.(?P<field>\w+)(?:\[(?P<doc>\d+)\]\.(?P<doc_field>\w+))?$")


def _problems(problems, kind: str, position: int | None) -> dict:
    """The schema's (key, message) pairs (`services[6].documents[0].code`) as field messages of this
    entry's form; anything else is a message for the whole form."""
    errors = {}
    for key, message in problems:
        match = _KEY.match(str(key))
        field = ""
        if match and match["kind"] == kind and (position is None or int(match["pos"]) == position):
            field = f"doc_{match['doc_field']}-{match['doc']}" if match["doc"] is not None else match["field"]
        errors.setdefault(field, translate(message))
    return errors
