"""Admin routes: the association's own settings (channels, tools, review body, deadline, …)."""
from datetime import date, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from blueprints.admin.forms import SettingsForm
from blueprints.admin.views import bp
from core import holidays, tenant_settings
from core.catalog import CHANNELS, TOOLS
from core.extensions import db
from core.roles import Role
from core.tenant_files import TenantFileError, unlisted_custom
from core.tenant_forms import SECTION_LABELS
from core.web import roles_required


def _version(tenant) -> str:
    return str(tenant.version)


def _fresh_form() -> SettingsForm:
    form = SettingsForm(formdata=None, data=SettingsForm.initial_data(g.tenant.settings or {}))
    form.version.data = _version(g.tenant)
    return form


def _holiday_dates(settings: dict) -> list[date]:
    return [date.fromisoformat(day) for day in settings.get("holidays", [])]


def _upcoming_holidays() -> list:
    """The platform's holidays of the next twelve months, for the settings page."""
    today = date.today()
    return holidays.platform_holidays_between(today, today + timedelta(days=365))


def _render(form: SettingsForm, status: int = 200):
    return render_template("admin/settings.html", tenant=g.tenant, form=form, catalogs={
        "channels": CHANNELS, "tools": TOOLS}, holiday_dates=_holiday_dates(g.tenant.settings or {}),
        platform_holidays=_upcoming_holidays(), unlisted=unlisted_custom(g.tenant.settings or {})), status


def _conflict():
    """Saving now would silently undo a change someone made after this page was opened."""
    fresh = _fresh_form()
    fresh.general_errors.append(_("Someone changed these settings after you opened this page, so your "
                                  "changes were not saved. These are the current settings: make your "
                                  "changes again and save."))
    return _render(fresh, 409)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def settings():
    tenant = g.tenant
    if request.method == "GET":
        return _render(_fresh_form())
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    if form.version.data != _version(tenant):
        return _conflict()
    changes = form.to_changes()
    if not form.has_errors():
        try:
            changed = tenant_settings.update(tenant, changes)
        except TenantFileError as exc:
            db.session.rollback()
            form.show_problems(exc.problems)
        except StaleDataError:  # saved by someone else between our check and our UPDATE
            db.session.rollback()
            return _conflict()
        else:
            if not changed:
                flash(_("Nothing was changed."), "info")
                return redirect(url_for("admin.settings"))
            db.session.commit()
            order = list(SECTION_LABELS)
            changed.sort(key=lambda key: order.index(key) if key in order else len(order))
            names = list(dict.fromkeys(str(SECTION_LABELS.get(key, key)) for key in changed))
            flash(_("Settings saved: {sections}.").format(sections=_(", ").join(names)), "success")
            return redirect(url_for("admin.settings"))
    return _render(form, 422)
