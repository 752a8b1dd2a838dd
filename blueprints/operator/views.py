"""The platform operator's console: every tenant, provisioning from a file or a form, suspending."""
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.operator.forms import ProvisionForm, UploadForm
from core import audit, tenant_files, tenants
from core.catalog import CHANNELS, MODULES, TOOLS
from core.extensions import db
from core.invitations import operations as invitations
from core.messaging.compose import isolate
from core.models import Tenant
from core.models.policy import BoardApproval
from core.reports.platform import overview
from core.roles import Role
from core.tenancy import cross_tenant_scope
from core.tenant_files import TenantFileError
from core.validation import translate
from core.web import operator_required

bp = Blueprint("operator", __name__, url_prefix="/operator")

#: A tenant file is a page of text; anything much larger is not one.
MAX_FILE_BYTES = 256 * 1024

OUTCOMES = {
    "created": lambda slug: _("The association {slug} was created.").format(slug=slug),
    "updated": lambda slug: _("The association {slug} was updated.").format(slug=slug),
    "unchanged": lambda slug: _("The association {slug} already matched the file: nothing changed.").format(slug=slug),
}


def _tenant_or_404(slug: str) -> Tenant:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    return tenant


@bp.get("/")
@operator_required
def index():
    with cross_tenant_scope():
        counts = tenants.counts()
        audit.record("operator.view", object_type="Tenant", object_id="*", tenant_id=None)
        all_tenants = db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)).all()
        db.session.commit()
    member_counts = {tenant_id: c["members"] for tenant_id, c in counts.items()}
    return render_template("operator/index.html", tenants=all_tenants, counts=counts, member_counts=member_counts)


@bp.get("/tenants/<slug>")
@operator_required
def tenant(slug: str):
    with cross_tenant_scope():
        found = _tenant_or_404(slug)
        count = tenants.counts().get(found.id, {"members": 0, "audit": 0})
        approvals = _board_approvals(found)
        audit.record("operator.view", found, tenant_id=None)
        db.session.commit()
    return render_template("operator/tenant.html", tenant=found, count=count, approvals=approvals,
                           catalogs={"channels": CHANNELS, "tools": TOOLS, "modules": MODULES})


def _board_approvals(tenant) -> SimpleNamespace:
    """The board approvals recorded for the tenant's policy versions, counted from the records themselves:
    the tenant file's list only seeds them, and approvals recorded on the policy pages are not in it."""
    query = sa.select(BoardApproval).where(BoardApproval.tenant_id == tenant.id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    latest = db.session.scalars(query.order_by(BoardApproval.gregorian_date.desc().nulls_last(),
                                               BoardApproval.created_at.desc()).limit(1)).first()
    if latest is None or latest.gregorian_date is None:
        return SimpleNamespace(count=count, latest=None)
    # plain values: the page renders after the commit, outside the cross-tenant scope the rows need
    return SimpleNamespace(count=count, latest=SimpleNamespace(gregorian_date=latest.gregorian_date,
                                                               version_number=latest.version_number))


@bp.get("/tenants/<slug>/export.toml")
@operator_required
def export(slug: str):
    with cross_tenant_scope():
        found = _tenant_or_404(slug)
        text = tenants.export(found)
        audit.record("operator.export", found, tenant_id=None)
        db.session.commit()
    return Response(text, mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.toml"'})


def _provisioned(tenant_file, first_admin: str | None = None):
    """Provision (create or update) and go to the tenant's page, telling the outcome and the warnings.
    With `first_admin`, that e-mail is invited as the new association's administrator, in the same
    transaction (an invitation that cannot be made raises InvitationError and nothing is written)."""
    with cross_tenant_scope():
        result = tenants.provision(tenant_file)
        if first_admin:
            invitations.invite(result.tenant, first_admin, [Role.tenant_admin], current_user._get_current_object())
        db.session.commit()
        slug = result.tenant.slug
    flash(OUTCOMES[result.outcome](slug), "success" if result.outcome != "unchanged" else "info")
    if first_admin:
        flash(_("An invitation to administer the association was sent to {email}.").format(
            email=isolate(first_admin.lower())), "success")
    for warning in tenant_file.warnings:
        flash(_("Warning: {warning}").format(warning=warning), "warning")
    return redirect(url_for("operator.tenant", slug=slug))


@bp.route("/provision", methods=["GET", "POST"])
@operator_required
def provision():
    """Upload a tenant file: check it only, or provision it (create or update, as `wasl tenants provision`)."""
    form = UploadForm()
    problems, checked = [], None
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            upload = form.tenant_file.data
            source = Path(upload.filename or "upload.toml").name
            raw = upload.stream.read(MAX_FILE_BYTES + 1)
            try:
                if len(raw) > MAX_FILE_BYTES:
                    raise TenantFileError([], [("", _("The file is too large to be a tenant file."))])
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise TenantFileError([], [("", _("The file is not UTF-8 text."))]) from None
                tenant_file = tenant_files.parse(text, source)
            except TenantFileError as exc:
                problems = [(key, translate(message)) for key, message in exc.problems]
            else:
                if request.form.get("action") == "check":
                    checked, status = tenant_file, 200
                else:
                    return _provisioned(tenant_file)
    return render_template("operator/provision.html", form=form, problems=problems, checked=checked), status


def _settings_form_page(form: ProvisionForm, existing: Tenant | None, status: int):
    return render_template("operator/tenant_form.html", form=form, existing=existing,
                           catalogs={"channels": CHANNELS, "tools": TOOLS}), status


@bp.route("/tenants/new", methods=["GET", "POST"])
@operator_required
def tenant_new():
    """A new association from a form: the same schema as a tenant file decides what is valid."""
    if request.method == "GET":
        data = ProvisionForm.initial_data({"channels": ["interview", "phone"], "review": {
            "body": "committee", "label_ar": "لجنة البحث", "label_en": "Research committee",
            "decision_sla_days": 14}})
        return _settings_form_page(ProvisionForm(formdata=None, data=data), None, 200)
    form = ProvisionForm()
    if not form.validate_on_submit():
        return _settings_form_page(form, None, 400)
    raw = form.to_changes()
    if not form.has_errors():
        with cross_tenant_scope():
            taken = raw["slug"] and tenants.by_slug(raw["slug"]) is not None
        if taken:
            form.show_problems([("slug", _("An association with this slug exists already; open it to change it."))])
        else:
            try:
                return _provisioned(tenant_files.validate(raw, source="form"), form.first_admin_email.data or None)
            except TenantFileError as exc:
                form.show_problems(exc.problems)
            except invitations.InvitationError as exc:
                db.session.rollback()
                form.first_admin_email.errors = [*form.first_admin_email.errors, translate(exc.message)]
    return _settings_form_page(form, None, 422)


@bp.route("/tenants/<slug>/edit", methods=["GET", "POST"])
@operator_required
def tenant_edit(slug: str):
    """Everything a tenant file holds but board approvals, as a form (the file's other keys are kept)."""
    with cross_tenant_scope():
        existing = _tenant_or_404(slug)
        current = tenants.file_data(existing)
    if request.method == "GET":
        form = ProvisionForm(formdata=None, data=ProvisionForm.initial_data(current))
        return _settings_form_page(form, existing, 200)
    form = ProvisionForm()
    if not form.validate_on_submit():
        return _settings_form_page(form, existing, 400)
    raw = {**current, **form.to_changes(), "slug": slug}
    if not form.has_errors():
        try:
            return _provisioned(tenant_files.validate(raw, source=slug))
        except TenantFileError as exc:
            form.show_problems(exc.problems)
    return _settings_form_page(form, existing, 422)


@bp.post("/tenants/<slug>/suspend")
@operator_required
def suspend(slug: str):
    with cross_tenant_scope():
        tenants.suspend(_tenant_or_404(slug))
        db.session.commit()
    flash(_("The association was suspended; its pages are no longer served."), "success")
    return redirect(request.form.get("next") == "tenant" and url_for("operator.tenant", slug=slug)
                    or url_for("operator.index"))


@bp.post("/tenants/<slug>/resume")
@operator_required
def resume(slug: str):
    with cross_tenant_scope():
        tenants.resume(_tenant_or_404(slug))
        db.session.commit()
    flash(_("The association is active again."), "success")
    return redirect(request.form.get("next") == "tenant" and url_for("operator.tenant", slug=slug)
                    or url_for("operator.index"))


@bp.get("/reports")
@operator_required
def reports():
    """Counts per association (files, requests, deadlines kept): no personal data."""
    with cross_tenant_scope():
        rows = overview()
        audit.record("operator.reports", object_type="Tenant", object_id="*", tenant_id=None)
        db.session.commit()
    return render_template("operator/reports.html", rows=rows)
