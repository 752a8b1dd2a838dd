"""Public policy pages: the tenant's approved policy (or its draft, marked so) as HTML and as PDF."""
from flask import abort, g, render_template

from blueprints.portal.views import bp
from core.i18n import locale_code
from core.policy import pdf, versions


def _public_version():
    version = versions.public_version(g.tenant, document=True)
    if version is None:
        abort(404)
    return version


def _page_values(version, locale: str) -> dict:
    return {"version": version, "approved": versions.board_approved(version),
            "approved_on": versions.approval_date(version),
            "document": versions.document(version, locale, g.tenant)}


@bp.get("/policy")
def policy():
    version = _public_version()
    return render_template("portal/policy.html", tenant=g.tenant, **_page_values(version, locale_code()))


@bp.get("/policy.pdf")
def policy_pdf():
    version = _public_version()
    locale = locale_code()
    html = render_template("portal/policy_pdf.html", locale=locale, **_page_values(version, locale))
    return pdf.response(html, f"{g.tenant.slug}-policy-v{version.number}-{locale}.pdf")
