"""Staff routes: registrations of a program — at the desk, the checks, interviews, fees and receipt vouchers."""
import sqlalchemy as sa
from flask import abort, g, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import READERS, bp, done, finish, get_or_404, refused, show
from blueprints.staff.programs import program_or_404, programs_only
from core import audit, storage
from core.beneficiaries.errors import WorkflowError
from core.extensions import db
from core.i18n import locale_code
from core.messaging.compose import isolate
from core.messaging.models import OutboxMessage
from core.models import User
from core.policy import pdf
from core.programs import attendance, receipts, registrations
from core.programs.models import Participant, Receipt, Registration
from core.programs.schemas import GUARDIAN_RELATIONS, PAYMENT_METHODS
from core.programs.states import REGISTRARS, Action, RegistrationState, possible
from core.web import roles_required
from core.workflow.deadlines import today


def _registration(program, registration_id: int) -> Registration:
    registration = get_or_404(Registration, registration_id)
    if registration.program_id != program.id:
        abort(404)
    return registration


def _register_form(program, **context):
    return show("staff/programs/register.html", p=program, relations=GUARDIAN_RELATIONS,
                consent_text=registrations.consent_text(request.form.get("language") or "ar"),
                taken=registrations.seats_taken(program), **context)


@bp.route("/programs/<int:program_id>/register", methods=["GET", "POST"])
@programs_only
@roles_required(*REGISTRARS)
def program_register(program_id: int):
    """In-person registration at the association's desk."""
    program = program_or_404(program_id)
    if request.method == "GET":
        return _register_form(program, values={"birth_calendar": "gregorian", "language": "ar"})
    try:
        registration, _token = registrations.register(g.tenant, program, request.form, channel="in_person",
                                                      actor=current_user._get_current_object(),
                                                      upload=request.files.get("proof"))
    except WorkflowError as exc:
        return refused(exc, lambda **c: _register_form(program_or_404(program_id), **c),
                       values=request.form.to_dict())
    return done(_("Registration {number} was recorded.").format(number=registration.number),
                "staff.registration_detail", program_id=program_id, registration_id=registration.id)


def _detail(program, registration, **context):
    person = db.session.get(Participant, (registration.tenant_id, registration.participant_id))
    interview = registrations.interview_of(registration)
    receipt = receipts.of_registration(registration)
    people_ids = {registration.registered_by_id, registration.checked_by_id, getattr(interview, "interviewer_id", None),
                  getattr(interview, "recorded_by_id", None), getattr(receipt, "issued_by_id", None)} - {None}
    people = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(people_ids)))}
    messages = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.program_registration_id == registration.id).order_by(OutboxMessage.id)).all()
    tally = attendance.tallies(program).get(registration.id, attendance.Tally())
    return show("staff/programs/registration.html", p=program, reg=registration, person=person,
                interview=interview, receipt=receipt, people=people, messages=messages, tally=tally,
                actions=possible(registration, program, g.roles), Action=Action, RegistrationState=RegistrationState,
                staff=registrations.staff_members(), methods=PAYMENT_METHODS, relations=GUARDIAN_RELATIONS,
                position=registrations.waitlist_position(program, registration), today=today(),
                values=context.pop("values", {}), **context)


@bp.get("/programs/<int:program_id>/registrations/<int:registration_id>")
@programs_only
@roles_required(*READERS)
def registration_detail(program_id: int, registration_id: int):
    program = program_or_404(program_id)
    registration = _registration(program, registration_id)
    audit.record("program.registration.view", registration, after={"number": registration.number})
    page = _detail(program, registration)
    db.session.commit()
    return page


def _again(program_id, registration_id, **context):
    program = program_or_404(program_id)
    return _detail(program, _registration(program, registration_id), **context)


@bp.post("/programs/<int:program_id>/registrations/<int:registration_id>/actions/<action>")
@programs_only
@roles_required(*READERS)
def registration_action(program_id: int, registration_id: int, action: str):
    if action not in set(Action):
        abort(404)
    program = program_or_404(program_id)
    registration = _registration(program, registration_id)
    try:
        if action == Action.accept:
            registrations.record_interview(g.tenant, registration, request.form, current_user._get_current_object(),
                                           g.roles)
        else:
            registrations.apply_action(g.tenant, registration, Action(action), request.form,
                                       current_user._get_current_object(), g.roles)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(program_id, registration_id, **c), values=request.form.to_dict(),
                       failed=action)
    confirm = None
    if action in (Action.reject, Action.withdraw):  # cannot be taken back: ask first
        confirm = {"title": Action(action).label, "warning": None,
                   "record": _("Registration {number} in {program}").format(number=isolate(registration.number),
                                                                          program=program.title)}
    return finish(_("Registration {number}: {state}.").format(
        number=registration.number, state=RegistrationState(registration.state).label),
                  "staff.registration_detail", lambda **c: _again(program_id, registration_id, **c),
                  confirm=confirm, failed=action, program_id=program_id, registration_id=registration_id)


@bp.post("/programs/<int:program_id>/registrations/<int:registration_id>/interview")
@programs_only
@roles_required(*READERS)
def registration_interview(program_id: int, registration_id: int):
    """The interview's outcome: accepted (a seat) or not accepted (with the reason)."""
    return registration_action(program_id, registration_id, "accept")


@bp.post("/programs/<int:program_id>/registrations/<int:registration_id>/proof")
@programs_only
@roles_required(*REGISTRARS)
def registration_proof_upload(program_id: int, registration_id: int):
    program = program_or_404(program_id)
    registration = _registration(program, registration_id)
    try:
        registrations.attach_proof(registration, request.files.get("file"), current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _again(program_id, registration_id, **c), failed="proof")
    return done(_("The proof of payment was attached."), "staff.registration_detail", program_id=program_id,
                registration_id=registration_id)


@bp.get("/programs/<int:program_id>/registrations/<int:registration_id>/proof")
@programs_only
@roles_required(*READERS)
def registration_proof(program_id: int, registration_id: int):
    program = program_or_404(program_id)
    registration = _registration(program, registration_id)
    if not registration.proof_stored_name:
        abort(404)
    try:
        content = storage.uploads().open(storage.key(registration.tenant_id, registration.proof_stored_name))
    except FileNotFoundError:
        abort(404)
    audit.record("program.registration.proof.view", registration, after={"number": registration.number})
    db.session.commit()
    return send_file(content, mimetype=registration.proof_content_type,
                     as_attachment=True, download_name=registration.proof_name, max_age=0)


def _receipt(program, receipt_id: int) -> Receipt:
    receipt = get_or_404(Receipt, receipt_id)
    registration = db.session.get(Registration, (receipt.tenant_id, receipt.registration_id))
    if registration.program_id != program.id:
        abort(404)
    return receipt


@bp.get("/programs/<int:program_id>/receipts/<int:receipt_id>.pdf")
@programs_only
@roles_required(*READERS)
def receipt_pdf(program_id: int, receipt_id: int):
    """The receipt voucher, printable (A5, Arabic first)."""
    program = program_or_404(program_id)
    receipt = _receipt(program, receipt_id)
    registration, _program, person = receipts.voucher(receipt)
    locale = locale_code()
    issued_by = db.session.get(User, receipt.issued_by_id) if receipt.issued_by_id else None
    html = render_template("staff/programs/receipt_pdf.html", receipt=receipt, reg=registration, p=program,
                           person=person, tenant=g.tenant, locale=locale, issued_by=issued_by,
                           number=receipts.number_text(receipt.number), methods=PAYMENT_METHODS,
                           words=receipts.amount_in_words(receipt.amount, locale))
    audit.record("program.receipt.print", receipt, after={"number": receipt.number})
    db.session.commit()
    return pdf.response(html, f"{g.tenant.slug}-receipt-{receipts.number_text(receipt.number)}.pdf")


@bp.post("/programs/<int:program_id>/receipts/<int:receipt_id>/handed-over")
@programs_only
@roles_required(*REGISTRARS)
def receipt_handed_over(program_id: int, receipt_id: int):
    program = program_or_404(program_id)
    receipt = _receipt(program, receipt_id)
    registrations.handed_over(receipt, current_user._get_current_object())
    back = request.form.get("session_id", type=int)
    if back:
        return done(_("Receipt voucher {number} handed over.").format(number=receipts.number_text(receipt.number)),
                    "staff.attendance_sheet", program_id=program_id, session_id=back)
    return done(_("Receipt voucher {number} handed over.").format(number=receipts.number_text(receipt.number)),
                "staff.registration_detail", program_id=program_id, registration_id=receipt.registration_id)
