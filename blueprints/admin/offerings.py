"""Admin routes: the association's beneficiary categories, services (with each service's
required-documents checklist) and own survey questions: list, add, change, deactivate and reactivate."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from blueprints.admin.views import bp
from core import offerings
from core.extensions import db
from core.roles import Role
from core.web import roles_required

TITLES = {"categories": (_l("Beneficiary categories"), _l("Category")),
          "services": (_l("Services and their documents"), _l("Service")),
          "survey_questions": (_l("Satisfaction survey questions"), _l("Question"))}
STALE = _l("Someone changed these settings after you opened this page, so your changes were not saved. "
           "This is the current list: make your changes again.")


def _kind_or_404(kind: str) -> str:
    if kind not in offerings.KINDS:
        abort(404)
    return kind


@bp.get("/catalog/<kind>")
@roles_required(Role.tenant_admin)
def offerings_list(kind: str, status: int = 200, error: str | None = None):
    _kind_or_404(kind)
    return render_template("admin/offerings.html", tenant=g.tenant, kind=kind, titles=TITLES,
                           rows=offerings.entries(g.tenant, kind), active=offerings.active,
                           version=g.tenant.version, error=error), status


def _form(kind, entry, values, errors, status=200, error=None):
    documents = values.get("documents", entry.get("documents", []) if entry else [])
    return render_template("admin/offering_form.html", tenant=g.tenant, kind=kind, titles=TITLES, entry=entry,
                           values=values, errors=errors, error=error, version=g.tenant.version,
                           documents=list(documents) + [{}] * offerings.BLANK_DOCUMENTS), status


def _posted_values(kind) -> dict:
    values = request.form.to_dict()
    if kind == "services":
        values["documents"] = offerings.documents_from(request.form)
    return values


@bp.route("/catalog/<kind>/new", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def offering_new(kind: str):
    _kind_or_404(kind)
    if request.method == "GET":
        return _form(kind, None, {}, {})
    return _save(kind, None)


@bp.route("/catalog/<kind>/<code>", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def offering_edit(kind: str, code: str):
    _kind_or_404(kind)
    entry = offerings.find(g.tenant, kind, code)
    if entry is None:
        abort(404)
    if request.method == "GET":
        return _form(kind, entry, entry, {})
    return _save(kind, entry)


def _save(kind, entry):
    try:
        saved = offerings.save(g.tenant, kind, request.form, code=entry["code"] if entry else None)
    except offerings.Refused as exc:
        db.session.rollback()
        errors = dict(exc.errors)
        general = errors.pop("", None)
        return _form(kind, entry, _posted_values(kind), errors, 422,
                     error=general or _("Please correct the fields marked below."))
    except (offerings.Stale, StaleDataError):
        db.session.rollback()
        return offerings_list(kind, 409, str(STALE))
    db.session.commit()
    flash(_("“{label}” was saved.").format(label=saved["label_ar"] if _is_ar() else saved["label_en"]), "success")
    return redirect(url_for("admin.offerings_list", kind=kind))


@bp.post("/catalog/<kind>/<code>/active")
@roles_required(Role.tenant_admin)
def offering_active(kind: str, code: str):
    _kind_or_404(kind)
    on = request.form.get("active") == "1"
    try:
        offerings.set_active(g.tenant, kind, code, request.form, on)
    except LookupError:
        abort(404)
    except offerings.Refused as exc:
        db.session.rollback()
        return offerings_list(kind, 422, next(iter(exc.errors.values())))
    except (offerings.Stale, StaleDataError):
        db.session.rollback()
        return offerings_list(kind, 409, str(STALE))
    db.session.commit()
    flash(_("Offered again.") if on else _("No longer offered; what was recorded with it keeps its label."),
          "success")
    return redirect(url_for("admin.offerings_list", kind=kind))


def _is_ar() -> bool:
    from core.i18n import locale_code

    return locale_code() == "ar"
