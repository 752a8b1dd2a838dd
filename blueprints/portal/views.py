"""The association's public portal at /<slug>/."""
from flask import g, render_template

from core.settings import channel_labels
from core.web import tenant_blueprint

bp = tenant_blueprint("portal", __name__)


@bp.get("/")
def home():
    from core.portal.operations import takes_applications

    modules = set((g.tenant.settings or {}).get("modules", []))
    return render_template("portal/home.html", tenant=g.tenant, channel_labels=channel_labels(g.tenant),
                           modules=modules, takes_applications=takes_applications(g.tenant))
