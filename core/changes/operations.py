"""Change requests: reported, then accepted (the file is updated and audited) or refused (told why)."""
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from core import audit
from core.beneficiaries import operations as files
from core.beneficiaries.errors import FormErrors, IllegalTransition, NotAllowed
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary
from core.changes.models import ChangeRequest
from core.changes.schemas import ChangeSchema, DecisionSchema
from core.extensions import db
from core.lifecycle import operations as lifecycle
from core.lifecycle.states import FileStatus
from core.messaging import compose
from core.models.base import utcnow
from core.roles import Role

FIELDS = ("city", "district", "address", "mobile", "email")


class ChangeState(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    refused = "refused"

    @property
    def label(self):
        return STATE_LABELS[self]


STATE_LABELS = {ChangeState.submitted: _l("Waiting for review"), ChangeState.accepted: _l("Accepted"),
                ChangeState.refused: _l("Refused")}

REVIEWERS = frozenset({Role.relations_officer, Role.social_researcher})
#: File states (the service_controls module) that a reported change answers.
AWAITING_RESPONSE = frozenset({FileStatus.frozen, FileStatus.exclusion_due})


@dataclass(frozen=True)
class Transition:
    source: ChangeState
    target: ChangeState


TRANSITIONS = {"accept": Transition(ChangeState.submitted, ChangeState.accepted),
               "refuse": Transition(ChangeState.submitted, ChangeState.refused)}


def _load(schema, form, lists=()):
    try:
        return schema.load_form(form, lists=lists)
    except ValidationError as exc:
        raise FormErrors(first_errors(exc.messages)) from exc


def submit(beneficiary: Beneficiary, form, source: str = "portal", complaint=None, actor=None) -> ChangeRequest:
    """Record a reported change; nothing on the file changes until staff accept it."""
    data = _load(ChangeSchema(), form, lists=("kinds",))
    proposed = {k: data[k] for k in FIELDS if data.get(k)}
    change = ChangeRequest(beneficiary_id=beneficiary.id, source=source, complaint_id=getattr(complaint, "id", None),
                           kinds=",".join(dict.fromkeys(data["kinds"])), proposed=proposed,
                           description=data.get("description"), state=ChangeState.submitted,
                           created_by_id=getattr(actor, "id", None))
    db.session.add(change)
    db.session.flush()
    audit.record("change_request.create", change, after={"file_number": beneficiary.file_number, "source": source,
                                                         "kinds": change.kinds, "proposed": proposed})
    return change


def _check(change, action: str, roles) -> Transition:
    if not REVIEWERS & set(roles):
        raise NotAllowed(_("Your role does not allow you to decide on change requests."))
    transition = TRANSITIONS[action]
    if change.state != transition.source:
        raise IllegalTransition(_("This change request was already decided."))
    return transition


def decide(tenant, change: ChangeRequest, action: str, form, actor, roles) -> ChangeRequest:
    """Accept (the proposed values go onto the file, audited as a file update) or refuse with a reason."""
    transition = _check(change, action, roles)
    data = _load(DecisionSchema(), form)
    beneficiary = db.session.get(Beneficiary, change.beneficiary_id)
    if action == "refuse" and not data.get("reason"):
        raise FormErrors({"reason": str(_l("A refusal needs the reason the beneficiary is told."))})
    if action == "accept" and change.proposed:
        current = files.snapshot(beneficiary)
        values = [(k, "" if v is None else str(v)) for k, v in current.items() if k != "categories"]
        values = [(k, v) for k, v in values if k not in change.proposed and k != "birth_calendar"]
        values += [*change.proposed.items(), ("birth_calendar", "gregorian")]  # the file keeps Gregorian dates
        values += [("categories", c) for c in current["categories"]] + [("version", str(beneficiary.version))]
        files.update_beneficiary(tenant, beneficiary, MultiDict(values))
    change.state = transition.target
    change.decided_at, change.decided_by_id, change.reason = utcnow(), actor.id, data.get("reason")
    db.session.flush()
    audit.record(f"change_request.{action}", change, before={"state": transition.source},
                 after={"state": change.state, "file_number": beneficiary.file_number, "reason": change.reason})
    if action == "accept" and beneficiary.status in AWAITING_RESPONSE:
        # the beneficiary reported the change that a freeze waited for: the file is active again
        lifecycle.beneficiary_responded(beneficiary, _("Change reported and recorded (request {number}).").format(
            number=change.id), actor)
    _tell(tenant, beneficiary, change)
    return change


def _tell(tenant, beneficiary, change):
    language = beneficiary.language or "ar"
    with force_locale(language):
        values = {"association": tenant.name(language), "reason": change.reason or ""}
        if change.state == ChangeState.accepted:
            subject = _("Your file was updated")
            body = _("{association} recorded the change you reported on your file. Thank you for telling us.")
            sms = (body.format(**values), _("The change you reported was recorded on your file. Thank you."))
        else:
            subject = _("The change you reported was not recorded")
            body = _("{association} did not record the change you reported on your file.\n\nThe reason: {reason}")
            sms = (_("The change you reported was not recorded. Reason: {reason}").format(**values),
                   _("The change you reported was not recorded. Please contact the association."))
        compose.enqueue_text(f"change_{change.state}", beneficiary, subject.format(**values), body.format(**values),
                             sms)
