"""The dashboard's figures, each as labels and values: drawn as a chart, listed as a table, printed in the PDF.

Every figure counts the requests *received* in the period (Riyadh days), so one period gives one set of
requests and the figures add up. Only counts and averages: no names, no ID numbers.
"""
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core.calendar import local_date
from core.extensions import db
from core.i18n import locale_code
from core.reports.periods import Period
from core.settings import channels
from core.workflow.deadlines import today
from core.workflow.models import SupportRequest
from core.workflow.states import RequestState


@dataclass
class Series:
    label: str
    values: list
    #: False: listed in the table (and the PDF) but not drawn (e.g. the number of answers beside an average).
    chart: bool = True


@dataclass
class Figure:
    key: str
    title: str
    #: Chart.js type: bar, line, doughnut
    chart: str
    labels: list[str]
    series: list[Series]
    #: A line under the chart (what is counted, how).
    note: str = ""
    #: Values are percentages (0–100) rather than counts.
    percent: bool = False
    stacked: bool = False
    #: The value axis' top (5 for survey averages); None: from the data.
    scale_max: float | None = None


@dataclass
class Summary:
    received: int = 0
    decided: int = 0
    decided_within: int = 0
    average_days: float | None = None
    overdue_now: int = 0
    #: Complaint counts (core.reports.welfare.ComplaintCounts) where the grievances module is on.
    complaints: object = None
    figures: list[Figure] = field(default_factory=list)

    @property
    def share_within(self) -> float | None:
        return round(100 * self.decided_within / self.decided, 1) if self.decided else None


def _rows(period: Period):
    return db.session.execute(
        sa.select(SupportRequest.received_at, SupportRequest.state, SupportRequest.channel,
                  SupportRequest.sent_to_review_at, SupportRequest.decision_due, SupportRequest.decided_at)
        .where(SupportRequest.received_at >= period.start_utc, SupportRequest.received_at < period.end_utc)
    ).all()


def request_summary(tenant, period: Period) -> Summary:
    """Requests by state, channel and month; decisions within the deadline; average days to decide."""
    rows = _rows(period)
    summary = Summary(received=len(rows))
    by_state = Counter(r.state for r in rows)
    by_channel = Counter(r.channel for r in rows)
    by_month = Counter(period.month_of(local_date(r.received_at)) for r in rows)
    within_month, late_month = Counter(), Counter()
    waits = []
    now = today()
    for r in rows:
        if r.state == RequestState.under_review and r.decision_due and r.decision_due < now:
            summary.overdue_now += 1
        if r.decided_at is None or r.decision_due is None:
            continue
        summary.decided += 1
        month = period.month_of(local_date(r.received_at))
        if local_date(r.decided_at) <= r.decision_due:
            summary.decided_within += 1
            within_month[month] += 1
        else:
            late_month[month] += 1
        if r.sent_to_review_at is not None:
            waits.append((r.decided_at - r.sent_to_review_at).total_seconds() / 86400)
    if waits:
        summary.average_days = round(sum(waits) / len(waits), 1)

    locale = locale_code()
    channel_labels = {c.code: c.label(locale) for c in channels(tenant)}
    months = [m.key for m in period.months]
    month_labels = [m.label(period.calendar) for m in period.months]
    states = [s for s in RequestState if by_state[s]]
    count = str(_l("Requests"))
    summary.figures = [
        Figure("by_state", str(_l("Requests by state")), "bar", [str(s.label) for s in states],
               [Series(count, [by_state[s] for s in states])]),
        Figure("by_channel", str(_l("Requests by channel")), "doughnut",
               [channel_labels.get(c, c) for c in sorted(by_channel, key=lambda c: -by_channel[c])],
               [Series(count, sorted(by_channel.values(), reverse=True))]),
        Figure("by_month", str(_l("Requests received by month")), "bar", month_labels,
               [Series(count, [by_month[m] for m in months])]),
        Figure("deadline", str(_l("Decisions within the deadline, by month received")), "bar", month_labels,
               [Series(str(_l("Within the deadline")), [within_month[m] for m in months]),
                Series(str(_l("After the deadline")), [late_month[m] for m in months])],
               note=str(_l("A decision is within the deadline when it is made on or before the due date "
                           "(the day sent for a decision + the association's decision period).")),
               stacked=True),
    ]
    return summary
