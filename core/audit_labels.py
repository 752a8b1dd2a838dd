"""The audit log in the reader's language: who did what to which record, and what changed, as labelled fields.

`ACTIONS` names every action code written by `core.audit.record`; the codes built from a state machine's
action (`request.accept`, `complaint.decide`…) take that machine's own label. A code without a label is
shown as it is (a test checks every code in the source has one)."""
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.extensions import db

ACTIONS = {
    "api_token.create": _l("Created an API token"),
    "api_token.revoke": _l("Revoked an API token"),
    "audit.view": _l("Read an audit entry"),
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "beneficiary.create": _l("Opened a file"),
    "beneficiary.household.add": _l("Added a household member"),
    "beneficiary.household.correct": _l("Corrected a household member"),
    "beneficiary.household.remove": _l("Removed a household member"),
    "beneficiary.income.add": _l("Added an income"),
    "beneficiary.income.correct": _l("Corrected an income"),
    "beneficiary.income.remove": _l("Removed an income"),
    "beneficiary.search": _l("Searched the files"),
    "beneficiary.update": _l("Changed a file"),
    "beneficiary.view": _l("Opened a file to read it"),
    "beneficiary.view_denied": _l("Was refused a file"),
    "change_request.create": _l("Asked for a change of data"),
    "complaint.attachment.view": _l("Opened a complaint's attachment"),
    "complaint.create": _l("Filed a complaint"),
    "complaint.member_add": _l("Added a person to a complaint"),
    "complaint.view": _l("Read a complaint"),
    "exclusion.print": _l("Printed an exclusion decision"),
    "file.update_recorded": _l("Recorded a data update of a file"),
    "import.apply": _l("Imported rows"),
    "import.done": _l("Finished an import"),
    "import.upload": _l("Uploaded a file to import"),
    "interaction.create": _l("Recorded a contact"),
    "invitation.accept": _l("Accepted an invitation"),
    "invitation.create": _l("Invited a person"),
    "invitation.revoke": _l("Withdrew an invitation"),
    "membership.grant": _l("Gave a person roles"),
    "membership.remove": _l("Removed a person from the association"),
    "membership.update": _l("Changed a person's roles"),
    "operator.export": _l("Exported an association (operator)"),
    "operator.reports": _l("Read the platform reports (operator)"),
    "operator.view": _l("Read an association's page (operator)"),
    "pdpl.anonymise": _l("Anonymised a file"),
    "pdpl.consent": _l("Recorded a consent"),
    "pdpl.consent.withdraw": _l("Recorded a consent withdrawn"),
    "pdpl.export": _l("Exported everything held about a person"),
    "policy.approve": _l("Recorded the board's approval of the policy"),
    "policy.board_approval": _l("Recorded the board's approval of the policy"),
    "policy.draft": _l("Drafted a policy version"),
    "policy.supersede": _l("Replaced a policy version by a newer one"),
    "policy.sync_shared_wording": _l("Took the shared policy's new wording"),
    "portal.code_sent": _l("Sent a one-time code"),
    "program.attendance": _l("Took attendance"),
    "program.create": _l("Created a program"),
    "program.receipt.hand_over": _l("Handed over a receipt"),
    "program.receipt.issue": _l("Issued a receipt"),
    "program.receipt.print": _l("Printed a receipt"),
    "program.registration.create": _l("Registered a person in a program"),
    "program.registration.promote": _l("Moved a person up from the waiting list"),
    "program.registration.proof": _l("Added a proof to a registration"),
    "program.registration.proof.view": _l("Opened a registration's proof"),
    "program.registration.view": _l("Read a registration"),
    "program.registration.withdraw": _l("Withdrew a registration"),
    "program.session.reminders": _l("Sent session reminders"),
    "program.update": _l("Changed a program"),
    "referral.answer": _l("Answered a referral"),
    "referral.create": _l("Referred a question"),
    "registry.check": _l("Checked the shared registry"),
    "registry.rebuild": _l("Rebuilt the shared registry"),
    "report.pdf": _l("Printed a report"),
    "request.apply_online": _l("Applied online"),
    "request.attachment": _l("Attached a document to a request"),
    "request.attachment.view": _l("Opened a request's attachment"),
    "request.attachment.delete": _l("Removed a wrong attachment from a request"),
    "request.correct": _l("Corrected a request after intake"),
    "request.documents.all_received": _l("Marked every missing document received"),
    "request.print": _l("Printed a letter of a request"),
    "request.create": _l("Received a support request"),
    "request.document": _l("Updated a request's document checklist"),
    "request.notified": _l("Recorded that the beneficiary was told the decision"),
    "request.view": _l("Read a request"),
    "rights.acknowledge": _l("Recorded the acknowledgement of rights and duties"),
    "rights.family_member": _l("Recorded a family member's involvement"),
    "rights.providers_told": _l("Told the beneficiary who serves them"),
    "rights.researcher_change.decide": _l("Decided a change of social researcher"),
    "rights.researcher_change.request": _l("Asked for a change of social researcher"),
    "rls.key_set": _l("Set the tenant key"),
    "survey.invite": _l("Invited to a satisfaction survey"),
    "tenant.provision": _l("Created the association"),
    "tenant.settings": _l("Changed the association's settings"),
    "tenant.suspend": _l("Suspended the association"),
    "tenant.resume": _l("Resumed the association"),
    "tenant.update": _l("Changed the association"),
    "update_campaign.open": _l("Opened a data-update campaign"),
    "user.create": _l("Created an account"),
    "user.disable": _l("Disabled an account"),
    "verification.needs_study": _l("Recorded a needs study"),
    "verification.step": _l("Recorded a verification step"),
    "verification.visit": _l("Recorded a field visit"),
    "verification.witness": _l("Recorded a witness"),
}

#: What the records are called, and where each is opened (endpoint, its id argument).
RECORDS = {
    "Beneficiary": (_l("File"), "staff.beneficiary", "beneficiary_id"),
    "SupportRequest": (_l("Request"), "staff.request_detail", "request_id"),
    "User": (_l("Person"), "admin.user_edit", "user_id"),
    "Complaint": (_l("Complaint"), "staff.complaint_detail", "complaint_id"),
    "ChangeRequest": (_l("Change request"), "staff.change_detail", "change_id"),
    "Program": (_l("Program"), "staff.program_detail", "program_id"),
    "PolicyVersion": (_l("Policy version"), "admin.policy_version", "number"),
    "BoardApproval": (_l("Board approval"), None, None),
    "Registration": (_l("Program registration"), None, None),
    "Receipt": (_l("Receipt"), None, None),
    "Referral": (_l("Referral"), None, None),
    "Interaction": (_l("Contact"), None, None),
    "Invitation": (_l("Invitation"), None, None),
    "HouseholdMember": (_l("Household member"), None, None),
    "IncomeSource": (_l("Income"), None, None),
    "RequestDocument": (_l("Required document"), None, None),
    "Attachment": (_l("Attachment"), None, None),
    "Consent": (_l("Consent"), None, None),
    "ApiToken": (_l("API token"), None, None),
    "ImportJob": (_l("Import"), None, None),
    "Tenant": (_l("Association"), None, None),
    "Export": (_l("Export"), None, None),
    "Report": (_l("Report"), None, None),
    "RegistryEntry": (_l("Registry entry"), None, None),
    "UpdateCampaign": (_l("Data-update campaign"), None, None),
    "VerificationStep": (_l("Verification step"), None, None),
    "FieldVisit": (_l("Field visit"), None, None),
    "Witness": (_l("Witness"), None, None),
    "NeedsStudy": (_l("Needs study"), None, None),
    "ResearcherChange": (_l("Change of social researcher"), None, None),
    "FamilyInvolvement": (_l("Family member's involvement"), None, None),
    "RightsAcknowledgement": (_l("Acknowledgement of rights and duties"), None, None),
    "SurveyInvitation": (_l("Survey invitation"), None, None),
    "ProgramSession": (_l("Program session"), None, None),
    "ExclusionDecision": (_l("Exclusion decision"), None, None),
}

FIELDS = {
    "name": _l("Name"), "email": _l("E-mail"), "mobile": _l("Mobile"), "national_id": _l("ID number"),
    "nationality": _l("Nationality"), "gender": _l("Gender"), "city": _l("City"), "district": _l("District"),
    "address": _l("Address"), "marital_status": _l("Marital status"), "birth_date": _l("Birth date"),
    "language": _l("Language"), "categories": _l("Categories"), "researcher_id": _l("Social researcher"),
    "state": _l("State"), "status": _l("State"), "reference": _l("Reference"), "file_number": _l("File number"),
    "roles": _l("Roles"), "number": _l("Number"), "reason": _l("Reason"), "reasons": _l("Reasons"),
    "note": _l("Note"), "relation": _l("Relation"), "channel": _l("Channel"), "service": _l("Service"),
    "details": _l("Details"), "rows": _l("Rows"), "found": _l("Found"), "by": _l("Searched by"),
    "kind": _l("Kind"), "format": _l("Format"), "filters": _l("Filters"), "user": _l("Person"),
    "user_id": _l("Person"), "beneficiary": _l("File"), "document": _l("Document"), "answer": _l("Answer"),
    "subject": _l("Subject"), "source": _l("Source"), "slug": _l("Address name"), "code": _l("Code"),
    "decision_reason": _l("Reason for the decision"), "amount": _l("Amount"), "title_ar": _l("Title in Arabic"),
    "title_en": _l("Title in English"), "meeting_date": _l("Meeting date"), "approved_on": _l("Approved on"),
    "expires_at": _l("Expires"), "disabled_at": _l("Disabled on"), "revoked_at": _l("Withdrawn on"),
    "is_operator": _l("Platform operator"), "people": _l("People"), "scope": _l("Scope"),
    "retention_years": _l("Kept for (years)"), "what": _l("What"), "via": _l("Through"),
    "campaign": _l("Campaign"), "file": _l("File"), "transferred_from": _l("Transferred from"),
    "fingerprint": _l("Text fingerprint"), "capacity": _l("Seats"), "version": _l("Version"),
}

BOOLEANS = {True: _l("Yes"), False: _l("No")}

#: Values that are codes in some entries: how a search was made, what was read.
VALUES = {
    "by": {"name": _l("Name"), "national_id": _l("ID number"), "mobile": _l("Mobile"),
           "file_number": _l("File number"), "reference": _l("Reference")},
    "what": {"file": _l("File")},
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Readable:
    action: str
    known: bool  # False: `action` is the raw code
    record: str  # what the record is: «الملف», «شخص», «نسخة السياسة 2»
    name: str | None  # its name or reference, when one is known: shown isolated (<bdi>)
    url: str | None
    changes: list


def action_label(code: str) -> tuple[str, bool]:
    """(label, known) for an action code; the code itself when nothing names it."""
    if code in ACTIONS:
        return str(ACTIONS[code]), True
    prefix, _dot, verb = code.rpartition(".")
    label = _machine_action(prefix, verb)
    if label is not None:
        return _("{what}: {how}").format(what=_record_word(prefix), how=label), True
    if prefix == "export":
        return _("Exported a list ({name})").format(name=verb), True
    return code, False


def _machine_action(prefix: str, verb: str):
    try:
        if prefix == "request":
            from core.workflow.states import Action
            return str(Action(verb).label)
        if prefix == "complaint":
            from core.grievances.states import Action
            return str(Action(verb).label)
        if prefix == "program":
            from core.programs.states import ProgramAction
            return str(ProgramAction(verb).label)
        if prefix == "program.registration":
            from core.programs.states import Action
            return str(Action(verb).label)
        if prefix == "file":
            from core.lifecycle.states import FileAction
            return str(FILE_ACTIONS.get(FileAction(verb), verb))
        if prefix == "change_request":
            return str(CHANGE_ACTIONS[verb])
    except (ValueError, KeyError):
        return None
    return None


FILE_ACTIONS = {"freeze": _l("Freeze the file"), "lift_freeze": _l("Lift the freeze"),
                "freeze_expired": _l("The freeze ended"), "exclude": _l("Exclude the file"),
                "death": _l("Record a death")}
CHANGE_ACTIONS = {"accept": _l("Accept"), "refuse": _l("Refuse")}


#: The steps of a state machine, offered as one choice in the audit log's filter ("request." matches them all).
STEP_GROUPS = {"request.": _l("Request: any step"), "complaint.": _l("Complaint: any step"),
               "program.": _l("Program: anything"), "file.": _l("File: freeze, exclusion, death"),
               "change_request.": _l("Change request: any decision"), "export.": _l("Exports of lists")}


def filter_choices() -> list[tuple[str, str]]:
    """(code or prefix, label) for the audit log's action filter, sorted by label in the reader's language."""
    choices = [(code, str(label)) for code, label in ACTIONS.items()]
    choices += [(prefix, str(label)) for prefix, label in STEP_GROUPS.items()]
    return sorted(choices, key=lambda pair: pair[1])


def _record_word(prefix: str) -> str:
    return str({"request": _l("Request"), "complaint": _l("Complaint"), "program": _l("Program"),
                "program.registration": _l("Program registration"), "file": _l("File"),
                "change_request": _l("Change request")}.get(prefix, prefix))


def _value(key: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(BOOLEANS[value])
    if isinstance(value, list):
        return _(", ").join(_value(key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{label_of(k)}: {_value(k, v)}" for k, v in value.items())
    if key in VALUES and value in VALUES[key]:
        return str(VALUES[key][value])
    if key in ("state", "status"):
        return _state_label(str(value))
    if key == "nationality":
        from core.beneficiaries.vocabulary import countries
        return str(countries().get(value, value))
    if key == "marital_status":
        from core.beneficiaries.vocabulary import MARITAL_STATUSES
        return str(MARITAL_STATUSES.get(value, value))
    if key == "gender":
        from core.beneficiaries.vocabulary import GENDERS
        return str(GENDERS.get(value, value))
    if key == "roles" or key == "role":
        from core.roles import Role
        try:
            return str(Role(value).label)
        except ValueError:
            return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _state_label(value: str) -> str:
    from core.grievances.states import ComplaintState
    from core.lifecycle.states import FileStatus
    from core.programs.states import ProgramState, RegistrationState
    from core.workflow.states import RequestState

    for states in (RequestState, ComplaintState, FileStatus, ProgramState, RegistrationState):
        try:
            return str(states(value).label)
        except (ValueError, KeyError):
            continue
    return value


def label_of(key: str) -> str:
    return str(FIELDS[key]) if key in FIELDS else key.replace("_", " ")


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """Each field named in the entry, its label and its value before and after, in a stable order."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(label_of(k), _value(k, before[k]) if k in before else "", _value(k, after[k]) if k in after else "")
            for k in keys]


def readable(entries) -> dict[int, Readable]:
    """{entry id: Readable} for a page of entries: names of the people and files acted on are read in one
    query per kind of record, whatever the number of entries."""
    from core.beneficiaries.models import Beneficiary
    from core.models import User
    from core.workflow.models import SupportRequest

    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.object_type in ("User", "Beneficiary", "SupportRequest") and (entry.object_id or "").isdigit():
            wanted.setdefault(entry.object_type, set()).add(int(entry.object_id))
    names: dict[tuple[str, int], str] = {}
    if wanted.get("User"):
        names |= {("User", i): n for i, n in db.session.execute(
            sa.select(User.id, User.name).where(User.id.in_(wanted["User"])))}
    if wanted.get("Beneficiary"):
        names |= {("Beneficiary", i): f"{n} ({number})" for i, n, number in db.session.execute(
            sa.select(Beneficiary.id, Beneficiary.name, Beneficiary.file_number)
            .where(Beneficiary.id.in_(wanted["Beneficiary"])))}
    if wanted.get("SupportRequest"):
        names |= {("SupportRequest", i): ref for i, ref in db.session.execute(
            sa.select(SupportRequest.id, SupportRequest.reference)
            .where(SupportRequest.id.in_(wanted["SupportRequest"])))}
    out = {}
    for entry in entries:
        action, known = action_label(entry.action)
        out[entry.id] = Readable(action, known, *_record(entry, names), changes(entry.before, entry.after))
    return out


def _record(entry, names) -> tuple[str, str | None, str | None]:
    if not entry.object_type:
        return "", None, None
    word, endpoint, argument = RECORDS.get(entry.object_type, (entry.object_type, None, None))
    object_id = entry.object_id or ""
    shown = names.get((entry.object_type, int(object_id))) if object_id.isdigit() else None
    text = str(word) if shown else f"{word} {object_id}".strip()
    url = None
    if endpoint and object_id.isdigit() and (shown or entry.object_type not in ("User", "Beneficiary",
                                                                              "SupportRequest")):
        url = url_for(endpoint, **{argument: int(object_id)})
    return text, shown, url
