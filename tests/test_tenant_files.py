"""The tenant-file schema: every seed valid, errors naming the key, English in files, translated on pages."""
import pytest

from core import tenant_files
from core.config import ROOT
from core.tenant_files import TenantFileError
from core.validation import Problem, translate
from tests.helpers import TENANT_TOML

SEEDS = sorted((ROOT / "tenants").glob("*.toml"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_file_is_valid_and_writes_back_to_the_same_data(path):
    tenant_file = tenant_files.load(path)
    again = tenant_files.parse(tenant_files.dumps(tenant_file.data), str(path))
    assert again.data == tenant_file.data


def _errors(text: str, source="gamma.toml") -> list[tuple[str, str]]:
    with pytest.raises(TenantFileError) as caught:
        tenant_files.parse(text, source)
    return caught.value.problems


def test_an_unknown_key_a_wrong_choice_and_a_bad_date_are_each_named():
    text = TENANT_TOML.format(slug="gamma").replace('body = "committee"', 'body = "board"\nchair = "x"')
    text = text.replace('channels = ["interview", "phone"]', 'channels = ["interview"]\nholidays = ["2026-13-01"]')
    problems = dict(_errors(text))
    assert problems["review.body"] == "Must be one of: committee, manager."
    assert problems["review.chair"] == "Unknown field."
    assert problems["holidays[0]"] == "Not a valid date."


def test_custom_codes_may_not_repeat_or_take_a_catalog_code():
    text = TENANT_TOML.format(slug="gamma").replace('channels = ["interview", "phone"]', 'channels = ["own"]')
    entries = "".join(f'\n[[custom_channels]]\ncode = "{code}"\nlabel_ar = "قناة"\nlabel_en = "Channel"\n'
                      for code in ("own", "own", "phone"))
    messages = [message for key, message in _errors(text + entries) if key == "custom_channels"]
    assert messages == ["code 'own' is defined twice",
                        "code 'phone' is already in the platform catalog; list it in 'channels' instead"]


def test_error_lines_name_the_file_and_stay_english_even_in_an_arabic_request(app):
    text = TENANT_TOML.format(slug="gamma").replace('body = "committee"', 'body = "board"')
    with app.test_request_context("/?lang=ar"):
        with pytest.raises(TenantFileError) as caught:
            tenant_files.parse(text, "tenants/gamma.toml")
        assert caught.value.messages == ["tenants/gamma.toml: review.body: Must be one of: committee, manager."]
        [(key, problem)] = caught.value.problems
        assert isinstance(problem, Problem)
        assert translate(problem) == "يجب أن تكون إحدى القيم: committee, manager."
    with app.test_request_context("/?lang=en"):
        assert translate(problem) == "Must be one of: committee, manager."


def test_a_problem_outside_a_request_is_its_english_text(app):
    with app.app_context():
        problem = Problem("unknown code '{code}' (not in the platform catalog nor in {custom_key})",
                          code="fax", custom_key="custom_channels")
        assert problem.translated() == "unknown code 'fax' (not in the platform catalog nor in custom_channels)"
        assert f"{problem}" == problem.translated()
