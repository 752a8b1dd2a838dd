"""Printable letters of a support request, on the association's letterhead (WeasyPrint, Arabic shaped):
the receipt given at intake, the declaration to sign on paper, and the decision letter with its reason."""
from flask import g, render_template
from flask_babel import gettext as _

from blueprints.staff.base import READERS, bp, show
from blueprints.staff.casework import load_request
from core import audit
from core.extensions import db
from core.i18n import locale_code
from core.models import User
from core.models.base import utcnow
from core.policy import pdf
from core.settings import channels
from core.web import roles_required
from core.workflow.deadlines import sla_days
from core.workflow.operations import documents_of
from core.workflow.services import DECLARATION_TEXT, DECLARATION_VERSION, service
from core.workflow.states import RequestState


def _context(r) -> dict:
    lang = locale_code()
    tenant = g.tenant
    offered = service(tenant, r.service)
    channel = next((c for c in channels(tenant) if c.code == r.channel), None)
    review = (tenant.settings or {}).get("review") or {}
    return {
        "tenant": tenant, "lang": lang, "r": r, "b": r.beneficiary, "printed_at": utcnow(),
        "service": offered.label(lang) if offered else r.service,
        "channel": channel.label(lang) if channel else r.channel,
        "review_label": review.get("label_ar" if lang == "ar" else "label_en") or _("review committee"),
        "sla_days": sla_days(tenant),
    }


def is_rejected(r) -> bool:
    return r.state == RequestState.rejected or (r.state == RequestState.closed and r.served_at is None)


def _printed(r, letter: str, html: str):
    audit.record("request.print", r, after={"reference": r.reference, "letter": letter})
    db.session.commit()
    return pdf.response(html, f"{letter}-{r.reference}.pdf")


@bp.get("/requests/<int:request_id>/receipt.pdf")
@roles_required(*READERS)
def request_receipt_pdf(request_id: int):
    r = load_request(request_id)
    lang = locale_code()
    missing = [d.label(lang) for d in documents_of(r) if d.received_on is None]
    received_by = db.session.get(User, r.received_by_id) if r.received_by_id else None
    html = render_template("staff/print/receipt.html", missing=missing, received_by=received_by, **_context(r))
    return _printed(r, "receipt", html)


@bp.get("/requests/<int:request_id>/declaration.pdf")
@roles_required(*READERS)
def request_declaration_pdf(request_id: int):
    r = load_request(request_id)
    context = _context(r)
    if r.declaration_text:  # once signed, the exact text the applicant signed
        text, version = r.declaration_text, r.declaration_version
        text_lang = "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "en"
    else:
        text_lang = context["lang"]
        text, version = DECLARATION_TEXT.get(text_lang, DECLARATION_TEXT["ar"]), DECLARATION_VERSION
    html = render_template("staff/print/declaration.html", text=text, text_lang=text_lang, version=version,
                           **context)
    return _printed(r, "declaration", html)


@bp.get("/requests/<int:request_id>/decision.pdf")
@roles_required(*READERS)
def request_decision_pdf(request_id: int):
    r = load_request(request_id)
    if r.decided_at is None:
        message = _("Request {reference} has no decision yet: the decision letter can be printed once the "
                    "request is accepted or refused.").format(reference=r.reference)
        return show("staff/print/not_decided.html", r=r, message=message), 409
    html = render_template("staff/print/decision.html", rejected=is_rejected(r), **_context(r))
    return _printed(r, "decision", html)
