"""Applying online through the staff workflow's own operations, and finding one's own request.

There is one way to create a file and a request: `core.beneficiaries.operations.create_beneficiary` and
`core.workflow.operations.open_request`; the portal calls them with no staff member as the actor.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from core import audit
from core.beneficiaries import operations as files
from core.beneficiaries.errors import FormErrors, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary
from core.calendar import local_date
from core.extensions import db
from core.messaging import compose
from core.messaging.compose import isolate, plain_dual_date
from core.models.base import utcnow
from core.portal.models import OneTimeCode, OnlineApplication
from core.portal.schemas import ApplySchema, LookupSchema
from core.surveys.operations import Contact
from core.workflow import operations as workflow
from core.workflow.deadlines import sla_days
from core.workflow.models import SupportRequest
from core.workflow.services import DECLARATION_TEXT, DECLARATION_VERSION, services

WEBSITE = "website"
#: The file fields a member of the public may give; categories, researcher … stay with staff.
FILE_FIELDS = ("name", "national_id", "nationality", "gender", "birth_date", "birth_calendar", "mobile", "email",
               "city", "district", "address")


def takes_applications(tenant) -> bool:
    """The association lists its website among its channels (every seed does)."""
    return WEBSITE in workflow.channel_codes(tenant)


def expected_due(tenant, received_at: datetime) -> date:
    """When the decision is due if the file is complete on the day it is received."""
    return local_date(received_at) + timedelta(days=sla_days(tenant))


@dataclass
class Applied:
    request: SupportRequest
    beneficiary: Beneficiary
    application: OnlineApplication
    expected_due: date


def _load(schema, form):
    try:
        return schema.load_form(form)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def apply_online(tenant, form, language: str) -> Applied:
    """A support request through the channel "website": the file is matched by national ID or opened."""
    if not takes_applications(tenant):
        raise NotAllowed(_l("This association does not take requests through its website."))
    errors = {}
    try:
        data = _load(ApplySchema(services=[s.code for s in services(tenant, offered_only=True)]), form)
    except FormErrors as exc:
        errors, data = exc.errors, None
    file_form = MultiDict([(k, form.get(k, "")) for k in FILE_FIELDS] + [("language", language)])
    existing = None
    national_id = file_form.get("national_id")
    try:
        checked = files._load(files._schema(files.BeneficiarySchema, tenant), file_form)
    except FormErrors as exc:
        errors = {**exc.errors, **errors}
    else:
        existing = db.session.scalar(sa.select(Beneficiary).where(Beneficiary.national_id == checked["national_id"]))
        national_id = checked["national_id"]
    if errors:
        raise FormErrors(errors)
    beneficiary = existing or files.create_beneficiary(tenant, file_form, actor=None)
    request = workflow.open_request(tenant, beneficiary, MultiDict({
        "channel": WEBSITE, "service": data["service"], "details": data.get("details") or ""}),
        actor=None, acknowledge=existing is not None and compose.contact_of(beneficiary) is not None
        and beneficiary.mobile != data["mobile"])
    application = OnlineApplication(
        request_id=request.id, beneficiary_id=beneficiary.id, typed_name=data["signature"].strip(),
        declaration_version=DECLARATION_VERSION,
        declaration_text=DECLARATION_TEXT.get(language, DECLARATION_TEXT["ar"]),
        declared_at=utcnow(), given_name=data["name"].strip(), given_mobile=data["mobile"],
        given_email=(form.get("email") or "").strip().lower() or None, language=language,
        matched_file=existing is not None)
    db.session.add(application)
    db.session.flush()
    audit.record("request.apply_online", request, after={
        "reference": request.reference, "national_id": national_id, "matched_file": existing is not None,
        "typed_name": application.typed_name, "declaration_version": application.declaration_version})
    due = expected_due(tenant, request.received_at)
    _acknowledge(tenant, application, request, due)
    return Applied(request, beneficiary, application, due)


def applicant(application: OnlineApplication) -> Contact:
    return Contact(application.given_name, mobile=application.given_mobile, email=application.given_email,
                   language=application.language, beneficiary_id=application.beneficiary_id)


def _acknowledge(tenant, application, request, due):
    language = application.language
    with force_locale(language):
        values = {"association": tenant.name(language), "reference": isolate(request.reference),
                  "due": plain_dual_date(due, language), "due_g": isolate(due.isoformat()),
                  "status": compose.portal_url(tenant, "status")}
        subject = _("Your request {reference} was received").format(**values)
        body = _("{association} received your support request through its website. Your reference number is "
                 "{reference}: quote it whenever you contact us.\n\nIf your documents are complete, the decision "
                 "is due by {due}; you will be told the exact date when your request is sent for a decision.\n\n"
                 "Follow your request at {status}").format(**values)
        sms = (_("{association}: request {reference} received. Decision expected by {due}. Follow it: {status}")
               .format(**values),
               _("Request {reference} received. Decision expected by {due}. Follow it: {status}").format(**values),
               _("Request {reference} received. Decision expected by {due_g}. {status}").format(**values))
    return compose.enqueue_text("request_received", applicant(application), subject, body, sms,
                                request_id=request.id)


# --- finding one's own request --------------------------------------------------------------------

NOT_FOUND = _l("We found no request with these details. Check the reference number, the ID number and the "
               "mobile number.")


def _candidate(reference: str | None, national_id: str):
    if not reference:
        return None
    row = db.session.execute(
        sa.select(SupportRequest, Beneficiary, OnlineApplication)
        .join(Beneficiary, Beneficiary.id == SupportRequest.beneficiary_id)
        .outerjoin(OnlineApplication, sa.and_(OnlineApplication.tenant_id == SupportRequest.tenant_id,
                                              OnlineApplication.request_id == SupportRequest.id))
        .where(SupportRequest.reference == reference)).first()
    if row is None or not hmac.compare_digest(row[1].national_id, national_id):
        return None
    return row


def find_request(form) -> SupportRequest:
    """The request whose reference, ID number and mobile (on the file or on the application) all match.

    Any mismatch gives the same error, so the form cannot tell a wrong reference from a wrong ID."""
    data = _load(LookupSchema(), form)
    if not data.get("mobile"):
        raise FormErrors({"mobile": str(_l("This field is required."))})
    row = _candidate(data["reference"], data["national_id"])
    mobiles = {row[1].mobile, row[2].given_mobile if row and row[2] else None} if row else set()
    if row is None or data["mobile"] not in mobiles:
        raise FormErrors({"reference": str(NOT_FOUND)})
    return row[0]


# --- one-time codes -----------------------------------------------------------------------------------

CODE_VALID_FOR = timedelta(minutes=10)
CODE_ATTEMPTS = 5


def _hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def send_code(tenant, scope: str, who) -> OneTimeCode | None:
    """A new six-digit code for `scope`, sent to `who` through the outbox (SMS first)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    entry = OneTimeCode(scope=scope, code_hash=_hash(code), created_at=now, expires_at=now + CODE_VALID_FOR)
    db.session.add(entry)
    db.session.flush()
    language = getattr(who, "language", None) or "ar"
    with force_locale(language):
        values = {"code": isolate(code), "association": tenant.name(language)}
        subject = _("Your code: {code}").format(**values)
        body = _("Your one-time code for the {association} portal is {code}. It is valid for 10 minutes. "
                 "Do not give it to anyone.").format(**values)
        sms = (_("{association}: your code is {code} (10 minutes). Do not give it to anyone.").format(**values),
               _("Your code is {code} (10 minutes). Do not give it to anyone.").format(**values))
    compose.enqueue_text("code", who, subject, body, sms, prefer="sms", sensitive=code)
    audit.record("portal.code_sent", entry, after={"scope": scope})
    return entry


def check_code(scope: str, code: str) -> bool:
    """True (and the code is spent) if `code` is the live code of `scope`; every try counts."""
    entry = db.session.scalar(sa.select(OneTimeCode).where(OneTimeCode.scope == scope, OneTimeCode.used_at.is_(None))
                              .order_by(OneTimeCode.id.desc()).limit(1))
    if entry is None or entry.expires_at < utcnow() or entry.attempts >= CODE_ATTEMPTS:
        return False
    entry.attempts += 1
    if not hmac.compare_digest(entry.code_hash, _hash(code or "")):
        return False
    entry.used_at = utcnow()
    return True


def application_for(request: SupportRequest) -> OnlineApplication | None:
    """The online application behind a request, if it came from the portal (staff see what was declared)."""
    if request.channel != WEBSITE:
        return None
    return db.session.scalar(sa.select(OnlineApplication).where(OnlineApplication.request_id == request.id))


def request_contact(request: SupportRequest):
    """Who codes about a request go to: the applicant's contact for an online application, else the file."""
    application = db.session.scalar(sa.select(OnlineApplication).where(OnlineApplication.request_id == request.id))
    return applicant(application) if application else db.session.get(Beneficiary, request.beneficiary_id)


def find_request_by_code(tenant, form, send: bool) -> SupportRequest | None:
    """Reference + ID, then a code sent to the contact on record. `send` asks for the code.

    Asking always answers the same way whether or not the details matched (no enumeration)."""
    data = _load(LookupSchema(), form)
    row = _candidate(data["reference"], data["national_id"])
    if send:
        if row is not None:
            send_code(tenant, f"request:{row[0].id}", request_contact(row[0]))
        return None
    if row is None or not data.get("code") or not check_code(f"request:{row[0].id}", data["code"]):
        raise FormErrors({"code": str(_l("This code is not right or has expired. Ask for a new one."))})
    return row[0]
