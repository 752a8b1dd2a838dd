"""The fields an import fills, the column names that usually hold them, and the words a sheet may use for codes.

Spreadsheets say "ذكر" or "Male" where the file stores `male`: each choice accepts its code, its
English label and its Arabic label.
"""
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.arabic import normalise
from core.beneficiaries import vocabulary
from core.imports.models import ImportKind


@dataclass(frozen=True)
class Target:
    field: str
    label: object
    required: bool = False
    #: Column names that mean this field (compared after Arabic normalisation).
    aliases: tuple[str, ...] = ()


BENEFICIARY_TARGETS = (
    Target("name", _l("Name"), True, ("الاسم", "اسم المستفيد", "الاسم الكامل", "الاسم الرباعي", "name", "full name")),
    Target("national_id", _l("ID number"), True, (
        "رقم الهوية", "الهوية", "السجل المدني", "رقم السجل المدني", "رقم الإقامة", "رقم الهوية/الإقامة",
        "national id", "id number", "id")),
    Target("gender", _l("Gender"), True, ("الجنس", "gender", "sex")),
    Target("nationality", _l("Nationality"), False, ("الجنسية", "nationality")),
    Target("birth_date", _l("Birth date"), False, ("تاريخ الميلاد", "الميلاد", "birth date", "date of birth", "dob")),
    Target("birth_calendar", _l("Calendar of the birth date"), False, ("التقويم", "نوع التاريخ", "calendar")),
    Target("mobile", _l("Mobile"), False, ("الجوال", "رقم الجوال", "الهاتف", "mobile", "phone")),
    Target("email", _l("E-mail"), False, ("البريد الإلكتروني", "البريد", "email", "e-mail")),
    Target("city", _l("City"), False, ("المدينة", "city")),
    Target("district", _l("District"), False, ("الحي", "district")),
    Target("address", _l("Address"), False, ("العنوان", "address")),
    Target("marital_status", _l("Marital status"), False, ("الحالة الاجتماعية", "marital status")),
    Target("categories", _l("Categories"), False, ("الفئة", "الفئات", "فئة المستفيد", "category", "categories")),
    Target("language", _l("Language of messages"), False, ("اللغة", "language")),
)

HOUSEHOLD_TARGETS = (
    Target("beneficiary_national_id", _l("ID number of the file's beneficiary"), True,
           ("هوية المستفيد", "رقم هوية المستفيد", "هوية رب الأسرة", "رقم هوية رب الأسرة", "beneficiary id")),
    Target("relation", _l("Relation"), True, ("صلة القرابة", "القرابة", "relation", "relationship")),
    Target("name", _l("Name"), True, ("الاسم", "اسم الفرد", "اسم التابع", "name")),
    Target("national_id", _l("ID number"), False, ("رقم الهوية", "هوية الفرد", "هوية التابع", "national id", "id")),
    Target("birth_date", _l("Birth date"), False, ("تاريخ الميلاد", "birth date", "date of birth")),
    Target("disability", _l("Disability"), False, ("الإعاقة", "disability")),
    Target("schooling", _l("Schooling"), False, ("الدراسة", "المرحلة الدراسية", "schooling", "education")),
)

TARGETS = {ImportKind.beneficiaries: BENEFICIARY_TARGETS, ImportKind.household: HOUSEHOLD_TARGETS}


def guess_mapping(kind: str, headers: list[str]) -> dict[str, int]:
    """{field: column index} for the columns whose names mean a field; the person checks and corrects it."""
    names = [normalise(h) for h in headers]
    mapping = {}
    for target in TARGETS[kind]:
        wanted = {normalise(a) for a in target.aliases} | {normalise(str(target.label))}
        for index, name in enumerate(names):
            if name in wanted and index not in mapping.values():
                mapping[target.field] = index
                break
    return mapping


def choice_map(options: dict) -> dict[str, str]:
    """{normalised code, English label or Arabic label: code}."""
    out = {}
    for code, label in options.items():
        out[normalise(code)] = code
        for locale in ("en", "ar"):
            with force_locale(locale):
                out[normalise(str(label))] = code
    return out


def category_map(tenant) -> dict[str, str]:
    out = {}
    for entry in vocabulary.categories(tenant):
        for text in (entry.code, entry.label_ar, entry.label_en):
            out[normalise(text)] = entry.code
    return out


CALENDAR_WORDS = {"gregorian": "gregorian", "ميلادي": "gregorian", "م": "gregorian",
                  "hijri": "hijri", "هجري": "hijri", "هـ": "hijri", "ه": "hijri"}
