"""Staff routes of the rights_duties module: acknowledgement, change of researcher, family member, providers."""
from flask import abort, g, request
from flask_babel import gettext as _

from blueprints.staff.base import EDITORS, READERS, bp, get_or_404, show
from blueprints.staff.casework import act, load_file
from core.beneficiaries.operations import researchers
from core.modules import module_required
from core.rights import operations as rights
from core.rights.models import ResearcherChange
from core.rights.schemas import ACK_METHODS
from core.web import roles_required
from core.workflow.deadlines import today

MODULE = rights.MODULE


def _page(beneficiary_id, **context):
    b = load_file(beneficiary_id)
    return show("rights/file.html", b=b, acknowledgements=rights.acknowledgements_of(b), changes=rights.changes_of(b),
                family=rights.family_of(b), providers=rights.service_providers(b), methods=ACK_METHODS,
                researcher_options=[(u.id, u.name) for u in researchers()], today=today(),
                may_edit=bool(g.roles & set(EDITORS)),
                may_decide=bool(g.roles & rights.MANAGEMENT), values=context.pop("values", {}), **context)


@bp.get("/beneficiaries/<int:beneficiary_id>/rights")
@roles_required(*READERS)
@module_required(MODULE)
def file_rights(beneficiary_id: int):
    return _page(beneficiary_id)


def _post(beneficiary_id, operation, message):
    b = load_file(beneficiary_id)
    return act(lambda actor, roles: operation(b, actor, roles), lambda **c: _page(beneficiary_id, **c), message,
               "staff.file_rights", beneficiary_id=beneficiary_id)


@bp.post("/beneficiaries/<int:beneficiary_id>/rights/acknowledge")
@roles_required(*EDITORS)
@module_required(MODULE)
def acknowledge_rights(beneficiary_id: int):
    return _post(beneficiary_id, lambda b, a, r: rights.acknowledge(g.tenant, b, request.form, a),
                 _("The acknowledgement was recorded."))


@bp.post("/beneficiaries/<int:beneficiary_id>/rights/researcher-change")
@roles_required(*EDITORS)
@module_required(MODULE)
def researcher_change(beneficiary_id: int):
    return _post(beneficiary_id, lambda b, a, r: rights.request_researcher_change(g.tenant, b, request.form, a),
                 _("The request was recorded; management decides it."))


@bp.post("/beneficiaries/<int:beneficiary_id>/rights/researcher-change/<int:change_id>")
@roles_required(*rights.MANAGEMENT)
@module_required(MODULE)
def decide_researcher_change(beneficiary_id: int, change_id: int):
    change = get_or_404(ResearcherChange, change_id)
    if change.beneficiary_id != beneficiary_id:
        abort(404)
    return _post(beneficiary_id, lambda b, a, r: rights.decide_researcher_change(g.tenant, b, change, request.form,
                                                                                 a, r),
                 _("The decision was recorded and the beneficiary will be told."))


@bp.post("/beneficiaries/<int:beneficiary_id>/rights/family")
@roles_required(*EDITORS)
@module_required(MODULE)
def involve_family(beneficiary_id: int):
    return _post(beneficiary_id, lambda b, a, r: rights.involve_family_member(g.tenant, b, request.form, a),
                 _("The family member was recorded."))


@bp.post("/beneficiaries/<int:beneficiary_id>/rights/providers")
@roles_required(*EDITORS)
@module_required(MODULE)
def tell_providers(beneficiary_id: int):
    return _post(beneficiary_id, lambda b, a, r: rights.tell_service_providers(g.tenant, b, a),
                 _("The beneficiary will be told who serves them."))

