"""Staff routes: programs (announce, change, close), their daily attendance sheets and their report.

Only for associations with `program_registration` or `program_interviews` on; for others every page is
a 404.
"""
from flask import Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import READERS, bp, can, done, finish, get_or_404, refused, show
from core.beneficiaries.errors import WorkflowError
from core.extensions import db
from core.i18n import locale_code
from core.models.keys import MAX_ID
from core.policy import pdf
from core.programs import MODULES, attendance, enabled, modules_on, operations, registrations, report
from core.programs.models import Program, ProgramSession
from core.programs.schemas import ATTENDANCE, GENDER_RULES, WEEKDAY_LABELS, WEEKDAYS
from core.programs.states import MANAGERS, REGISTRARS, ProgramAction, ProgramState, RegistrationState
from core.programs.states import program_actions as possible_program_actions
from core.surveys import questions as survey_questions
from core.surveys import results as survey_results
from core.web import arg_id, module_required, roles_required
from core.workflow.deadlines import today

programs_only = module_required(*MODULES)


def program_or_404(program_id: int) -> Program:
    return get_or_404(Program, program_id)


@bp.context_processor
def program_helpers():
    return {
        "program_state_label": lambda state: ProgramState(state).label,
        "registration_state_label": lambda state: RegistrationState(state).label,
        "weekday_label": lambda day: WEEKDAY_LABELS[day],
        "gender_rule_label": lambda code: GENDER_RULES.get(code, code),
        "channel_name": lambda code: _("Online") if code == "online" else _("In person"),
        "rate_text": report.rate_text,
        "min_group": survey_results.MIN_GROUP,
        "question_label": lambda code: survey_questions.labels(g.tenant, locale_code()).get(code, code),
        "may_run_programs": can(*MANAGERS),
        "may_register": can(*REGISTRARS),
        "programs_on": bool(g.get("tenant")) and enabled(g.tenant),
    }


@bp.get("/programs")
@programs_only
@roles_required(*READERS)
def programs_list():
    state = request.args.get("state") if request.args.get("state") in set(ProgramState) else None
    rows, next_after = operations.list_programs(state=state, after=arg_id("after", high=MAX_ID))
    return show("staff/programs/list.html", programs=rows, next_after=next_after, state=state,
                states=list(ProgramState))


def _form_values(program: Program | None = None) -> dict:
    if program is None:
        return {"gender": "any", "session_weekdays": []}
    values = {name: getattr(program, name) for name in operations.FIELDS}
    for name in ("starts_on", "ends_on", "registration_closes_on"):
        values[name] = values[name].isoformat() if values[name] else ""
    for name in ("session_start", "session_end"):
        values[name] = values[name].strftime("%H:%M") if values[name] else ""
    values["conditions"] = "\n".join(program.conditions or [])
    values["fee"] = f"{program.fee:.2f}" if program.has_fee else ""
    values["requires_interview"] = "1" if program.requires_interview else ""
    values["version"] = program.version
    return values


def _posted() -> dict:
    values = request.form.to_dict()
    values["session_weekdays"] = [int(d) for d in request.form.getlist("session_weekdays") if d.isdigit()]
    return values


def _program_form(program=None, **context):
    return show("staff/programs/form.html", program=program, weekdays=WEEKDAYS, modules=modules_on(g.tenant),
                **context)


@bp.route("/programs/new", methods=["GET", "POST"])
@programs_only
@roles_required(*MANAGERS)
def program_new():
    if request.method == "GET":
        return _program_form(values=_form_values())
    try:
        program = operations.create_program(g.tenant, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, _program_form, values=_posted())
    return done(_("The program was saved as a draft: check it, then announce it."), "staff.program_detail",
                program_id=program.id)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@programs_only
@roles_required(*MANAGERS)
def program_edit(program_id: int):
    program = program_or_404(program_id)
    if request.method == "GET":
        return _program_form(program, values=_form_values(program))
    try:
        operations.update_program(g.tenant, program, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _program_form(program_or_404(program_id), **c), values=_posted())
    return done(_("The program was saved."), "staff.program_detail", program_id=program_id)


def _detail(program: Program, **context):
    state = request.args.get("state") if request.args.get("state") in set(RegistrationState) else None
    rows = registrations.listing(program, state=state)
    return show("staff/programs/detail.html", p=program, rows=rows, state=state, states=list(RegistrationState),
                counts=registrations.counts(program), taken=registrations.seats_taken(program),
                sessions=operations.sessions_of(program), actions=possible_program_actions(program, g.roles),
                open_online=registrations.open_online(program), today=today(),
                closes_on=registrations.online_closes_on(program), **context)


@bp.get("/programs/<int:program_id>")
@programs_only
@roles_required(*READERS)
def program_detail(program_id: int):
    return _detail(program_or_404(program_id))


@bp.post("/programs/<int:program_id>/actions/<action>")
@programs_only
@roles_required(*READERS)
def program_action(program_id: int, action: str):
    if action not in set(ProgramAction):
        abort(404)
    program = program_or_404(program_id)
    try:
        operations.apply_program_action(g.tenant, program, ProgramAction(action), request.form,
                                        current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _detail(program_or_404(program_id), **c), failed=action,
                       values=request.form.to_dict())
    confirm = None
    if action in (ProgramAction.complete, ProgramAction.cancel):  # cannot be taken back: ask first
        confirm = {"title": ProgramAction(action).label, "record": program.title, "warning": None}
    return finish(_("The program is now “{state}”.").format(state=ProgramState(program.state).label),
                  "staff.program_detail", lambda **c: _detail(program_or_404(program_id), **c), confirm=confirm,
                  failed=action, program_id=program_id)


# --- the daily attendance sheet ------------------------------------------------------------------

def _session(program: Program, session_id: int) -> ProgramSession:
    session = get_or_404(ProgramSession, session_id)
    if session.program_id != program.id:
        abort(404)
    return session


def _sheet(program, session, **context):
    marked = attendance.sheet(session)
    return show("staff/programs/attendance.html", p=program, session=session, rows=attendance.enrolled(program),
                marked=marked, statuses=ATTENDANCE, to_hand_over=attendance.receipts_to_hand_over(program),
                sessions=operations.sessions_of(program), today=today(), **context)


@bp.route("/programs/<int:program_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@programs_only
@roles_required(*READERS)
def attendance_sheet(program_id: int, session_id: int):
    program = program_or_404(program_id)
    session = _session(program, session_id)
    if request.method == "GET":
        return _sheet(program, session)
    if not can(*REGISTRARS):
        abort(403)
    try:
        result = attendance.mark(program, session, request.form, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _sheet(program_or_404(program_id), _session(program, session_id), **c),
                       posted=request.form.to_dict())
    return done(_("Attendance saved: {marked} marked, {changed} changed.").format(**result),
                "staff.attendance_sheet", program_id=program_id, session_id=session_id)


# --- the program's report ------------------------------------------------------------------------

@bp.get("/programs/<int:program_id>/report")
@programs_only
@roles_required(*READERS)
def program_report(program_id: int):
    program = program_or_404(program_id)
    return show("staff/programs/report.html", p=program, r=report.build(program), states=list(RegistrationState))


@bp.get("/programs/<int:program_id>/report.pdf")
@programs_only
@roles_required(*READERS)
def program_report_pdf(program_id: int):
    program = program_or_404(program_id)
    locale = locale_code()
    html = render_template("staff/programs/report_pdf.html", p=program, r=report.build(program), locale=locale,
                           tenant=g.tenant, states=list(RegistrationState), printed_on=today())
    db.session.commit()
    return pdf.response(html, f"{g.tenant.slug}-program-{program.id}-report-{locale}.pdf")


@bp.get("/programs/<int:program_id>/report.csv")
@programs_only
@roles_required(*READERS)
def program_report_csv(program_id: int):
    program = program_or_404(program_id)
    text = report.to_csv(report.build(program), lambda s: RegistrationState(s).label,
                         lambda c: _("Online") if c == "online" else _("In person"),
                         lambda code: survey_questions.labels(g.tenant, locale_code()).get(code, code))
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{g.tenant.slug}-program-{program.id}-report.csv"'})
