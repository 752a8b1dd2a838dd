"""Services a request can ask for, with the required-documents checklist of each.

Tenant data when the tenant file gives `settings["services"]` (a list of {code, label_ar, label_en,
documents: [{code, label_ar, label_en}]}); otherwise these defaults, drawn from the 004 policy's
core duties and its document-based eligibility checks.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from core.catalog import Entry
from core.i18n import locale_code

ID_COPY = Entry("id_copy", "صورة الهوية الوطنية أو الإقامة", "Copy of the national ID or iqama")
FAMILY_RECORD = Entry("family_record", "صورة سجل الأسرة", "Copy of the family record")
INCOME = Entry("income_certificate", "تعريف بالدخل (راتب - تقاعد - تأمينات)",
               "Income certificate (salary, pension, social insurance)")
SOCIAL_SECURITY = Entry("social_security", "مشهد الضمان الاجتماعي", "Social security certificate")
IBAN = Entry("iban_certificate", "شهادة الآيبان البنكي", "Bank IBAN certificate")
LEASE = Entry("lease", "عقد الإيجار أو صك السكن", "Lease contract or housing deed")


@dataclass(frozen=True)
class Service:
    entry: Entry
    documents: tuple[Entry, ...] = field(default_factory=tuple)

    @property
    def code(self) -> str:
        return self.entry.code

    def label(self, locale: str) -> str:
        return self.entry.label(locale)


DEFAULT_SERVICES = (
    Service(Entry("financial_aid", "مساعدة مالية", "Financial aid"), (ID_COPY, FAMILY_RECORD, INCOME, IBAN)),
    Service(Entry("in_kind_aid", "مساعدة عينية", "In-kind aid"), (ID_COPY, FAMILY_RECORD, INCOME)),
    Service(Entry("housing_support", "دعم السكن", "Housing support"), (ID_COPY, FAMILY_RECORD, INCOME, LEASE)),
    Service(Entry("program_registration", "التسجيل في برامج الجمعية وأنشطتها",
                  "Registration in the association's programs"), (ID_COPY,)),
    Service(Entry("emergency_relief", "مساعدة في الكوارث والأزمات", "Emergency relief"), (ID_COPY,)),
    Service(Entry("social_security_follow_up", "متابعة الضمان الاجتماعي", "Social security follow-up"),
            (ID_COPY, SOCIAL_SECURITY)),
)


def services(tenant, offered_only: bool = False) -> list[Service]:
    """The association's services; with offered_only, without the ones its admin deactivated."""
    custom = (tenant.settings or {}).get("services")
    if custom:
        return [Service(Entry(s["code"], s["label_ar"], s["label_en"]),
                        tuple(Entry(d["code"], d["label_ar"], d["label_en"]) for d in s.get("documents", [])))
                for s in custom if not (offered_only and s.get("active") is False)]
    return list(DEFAULT_SERVICES)


def service(tenant, code: str) -> Service | None:
    return next((s for s in services(tenant) if s.code == code), None)


def service_labels(tenant) -> dict[str, str]:
    locale = locale_code()
    return {s.code: s.label(locale) for s in services(tenant)}


#: What "served" can record (financial aid with amount, in-kind with items, a program seat, a referral out).
SERVICE_KINDS = ("financial", "in_kind", "program_seat", "external_referral")
SERVICE_KIND_LABELS = {
    "financial": _l("Financial aid"),
    "in_kind": _l("In-kind aid"),
    "program_seat": _l("A seat in a program"),
    "external_referral": _l("Referral to another body"),
}

#: The declaration of accuracy; a new wording gets a new version, and each request keeps the text signed.
DECLARATION_VERSION = "2026-1"
DECLARATION_TEXT = {
    "ar": "أقر أنا مقدم الطلب بأن جميع البيانات والمعلومات والوثائق المقدمة مني صحيحة، "
          "وأنني مسؤول مسؤولية مباشرة عن صحتها، وأتعهد بإبلاغ الجمعية بأي تغيير يطرأ عليها.",
    "en": "I, the applicant, declare that all the data, information and documents I have given are accurate, "
          "that I am directly responsible for their accuracy, and that I will tell the association of any change.",
}
