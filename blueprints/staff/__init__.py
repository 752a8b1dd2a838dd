"""The staff work area at /<slug>/staff/."""
from flask import g, render_template

from core.calendar import local_date
from core.models.base import utcnow
from core.roles import STAFF_ROLES
from core.web import roles_required, tenant_blueprint

bp = tenant_blueprint("staff", __name__, "/staff", members_only=True)


@bp.get("/")
@roles_required(*STAFF_ROLES)
def home():
    return render_template("staff/home.html", tenant=g.tenant, roles=sorted(g.roles),
                           today=local_date(utcnow()))
