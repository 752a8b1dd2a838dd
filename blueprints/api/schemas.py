"""The API's resources as JSON: one schema per resource (output), and the inputs they accept.

Inputs are documented here and typed; the domain operations validate them exactly as the pages do
(national ID check digit, the tenant's channels …) and answer 422 with a field map.
"""
from marshmallow import Schema, fields, validate

from core.beneficiaries import vocabulary
from core.workflow.services import SERVICE_KINDS
from core.workflow.states import Action, RequestState

Str = lambda **kw: fields.String(allow_none=True, **kw)  # noqa: E731


class BeneficiarySchema(Schema):
    id = fields.Integer(required=True)
    file_number = fields.Integer(required=True)
    name = fields.String(required=True)
    national_id = fields.String()
    nationality = fields.String()
    gender = fields.String()
    birth_date = fields.Date(allow_none=True)
    mobile = Str()
    email = Str()
    city = Str()
    district = Str()
    address = Str()
    marital_status = Str()
    language = fields.String()
    categories = fields.List(fields.String(), attribute="category_codes")
    researcher_id = fields.Integer(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back when changing the file."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BeneficiaryPage(Schema):
    items = fields.List(fields.Nested(BeneficiarySchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


class BeneficiaryInput(Schema):
    name = fields.String(required=True, validate=validate.Length(max=200))
    national_id = fields.String(required=True, metadata={"description": "10 digits, first 1 (citizen) or 2 "
                                                                       "(resident), valid check digit"})
    nationality = fields.String(metadata={"description": "ISO 3166 alpha-2, default SA"})
    gender = fields.String(required=True, validate=validate.OneOf(vocabulary.GENDERS))
    birth_date = fields.String(metadata={"description": "YYYY-MM-DD, in `birth_calendar`"})
    birth_calendar = fields.String(validate=validate.OneOf(("gregorian", "hijri")))
    mobile = fields.String(metadata={"description": "05XXXXXXXX or +9665XXXXXXXX"})
    email = fields.String()
    city = fields.String()
    district = fields.String()
    address = fields.String()
    marital_status = fields.String(validate=validate.OneOf(vocabulary.MARITAL_STATUSES))
    language = fields.String(validate=validate.OneOf(vocabulary.LANGUAGES))
    categories = fields.List(fields.String(), metadata={"description": "Codes of the association's categories"})
    researcher_id = fields.Integer(allow_none=True)


class BeneficiaryPatch(BeneficiaryInput):
    """Only the fields to change, and the version read before."""

    name = fields.String(validate=validate.Length(max=200))
    national_id = fields.String()
    gender = fields.String(validate=validate.OneOf(vocabulary.GENDERS))
    version = fields.Integer(required=True)


class BeneficiaryFilters(Schema):
    category = fields.String()
    researcher_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class HouseholdMemberSchema(Schema):
    id = fields.Integer(required=True)
    beneficiary_id = fields.Integer(required=True)
    relation = fields.String(required=True)
    name = fields.String(required=True)
    national_id = Str()
    birth_date = fields.Date(allow_none=True)
    disability = Str()
    schooling = Str()


class HouseholdMemberInput(Schema):
    relation = fields.String(required=True, validate=validate.OneOf(vocabulary.RELATIONS))
    name = fields.String(required=True)
    national_id = fields.String()
    birth_date = fields.String(metadata={"description": "YYYY-MM-DD (Gregorian)"})
    disability = fields.String()
    schooling = fields.String()


class IncomeSchema(Schema):
    id = fields.Integer(required=True)
    beneficiary_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    monthly_amount = fields.String(metadata={"description": "Saudi riyals a month, e.g. \"1500.00\""})


class IncomeInput(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(vocabulary.INCOME_KINDS))
    monthly_amount = fields.String(required=True, metadata={"description": "Riyals, e.g. 1500 or 1500.50"})


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    label_ar = fields.String()
    label_en = fields.String()
    received_on = fields.Date(allow_none=True)
    verified_on = fields.Date(allow_none=True)
    note = Str()


class RequestSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    beneficiary_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=validate.OneOf(list(RequestState)))
    channel = fields.String()
    office = Str()
    service = fields.String()
    details = Str()
    received_at = fields.DateTime()
    sent_to_review_at = fields.DateTime(allow_none=True)
    decision_due = fields.Date(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = Str()
    registered_at = fields.DateTime(allow_none=True)
    service_kind = Str()
    service_amount = Str()
    service_description = Str()
    served_on = fields.Date(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    version = fields.Integer(required=True)
    actions = fields.List(fields.String(), metadata={"description": "Actions the token's roles may take now"})


class RequestDetailSchema(RequestSchema):
    documents = fields.List(fields.Nested(DocumentSchema), attribute="documents_out",
                            metadata={"description": "The service's required-documents checklist"})


class RequestPage(Schema):
    items = fields.List(fields.Nested(RequestSchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


class RequestFilters(Schema):
    state = fields.String(validate=validate.OneOf(list(RequestState)))
    channel = fields.String()
    category = fields.String()
    researcher_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    overdue = fields.Boolean(metadata={"description": "Only requests past their decision date"})


class RequestInput(Schema):
    channel = fields.String(required=True, metadata={"description": "A code of the association's channels"})
    service = fields.String(required=True, metadata={"description": "A code of the association's services"})
    office = fields.String()
    details = fields.String()


class ActionInput(Schema):
    """The fields each action reads; `version` always."""

    version = fields.Integer(required=True)
    note = fields.String(metadata={"description": "check_documents, accept, register, close"})
    method = fields.String(validate=validate.OneOf(("in_person", "online")), metadata={"description": "declare"})
    signed = fields.Boolean(metadata={"description": "declare: the applicant signed the declaration"})
    meeting_date = fields.String(metadata={"description": "send_to_review (committee): YYYY-MM-DD"})
    members = fields.String(metadata={"description": "send_to_review (committee)"})
    manager_id = fields.Integer(metadata={"description": "send_to_review (manager): a reviewer's user id"})
    reason = fields.String(metadata={"description": "reject, withdraw"})
    kind = fields.String(validate=validate.OneOf(SERVICE_KINDS), metadata={"description": "serve"})
    amount = fields.String(metadata={"description": "serve (financial aid), riyals"})
    description = fields.String(metadata={"description": "serve"})
    served_on = fields.String(metadata={"description": "serve: YYYY-MM-DD"})


ACTIONS = [str(a) for a in Action]


class ReferralSchema(Schema):
    id = fields.Integer(required=True)
    beneficiary_id = fields.Integer(required=True)
    request_id = fields.Integer(allow_none=True)
    question = fields.String()
    asked_by_id = fields.Integer(allow_none=True)
    asked_at = fields.DateTime()
    answer = Str()
    answered_by_id = fields.Integer(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    version = fields.Integer(metadata={"description": "Send it back when answering."})


class ReferralPage(Schema):
    items = fields.List(fields.Nested(ReferralSchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


class ReferralFilters(Schema):
    answered = fields.Boolean(metadata={"description": "true: answered only; false: open only"})


class ReferralInput(Schema):
    question = fields.String(required=True)
    request_id = fields.Integer(allow_none=True, metadata={"description": "One of this file's requests"})


class AnswerInput(Schema):
    answer = fields.String(required=True)
    version = fields.Integer(required=True)
