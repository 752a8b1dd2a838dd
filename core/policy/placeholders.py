"""The placeholders the shared policy template may use, filled from a tenant's settings and validated.

The template sees these values and nothing else (it renders in a sandbox with StrictUndefined, so a
misspelt placeholder is an error, not an empty gap). Every value is plain data that the template
escapes: a label that contains `{{ … }}` or `<script>` is printed as written, never run.
"""
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.catalog import BENEFICIARY_TERMS, CHANNELS, MODULES, REVIEW_BODIES, TOOLS, Entry
from core.text import LICENSE_NUMBER_MAX, TITLE_MAX, forbidden_character, is_blank

LOCALES = ("ar", "en")

#: Name → what it holds; the template's vocabulary, documented for template authors.
PLACEHOLDERS = {
    "association": "the association's name",
    "title": "the policy's title",
    "license_number": "the licence number, or none",
    "term": "the word for the beneficiary: one, many (and in Arabic for_one, for_many, bare_one, bare_many;"
            " in English One, Many)",
    "channels": "the channels' labels, in the tenant's order",
    "tools": "the staff tools' labels, in the tenant's order (may be empty)",
    "referral": "who a person is referred to when the procedures are unclear",
    "review": "kind ('committee' or 'manager') and label of who decides a request",
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
    One = _Text()
    Many = _Text()


class ReviewSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(REVIEW_BODIES))
    label = _Text(required=True)


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
                "bare_one": bare_one, "bare_many": bare_many}
    one, many = term["en"], term["en_plural"]
    return {"one": one, "many": many, "One": one.capitalize(), "Many": many.capitalize()}


_AR_WEEKS = {1: "أسبوعاً واحداً", 2: "أسبوعين", 3: "ثلاثة أسابيع", 4: "أربعة أسابيع", 5: "خمسة أسابيع",
             6: "ستة أسابيع", 7: "سبعة أسابيع", 8: "ثمانية أسابيع", 9: "تسعة أسابيع", 10: "عشرة أسابيع"}
_EN_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
               9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}


def decision_period(days: int, locale: str) -> str:
    """The decision deadline in words, as the object of «لا تتجاوز» / "not exceeding": whole weeks as
    weeks, anything else in days."""
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


def context(snapshot: dict, locale: str) -> dict:
    """The validated placeholders for one language of a tenant's policy (raises ValidationError)."""
    if locale not in LOCALES:
        raise ValueError(f"no policy template for locale {locale!r}")
    review = snapshot["review"]
    referral = snapshot["referral"]
    days = int(review.get("decision_sla_days", 14))
    title_ar, title_en = default_titles(snapshot)
    raw = {
        "association": snapshot["name_ar"] if locale == "ar" else snapshot["name_en"],
        "title": title_ar if locale == "ar" else title_en,
        "license_number": snapshot.get("license_number"),
        "term": term_forms(snapshot.get("beneficiary_term", "beneficiary"), locale),
        "channels": _labels(snapshot, "channels", "custom_channels", CHANNELS, locale),
        "tools": _labels(snapshot, "tools", "custom_tools", TOOLS, locale),
        "referral": _in_sentence(referral[f"label_{locale}"], locale),
        "review": {"kind": review["body"], "label": _in_sentence(review[f"label_{locale}"], locale)},
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
