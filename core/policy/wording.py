"""A tenant's clauses as its admin reviews them: each clause's text filled in, "shared wording" or
"own wording", and the difference to the shared text word by word.

Changing a clause writes the tenant's `clauses` setting through `tenant_settings.update`, so the
tenant-file schema validates it, the change is audited and a new draft is made.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

from core.policy import clauses as clause_module
from core.policy import placeholders
from core.policy.clauses import TenantClause, TenantSection
from core.policy.library import TABLE_KINDS


@dataclass
class ClauseView:
    clause: TenantClause
    #: The text in each language as the policy says it (None: no wording in that language).
    text: dict
    #: The shared text, filled in the same way (None for a clause of the tenant's own).
    shared_text: dict | None
    #: Word diff of the shared text to the tenant's, per language with own wording.
    diff: dict

    @property
    def status(self) -> str:
        """"shared", "own", "added" or "omitted"."""
        if self.clause.omitted:
            return "omitted"
        return self.clause.source


def _plain(clause: TenantClause, wording, values: dict, locale: str) -> str | None:
    if wording is None:
        return None
    own_values = placeholders.with_term(values, clause.term, locale)
    parts = wording if clause.kind in TABLE_KINDS else [wording]
    if clause.is_literal(locale) and wording == (clause.shared or {}).get(locale):
        return " | ".join(parts)
    return " | ".join(" ".join(str(placeholders.fill(p, own_values)).split()) for p in parts)


def word_diff(old: str, new: str) -> Markup:
    """The new text with words removed from the old struck through and words added marked."""
    a, b = old.split(), new.split()
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(escape(" ".join(a[i1:i2])))
            continue
        if tag in ("replace", "delete"):
            out.append(Markup("<del>{}</del>").format(" ".join(a[i1:i2])))
        if tag in ("replace", "insert"):
            out.append(Markup("<ins>{}</ins>").format(" ".join(b[j1:j2])))
    return Markup(" ").join(out)


def views(snapshot: dict) -> list[tuple[TenantSection, list[ClauseView]]]:
    """Every section the tenant's modules show, each clause with its text and its difference."""
    values = {lang: placeholders.context(snapshot, lang) for lang in placeholders.LOCALES}
    out = []
    for section in clause_module.resolve(snapshot):
        rows = []
        for clause in section.clauses:
            text = {lang: _plain(clause, clause.wording[lang], values[lang], lang) for lang in ("ar", "en")}
            shared_text = None
            if clause.shared is not None:
                shared_text = {lang: _plain(clause, clause.shared[lang], values[lang], lang) for lang in ("ar", "en")}
            diff = {}
            for lang in clause.own_languages:
                if shared_text and text[lang] is not None and shared_text[lang] != text[lang]:
                    diff[lang] = word_diff(shared_text[lang], text[lang])
            if clause.term and shared_text:
                for lang in ("ar", "en"):
                    if lang not in diff and text[lang] != shared_text[lang]:
                        diff[lang] = word_diff(shared_text[lang], text[lang])
            rows.append(ClauseView(clause, text, shared_text, diff))
        out.append((section, rows))
    return out


def find(snapshot: dict, clause_id: str) -> tuple[TenantSection, TenantClause] | None:
    for section in clause_module.resolve(snapshot):
        for clause in section.clauses:
            if clause.id == clause_id:
                return section, clause
    return None


def with_override(settings: dict, clause_id: str, override: dict | None) -> dict:
    """The tenant's `clauses` setting with one clause's override replaced (None: back to shared)."""
    overrides = copy.deepcopy(settings.get("clauses") or {})
    if override:
        overrides[clause_id] = override
    else:
        overrides.pop(clause_id, None)
    return overrides
