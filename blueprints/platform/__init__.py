"""Platform pages outside any tenant: the landing page and the health check."""
import hmac

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory

from core.extensions import db
from core.models import Tenant, TenantStatus

bp = Blueprint("platform", __name__)


@bp.get("/")
def landing():
    tenants = db.session.scalars(
        sa.select(Tenant).where(Tenant.status == TenantStatus.active).order_by(Tenant.name_ar)
    ).all()
    return render_template("platform/landing.html", tenants=tenants)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page whatever the page links: the icon, cached for a week."""
    return send_from_directory(current_app.static_folder, "img/favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@bp.get("/apple-touch-icon.png")
@bp.get("/apple-touch-icon-precomposed.png")
def apple_touch_icon():
    return send_from_directory(current_app.static_folder, "img/apple-touch-icon.png", max_age=7 * 24 * 3600)


@bp.get("/dates/understand")
def understand_date():
    """What a typed date means, in both calendars: the preview under every date field asks here, so the
    page shows exactly what the server will store (no personal data: only the typed date comes in)."""
    from flask_babel import gettext as _
    from markupsafe import Markup

    from core.dates import understood
    from core.i18n import dual_date

    seen = understood(request.args.get("value", "")[:40])
    if seen is None:
        return {"ok": False, "html": ""}
    if not seen["ok"]:
        return {"ok": False, "error": seen["error"]}
    html = Markup("{} {}").format(_("Understood as"), dual_date(seen["day"]))
    return {"ok": True, "iso": seen["iso"], "hijri": seen["hijri"], "calendar": seen["calendar"], "html": str(html)}


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "error", "database": "unreachable", "detail": type(exc).__name__}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready to take traffic: the database answers, and Redis and the task broker when configured."""
    from core.observability import readiness

    checks = readiness(current_app)
    ready = all(state in ("ok", "not configured") for state in checks.values())
    return {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for the operator's scraper only (Authorization: Bearer METRICS_TOKEN)."""
    from core.observability import render_metrics

    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return Response("metrics need the operator's token\n", 401, {"WWW-Authenticate": "Bearer"})
    body, content_type = render_metrics(current_app)
    return Response(body, content_type=content_type)
