"""The form fields (core/form_fields.py): a refused form shows what was typed, safely, with the choice kept
and each message tied to its field for screen readers."""
import re

from tests.helpers import post_form
from tests.test_staff_beneficiaries import GOOD, officer  # noqa: F401 - the fixture
from tests.test_staff_helpers import open_file


def _field(html: str, tag: str, field_id: str) -> str:
    found = re.search(rf'<{tag}[^>]*id="{field_id}"[^>]*>', html)
    assert found, f"no {tag} #{field_id}"
    return found.group(0)


def test_a_refused_file_form_shows_the_typed_values_escaped_with_the_error_on_its_field(app, officer):  # noqa: F811
    typed = {**GOOD, "name": '<script>alert("x")</script> فاطمة', "gender": "female", "mobile": "0111234567"}
    response = post_form(officer, "/alpha/staff/beneficiaries/new", typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    name = _field(html, "input", "name")
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; فاطمة"' in name
    mobile = _field(html, "input", "mobile")
    assert "is-invalid" in mobile and 'aria-describedby="mobile-error"' in mobile and 'aria-invalid="true"' in mobile
    assert re.search(r'<div class="invalid-feedback d-block" id="mobile-error">[^<]*جوال', html)
    assert "is-invalid" not in name
    gender = html[html.index('id="gender"'):]
    gender = gender[:gender.index("</select>")]
    assert re.search(r'<option value="female" selected>', gender)
    assert gender.count(" selected") == 1
    assert '<label class="form-label" for="name">' in html and 'aria-hidden="true">*</span>' in html


def test_a_date_field_echoes_the_typed_hijri_day_in_both_calendars(app, officer):  # noqa: F811
    page = f"/alpha/staff/beneficiaries/{open_file(officer, 'alpha')}"
    response = post_form(officer, f"{page}/household", {"relation": "son", "name": "", "birth_date": "1446-02-03"},
                         form_page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    echo = re.search(r'id="hm-birth_date-understood"[^>]*>(.*?)</div>', html)
    assert echo and "2024" in echo.group(1) and "1446" in echo.group(1)
    assert 'data-date="/dates/understand"' in _field(html, "input", "hm-birth_date")
    assert 'name="csrf_token"' in html and 'name="_page"' in html
