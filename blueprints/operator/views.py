import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from core import audit, tenants
from core.extensions import db
from core.models import Tenant, TenantRole
from core.tenancy import cross_tenant_scope
from core.web import operator_required

bp = Blueprint("operator", __name__, url_prefix="/operator")


@bp.get("/")
@operator_required
def index():
    with cross_tenant_scope():
        member_counts = dict(db.session.execute(
            sa.select(TenantRole.tenant_id, sa.func.count(sa.distinct(TenantRole.user_id)))
            .group_by(TenantRole.tenant_id)
        ).all())
        audit.record("operator.view", object_type="Tenant", object_id="*", tenant_id=None)
        all_tenants = db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)).all()
        db.session.commit()
    return render_template("operator/index.html", tenants=all_tenants, member_counts=member_counts)


def _tenant_or_404(slug: str) -> Tenant:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        abort(404)
    return tenant


@bp.post("/tenants/<slug>/suspend")
@operator_required
def suspend(slug: str):
    with cross_tenant_scope():
        tenants.suspend(_tenant_or_404(slug))
        db.session.commit()
    flash(_("The association was suspended; its pages are no longer served."), "success")
    return redirect(url_for("operator.index"))


@bp.post("/tenants/<slug>/resume")
@operator_required
def resume(slug: str):
    with cross_tenant_scope():
        tenants.resume(_tenant_or_404(slug))
        db.session.commit()
    flash(_("The association is active again."), "success")
    return redirect(url_for("operator.index"))
