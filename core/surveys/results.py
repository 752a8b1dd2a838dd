"""What staff see of the surveys: averages by month, service, channel and staff member, and comments.

Never who answered what: responses carry no link to the person, and a group with fewer than
MIN_GROUP answers is not shown, so a small group cannot point to one person.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from core.extensions import db
from core.surveys.models import SurveyAnswer, SurveyResponse

MIN_GROUP = 3
DIMENSIONS = {"month": SurveyResponse.month, "service": SurveyResponse.service,
              "channel": SurveyResponse.channel, "staff": SurveyResponse.staff_id,
              "kind": SurveyResponse.subject_kind}


@dataclass
class Row:
    key: object
    responses: int
    average: float | None  # None when the group is too small to show


def _filters(start: date | None, end: date | None) -> list:
    found = []
    if start:
        found.append(SurveyResponse.month >= start.replace(day=1))
    if end:
        found.append(SurveyResponse.month <= end)
    return found


def by(dimension: str, start: date | None = None, end: date | None = None) -> list[Row]:
    """Average score (all questions) and number of responses per value of one dimension."""
    column = DIMENSIONS[dimension]
    query = (sa.select(column, sa.func.count(sa.distinct(SurveyResponse.id)), sa.func.avg(SurveyAnswer.score))
             .join(SurveyAnswer, sa.and_(SurveyAnswer.tenant_id == SurveyResponse.tenant_id,
                                         SurveyAnswer.response_id == SurveyResponse.id))
             .where(*_filters(start, end)).group_by(column).order_by(column))
    return [Row(key, count, round(float(avg), 2) if count >= MIN_GROUP else None)
            for key, count, avg in db.session.execute(query)]


def by_question(start: date | None = None, end: date | None = None) -> dict[str, Row]:
    query = (sa.select(SurveyAnswer.question, sa.func.count(), sa.func.avg(SurveyAnswer.score))
             .join(SurveyResponse, sa.and_(SurveyAnswer.tenant_id == SurveyResponse.tenant_id,
                                           SurveyAnswer.response_id == SurveyResponse.id))
             .where(*_filters(start, end)).group_by(SurveyAnswer.question))
    return {q: Row(q, count, round(float(avg), 2) if count >= MIN_GROUP else None)
            for q, count, avg in db.session.execute(query)}


def total(start: date | None = None, end: date | None = None) -> int:
    return db.session.scalar(sa.select(sa.func.count(SurveyResponse.id)).where(*_filters(start, end))) or 0


def comments(start: date | None = None, end: date | None = None, limit: int = 100) -> list[SurveyResponse]:
    """Recent comments with their month and service, newest first; only once enough answers exist."""
    if total(start, end) < MIN_GROUP:
        return []
    return list(db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.comment.is_not(None), *_filters(start, end))
        .order_by(SurveyResponse.month.desc(), SurveyResponse.id.desc()).limit(limit)))


@dataclass
class Satisfaction:
    """One subject's (a programme's) survey figures; averages only once MIN_GROUP people answered."""

    responses: int
    average: float | None
    by_question: dict[str, float | None]


def for_subject(key: str) -> Satisfaction:
    query = (sa.select(SurveyAnswer.question, sa.func.count(sa.distinct(SurveyResponse.id)),
                       sa.func.avg(SurveyAnswer.score))
             .join(SurveyResponse, sa.and_(SurveyAnswer.tenant_id == SurveyResponse.tenant_id,
                                           SurveyAnswer.response_id == SurveyResponse.id))
             .where(SurveyResponse.subject_key == key).group_by(SurveyAnswer.question))
    rows = db.session.execute(query).all()
    responses = max((count for _q, count, _avg in rows), default=0)
    shown = responses >= MIN_GROUP
    by_question = {q: round(float(avg), 2) if shown else None for q, _count, avg in rows}
    average = round(sum(by_question.values()) / len(by_question), 2) if shown and by_question else None
    return Satisfaction(responses, average, by_question)
