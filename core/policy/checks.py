"""Wording checks that advise and never rewrite.

The published policy is the board's text. Where its wording conflicts with the operational settings
(the seeds' «خلال مدة لا تقل عن أسبوعين», "not less than two weeks", while `decision_sla_days` is the
deadline Wasl counts), the admin and the operator are told, with a suggestion for the board's next
meeting; the text stays as approved. `wasl tenants check` prints them in English, the admin's policy
page shows them in the visitor's language.
"""
import re
from dataclasses import dataclass

from core.policy import clauses as clause_module
from core.policy import library as library_module
from core.validation import N_, Problem, translate

_MINIMUM = re.compile(r"لا\s+(?:تقل|يقل)\s+عن|not\s+less\s+than|at\s+least", re.I)
_PERIOD = re.compile(r"\{\{\s*decision\.(?:period|days)\s*\}\}")
_REVIEW = re.compile(r"\{\{\s*review\.(?:label|to)\s*\}\}")
_REFERRAL = re.compile(r"\{\{\s*referral(?:_to)?\s*\}\}")

MINIMUM_FOR_DEADLINE = "minimum_for_deadline"
OWN_PERIOD = "own_period"
OWN_REVIEW_BODY = "own_review_body"
OWN_REFERRAL = "own_referral"
MODULE_OFF = "module_off"
NO_ENGLISH = "no_english"


@dataclass(frozen=True)
class Advice:
    code: str
    clause_id: str
    problem: Problem

    def message(self) -> str:
        """In the visitor's language in a request, English elsewhere."""
        return translate(self.problem)

    def __str__(self) -> str:
        return f"{self.clause_id}: {self.problem}"


def _text(clause, lang: str) -> str:
    value = clause.wording[lang]
    if value is None:
        return ""
    return " ".join(value) if isinstance(value, list | tuple) else value


def wording_checks(snapshot: dict) -> list[Advice]:
    """Advice on a tenant's policy wording against its settings (a tenant file's data or settings)."""
    review = snapshot.get("review") or {}
    days = review.get("decision_sla_days", 14)
    out: list[Advice] = []
    sections = clause_module.resolve(snapshot)
    for section in sections:
        for clause in section.visible:
            # The Arabic is the board's text; the English only follows it.
            joined = _text(clause, "ar")
            if any(_PERIOD.search(_text(clause, lang)) and _MINIMUM.search(_text(clause, lang))
                   for lang in ("ar", "en")):
                out.append(Advice(MINIMUM_FOR_DEADLINE, clause.id, N_(
                    "the text says the decision comes within «not less than» (لا تقل عن) the period, but "
                    "decision_sla_days = {days} is the deadline Wasl counts, a maximum. The text stays as "
                    "written; suggest that the board amend it to «not exceeding» (لا تتجاوز) at its next "
                    "meeting.", days=days)))
            if clause.id == "procedure.explain_review":
                if not _PERIOD.search(joined):
                    out.append(Advice(OWN_PERIOD, clause.id, N_(
                        "the text states its own decision period instead of the setting (decision_sla_days = "
                        "{days}): make sure the two agree.", days=days)))
                label = review.get("label_ar", "")
                if not _REVIEW.search(joined) and label and label not in joined:
                    out.append(Advice(OWN_REVIEW_BODY, clause.id, N_(
                        "the text does not name who decides as the settings do ({label}).", label=label)))
            if clause.id == "procedure.refer":
                label = (snapshot.get("referral") or {}).get("label_ar", "")
                if not _REFERRAL.search(joined) and label and label not in joined:
                    out.append(Advice(OWN_REFERRAL, clause.id, N_(
                        "the text does not name the referral role as the settings do ({label}).", label=label)))
            if clause.source == "added" and clause.wording["en"] is None and not clause.omitted:
                out.append(Advice(NO_ENGLISH, clause.id, N_(
                    "this clause has no English wording: the English policy shows the Arabic.")))
    out.extend(_module_off(snapshot))
    return out


def _module_off(snapshot: dict) -> list[Advice]:
    library = library_module.load()
    modules = set(snapshot.get("modules", []))
    out = []
    for clause_id in (snapshot.get("clauses") or {}):
        clause = library.clause(clause_id)
        section = library.section(clause_id.split(".", 1)[0])
        if clause is None or section is None:
            continue
        needed = set(clause.modules) or set(section.modules)
        if needed and not (needed & modules):
            out.append(Advice(MODULE_OFF, clause_id, N_(
                "the change to this clause has no effect while its module is off ({modules}).",
                modules=", ".join(sorted(needed)))))
    return out
