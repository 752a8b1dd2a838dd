"""The platform catalogs tenants choose from, so the platform can report across tenants.

A tenant may add its own entries (custom_channels, custom_tools) in its tenant file.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    code: str
    label_ar: str
    label_en: str

    def label(self, locale: str) -> str:
        return self.label_ar if locale == "ar" else self.label_en


CHANNELS = {e.code: e for e in (
    Entry("interview", "المقابلة", "Interview"),
    Entry("office_interview", "المقابلة المكتبية", "Office interview"),
    Entry("field_visit", "الزيارة الميدانية", "Field visit"),
    Entry("phone", "الاتصالات الهاتفية", "Phone calls"),
    Entry("social_media", "وسائل التواصل الاجتماعي", "Social media"),
    Entry("letters", "الخطابات", "Letters"),
    Entry("help_request", "خدمات طلب المساعدة", "Help-request services"),
    Entry("volunteer_service", "خدمة التطوع", "Volunteer service"),
    Entry("website", "الموقع الإلكتروني للجمعية", "The association's website"),
    Entry("branch_office_rep", "مناديب المكاتب الفرعية", "Branch-office representatives"),
    Entry("info_office_rep", "مندوب المكاتب التعريفية", "Information-office representative"),
    Entry("supervisory_referral", "الحالات المرسلة من الجهات الإشرافية وذات العلاقة",
          "Cases referred by supervising and related bodies"),
    Entry("email", "البريد الإلكتروني", "E-mail"),
    Entry("online_portal", "البوابة الإلكترونية في وصل", "Online portal (Wasl)"),
)}

TOOLS = {e.code: e for e in (
    Entry("bylaws", "اللائحة الأساسية للجمعية", "The association's bylaws"),
    Entry("social_research_guide", "دليل خدمات البحث الاجتماعي", "Social research services guide"),
    Entry("support_policy_guide", "دليل سياسة الدعم للمستفيدين", "Beneficiary support policy guide"),
    Entry("support_request_form", "طلب دعم مستفيد", "Beneficiary support request form"),
)}

MODULES = {e.code: e for e in (
    Entry("program_registration", "البرامج التي تتطلب اشتراكاً أو تسجيلاً", "Programs that need registration"),
    Entry("program_interviews", "البرامج التي تتطلب مقابلة شخصية", "Programs that need a personal interview"),
    Entry("eligibility_verification", "آلية التأكد من استحقاق المستفيدين", "Eligibility verification"),
    Entry("service_controls", "ضوابط تقديم الخدمات للمستفيدين", "Service controls (file lifecycle)"),
    Entry("rights_duties", "حقوق المستفيدين وواجباتهم", "Beneficiaries' rights and duties"),
    Entry("grievances", "سياسة التظلم وتقديم الشكوى", "Grievances and complaints"),
    Entry("branch_offices", "المكاتب الفرعية", "Branch offices"),
)}

BENEFICIARY_TERMS = {
    "beneficiary": {"ar": "المستفيد", "ar_plural": "المستفيدين", "en": "beneficiary", "en_plural": "beneficiaries"},
    "user": {"ar": "المستخدم", "ar_plural": "المستخدمين", "en": "user", "en_plural": "users"},
}

REVIEW_BODIES = ("committee", "manager")

#: Who may open a beneficiary file (tenant setting `file_access`; core.confidentiality).
FILE_ACCESS = ("all_staff", "assigned")

#: Kinds of verification steps (core.eligibility.checklist).
VERIFICATION_STEP_KINDS = ("evidence", "field_visit", "witnesses", "needs_study")
