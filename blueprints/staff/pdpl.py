"""Staff routes: a beneficiary's personal data (PDPL): export, consent, anonymisation."""
import json
from datetime import date, datetime

from flask import Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from blueprints.staff.base import bp, done, get_or_404, refused, show
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import WorkflowError
from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.i18n import dual_date, dual_datetime, locale_code, text_direction
from core.models.base import utcnow
from core.pdpl import anonymise as anonymisation
from core.pdpl import consent, export
from core.pdpl.models import Consent
from core.policy import pdf
from core.roles import Role
from core.settings import channels
from core.web import roles_required
from core.workflow.services import service_labels
from core.workflow.states import STATE_LABELS

#: Who handles a person's data request and records consent.
DATA_ROLES = (Role.relations_officer, Role.social_researcher, Role.executive_director, Role.tenant_admin)
#: Who may anonymise a file.
ANONYMISERS = (Role.executive_director, Role.tenant_admin)


def _page(b, **context):
    context.setdefault("values", {})
    return show("staff/personal_data.html", b=b, consents=consent.consents_of(b), purposes=consent.PURPOSES,
                methods=consent.METHODS, relations=vocabulary.RELATIONS, minor=consent.is_minor(b),
                anonymised=anonymisation.is_anonymised(b), not_yet=anonymisation.why_not(g.tenant, b),
                retention_years=anonymisation.retention_years(g.tenant),
                may_anonymise=bool(g.roles & set(map(str, ANONYMISERS))), **context)


@bp.get("/beneficiaries/<int:beneficiary_id>/personal-data")
@roles_required(*DATA_ROLES)
def personal_data(beneficiary_id: int):
    return _page(get_or_404(Beneficiary, beneficiary_id))


@bp.get("/beneficiaries/<int:beneficiary_id>/personal-data.<fmt>")
@roles_required(*DATA_ROLES)
def personal_data_export(beneficiary_id: int, fmt: str):
    """Everything held about the person, as JSON (for another system) or a readable PDF (for the person)."""
    if fmt not in ("json", "pdf"):
        abort(404)
    b = get_or_404(Beneficiary, beneficiary_id)
    data = export.everything_about(g.tenant, b)
    export.record_export(b, fmt)
    name = f"{g.tenant.slug}-file-{b.file_number}-personal-data.{fmt}"
    if fmt == "json":
        db.session.commit()
        return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    html = render_template("staff/personal_data_pdf.html", tenant=g.tenant, data=data, b=b,
                           rtl=text_direction() == "rtl", lang=locale_code(), made_at=utcnow(),
                           category_labels=vocabulary.category_labels(g.tenant), shown=_readable(g.tenant))
    db.session.commit()
    return pdf.response(html, name)


def _readable(tenant):
    """A value of the export as a person reads it: labels for codes, dates in both calendars."""
    labels = {"gender": vocabulary.GENDERS, "marital_status": vocabulary.MARITAL_STATUSES,
              "relation": vocabulary.RELATIONS, "guardian_relation": vocabulary.RELATIONS,
              "kind": {**vocabulary.INCOME_KINDS}, "state": STATE_LABELS, "service": service_labels(tenant),
              "purpose": consent.PURPOSES, "method": consent.METHODS,
              "given_by": {"self": _l("The beneficiary"), "guardian": _l("A guardian")},
              "channel": {c.code: c.label(locale_code()) for c in channels(tenant)}}

    def shown(key, value):
        if value is None or value == "":
            return ""
        if isinstance(value, str) and key.endswith(("_at", "when")) and "T" in value:
            return dual_datetime(datetime.fromisoformat(value))
        if isinstance(value, str) and key.endswith(("_on", "_date", "_due")) and len(value) == 10:
            return dual_date(date.fromisoformat(value))
        label = labels.get(key, {}).get(value)
        return Markup("<bdi>{}</bdi>").format(label if label is not None else value)

    return shown


@bp.post("/beneficiaries/<int:beneficiary_id>/consents")
@roles_required(*DATA_ROLES)
def record_consent(beneficiary_id: int):
    b = get_or_404(Beneficiary, beneficiary_id)
    try:
        consent.record_consent(b, request.form, current_user)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _page(get_or_404(Beneficiary, beneficiary_id), **c),
                       values=request.form.to_dict())
    return done(_("The consent was recorded."), "staff.personal_data", beneficiary_id=beneficiary_id)


@bp.post("/beneficiaries/<int:beneficiary_id>/consents/<int:consent_id>/withdraw")
@roles_required(*DATA_ROLES)
def withdraw_consent(beneficiary_id: int, consent_id: int):
    b = get_or_404(Beneficiary, beneficiary_id)
    found = get_or_404(Consent, consent_id)
    if found.beneficiary_id != b.id:
        abort(404)
    try:
        consent.withdraw_consent(b, found, current_user)
    except WorkflowError as exc:
        return refused(exc, lambda **c: _page(get_or_404(Beneficiary, beneficiary_id), **c))
    return done(_("The consent was withdrawn."), "staff.personal_data", beneficiary_id=beneficiary_id)


@bp.post("/beneficiaries/<int:beneficiary_id>/anonymise")
@roles_required(*ANONYMISERS)
def anonymise(beneficiary_id: int):
    b = get_or_404(Beneficiary, beneficiary_id)
    try:
        anonymisation.anonymise(g.tenant, b, current_user._get_current_object())
    except WorkflowError as exc:
        return refused(exc, lambda **c: _page(get_or_404(Beneficiary, beneficiary_id), **c))
    return done(_("The file was anonymised: its figures stay counted."), "staff.personal_data",
                beneficiary_id=beneficiary_id)
