from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.auth.forms import LoginForm
from core import accounts, devices
from core.extensions import limiter
from core.roles import STAFF_ROLES, Role

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _failed(response) -> bool:
    return response.status_code != 302


def _account_key() -> str:
    """Failures against one account: from a browser that logged in to it before (its device cookie), a
    budget of its own; from anywhere else, one shared budget. An attacker hammering the account never
    locks its owner out of their own browser. Keyed by a hash: the e-mail's size cannot grow storage."""
    email_key = devices.account_key(request.form.get("email", ""))
    device = devices.device_for(request.cookies.get(devices.COOKIE), email_key)
    return f"device:{device}" if device else f"account:{email_key}"


def _address_key() -> str:
    """Failures from one address across all accounts (password spraying)."""
    return f"address:{request.remote_addr}"


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
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_address_limit, key_func=_address_key, methods=["POST"], deduct_when=_failed)
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
            response = redirect(_safe_next(request.args.get("next")) or home_for(user))
            devices.remember(response, user.email)
            return response
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
