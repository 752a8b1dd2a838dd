"""The staff blueprint and what its views share: loading records of the current tenant, refusals."""
from functools import lru_cache

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.beneficiaries.errors import ConflictError, FormErrors, NotAllowed
from core.extensions import db
from core.i18n import dual_date, enum_label, locale_code
from core.models.keys import get_in_tenant
from core.roles import STAFF_ROLES, Role
from core.web import tenant_blueprint
from core.workflow.states import INTAKE

bp = tenant_blueprint("staff", __name__, "/staff", members_only=True)

#: Everyone in the staff area may read; these may change files and move requests at intake.
READERS = tuple(STAFF_ROLES)
EDITORS = tuple(INTAKE)
REFERRERS = tuple(INTAKE | {Role.reviewer, Role.executive_director})


def get_or_404(model, ident):
    """A record of the current tenant by id; another tenant's id is simply not found."""
    obj = get_in_tenant(model, ident)
    if obj is None:
        abort(404)
    return obj


def can(*roles) -> bool:
    return bool(set(map(str, roles)) & g.get("roles", frozenset()))


def status_for(exc) -> int:
    if isinstance(exc, FormErrors):
        return 422
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return 409  # an illegal transition: the request's state conflicts with the action


def refused(exc, render, **context):
    """Undo whatever the failed attempt began, then show the page again with the reason."""
    db.session.rollback()
    errors = getattr(exc, "errors", {})
    return render(errors=errors, error=exc.message, **context), status_for(exc)


def done(message, endpoint: str, **values):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def confirmation_answer() -> str | None:
    """What the person answered on the confirmation page: "1" (go ahead), "back", or None (not asked yet)."""
    answer = request.form.get("confirmed")
    return answer if answer in ("1", "back") else None


def finish(message, endpoint: str, render, *, confirm: dict | None = None, failed=None, **values):
    """After an operation ran without error: commit and redirect, or — for an irreversible action not yet
    confirmed — undo it (it was a dry run, so every check already passed) and ask first.

    `confirm` holds the confirmation page's `title`, `record` and optional `warning`. Without JavaScript
    this is a page of its own; "Go back" shows the form again with what was typed.
    """
    answer = confirmation_answer()
    if confirm is None or answer == "1":
        return done(message, endpoint, **values)
    db.session.rollback()
    if answer == "back":
        return render(values=request.form.to_dict(), failed=failed or request.endpoint)
    from core.i18n import page_path

    kept = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return show("staff/confirm.html", fields=kept, action_url=request.script_root + request.full_path.rstrip("?"),
                back_url=page_path(), **confirm)


def show(template: str, **context):
    context.setdefault("errors", {})
    context.setdefault("error", None)
    return render_template(template, tenant=g.tenant, **context)


def id_url_prefix(endpoint: str, key: str) -> str:
    """The URL of `endpoint` up to its id (`/alpha/staff/requests/`): lists build one link a row, and
    url_for cost ~0.1 ms each, 14 ms on the work queues' 140 rows; the prefix is built once a page."""
    url = url_for(endpoint, **{key: 0})
    if not url.endswith("/0"):
        raise ValueError(f"{endpoint} does not end with its {key}")
    return url[:-1]


#: The colour of each request state's badge.
_BADGE_COLOURS = {"received": "secondary", "documents_pending": "warning", "declared": "info",
                  "under_review": "primary", "accepted": "success", "rejected": "danger", "registered": "success",
                  "served": "success", "closed": "dark", "withdrawn": "dark"}


@bp.app_template_global()
def state_badge(state) -> Markup:
    """A request state as a coloured badge. Python, not a template macro: lists show one on every row, and
    a macro call costs more than the row's other cells together; the markup is made once per language."""
    return _state_badge(str(state), locale_code())


@lru_cache(maxsize=256)
def _state_badge(state: str, locale: str) -> Markup:
    from core.workflow.states import RequestState

    return Markup('<span class="badge text-bg-{} state-{}">{}</span>').format(
        _BADGE_COLOURS.get(state, "secondary"), state, enum_label(state, RequestState))


@bp.app_template_global()
def due(r, today) -> Markup:
    """A request's decision deadline in both calendars, flagged when it passed while the request waits."""
    if not r.decision_due:
        return Markup("")
    overdue = r.state == "under_review" and r.decision_due < today
    flag = Markup('<span class="badge text-bg-danger overdue">{}</span> ').format(_("Overdue")) if overdue else ""
    return flag + dual_date(r.decision_due)


@bp.app_template_global()
def staff_menu() -> Markup:
    """The staff menu (staff/_nav_links.html), rendered once for each combination of everything it shows:
    the association (its address and its modules), the language, the page (marked active), the person's
    roles here and their unread notifications. A change of any of them is a new key, so the menu is never
    stale; the least recently used of 2,048 menus go first (~3 KB each)."""
    from core.notifications.operations import unread_count

    tenant = g.tenant
    known = g.get("unread_notifications")  # read with the session and the tenant (core.web)
    unread = known if known is not None else unread_count(current_user)
    key = (tenant.id, tenant.slug, tuple((tenant.settings or {}).get("modules", [])), locale_code(),
           request.endpoint, request.script_root, tuple(sorted(g.get("roles", ()))), unread)
    return _staff_menu(key)


@lru_cache(maxsize=2048)
def _staff_menu(key: tuple) -> Markup:
    return Markup(render_template("staff/_nav_links.html"))


@bp.context_processor
def staff_helpers():
    from core.i18n import locale_code
    from core.identity import display_mobile
    from core.lifecycle.states import FileStatus
    from core.modules import enabled
    from core.settings import channels
    from core.workflow.services import SERVICE_KIND_LABELS

    locale = locale_code()
    channel_labels = {"email": _("E-mail"), "sms": _("SMS")}
    if g.get("tenant"):
        channel_labels.update({c.code: c.label(locale) for c in channels(g.tenant)})

    return {
        "display_mobile": display_mobile,
        "may_open_files": can(*EDITORS),
        "may_handle_personal_data": can(Role.relations_officer, Role.social_researcher, Role.executive_director),
        "channel_label": lambda code: channel_labels.get(code, code),
        "service_kind_label": lambda code: SERVICE_KIND_LABELS.get(code, code or ""),
        "service_kind_options": list(SERVICE_KIND_LABELS.items()),
        "module_on": lambda code: enabled(g.get("tenant"), code),
        "id_url_prefix": id_url_prefix,
        "file_status": FileStatus,
    }
