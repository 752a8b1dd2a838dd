"""Applying online and following a request: /<slug>/apply and /<slug>/status."""
from flask import abort, g, redirect, render_template, request, url_for

from blueprints.portal import access
from blueprints.portal.views import bp
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import FormErrors, WorkflowError
from core.extensions import db
from core.i18n import locale_code
from core.models.keys import get_in_tenant
from core.portal import operations
from core.portal.models import OnlineApplication
from core.workflow.deadlines import sla_days
from core.workflow.models import SupportRequest
from core.workflow.services import DECLARATION_TEXT, services
from core.workflow.states import RequestState


def _apply_page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    locale = locale_code()
    return render_template(
        "portal/apply.html", services=[(s.code, s.label(locale)) for s in services(g.tenant, offered_only=True)],
        genders=list(vocabulary.GENDERS.items()), nationalities=list(vocabulary.countries().items()),
        declaration=DECLARATION_TEXT.get(locale, DECLARATION_TEXT["ar"]), sla_days=sla_days(g.tenant),
        **context), status


@bp.route("/apply", methods=["GET", "POST"])
@access.limited
def apply():
    if not operations.takes_applications(g.tenant):
        abort(404)
    if request.method == "GET":
        return _apply_page(values={"nationality": "SA"})
    try:
        applied = operations.apply_online(g.tenant, request.form, locale_code())
    except WorkflowError as exc:  # bad input, or a file that takes no new request (frozen, excluded …)
        db.session.rollback()
        return _apply_page(422 if isinstance(exc, FormErrors) else 409, errors=getattr(exc, "errors", {}),
                           error=exc.message, values=request.form.to_dict())
    db.session.commit()
    access.grant("request", applied.request.id)
    return redirect(url_for("portal.applied"))


@bp.get("/apply/done")
def applied():
    g.personal_data = True
    support_request = _granted_request()
    if support_request is None:
        return redirect(url_for("portal.status"))
    return render_template("portal/applied.html", r=support_request,
                           expected_due=operations.expected_due(g.tenant, support_request.received_at))


def _granted_request():
    ident = access.granted("request")
    return get_in_tenant(SupportRequest, ident) if ident else None


def _status_page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    return render_template("portal/status_lookup.html", **context), status


@bp.route("/status", methods=["GET", "POST"])
@access.limited
def status():
    g.personal_data = True
    if request.method == "GET":
        support_request = _granted_request()
        if support_request is None or request.args.get("other"):
            return _status_page(values={"reference": request.args.get("reference", "")})
        return _show(support_request)
    mode = request.form.get("mode", "mobile")
    try:
        if mode == "send_code":
            operations.find_request_by_code(g.tenant, request.form, send=True)
            db.session.commit()
            return _status_page(values=request.form.to_dict(), code_sent=True)
        if mode == "code":
            found = operations.find_request_by_code(g.tenant, request.form, send=False)
        else:
            found = operations.find_request(request.form)
    except FormErrors as exc:
        if mode == "code":
            db.session.commit()  # a wrong code still counts as one of the code's attempts
        else:
            db.session.rollback()
        return _status_page(422, errors=exc.errors, error=exc.message, values=request.form.to_dict(),
                            code_sent=mode == "code")
    db.session.commit()
    access.grant("request", found.id)
    return redirect(url_for("portal.status"))


def _show(support_request):
    import sqlalchemy as sa

    application = db.session.scalar(sa.select(OnlineApplication).where(
        OnlineApplication.request_id == support_request.id))
    locale = locale_code()
    service = next((s for s in services(g.tenant) if s.code == support_request.service), None)
    return render_template(
        "portal/status.html", r=support_request, application=application, RequestState=RequestState,
        service_label=service.label(locale) if service else support_request.service,
        expected_due=operations.expected_due(g.tenant, support_request.received_at),
        review=(g.tenant.settings or {}).get("review", {}))
