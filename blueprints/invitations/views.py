"""The invited person's page: set a password (new account) or, logged in, accept."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.invitations.forms import AcceptForm, NewAccountForm
from core import accounts
from core.extensions import db
from core.i18n import locale_code
from core.invitations import operations as invitations
from core.models import Tenant
from core.roles import STAFF_ROLES
from core.validation import translate

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


def _gone():
    return render_template("invitations/gone.html"), 404


def _joined(invitation, tenant):
    """Welcome the person and take them to the area their new roles open."""
    flash(_("Welcome: you are now a member of {association}.").format(association=tenant.name(locale_code())),
          "success")
    if set(invitation.roles) & STAFF_ROLES:
        return redirect(url_for("staff.home", tenant_slug=tenant.slug))
    return redirect(url_for("admin.home", tenant_slug=tenant.slug))


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = invitations.find(token)
    if invitation is None:
        return _gone()
    tenant = db.session.get(Tenant, invitation.tenant_id)
    account = invitations.account_for(invitation)
    context = {"invitation": invitation, "tenant": tenant, "account": account}
    if account is None:
        form = NewAccountForm()
        status = 200
        if form.is_submitted():
            status = 422
            if form.validate():
                try:
                    user = invitations.accept_with_new_account(invitation, form.name.data, form.password.data)
                except invitations.InvitationError as exc:
                    db.session.rollback()
                    target = getattr(form, exc.field or "", None) or form.password
                    target.errors = [*target.errors, translate(exc.message)]
                else:
                    accounts.start_session(user)  # commits the account, the roles and the invitation
                    return _joined(invitation, tenant)
        return render_template("invitations/new_account.html", form=form, **context), status
    if not current_user.is_authenticated:
        return render_template("invitations/log_in.html", **context)
    form = AcceptForm()
    error = None
    status = 200
    if current_user.email != invitation.email:
        error, status = _("This invitation was sent to another e-mail address: log out, then open the link again "
                          "and log in as that person."), 403
    elif form.is_submitted():
        if not form.validate():
            return render_template("errors/error.html", code=400, csrf_failed=True), 400
        try:
            invitations.accept_as(invitation, current_user._get_current_object())
        except invitations.InvitationError as exc:
            db.session.rollback()
            error, status = translate(exc.message), 409
        else:
            db.session.commit()
            return _joined(invitation, tenant)
    return render_template("invitations/accept.html", form=form, error=error, **context), status
