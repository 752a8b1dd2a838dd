"""The satisfaction survey behind a one-time link: /<slug>/survey/<token>."""
from flask import abort, g, render_template, request
from flask_babel import gettext as _

from blueprints.portal.views import bp
from core.beneficiaries.errors import FormErrors
from core.extensions import db
from core.i18n import locale_code
from core.surveys import operations
from core.surveys.questions import SCORE_LABELS, questions


def _page(invitation, status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    context.setdefault("values", {})
    subject = invitation.subject_label_ar if locale_code() == "ar" else invitation.subject_label_en
    return render_template("portal/survey.html", questions=questions(g.tenant), subject=subject,
                           score_labels=list(SCORE_LABELS.items()), **context), status


def _spent(exc):
    return render_template("portal/message.html", title=_("Thank you"), text=exc.message), 410


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str):
    g.personal_data = True  # the link is personal: no cache may keep the page
    try:
        invitation = operations.open_invitation(token)
    except operations.LinkUsed as exc:
        return _spent(exc)
    if invitation is None:
        abort(404)
    if request.method == "GET":
        return _page(invitation)
    try:
        operations.answer(g.tenant, invitation, request.form)
    except FormErrors as exc:
        db.session.rollback()
        return _page(invitation, 422, errors=exc.errors, error=exc.message, values=request.form.to_dict())
    except operations.LinkUsed as exc:
        db.session.rollback()
        return _spent(exc)
    db.session.commit()
    return render_template("portal/message.html", title=_("Thank you for your opinion"),
                           text=_("Your answer was recorded. It helps the association improve its service."))
