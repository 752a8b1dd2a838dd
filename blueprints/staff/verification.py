"""Staff routes of the eligibility_verification module: a request's checklist, visit, witnesses, needs study."""
from flask import g, request
from flask_babel import gettext as _

from blueprints.staff.base import EDITORS, READERS, bp, get_or_404, show
from blueprints.staff.casework import act, load_request
from core import audit
from core.eligibility import operations as verification
from core.eligibility.checklist import STEP_KINDS
from core.eligibility.models import VerificationStep
from core.eligibility.schemas import HOUSING_CONDITIONS
from core.extensions import db
from core.modules import module_required
from core.web import roles_required
from core.workflow.deadlines import today
from core.workflow.operations import DOCUMENT_STATES

MODULE = verification.MODULE


def context_for(support_request) -> dict:
    """What the verification page and the request page's summary show."""
    return dict(steps=verification.ensure_steps(g.tenant, support_request),
                visits=verification.visits_of(support_request), photos=verification.photos_of(support_request),
                witnesses=verification.witnesses_of(support_request), study=verification.study_of(support_request),
                step_kinds=STEP_KINDS, step_labels=verification.STATUS_LABELS, housing=HOUSING_CONDITIONS)


def _page(request_id, **context):
    r = load_request(request_id)
    return show("eligibility/request.html", r=r, b=r.beneficiary, **context_for(r), today=today(),
                may_edit=bool(g.roles & set(EDITORS)) and r.state in DOCUMENT_STATES,
                values=context.pop("values", {}), **context)


@bp.get("/requests/<int:request_id>/verification")
@roles_required(*READERS)
@module_required(MODULE)
def verification_page(request_id: int):
    page = _page(request_id)
    audit.record("request.view", load_request(request_id), after={"what": "verification"})
    db.session.commit()
    return page


def _post(request_id, operation, message):
    r = load_request(request_id)
    return act(lambda actor, roles: operation(r, actor), lambda **c: _page(request_id, **c), message,
               "staff.verification_page", request_id=request_id)


@bp.post("/requests/<int:request_id>/verification/steps/<int:step_id>")
@roles_required(*EDITORS)
@module_required(MODULE)
def verification_step(request_id: int, step_id: int):
    step = get_or_404(VerificationStep, step_id)
    if step.request_id != request_id:
        return show("errors/error.html", code=404), 404
    return _post(request_id, lambda r, actor: verification.update_step(g.tenant, r, step, request.form,
                                                                       request.files.get("file"), actor),
                 _("The checklist was updated."))


@bp.post("/requests/<int:request_id>/verification/visit")
@roles_required(*EDITORS)
@module_required(MODULE)
def verification_visit(request_id: int):
    return _post(request_id, lambda r, actor: verification.record_visit(g.tenant, r, request.form,
                                                                        request.files.getlist("photos"), actor),
                 _("The field visit report was recorded."))


@bp.post("/requests/<int:request_id>/verification/witnesses")
@roles_required(*EDITORS)
@module_required(MODULE)
def verification_witness(request_id: int):
    return _post(request_id, lambda r, actor: verification.add_witness(g.tenant, r, request.form, actor),
                 _("The witness was recorded."))


@bp.post("/requests/<int:request_id>/verification/study")
@roles_required(*EDITORS)
@module_required(MODULE)
def verification_study(request_id: int):
    return _post(request_id, lambda r, actor: verification.save_study(g.tenant, r, request.form, actor),
                 _("The needs study was recorded."))
