"""Platform pages outside any tenant: the landing page and the health check."""
import sqlalchemy as sa
from flask import Blueprint, render_template

from core.extensions import db
from core.models import Tenant, TenantStatus

bp = Blueprint("platform", __name__)


@bp.get("/")
def landing():
    tenants = db.session.scalars(
        sa.select(Tenant).where(Tenant.status == TenantStatus.active).order_by(Tenant.name_ar)
    ).all()
    return render_template("platform/landing.html", tenants=tenants)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "error", "database": "unreachable", "detail": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}
