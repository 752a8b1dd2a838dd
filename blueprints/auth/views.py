from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth.forms import LoginForm
from core import accounts
from core.extensions import limiter
from core.roles import STAFF_ROLES, Role

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_key() -> str:
    # Per address and account, so one attacker cannot lock out everyone behind the same NAT.
    return f"{request.remote_addr}|{accounts.normalise_email(request.form.get('email', ''))}"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user) -> str:
    """Where a person lands after login: their one tenant's work area, the operator console, or a chooser."""
    memberships = accounts.memberships(user)
    if len(memberships) == 1:
        tenant, roles = memberships[0]
        if roles & STAFF_ROLES:
            return url_for("staff.home", tenant_slug=tenant.slug)
        if Role.tenant_admin in roles:
            return url_for("admin.home", tenant_slug=tenant.slug)
    if not memberships and user.is_operator:
        return url_for("operator.index")
    return url_for("auth.tenants")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    if request.method == "GET" and session.pop("session_expired", False):
        flash(_("Your session ended after a period of inactivity. Please log in again."), "warning")
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail or password is not correct."))
        else:
            accounts.start_session(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    status = 401 if form.errors and request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    accounts.end_session()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.get("/tenants")
@login_required
def tenants():
    return render_template("auth/tenants.html", memberships=accounts.memberships(current_user))
