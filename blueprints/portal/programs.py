"""Public program pages at /<slug>/programs: the announcements with their conditions, the registration
form, and the registrant's status link (to follow the registration and send the proof of payment)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.portal.views import bp
from core.beneficiaries.errors import FormErrors, WorkflowError
from core.extensions import db, limiter
from core.i18n import locale_code
from core.models.keys import get_in_tenant
from core.programs import MODULES, enabled, operations, receipts, registrations
from core.programs.models import Participant, Program
from core.programs.schemas import GENDER_RULES, GUARDIAN_RELATIONS, WEEKDAY_LABELS
from core.programs.states import ProgramState, RegistrationState
from core.web import module_required
from core.workflow.deadlines import today

programs_only = module_required(*MODULES)


@bp.context_processor
def program_words():
    return {"weekday_label": lambda day: WEEKDAY_LABELS[day],
            "gender_rule_label": lambda code: GENDER_RULES.get(code, code),
            "programs_on": bool(g.get("tenant")) and enabled(g.tenant)}


@bp.get("/programs")
@programs_only
def programs():
    found = operations.public_programs()
    return render_template("portal/programs.html", tenant=g.tenant, programs=found,
                           seats={p.id: registrations.seats_taken(p) for p in found},
                           open_online={p.id: registrations.open_online(p) for p in found})


def _announced(program_id: int) -> Program:
    program = get_in_tenant(Program, program_id)
    if program is None or program.state not in (ProgramState.published, ProgramState.registration_closed):
        abort(404)
    return program


def _page(program, status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {"birth_calendar": "gregorian"})
    return render_template("portal/program.html", tenant=g.tenant, p=program, relations=GUARDIAN_RELATIONS,
                           consent_text=registrations.consent_text(locale_code()),
                           taken=registrations.seats_taken(program), open_online=registrations.open_online(program),
                           closes_on=registrations.online_closes_on(program), **context), status


@bp.get("/programs/<int:program_id>")
@programs_only
def program(program_id: int):
    return _page(_announced(program_id))


@bp.post("/programs/<int:program_id>")
@programs_only
@limiter.limit("20 per hour", methods=["POST"])
def program_register(program_id: int):
    program = _announced(program_id)
    form = request.form.copy()
    form["language"] = locale_code()
    try:
        registration, token = registrations.register(
            g.tenant, program, form, channel="online", upload=request.files.get("proof"),
            link=lambda t: url_for("portal.registration_status", token=t, _external=True))
    except WorkflowError as exc:
        db.session.rollback()
        status = 422 if isinstance(exc, FormErrors) else 409
        return _page(program, status, errors=getattr(exc, "errors", {}), error=exc.message,
                     values=request.form.to_dict())
    db.session.commit()
    flash(_("Your registration {number} was received. Keep this page's address: it shows how your registration "
            "goes.").format(number=registration.number), "success")
    return redirect(url_for("portal.registration_status", token=token))


def _by_token(token: str):
    registration = registrations.by_token(token)
    if registration is None:
        abort(404)
    g.personal_data = True
    return registration


def _status(registration, token, status=200, **context):
    program = db.session.get(Program, (registration.tenant_id, registration.program_id))
    person = db.session.get(Participant, (registration.tenant_id, registration.participant_id))
    interview = registrations.interview_of(registration)
    context.setdefault("errors", {})
    context.setdefault("error", None)
    return render_template("portal/program_registration.html", tenant=g.tenant, reg=registration, p=program,
                           person=person, interview=interview, receipt=receipts.of_registration(registration),
                           token=token, state_label=RegistrationState(registration.state).label,
                           position=registrations.waitlist_position(program, registration), today=today(),
                           **context), status


@bp.get("/programs/registration/<token>")
@programs_only
def registration_status(token: str):
    return _status(_by_token(token), token)


@bp.post("/programs/registration/<token>")
@programs_only
@limiter.limit("20 per hour", methods=["POST"])
def registration_proof(token: str):
    registration = _by_token(token)
    try:
        registrations.attach_proof(registration, request.files.get("file"))
    except WorkflowError as exc:
        db.session.rollback()
        status = 422 if isinstance(exc, FormErrors) else 409
        return _status(_by_token(token), token, status, errors=getattr(exc, "errors", {}), error=exc.message)
    db.session.commit()
    flash(_("Your proof of payment was received: the association will confirm it."), "success")
    return redirect(url_for("portal.registration_status", token=token))
