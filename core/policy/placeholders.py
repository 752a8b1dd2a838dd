"""The placeholders a clause's wording may use, filled from a tenant's settings and validated.

Clause wording (the shared library's and a tenant's own) is plain text with placeholders such as
`{{ term.one }}`; `fill` replaces each with its escaped value and nothing else is ever evaluated, so
wording an admin types cannot run code. `wording_problems` refuses a placeholder that does not exist
in that language, and anything else that looks like template syntax. The structure template renders
in a sandbox with StrictUndefined and sees only these validated values. Every value is plain data:
a label that contains `{{ … }}` or `<script>` is printed as written, never run.
"""
import re

from markupsafe import Markup, escape
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.catalog import BENEFICIARY_TERMS, CHANNELS, MODULES, REVIEW_BODIES, TOOLS, Entry
from core.text import LICENSE_NUMBER_MAX, TITLE_MAX, forbidden_character, is_blank
from core.validation import N_

LOCALES = ("ar", "en")

#: Name → what it holds; the template's vocabulary, documented for template authors.
PLACEHOLDERS = {
    "association": "the association's name",
    "title": "the policy's title",
    "license_number": "the licence number, or none",
    "term": "the word for the beneficiary: one, many (and in Arabic for_one, for_many, bare_one, bare_many,"
            " construct_many; in English One, Many)",
    "channels": "the channels' labels, in the tenant's order",
    "tools": "the staff tools' labels, in the tenant's order (may be empty)",
    "referral": "who a person is referred to when the procedures are unclear",
    "referral_to": "the same, as the object of 'refer him to' (Arabic: with ل, e.g. لمسؤول البحث الاجتماعي)",
    "review": "kind ('committee' or 'manager'), label and to (the label after 'submitted to') of who decides",
    "decision": "days (the maximum) and period (those days in words, e.g. two weeks)",
    "modules": "codes of the enabled optional modules",
}

_TEXT = validate.Length(min=1, max=TITLE_MAX)


def _no_control_characters(value: str) -> None:
    if forbidden_character(value) is not None or is_blank(value):
        raise ValidationError("control characters and blank text are not allowed")


class _Text(fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=[_TEXT, _no_control_characters], **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class TermSchema(_Strict):
    one = _Text(required=True)
    many = _Text(required=True)
    for_one = _Text()
    for_many = _Text()
    bare_one = _Text()
    bare_many = _Text()
    construct_many = _Text()
    One = _Text()
    Many = _Text()


class ReviewSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(REVIEW_BODIES))
    label = _Text(required=True)
    to = _Text(required=True)


class DecisionSchema(_Strict):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    period = _Text(required=True)


class PolicyContextSchema(_Strict):
    """The placeholders, validated before the template sees them."""

    association = _Text(required=True)
    title = _Text(required=True)
    license_number = fields.String(load_default=None, validate=validate.Length(max=LICENSE_NUMBER_MAX))
    term = fields.Nested(TermSchema, required=True)
    channels = fields.List(_Text(), required=True, validate=validate.Length(min=1))
    tools = fields.List(_Text(), required=True)
    referral = _Text(required=True)
    referral_to = _Text(required=True)
    review = fields.Nested(ReviewSchema, required=True)
    decision = fields.Nested(DecisionSchema, required=True)
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)), required=True)


def term_forms(code: str, locale: str) -> dict:
    """The beneficiary word in the forms the template needs (Arabic: with the article and with ل)."""
    term = BENEFICIARY_TERMS[code]
    if locale == "ar":
        one, many = term["ar"], term["ar_plural"]
        bare_one, bare_many = one.removeprefix("ال"), many.removeprefix("ال")
        return {"one": one, "many": many, "for_one": "لل" + bare_one, "for_many": "لل" + bare_many,
                "bare_one": bare_one, "bare_many": bare_many,
                # «مستفيدي الجمعية»: the plural as the first term of a construct loses its ن.
                "construct_many": bare_many.removesuffix("ن")}
    one, many = term["en"], term["en_plural"]
    return {"one": one, "many": many, "One": one.capitalize(), "Many": many.capitalize()}


_AR_WEEKS = {1: "أسبوعاً واحداً", 2: "أسبوعين", 3: "ثلاثة أسابيع", 4: "أربعة أسابيع", 5: "خمسة أسابيع",
             6: "ستة أسابيع", 7: "سبعة أسابيع", 8: "ثمانية أسابيع", 9: "تسعة أسابيع", 10: "عشرة أسابيع"}
_EN_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
               9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}


def decision_period(days: int, locale: str) -> str:
    """The decision deadline in words, as the object of «لا تقل عن» / «لا تتجاوز» ("not less than",
    "not exceeding"): whole weeks as weeks, anything else in days."""
    weeks, rest = divmod(days, 7)
    if locale == "ar":
        if not rest and weeks in _AR_WEEKS:
            return _AR_WEEKS[weeks]
        if days == 1:
            return "يوماً واحداً"
        if days == 2:
            return "يومين"
        return f"{days} أيام" if days <= 10 else f"{days} يوماً"
    if not rest and weeks in _EN_NUMBERS:
        return f"{_EN_NUMBERS[weeks]} week" if weeks == 1 else f"{_EN_NUMBERS[weeks]} weeks"
    return "1 day" if days == 1 else f"{days} days"


def default_titles(snapshot: dict) -> tuple[str, str]:
    """The policy's Arabic and English titles: the tenant's own, or the shared one in its word."""
    term = snapshot.get("beneficiary_term", "beneficiary")
    title_ar = snapshot.get("policy_title_ar") or f"سياسة تنظيم العلاقة مع {BENEFICIARY_TERMS[term]['ar_plural']}"
    title_en = snapshot.get("policy_title_en") or f"{BENEFICIARY_TERMS[term]['en'].capitalize()} Relations Policy"
    return title_ar, title_en


def _labels(snapshot: dict, key: str, custom_key: str, catalog: dict, locale: str) -> list[str]:
    custom = {c["code"]: Entry(c["code"], c["label_ar"], c["label_en"]) for c in snapshot.get(custom_key, [])}
    entries = [catalog.get(code) or custom.get(code) for code in snapshot.get(key, [])]
    return [entry.label(locale) for entry in entries if entry is not None]


def _in_sentence(label: str, locale: str) -> str:
    """An English role label as it reads mid-sentence ("Research committee" → "research committee");
    acronyms and names with capitals after the first letter are left alone."""
    if locale == "en" and len(label) > 1 and label[0].isupper() and label[1].islower():
        first, _, rest = label.partition(" ")
        if first[1:].islower():
            return first.lower() + (" " + rest if rest else "")
    return label


def _to(label: str, locale: str) -> str:
    """A role as the object of "refer to" / "submitted to": Arabic joins ل to the word (ل + ال → لل)."""
    if locale == "ar":
        return "لل" + label[2:] if label.startswith("ال") else "ل" + label
    return f"to the {label}"


def context(snapshot: dict, locale: str) -> dict:
    """The validated placeholders for one language of a tenant's policy (raises ValidationError)."""
    if locale not in LOCALES:
        raise ValueError(f"no policy template for locale {locale!r}")
    review = snapshot["review"]
    referral = snapshot["referral"]
    days = int(review.get("decision_sla_days", 14))
    title_ar, title_en = default_titles(snapshot)
    referral_label = _in_sentence(" ".join(referral[f"label_{locale}"].split()), locale)
    review_label = _in_sentence(" ".join(review[f"label_{locale}"].split()), locale)
    raw = {
        "association": snapshot["name_ar"] if locale == "ar" else snapshot["name_en"],
        "title": title_ar if locale == "ar" else title_en,
        "license_number": snapshot.get("license_number"),
        "term": term_forms(snapshot.get("beneficiary_term", "beneficiary"), locale),
        "channels": _labels(snapshot, "channels", "custom_channels", CHANNELS, locale),
        "tools": _labels(snapshot, "tools", "custom_tools", TOOLS, locale),
        "referral": referral_label,
        "referral_to": _to(referral_label, locale),
        "review": {"kind": review["body"], "label": review_label, "to": _to(review_label, locale)},
        "decision": {"days": days, "period": decision_period(days, locale)},
        "modules": [m for m in MODULES if m in snapshot.get("modules", [])],
    }
    return PolicyContextSchema().load(_tidy(raw))


def _tidy(value):
    """Labels typed with line breaks or tabs read as one line in a sentence."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


# --- Clause wording: placeholders filled, nothing evaluated ---------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+(?:\.[A-Za-z_]+)?)\s*\}\}")
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")

_TERM_FORMS = {"ar": ("one", "many", "for_one", "for_many", "bare_one", "bare_many", "construct_many"),
               "en": ("one", "many", "One", "Many")}

#: The placeholders clause wording may use, per language.
WORDING_PLACEHOLDERS = {
    locale: frozenset({"association", "title", "referral", "referral_to", "review.label", "review.to",
                       "decision.days", "decision.period", *(f"term.{form}" for form in forms)})
    for locale, forms in _TERM_FORMS.items()
}


def wording_problems(text: str, locale: str) -> list[str]:
    """What is wrong with a clause's wording in one language: unknown placeholders, template syntax."""
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in WORDING_PLACEHOLDERS[locale]]
    out = [N_("unknown placeholder {placeholder}", placeholder="{{ " + name + " }}")
           for name in dict.fromkeys(unknown)]
    if _TEMPLATE_SYNTAX.search(_PLACEHOLDER.sub("", text)):
        out.append(N_("braces are only for placeholders such as {example}", example="{{ term.one }}"))
    if forbidden_character(text, multiline=True) is not None:
        out.append(N_("control characters are not allowed"))
    return out


def _lookup(values: dict, name: str):
    value = values
    for part in name.split("."):
        value = value[part]
    return value


def fill(text: str, values: dict) -> Markup:
    """The wording with its placeholders replaced by their values, all of it escaped."""
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(escape(_lookup(values, match.group(1))))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def with_term(values: dict, code: str | None, locale: str) -> dict:
    """The placeholders with another word for the beneficiary (a clause that uses its own word)."""
    if not code:
        return values
    return {**values, "term": term_forms(code, locale)}
