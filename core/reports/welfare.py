"""Dashboard figures beyond requests: complaints within 15 working days (module `grievances`), the
satisfaction trend (every association), and beneficiary files by status (module `service_controls`).

Counts and averages only. Each figure counts what happened in the period's months (Riyadh days), in the
period's calendar, like the request figures.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.beneficiaries.models import Beneficiary
from core.calendar import local_date
from core.extensions import db
from core.modules import enabled
from core.reports.figures import Figure, Series
from core.reports.periods import Period
from core.workflow.deadlines import today

#: Where the survey month (its first Gregorian day) falls in a Hijri period: the month holding its 15th day.
SURVEY_MONTH_MIDDLE = 14


@dataclass
class ComplaintCounts:
    received: int = 0
    decided: int = 0
    decided_within: int = 0
    overdue_now: int = 0

    @property
    def share_within(self) -> float | None:
        return round(100 * self.decided_within / self.decided, 1) if self.decided else None


# --- complaints ------------------------------------------------------------------------------------

def complaint_figures(tenant, period: Period) -> tuple[ComplaintCounts | None, list[Figure]]:
    """Complaints filed in the period by month: decided within the 15 working days or later, still open
    (past the deadline or not yet due), or ended without a decision. Nothing without the module."""
    if not enabled(tenant, "grievances"):
        return None, []
    from core.grievances.models import Complaint
    from core.grievances.states import OPEN_STATES

    rows = db.session.execute(
        sa.select(Complaint.submitted_at, Complaint.state, Complaint.decision_due, Complaint.decided_at)
        .where(Complaint.submitted_at >= period.start_utc, Complaint.submitted_at < period.end_utc)).all()
    counts = ComplaintCounts(received=len(rows))
    kinds = ("within", "late", "overdue", "pending", "undecided")
    by_month = {kind: Counter() for kind in kinds}
    now = today()
    for row in rows:
        month = period.month_of(local_date(row.submitted_at))
        if row.decided_at is not None:
            counts.decided += 1
            kind = "within" if local_date(row.decided_at) <= row.decision_due else "late"
            counts.decided_within += kind == "within"
        elif row.state in OPEN_STATES:
            kind = "overdue" if row.decision_due < now else "pending"
            counts.overdue_now += kind == "overdue"
        else:
            kind = "undecided"
        by_month[kind][month] += 1
    labels = {"within": _l("Decided within 15 working days"), "late": _l("Decided later"),
              "overdue": _l("Open, past the deadline"), "pending": _l("Open, not yet due"),
              "undecided": _l("Ended without a decision")}
    months = [m.key for m in period.months]
    figure = Figure(
        "complaints", str(_l("Complaints by month filed: decided within 15 working days")), "bar",
        [m.label(period.calendar) for m in period.months],
        [Series(str(labels[kind]), [by_month[kind][m] for m in months]) for kind in kinds],
        note=str(_l("The deadline is 15 working days from filing (Sunday to Thursday, without the association's "
                    "holidays). “Ended without a decision”: a late complaint whose excuse was refused, or one "
                    "referred to the investigation committee before a decision.")),
        stacked=True)
    return counts, [figure]


# --- satisfaction ----------------------------------------------------------------------------------

def satisfaction_figures(tenant, period: Period) -> list[Figure]:
    """Answers and the average score (1–5, every question) by month; an average only from MIN_GROUP answers
    in the month, so a small month cannot point at one person."""
    from core.surveys.models import SurveyAnswer, SurveyResponse
    from core.surveys.results import MIN_GROUP

    first = period.start.replace(day=1)
    per_response = (sa.select(SurveyResponse.month.label("month"), sa.func.sum(SurveyAnswer.score).label("total"),
                              sa.func.count(SurveyAnswer.id).label("answers"))
                    .join(SurveyAnswer, sa.and_(SurveyAnswer.tenant_id == SurveyResponse.tenant_id,
                                                SurveyAnswer.response_id == SurveyResponse.id))
                    .where(SurveyResponse.month >= first, SurveyResponse.month < period.end)
                    .group_by(SurveyResponse.id, SurveyResponse.month).subquery())
    rows = db.session.execute(sa.select(per_response.c.month, sa.func.count(), sa.func.sum(per_response.c.total),
                                        sa.func.sum(per_response.c.answers)).group_by(per_response.c.month)).all()
    responses, totals, answers = Counter(), Counter(), Counter()
    for month_start, count, total, answered in rows:
        day = month_start if period.calendar == "gregorian" else month_start + timedelta(days=SURVEY_MONTH_MIDDLE)
        key = period.month_of(day)
        if key is None:
            continue
        responses[key] += count
        totals[key] += int(total or 0)
        answers[key] += int(answered or 0)
    months = [m.key for m in period.months]
    averages = [round(totals[m] / answers[m], 2) if responses[m] >= MIN_GROUP and answers[m] else None
                for m in months]
    note = _l("Average of every question's score (1 = very dissatisfied, 5 = very satisfied). A month with fewer "
              "than {count} answers shows no average, so no answer can be traced to one person.")
    if period.calendar == "hijri":
        note = _l("Average of every question's score (1 = very dissatisfied, 5 = very satisfied). A month with "
                  "fewer than {count} answers shows no average, so no answer can be traced to one person. "
                  "Answers keep only their Gregorian month: each is counted in the Hijri month holding that "
                  "month's 15th day.")
    return [Figure("satisfaction", str(_l("Satisfaction by month")), "line", [m.label(period.calendar)
                                                                               for m in period.months],
                   [Series(str(_l("Average score")), averages),
                    Series(str(_l("Answers")), [responses[m] for m in months], chart=False)],
                   note=str(note).format(count=MIN_GROUP), scale_max=5)]


# --- beneficiary files -----------------------------------------------------------------------------

def file_figures(tenant, period: Period) -> list[Figure]:
    """Files by status today (active, frozen, excluded …), and files opened, frozen and excluded by month."""
    if not enabled(tenant, "service_controls"):
        return []
    from core.lifecycle.models import ExclusionDecision, FileFreeze
    from core.lifecycle.states import FileStatus

    by_status = dict(db.session.execute(sa.select(Beneficiary.status, sa.func.count())
                                        .group_by(Beneficiary.status)).all())
    statuses = [s for s in FileStatus if by_status.get(s)]
    opened = Counter(period.month_of(local_date(at)) for at in db.session.scalars(
        sa.select(Beneficiary.created_at).where(Beneficiary.created_at >= period.start_utc,
                                                Beneficiary.created_at < period.end_utc)))
    frozen = Counter(period.month_of(day) for day in db.session.scalars(
        sa.select(FileFreeze.starts_on).where(FileFreeze.starts_on >= period.start, FileFreeze.starts_on < period.end)))
    excluded = Counter(period.month_of(day) for day in db.session.scalars(
        sa.select(ExclusionDecision.decided_on).where(ExclusionDecision.decided_on >= period.start,
                                                      ExclusionDecision.decided_on < period.end)))
    months = [m.key for m in period.months]
    return [
        Figure("files_status", str(_l("Beneficiary files by status today")), "doughnut",
               [str(s.label) for s in statuses], [Series(str(_l("Files")), [by_status[s] for s in statuses])],
               note=str(_l("Every file as it stands today, whatever the period chosen."))),
        Figure("files_by_month", str(_l("Files opened, frozen and excluded by month")), "bar",
               [m.label(period.calendar) for m in period.months],
               [Series(str(_l("Opened")), [opened[m] for m in months]),
                Series(str(_l("Frozen")), [frozen[m] for m in months]),
                Series(str(_l("Excluded")), [excluded[m] for m in months])],
               note=str(_l("Frozen: freezes that started in the month; excluded: exclusion decisions dated in "
                           "the month."))),
    ]
