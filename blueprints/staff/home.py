"""Staff routes: the work-queue home page and search."""
from flask import g, request
from flask_babel import lazy_gettext as _l

from blueprints.staff.base import READERS, bp, show
from core import audit
from core.beneficiaries import vocabulary
from core.digits import DigitError, to_ascii
from core.extensions import db
from core.roles import Role
from core.web import roles_required
from core.workflow import queries
from core.workflow.deadlines import today
from core.workflow.services import services
from core.workflow.states import INTAKE

QUEUES = {
    "new": _l("New requests"),
    "documents": _l("Waiting for documents"),
    "ready": _l("Ready to send for a decision"),
    "decision": _l("Waiting for a decision (overdue first)"),
    "to_serve": _l("Accepted: to register and serve"),
    "not_notified": _l("Decisions not yet notified"),
    "referrals": _l("Referrals to answer"),
}


def queues_for(roles) -> list[str]:
    names = []
    if roles & INTAKE:
        names += ["new", "documents", "ready"]
    if roles & {Role.reviewer, Role.executive_director, Role.viewer} or roles & INTAKE:
        names.append("decision")
    if roles & INTAKE:
        names += ["to_serve", "not_notified"]
    if Role.referral_officer in roles:
        names.append("referrals")
    if Role.executive_director in roles and "not_notified" not in names:
        names.append("not_notified")
    return names


@bp.get("/")
@roles_required(*READERS)
def home():
    names = queues_for(g.roles)
    queues = [(name, QUEUES[name], rows, total)
              for name, (rows, total) in zip(names, queries.queues(names), strict=True)]
    queues.sort(key=lambda queue: queue[3] == 0)  # queues with work first, in their usual order
    return show("staff/home.html", queues=queues, roles=sorted(g.roles), today=today(),
                service_labels={s.code: s for s in services(g.tenant)})


@bp.route("/search", methods=["GET", "POST"])
@roles_required(*READERS)
def search():
    """Search is a POST, so an ID number or a mobile never lands in a URL, a log or the history."""
    if request.method == "GET":
        return show("staff/search.html", result=None, q="")
    q = request.form.get("q", "").strip()[:200]
    try:
        to_ascii(q)
    except DigitError as exc:
        return show("staff/search.html", result=None, q=q, errors={"q": exc.message}), 422
    result = queries.search(q) if q else None
    page = show("staff/search.html", result=result, q=q, category_labels=vocabulary.category_labels(g.tenant),
                today=today())
    if result is not None:
        audit.record_read("beneficiary.search", object_type="Beneficiary",
                     after={"by": result.kind, "found": len(result.beneficiaries) + len(result.requests)})
        db.session.commit()  # after rendering: committing expires what the page reads
    return page
