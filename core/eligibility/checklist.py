"""The tenant's verification checklist: its own (`verification_steps` in the tenant file) or 004's nine steps."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

#: evidence: an attachment or a note; the other kinds have their own record.
STEP_KINDS = {
    "evidence": _l("Evidence (attachment or note)"),
    "field_visit": _l("Field visit report"),
    "witnesses": _l("Two witnesses"),
    "needs_study": _l("Needs study"),
}


@dataclass(frozen=True)
class Step:
    code: str
    label_ar: str
    label_en: str
    kind: str = "evidence"
    #: Beneficiary categories for which the step may not be marked "not applicable".
    required_for: tuple = field(default_factory=tuple)

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en


DEFAULT_STEPS = (
    Step("authorities_inquiry", "مخاطبة الجهات ذات العلاقة (الأحوال المدنية، الجوازات، أبشر) حسب الحاجة",
         "Inquiry to the authorities (civil affairs, passports, Absher) as needed"),
    Step("field_visit", "الزيارة الميدانية لسكن المتقدم والاطلاع على حالة السكن والأثاث",
         "Field visit to the applicant's home: housing condition and furniture", "field_visit"),
    Step("witnesses", "شاهدان ممن لهم معرفة بحالة المتقدمة (المهجورة) ووضعها الاجتماعي والمادي",
         "Two witnesses who know the (abandoned) applicant's social and financial situation", "witnesses",
         ("abandoned",)),
    Step("income_certificate", "تعريف بدخل المتقدم (راتب، تقاعد، تأمينات)",
         "Income certificate (salary, pension, social insurance)"),
    Step("school_certificates", "تعريف المدارس للتابعين", "School certificates for the dependants"),
    Step("social_security_certificate", "مشهد الضمان الاجتماعي", "Social-security certificate"),
    Step("medical_reports", "التقارير الطبية والإثباتات الرسمية والعقود الإلكترونية",
         "Medical reports, official proofs and electronic contracts"),
    Step("aid_form", "تعبئة استمارة طلب إعانة وفق الوثائق والزيارة الميدانية ورفعها للمعنيين",
         "The aid request form, filled from the documents and the visit, sent on"),
    Step("needs_study", "دراسة احتياج المستفيد وفق النماذج المعتمدة", "Study of the beneficiary's needs",
         "needs_study"),
)


def steps(tenant) -> list[Step]:
    custom = (tenant.settings or {}).get("verification_steps")
    if custom:
        return [Step(s["code"], s["label_ar"], s["label_en"], s.get("kind") or "evidence",
                     tuple(s.get("required_for") or ())) for s in custom]
    return list(DEFAULT_STEPS)


def as_settings(items) -> list[dict]:
    """The checklist as a tenant file writes it (for the admin's editor and `tenants export`)."""
    out = []
    for s in items:
        entry = {"code": s.code, "label_ar": s.label_ar, "label_en": s.label_en, "kind": s.kind}
        if s.required_for:
            entry["required_for"] = list(s.required_for)
        out.append(entry)
    return out
