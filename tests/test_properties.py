"""Property-based tests (Hypothesis): every form schema and the tenant-file schema, fed random Unicode,
huge values, other scripts' digits and edge numbers, either accept the input or refuse it with a
validation error; and whatever the tenant-file check accepts, the policy template renders.

Examples are bounded (derandomised, few per schema) so CI stays quick.
"""
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from core import tenant_files
from core.beneficiaries import schemas as file_schemas
from core.policy import rendering
from core.tenant_files import TenantFileError
from core.workflow import schemas as request_schemas
from tests.helpers import TENANT_TOML

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

#: What a hostile visitor types: any text, other scripts' digits, huge numbers, controls, bidi overrides.
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["", " ", "\u00a0", "0", "-1", "²", "1१५९७६८४८८", "١٠٥٨٥٢٩٩٤٠", "9" * 40, str(2**63),
                     "1e999", "NaN", "Infinity", "٣٠٠٠٫٥", "2024-02-30", "1446-13-01", "\u202eabc", "a\x1b[0m",
                     "<script>alert(1)</script>", "{{ 7*7 }}", "'; DROP TABLE users; --", "x" * 5000]),
)

FORM_SCHEMAS = {
    "beneficiary": lambda: file_schemas.BeneficiarySchema(category_codes=["orphan"], researcher_ids=[1]),
    "beneficiary_update": lambda: file_schemas.BeneficiaryUpdateSchema(category_codes=["orphan"],
                                                                       researcher_ids=[1]),
    "household": file_schemas.HouseholdMemberSchema,
    "income": file_schemas.IncomeSourceSchema,
    "intake": lambda: request_schemas.IntakeSchema(channels=["phone"], services=["financial_aid"]),
    "declare": request_schemas.DeclareSchema,
    "committee": request_schemas.CommitteeReviewSchema,
    "manager": request_schemas.ManagerReviewSchema,
    "accept": request_schemas.AcceptSchema,
    "reject": request_schemas.RejectSchema,
    "note": request_schemas.NoteSchema,
    "serve": request_schemas.ServeSchema,
    "withdraw": request_schemas.WithdrawSchema,
    "document": request_schemas.DocumentSchema,
    "referral": request_schemas.ReferralSchema,
    "answer": request_schemas.AnswerSchema,
    "contact": lambda: request_schemas.InteractionSchema(channels=["phone"]),
    "notified": request_schemas.NotifiedSchema,
}


def _form(schema, values: dict) -> MultiDict:
    names = list(schema.fields)
    return MultiDict([(names[i % len(names)], value) for i, value in values.items()])


@pytest.mark.parametrize("name", sorted(FORM_SCHEMAS))
def test_every_form_schema_accepts_or_refuses_any_input(app, name):
    make = FORM_SCHEMAS[name]

    @SETTINGS
    @given(st.dictionaries(st.integers(min_value=0, max_value=30), HOSTILE_TEXT, max_size=12))
    def check(values):
        schema = make()
        try:
            data = schema.load_form(_form(schema, values), lists=("categories",))
        except ValidationError:
            return
        for value in data.values():  # what is accepted can be stored
            if isinstance(value, str):
                assert "\x00" not in value
            if isinstance(value, int) and not isinstance(value, bool):
                assert -(2**31) <= value < 2**31

    with app.test_request_context("/?lang=en"):
        check()


# --- the tenant-file schema ----------------------------------------------------------------------

BASE = tomllib.loads(TENANT_TOML.format(slug="gamma"))
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
KEYS = ["slug", "name_ar", "name_en", "license_number", "license_date_hijri", "policy_title_ar", "policy_title_en",
        "beneficiary_term", "channels", "tools", "modules", "holidays", "contact", "review", "referral",
        "custom_channels", "categories", "services", "board_approvals", "sample", "unknown_key"]
NESTED = {"review": ["body", "label_ar", "label_en", "decision_sla_days"], "referral": ["label_ar", "label_en"],
          "contact": ["phone", "email", "address_ar", "website", "iban"]}


@st.composite
def tenant_file_data(draw):
    data = {**BASE, "review": dict(BASE["review"]), "referral": dict(BASE["referral"])}
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        key = draw(st.sampled_from(KEYS))
        if key in NESTED and draw(st.booleans()):
            data.setdefault(key, {})
            if isinstance(data[key], dict):
                data[key][draw(st.sampled_from(NESTED[key]))] = draw(JSONISH)
                continue
        data[key] = draw(JSONISH)
    return data


def test_the_tenant_file_schema_accepts_or_refuses_any_content_and_what_it_accepts_renders(app):
    @SETTINGS
    @given(tenant_file_data())
    def check(raw):
        try:
            tenant_file = tenant_files.validate(raw, "gamma.toml")
        except TenantFileError as exc:
            assert exc.problems  # refused with at least one named problem
            return
        snapshot = {k: v for k, v in tenant_files.to_toml_dict(tenant_file.data).items() if k != "slug"}
        rendering.render(snapshot)  # one set of limits: what passes the check, the template can print

    with app.test_request_context("/?lang=en"):
        check()


@SETTINGS
@given(st.text(max_size=200))
def test_parsing_any_text_as_a_tenant_file_gives_a_tenant_file_error_or_a_file(text):
    try:
        tenant_files.parse(text, "gamma.toml")
    except TenantFileError:
        pass
