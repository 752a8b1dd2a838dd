"""The values a beneficiary file's choice fields take, in the UI language.

Categories are tenant data (`settings["categories"]`, a list of {code, label_ar, label_en}); without
them a tenant gets the categories of the 004 policy's beneficiary definition.
"""
from functools import lru_cache

from babel import Locale
from flask_babel import lazy_gettext as _l

from core.catalog import Entry
from core.i18n import locale_code

DEFAULT_CATEGORIES = (
    Entry("low_income_family", "الأسر ذات الدخل المحدود", "Low-income family"),
    Entry("widow", "الأرامل", "Widow"),
    Entry("orphan", "الأيتام", "Orphan"),
    Entry("elderly", "كبار السن", "Elderly"),
    Entry("disability", "ذوو الإعاقة", "Person with a disability"),
    Entry("prisoner_family", "أسر السجناء", "Prisoner's family"),
    Entry("divorced", "المطلقات", "Divorced"),
    Entry("abandoned", "المهجورات", "Abandoned"),
)

GENDERS = {"male": _l("Male"), "female": _l("Female")}

MARITAL_STATUSES = {
    "single": _l("Single"), "married": _l("Married"), "divorced": _l("Divorced"),
    "widowed": _l("Widowed"), "abandoned": _l("Abandoned (مهجورة)"),
}

RELATIONS = {
    "spouse": _l("Spouse"), "son": _l("Son"), "daughter": _l("Daughter"), "father": _l("Father"),
    "mother": _l("Mother"), "brother": _l("Brother"), "sister": _l("Sister"), "other": _l("Other relative"),
}

INCOME_KINDS = {
    "salary": _l("Salary"), "pension": _l("Retirement pension"), "social_insurance": _l("Social insurance (GOSI)"),
    "social_security": _l("Social security"), "citizen_account": _l("Citizen account"),
    "alimony": _l("Alimony"), "other": _l("Other income"),
}

LANGUAGES = {"ar": _l("Arabic"), "en": _l("English")}

#: Nationalities offered first; every other ISO country is accepted too.
COMMON_NATIONALITIES = ("SA", "YE", "EG", "SY", "SD", "PK", "IN", "BD", "JO", "PS")


def categories(tenant, offered_only: bool = False) -> list[Entry]:
    """The association's categories; with offered_only, without the ones its admin deactivated."""
    custom = (tenant.settings or {}).get("categories")
    if custom:
        return [Entry(c["code"], c["label_ar"], c["label_en"]) for c in custom
                if not (offered_only and c.get("active") is False)]
    return list(DEFAULT_CATEGORIES)


def category_labels(tenant) -> dict[str, str]:
    locale = locale_code()
    return {entry.code: entry.label(locale) for entry in categories(tenant)}


def countries() -> dict[str, str]:
    """ISO alpha-2 code → country name in the UI language, common ones first (do not change the dict)."""
    return _countries(locale_code())


@lru_cache(maxsize=8)
def _countries(locale: str) -> dict[str, str]:
    # Built once per language: every file form and every imported row checks the nationality against it.
    names = Locale.parse(locale).territories
    codes = [c for c in names if len(c) == 2 and c.isalpha() and c.isupper() and c not in ("ZZ", "EU", "UN", "EZ")]
    rest = sorted((c for c in codes if c not in COMMON_NATIONALITIES), key=lambda c: names[c])
    return {c: names[c] for c in (*COMMON_NATIONALITIES, *rest)}
