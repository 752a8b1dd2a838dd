"""The rows of 004's service-controls table: why a file is excluded or frozen, and what each needs."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ExclusionReason:
    code: str
    label: object
    #: The table's control, in its words: what the decision must carry.
    needs: tuple = ()


EXCLUSION_REASONS = {r.code: r for r in (
    # «عدم تطابق شروط الجمعية … بعد تحديث بياناته»: excluded, a certificate, the file closed and handed over.
    ExclusionReason("no_longer_eligible", _l("No longer meets the association's conditions after a data update"),
                    ("certificate",)),
    # «طلب المستفيد الغاء ملفه»: on the approved form.
    ExclusionReason("own_request", _l("The beneficiary asked to cancel the file"), ("form_reference",)),
    # «التعدي على موظفي الجمعية أو أملاكها … أو تشويه سمعتها»: proof, and referral to the authorities.
    ExclusionReason("assault", _l("Assault on the association's staff, property or reputation, by word or deed"),
                    ("authority_referral",)),
    ExclusionReason("refused_cooperation", _l("Refused to cooperate with the social researcher")),
    ExclusionReason("remarriage", _l("Marriage of the widow or divorcee"), ("widow_or_divorcee",)),
    ExclusionReason("undisclosed_income", _l("Additional income found that the applicant did not declare")),
    # «إذا ثبت تسجيله في جمعية أخرى … باستثناء الأيتام».
    ExclusionReason("registered_elsewhere", _l("Registered at another charity (orphans excepted)"),
                    ("not_orphan",)),
    ExclusionReason("false_information", _l("False information, tampering or forgery")),
    # The two freeze rows: «وإذا لم يتجاوب يتم استبعاده».
    ExclusionReason("no_response_after_freeze", _l("No response after the file was frozen"), ("exclusion_due",)),
)}

FREEZE_REASONS = {
    # «تأخر المستفيد في تقديم الوثائق المطلوبة عند تحديث بياناته»: one month.
    "late_documents": (_l("Documents not given at the data update"), "late_documents_freeze_months", 1),
    # «عدم ابلاغ الجمعية بتغيير عنوان السكن او ارقام التواصل»: three months.
    "unreported_change": (_l("Change of address or contact numbers not reported"),
                          "unreported_change_freeze_months", 3),
}


def freeze_label(code: str):
    return FREEZE_REASONS[code][0]


def freeze_months(tenant, code: str) -> int:
    _label, key, default = FREEZE_REASONS[code]
    return int(((tenant.settings or {}).get("service_controls") or {}).get(key) or default)
