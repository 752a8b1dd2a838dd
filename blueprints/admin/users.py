"""Admin routes: the association's members and their roles."""
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from blueprints.admin.forms import InviteForm, MemberRolesForm, RemoveMemberForm, RevokeInvitationForm
from blueprints.admin.views import bp
from core import memberships
from core.digits import to_int
from core.extensions import db
from core.invitations import operations as invitations
from core.messaging.compose import isolate
from core.models.base import utcnow
from core.models.keys import INT4_MAX
from core.roles import Role
from core.validation import translate
from core.web import roles_required


def _member_or_404(user_id: int):
    found = memberships.member(g.tenant, user_id) if 0 < user_id <= INT4_MAX else None
    if found is None:
        abort(404)  # not a member here: another tenant's people are not even confirmed to exist
    return found


def _show_error(form, exc) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    target = field if field is not None else form.roles
    target.errors = [*(target.errors or []), translate(exc.message)]


@bp.get("/users")
@roles_required(Role.tenant_admin)
def users():
    return render_template("admin/users.html", tenant=g.tenant, members=memberships.members(g.tenant),
                           invitations=invitations.pending(g.tenant), revoke_form=RevokeInvitationForm(),
                           now=utcnow())


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def user_invite():
    """Invite someone by e-mail. The answer is the same whether or not the e-mail has an account."""
    form = InviteForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                invitation = invitations.invite(g.tenant, form.email.data, form.roles.data,
                                                current_user._get_current_object())
            except invitations.InvitationError as exc:
                db.session.rollback()
                _show_error(form, exc)
            else:
                db.session.commit()
                flash(_("An invitation was sent to {email}.").format(email=isolate(invitation.email)) + " " +
                      ngettext("It is valid for %(num)d day; the person joins when they accept it.",
                               "It is valid for %(num)d days; the person joins when they accept it.",
                               invitations.valid_days()), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/users_invite.html", tenant=g.tenant, form=form,
                           days=invitations.valid_days()), status


@bp.post("/users/invitations/<int:invitation_id>/revoke")
@roles_required(Role.tenant_admin)
def invitation_revoke(invitation_id: int):
    form = RevokeInvitationForm()
    if not form.validate_on_submit():
        abort(400)
    invitation = invitations.revoke(g.tenant, invitation_id)
    if invitation is None:
        abort(404)
    db.session.commit()
    flash(_("The invitation to {email} was withdrawn: its link no longer works.").format(
        email=isolate(invitation.email)), "success")
    return redirect(url_for("admin.users"))


def _fresh_roles_form(user_id: int) -> tuple[MemberRolesForm, list[str]]:
    _user, roles = _member_or_404(user_id)
    version = memberships.version_of(g.tenant, user_id)
    return MemberRolesForm(formdata=None, data={"roles": roles, "version": version}), roles


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def user_edit(user_id: int):
    user, roles = _member_or_404(user_id)
    form = MemberRolesForm(data={"roles": roles, "version": memberships.version_of(g.tenant, user_id)})
    conflict = None
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                before, after = memberships.set_roles(g.tenant, user, form.roles.data,
                                                      to_int(form.version.data or "", high=INT4_MAX))
            except memberships.MembershipConflict as exc:
                db.session.rollback()
                # The page shows the roles as they are now; the admin decides again.
                form, roles = _fresh_roles_form(user_id)
                conflict, status = translate(exc.message), 409
            except memberships.MembershipError as exc:
                db.session.rollback()
                _show_error(form, exc)
            else:
                db.session.commit()
                if before == after:
                    flash(_("Nothing was changed."), "info")
                else:
                    flash(_("The roles of {name} were saved.").format(name=user.name), "success")
                if user.id == current_user.id and Role.tenant_admin.value not in after:
                    return redirect(url_for("auth.tenants"))
                return redirect(url_for("admin.users"))
    return render_template("admin/users_edit.html", tenant=g.tenant, form=form, member=user, roles=roles,
                           conflict=conflict, is_self=user.id == current_user.id), status


@bp.route("/users/<int:user_id>/remove", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def user_remove(user_id: int):
    user, roles = _member_or_404(user_id)
    form = RemoveMemberForm()
    error = None
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                memberships.remove_member(g.tenant, user)
            except memberships.MembershipError as exc:
                db.session.rollback()
                error = translate(exc.message)
            else:
                db.session.commit()
                flash(_("{name} is no longer a member of the association; their account was kept.")
                      .format(name=user.name), "success")
                if user.id == current_user.id:
                    return redirect(url_for("auth.tenants"))
                return redirect(url_for("admin.users"))
    return render_template("admin/users_remove.html", tenant=g.tenant, form=form, member=user, roles=roles,
                           error=error, is_self=user.id == current_user.id), status
