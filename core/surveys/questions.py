"""The survey's questions: a fixed core every tenant asks, then the tenant's own (`survey_questions`)."""
from flask_babel import lazy_gettext as _l

from core.catalog import Entry

#: Scores run from 1 (very dissatisfied) to 5 (very satisfied).
SCORES = (1, 2, 3, 4, 5)
SCORE_LABELS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}

FIXED = (
    Entry("overall", "رضاك العام عن الخدمة", "Your overall satisfaction with the service"),
    Entry("respect", "حسن الاستقبال والتعامل والاحترام", "Courtesy and respect in how you were treated"),
    Entry("speed", "سرعة إنجاز طلبك", "How quickly your request was handled"),
    Entry("clarity", "وضوح المعلومات والإجراءات", "Clarity of the information and procedures"),
)


def questions(tenant, asked_only: bool = True) -> list[Entry]:
    """The fixed questions, then the tenant's own from its settings, in its order; a question the admin
    deactivated is no longer asked but keeps its label for earlier answers (`asked_only=False`)."""
    custom = [Entry(f"t_{q['code']}", q["label_ar"], q["label_en"])
              for q in (tenant.settings or {}).get("survey_questions", [])
              if not asked_only or q.get("active", True) is not False]
    return [*FIXED, *custom]


def labels(tenant, locale: str) -> dict[str, str]:
    return {q.code: q.label(locale) for q in questions(tenant, asked_only=False)}
