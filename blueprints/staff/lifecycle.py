"""Staff routes of the service_controls module: the file's lifecycle page, its actions, the decision PDFs,
the lifecycle queue, and the "registered at another charity" check."""
import sqlalchemy as sa
from flask import abort, current_app, g, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import READERS, bp, get_or_404, show
from blueprints.staff.casework import act, load_file
from core import audit
from core.beneficiaries import vocabulary
from core.beneficiaries.models import Beneficiary, HouseholdMember
from core.extensions import db, limiter
from core.lifecycle import operations as lifecycle
from core.lifecycle.models import ExclusionDecision, FileFreeze, FileUpdate
from core.lifecycle.reasons import EXCLUSION_REASONS, FREEZE_REASONS
from core.lifecycle.states import MANAGEMENT, STAFF, FileStatus
from core.messaging.compose import isolate
from core.models import User
from core.modules import module_required
from core.policy import pdf
from core.registry import operations as registry
from core.rights.schemas import ACK_METHODS
from core.web import roles_required
from core.workflow.deadlines import today
from core.workflow.models import SupportRequest

MODULE = "service_controls"


def _page(beneficiary_id, **context):
    b = load_file(beneficiary_id)
    came, went = lifecycle.transfers_of(b)
    linked = {t.to_beneficiary_id for t in (went,) if t and t.to_beneficiary_id} | \
             {t.from_beneficiary_id for t in (came,) if t}
    files = {x.id: x for x in db.session.scalars(sa.select(Beneficiary).where(Beneficiary.id.in_(linked)))}
    history = db.session.scalars(sa.select(SupportRequest).where(
        SupportRequest.beneficiary_id.in_(lifecycle.lineage(b)[1:])).order_by(SupportRequest.id.desc())).all()
    freezes = db.session.scalars(sa.select(FileFreeze).where(FileFreeze.beneficiary_id == b.id)
                                 .order_by(FileFreeze.id.desc())).all()
    household = db.session.scalars(sa.select(HouseholdMember).where(HouseholdMember.beneficiary_id == b.id)
                                   .order_by(HouseholdMember.id)).all()
    candidates = lifecycle.holder_candidates(b)
    return show("lifecycle/file.html", b=b, reason_options=[(r.code, r.label) for r in EXCLUSION_REASONS.values()],
                candidate_options=[(m.id, f"{m.name} ({vocabulary.RELATIONS.get(m.relation, m.relation)})")
                                   for m in candidates], status=FileStatus(b.status), freezes=freezes,
                decisions=lifecycle.decisions_of(b), came=came, went=went, files=files, history=history,
                update=lifecycle.pending_update(b), candidates=candidates, household=household,
                checks=registry.checks_of(b), reasons=EXCLUSION_REASONS, freeze_reasons=FREEZE_REASONS,
                consent_methods=ACK_METHODS, relations=vocabulary.RELATIONS, today=today(),
                may_act=bool(g.roles & STAFF), may_decide=bool(g.roles & MANAGEMENT),
                values=context.pop("values", {}), **context)


@bp.get("/beneficiaries/<int:beneficiary_id>/lifecycle")
@roles_required(*READERS)
@module_required(MODULE)
def file_lifecycle(beneficiary_id: int):
    page = _page(beneficiary_id)
    audit.record("beneficiary.view", load_file(beneficiary_id), after={"what": "lifecycle"})
    db.session.commit()
    return page


def _action(beneficiary_id, operation, message, confirm_title=None):
    """One lifecycle action; with `confirm_title` it cannot be undone, so it asks for a confirmation first."""
    b = load_file(beneficiary_id)
    confirm = None
    if confirm_title is not None:
        confirm = {"title": confirm_title, "warning": None,
                   "record": _("File {number} of {name}").format(number=isolate(b.file_number), name=b.name)}
    return act(lambda actor, roles: operation(g.tenant, b, request.form, actor, roles),
               lambda **c: _page(beneficiary_id, **c), message, "staff.file_lifecycle", confirm=confirm,
               beneficiary_id=beneficiary_id)


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/freeze")
@roles_required(*STAFF)
@module_required(MODULE)
def freeze_file(beneficiary_id: int):
    return _action(beneficiary_id, lifecycle.freeze, _("The file was frozen."), _("Freeze the file"))


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/lift")
@roles_required(*STAFF)
@module_required(MODULE)
def lift_freeze(beneficiary_id: int):
    return _action(beneficiary_id, lifecycle.lift_freeze, _("The freeze was lifted."))


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/exclude")
@roles_required(*MANAGEMENT)
@module_required(MODULE)
def exclude_file(beneficiary_id: int):
    return _action(beneficiary_id, lifecycle.exclude, _("The exclusion decision was recorded."),
                   _("Exclude the file"))


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/death")
@roles_required(*STAFF)
@module_required(MODULE)
def record_death(beneficiary_id: int):
    return _action(beneficiary_id, lifecycle.record_death, _("The death was recorded."), _("Record the death"))


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/update")
@roles_required(*STAFF)
@module_required(MODULE)
def record_update(beneficiary_id: int):
    return _action(beneficiary_id, lambda t, b, f, a, r: lifecycle.record_update(t, b, f, a),
                   _("The data update was recorded."))


def _check_limit():
    return current_app.config.get("REGISTRY_CHECK_RATE_LIMIT", "10 per hour")


@bp.post("/beneficiaries/<int:beneficiary_id>/lifecycle/registry-check")
@roles_required(*STAFF)
@module_required(MODULE)
@limiter.limit(_check_limit, key_func=lambda: f"registry-check:{g.tenant.id}:{current_user.id}")
def registry_check(beneficiary_id: int):
    return _action(beneficiary_id, lambda t, b, f, a, r: registry.check(t, b, f, a), _("The check was made."))


# --- printable decision and certificate ----------------------------------------------------------

def _decision(decision_id: int) -> tuple[ExclusionDecision, Beneficiary]:
    decision = get_or_404(ExclusionDecision, decision_id)
    return decision, load_file(decision.beneficiary_id)


def _printable(decision_id: int, template: str, name: str):
    decision, b = _decision(decision_id)
    if template == "lifecycle/certificate_pdf.html" and decision.certificate_issued_on is None:
        abort(404)
    decider = db.session.get(User, decision.decided_by_id) if decision.decided_by_id else None
    with force_locale("ar"):  # official documents: always in Arabic
        html = render_template(template, d=decision, b=b, tenant=g.tenant, decider=decider,
                               reason=EXCLUSION_REASONS[decision.reason],
                               status_before=FileStatus(decision.status_before))
    audit.record("exclusion.print", decision, after={"number": decision.number, "document": name})
    db.session.commit()
    return pdf.response(html, f"{name}-{decision.number}.pdf")


@bp.get("/exclusions/<int:decision_id>/decision.pdf")
@roles_required(*READERS)
@module_required(MODULE)
def exclusion_decision_pdf(decision_id: int):
    return _printable(decision_id, "lifecycle/decision_pdf.html", "exclusion-decision")


@bp.get("/exclusions/<int:decision_id>/certificate.pdf")
@roles_required(*READERS)
@module_required(MODULE)
def exclusion_certificate_pdf(decision_id: int):
    return _printable(decision_id, "lifecycle/certificate_pdf.html", "certificate")


# --- the lifecycle queue -------------------------------------------------------------------------

@bp.get("/lifecycle")
@roles_required(*READERS)
@module_required(MODULE)
def lifecycle_queue():
    """Files whose exclusion is due (the manager decides), frozen files, and data updates still due."""
    def files(status):
        return db.session.scalars(sa.select(Beneficiary).where(Beneficiary.status == status)
                                  .order_by(Beneficiary.id).limit(100)).all()

    due_updates = db.session.scalar(sa.select(sa.func.count(FileUpdate.id)).where(FileUpdate.done_at.is_(None)))
    return show("lifecycle/queue.html", exclusion_due=files(FileStatus.exclusion_due), frozen=files(FileStatus.frozen),
                due_updates=due_updates, isolate=isolate)
