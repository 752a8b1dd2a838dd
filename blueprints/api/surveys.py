"""API: the satisfaction survey's results, aggregates only (the staff page's figures).

Number of answers and the average score by month, service, channel or question, from the same queries
as /<slug>/staff/surveys (`core.surveys.results`). A group with fewer than MIN_GROUP answers has no
average, so no result points at one person; nothing identifies who answered.
"""
from datetime import date

from flask import jsonify
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from blueprints.api.base import READERS, api_blueprint, documented, roles
from core.roles import Role
from core.surveys import results

bp = api_blueprint("surveys", "Satisfaction survey results (قياس رضا المستفيدين): aggregates only")

MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"


class ResultFilters(Schema):
    by = fields.String(load_default="month", validate=validate.OneOf(("month", "service", "channel", "question")))
    from_month = fields.String(data_key="from", validate=validate.Regexp(MONTH, error="Write the month as YYYY-MM."),
                               metadata={"description": "First month (Gregorian), YYYY-MM"})
    to_month = fields.String(data_key="to", validate=validate.Regexp(MONTH, error="Write the month as YYYY-MM."),
                             metadata={"description": "Last month (Gregorian), YYYY-MM"})

    @validates_schema
    def ordered(self, data, **kwargs):
        if data.get("from_month") and data.get("to_month") and data["from_month"] > data["to_month"]:
            raise ValidationError("The last month comes before the first.", field_name="to")


class ResultRow(Schema):
    key = fields.String(allow_none=True, required=True,
                        metadata={"description": "YYYY-MM, a service or channel code, or a question code; null "
                                                 "for answers about a programme (no service or channel)"})
    responses = fields.Integer(required=True, metadata={"description": "Answers (per question for `question`)"})
    average = fields.Float(allow_none=True, required=True,
                           metadata={"description": "1–5; null when the group has fewer than `min_group` answers"})


class ResultsSchema(Schema):
    by = fields.String(required=True)
    total = fields.Integer(required=True, metadata={"description": "Survey answers in the months asked"})
    min_group = fields.Integer(required=True)
    rows = fields.List(fields.Nested(ResultRow), required=True)


def _month(value: str | None) -> date | None:
    return date(int(value[:4]), int(value[5:7]), 1) if value else None


@bp.get("/surveys/results")
@bp.arguments(ResultFilters, location="query")
@bp.response(200, ResultsSchema)
@documented(bp, 403, 422)
@roles(*READERS, Role.tenant_admin)
def survey_results(args):
    """Answers and average score by month, service, channel or question (all months without `from`/`to`)."""
    start, end = _month(args.get("from_month")), _month(args.get("to_month"))
    if args["by"] == "question":
        rows = list(results.by_question(start, end).values())
    else:
        rows = results.by(args["by"], start, end)
    body = {"by": args["by"], "total": results.total(start, end), "min_group": results.MIN_GROUP,
            "rows": [{"key": r.key.strftime("%Y-%m") if isinstance(r.key, date) else r.key,
                      "responses": r.responses, "average": r.average} for r in rows]}
    return jsonify(ResultsSchema().dump(body))
