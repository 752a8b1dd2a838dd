"""API: the association's programs (read), with their registrations counted by state.

Only for associations with a programs module on (`program_registration` or `program_interviews`);
for others every path here is 404, as on the staff pages.
"""
import sqlalchemy as sa
from flask import abort, g, jsonify
from marshmallow import Schema, fields, validate

from blueprints.api.base import READERS, PageArgs, api_blueprint, documented, load, out, roles
from core.extensions import db
from core.programs import enabled
from core.programs.models import Program, Registration
from core.programs.operations import list_programs
from core.programs.states import ProgramState

bp = api_blueprint("programs", "Programs (البرامج) with registration, where the association runs them")


class ProgramSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    description = fields.String()
    target_group = fields.String()
    state = fields.String(required=True, validate=validate.OneOf(list(ProgramState)))
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    gender = fields.String()
    capacity = fields.Integer()
    fee = fields.String(metadata={"description": "Riyals"})
    starts_on = fields.Date()
    ends_on = fields.Date()
    registration_closes_on = fields.Date(allow_none=True)
    location = fields.String(allow_none=True)
    requires_interview = fields.Boolean()
    registrations = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                metadata={"description": "Registrations by state"})
    version = fields.Integer(required=True)


class ProgramPage(Schema):
    items = fields.List(fields.Nested(ProgramSchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


class ProgramFilters(Schema):
    state = fields.String(validate=validate.OneOf(list(ProgramState)))


def _with_counts(programs: list[Program]) -> list[Program]:
    """Each program's registrations by state, in one grouped query for the page."""
    counts: dict[int, dict[str, int]] = {p.id: {} for p in programs}
    if programs:
        rows = db.session.execute(sa.select(Registration.program_id, Registration.state, sa.func.count())
                                  .where(Registration.program_id.in_(list(counts)))
                                  .group_by(Registration.program_id, Registration.state))
        for program_id, state, count in rows:
            counts[program_id][state] = count
    for program in programs:
        program.registrations = counts[program.id]
    return programs


@bp.before_request
def programs_module():
    if not enabled(g.tenant):
        abort(404)


@bp.get("/programs")
@bp.arguments(ProgramFilters, location="query")
@bp.arguments(PageArgs, location="query")
@bp.response(200, ProgramPage)
@documented(bp, 403, 404, 422)
@roles(*READERS)
def list_all(filters, paging):
    """Programs, newest first; 404 where the association runs no programs."""
    rows, next_after = list_programs(state=filters.get("state"), after=paging.get("after"), limit=paging["limit"])
    body = out(ProgramSchema, _with_counts(rows), many=True).get_json()
    return jsonify({"items": body, "next_after": next_after})


@bp.get("/programs/<int:program_id>")
@bp.response(200, ProgramSchema)
@documented(bp, 403, 404)
@roles(*READERS)
def get_one(program_id):
    return out(ProgramSchema, _with_counts([load(Program, program_id)])[0])
