"""Reporting a change from the portal: /<slug>/change, after the same check as the status page."""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.portal import access
from blueprints.portal.views import bp
from core.beneficiaries.errors import FormErrors
from core.beneficiaries.models import Beneficiary
from core.changes import operations
from core.changes.schemas import KINDS
from core.extensions import db
from core.models.keys import get_in_tenant
from core.workflow.models import SupportRequest


def _page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    return render_template("portal/change.html", kinds=list(KINDS.items()), **context), status


@bp.route("/change", methods=["GET", "POST"])
@access.limited
def change():
    g.personal_data = True
    ident = access.granted("request")
    support_request = get_in_tenant(SupportRequest, ident) if ident else None
    if support_request is None:
        flash(_("First confirm who you are with your request's details; then you can report the change."), "info")
        return redirect(url_for("portal.status"))
    if request.method == "GET":
        return _page(values={})
    beneficiary = db.session.get(Beneficiary, support_request.beneficiary_id)
    try:
        operations.submit(beneficiary, request.form)
    except FormErrors as exc:
        db.session.rollback()
        values = request.form.to_dict()
        values["kinds"] = request.form.getlist("kinds")
        return _page(422, errors=exc.errors, error=exc.message, values=values)
    db.session.commit()
    return render_template("portal/message.html", title=_("Thank you: your change was sent"),
                           text=_("The association will review it and update your file; you will be told if it "
                                  "cannot be recorded, and why."))
