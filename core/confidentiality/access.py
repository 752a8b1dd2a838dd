"""Who may open a file.

With the tenant setting `file_access = "assigned"`, a file is open only to its social researcher, the
person who opened it, the people working on its requests (received, sent to, decided, served), managers
(reviewers, the executive director) and the association's admins. Everyone else in the staff area sees
that the file exists (number and name) and nothing more; every refused look is audited as well.
"""
import sqlalchemy as sa
from flask import abort, g, make_response, render_template
from flask_babel import lazy_gettext as _l

from core import audit
from core.extensions import db
from core.roles import Role
from core.workflow.models import SupportRequest

FILE_ACCESS = ("all_staff", "assigned")
FILE_ACCESS_LABELS = {"all_staff": _l("Every staff member"), "assigned": _l("Only the people assigned to it")}
#: Roles that see every file whatever the setting.
MANAGERS = frozenset({Role.tenant_admin, Role.executive_director, Role.reviewer})


def file_access(tenant) -> str:
    return (tenant.settings or {}).get("file_access") or "all_staff"


def may_open(tenant, beneficiary, user_id: int, roles) -> bool:
    if file_access(tenant) == "all_staff" or set(map(str, roles)) & MANAGERS:
        return True
    if user_id in (beneficiary.researcher_id, beneficiary.created_by_id):
        return True
    works_on = sa.select(SupportRequest.id).where(
        SupportRequest.beneficiary_id == beneficiary.id,
        sa.or_(SupportRequest.received_by_id == user_id, SupportRequest.manager_id == user_id,
               SupportRequest.decided_by_id == user_id, SupportRequest.served_by_id == user_id)).limit(1)
    return db.session.scalar(works_on) is not None


def require(beneficiary, what: str = "file") -> None:
    """In a staff view: let the current person through, or audit the refusal and answer 403 with a page
    that says the file exists (number and name) but is confidential."""
    from flask_login import current_user

    if may_open(g.tenant, beneficiary, current_user.id, g.get("roles", ())):
        return
    audit.record("beneficiary.view_denied", beneficiary,
                 after={"what": what, "file_number": beneficiary.file_number})
    db.session.commit()
    abort(make_response(render_template("confidentiality/restricted.html", b=beneficiary, tenant=g.tenant), 403))
