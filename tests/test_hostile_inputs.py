"""Inputs an outside probe sent that gave 500 or slipped through: each now gets a 4xx and writes nothing."""
import pytest
import sqlalchemy as sa

from core.beneficiaries.models import Beneficiary
from core.digits import DigitError, to_ascii, to_int
from core.extensions import db
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, csrf_token, post_form
from tests.test_staff_helpers import VALID_IDS, open_file, open_request, staff_client

ROLES = ["relations_officer", "social_researcher", "reviewer", "referral_officer", "executive_director"]
HUGE = [str(2**31), str(2**63), "9" * 30]


def _files(app) -> int:
    with app_ctx(app), cross_tenant_scope():
        return db.session.scalar(sa.select(sa.func.count(Beneficiary.id)))


# --- digits --------------------------------------------------------------------------------------

def test_arabic_digits_become_ascii_and_other_scripts_are_refused():
    assert to_ascii("١٠٥٨٥٢٩٩٤٠") == "1058529940"
    assert to_ascii("۱۰۵۸۵۲۹۹۴۰") == "1058529940"
    for foreign in ("1१५९७६८४८८", "²", "½", "①", "３"):
        with pytest.raises(DigitError):
            to_ascii(foreign)
    assert to_int("٤٢") == 42 and to_int("४२") is None and to_int(str(2**40), high=2**31 - 1) is None


@pytest.mark.parametrize("national_id", ["1०५८५२९९४०", "10585299४०", "²058529940", "1058529９40"])
def test_an_id_number_in_another_script_does_not_open_a_second_file(app, tenant_a, national_id):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    open_file(officer, "alpha")
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {
        "name": "أحمد محمد العتيبي", "national_id": national_id, "nationality": "SA", "gender": "male"})
    assert response.status_code == 422
    assert "0-9" in response.get_data(as_text=True)
    assert _files(app) == 1


def test_arabic_indic_id_number_finds_the_same_file(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    open_file(officer, "alpha")
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {
        "name": "أحمد محمد العتيبي", "national_id": "١٠٥٨٥٢٩٩٤٠", "nationality": "SA", "gender": "male"})
    assert response.status_code == 422
    assert "لهذا الرقم ملف قائم" in response.get_data(as_text=True)
    assert _files(app) == 1


@pytest.mark.parametrize("field,value", [("birth_date", "१९८०-०५-०१"), ("birth_date", "²⁰²⁰-01-01"),
                                         ("mobile", "०५०१२३४५६७")])
def test_dates_and_mobiles_in_other_scripts_get_a_field_message(app, tenant_a, field, value):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    data = {"name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male",
            field: value}
    response = post_form(officer, "/alpha/staff/beneficiaries/new", data)
    assert response.status_code == 422
    assert _files(app) == 0


def test_amounts_accept_arabic_digits_and_refuse_others(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(officer, "alpha")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    ok = post_form(officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": "٣٠٠٠٫٥٠"}, form_page=page)
    assert ok.status_code == 302
    for bad in ("३०००", "²", "1" * 40):
        response = post_form(officer, f"{page}/incomes", {"kind": "salary", "monthly_amount": bad}, form_page=page)
        assert response.status_code == 422, bad


def test_search_with_foreign_digits_is_a_message_not_a_match(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    open_file(officer, "alpha")
    arabic = post_form(officer, "/alpha/staff/search", {"q": "١٠٥٨٥٢٩٩٤٠"})
    assert arabic.status_code == 200 and "العتيبي" in arabic.get_data(as_text=True)
    foreign = post_form(officer, "/alpha/staff/search", {"q": "1०५८५२९९४०"})
    assert foreign.status_code == 422
    assert "العتيبي" not in foreign.get_data(as_text=True)


# --- integers beyond a column's range ------------------------------------------------------------

@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_in_paths_are_not_found(app, tenant_a, number):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES + ["tenant_admin"])
    for path in (f"/alpha/staff/beneficiaries/{number}", f"/alpha/staff/beneficiaries/{number}/edit",
                 f"/alpha/staff/requests/{number}", f"/alpha/staff/attachments/{number}",
                 f"/alpha/staff/beneficiaries/{number}/requests/new", f"/alpha/admin/users/{number}",
                 f"/alpha/admin/audit/{number}", f"/alpha/admin/policy/{number}"):
        assert officer.get(path).status_code == 404, path
    token = csrf_token(officer, "/alpha/staff/")
    for path in (f"/alpha/staff/requests/{number}/actions/accept", f"/alpha/staff/requests/{number}/notified",
                 f"/alpha/staff/referrals/{number}/answer", f"/alpha/staff/beneficiaries/{number}/household",
                 f"/alpha/staff/beneficiaries/{number}/contacts"):
        assert officer.post(path, data={"csrf_token": token}).status_code == 404, path


@pytest.mark.parametrize("number", HUGE + ["abc", "٣x"])
def test_huge_query_arguments_are_a_bad_request(app, tenant_a, number):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES + ["tenant_admin"])
    paths = ["/alpha/staff/beneficiaries?after=", "/alpha/staff/beneficiaries?researcher=",
             "/alpha/staff/requests?after=", "/alpha/staff/requests?researcher=", "/alpha/admin/policy/diff?to=1&from="]
    if number != str(2**31):  # the audit log's ids are 64-bit
        paths.append("/alpha/admin/audit?before=")
    for path in paths:
        assert officer.get(path + number).status_code == 400, path


@pytest.mark.parametrize("number", HUGE)
def test_huge_hidden_ids_get_a_field_message(app, tenant_a, number):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(officer, "alpha")
    request_id = open_request(officer, "alpha", file_id, "phone")
    page = f"/alpha/staff/beneficiaries/{file_id}"
    for url, data in ((f"{page}/referrals", {"question": "سؤال عن الإجراءات", "request_id": number}),
                      (f"{page}/contacts", {"channel": "phone", "direction": "in", "summary": "اتصال",
                                            "request_id": number}),
                      (f"{page}/edit", {"name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0],
                                        "nationality": "SA", "gender": "male", "researcher_id": number,
                                        "version": "1"}),
                      (f"{page}/edit", {"name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0],
                                        "nationality": "SA", "gender": "male", "version": number})):
        response = post_form(officer, url, data, form_page=page)
        assert response.status_code in (409, 422), (url, response.status_code)
    request_page = f"/alpha/staff/requests/{request_id}"
    response = officer.post(f"{request_page}/attachments", data={
        "csrf_token": csrf_token(officer, request_page), "document_id": number,
        "file": (__import__("io").BytesIO(b"%PDF-1.4\n"), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422


# --- the ID number's first digit and the nationality (issue 8, point 6) ---------------------------

def _open(officer, national_id, nationality):
    return post_form(officer, "/alpha/staff/beneficiaries/new", {
        "name": "أحمد محمد العتيبي", "national_id": national_id, "nationality": nationality, "gender": "male"})


def test_citizen_id_with_another_nationality_is_refused_on_the_id_field(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    response = _open(officer, VALID_IDS[0], "EG")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="national_id-error"' in page and "2" in page
    assert _files(app) == 0


def test_resident_id_with_saudi_nationality_is_refused_and_matching_pairs_are_accepted(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    assert _open(officer, "2000000006", "SA").status_code == 422
    assert _open(officer, "2000000006", "EG").status_code == 302
    assert _open(officer, VALID_IDS[0], "SA").status_code == 302
    assert _files(app) == 2


# --- NUL bytes, control characters and bidi overrides --------------------------------------------

def test_nul_bytes_in_any_form_are_a_bad_request_and_write_nothing(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    response = post_form(officer, "/alpha/staff/beneficiaries/new", {
        "name": "أحمد\x00محمد", "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male"})
    assert response.status_code == 400
    assert _files(app) == 0
    anonymous = app.test_client()
    token = csrf_token(anonymous)
    assert anonymous.post("/auth/login", data={"email": "a\x00@x.example", "password": "p\x00",
                                               "csrf_token": token}).status_code == 400
    assert anonymous.get("/auth/login?next=/x%00y").status_code == 400


@pytest.mark.parametrize("name", ["أحمد \u202eمحمد", "Ahmad\u2066 Ali", "Ahmad\x1b[31m Ali", "سارة\x07"])
def test_names_with_control_or_bidi_characters_get_a_field_message(app, tenant_a, name):
    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    response = post_form(officer, "/alpha/staff/beneficiaries/new?lang=en", {
        "name": name, "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male"})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert _files(app) == 0


def test_an_uploaded_file_name_loses_its_bidi_override_and_downloads_with_the_sniffed_extension(app, tenant_a):
    import io

    from core.workflow.models import Attachment

    officer = staff_client(app, "officer@alpha.test", "alpha", ROLES)
    file_id = open_file(officer, "alpha")
    request_id = open_request(officer, "alpha", file_id, "phone")
    page = f"/alpha/staff/requests/{request_id}"
    response = officer.post(f"{page}/attachments", data={
        "csrf_token": csrf_token(officer, page),
        "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "invoice\u202efdp.exe")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app_ctx(app), cross_tenant_scope():
        attachment = db.session.scalar(sa.select(Attachment))
        assert attachment.original_name == "invoicefdp.exe"
        attachment_id = attachment.id
    download = officer.get(f"/alpha/staff/attachments/{attachment_id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert "invoicefdp.exe.pdf" in disposition and "\u202e" not in disposition


# --- tenant files whose values passed `tenants check` but crashed the policy renderer --------------

def _tenant_file(**replace):
    from tests.helpers import TENANT_TOML

    text = TENANT_TOML.format(slug="gamma")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("extra", [
    f'license_number = "{"1" * 41}"',
    f'policy_title_ar = "{"س" * 301}"',
    'policy_title_en = "\u00a0\u00a0\u00a0"',
])
def test_values_the_policy_cannot_print_are_refused_by_the_file_check(app, extra):
    from core import tenant_files
    from core.tenant_files import TenantFileError

    with pytest.raises(TenantFileError) as caught:
        tenant_files.parse(extra + "\n" + _tenant_file(), "gamma.toml")
    assert [key for key, _ in caught.value.problems] == [extra.split(" ")[0]]


@pytest.mark.parametrize("label", ["\u00a0\u00a0", "\u200b\u200b\u200b", "قناة\x01", "قناة\u202e"])
def test_a_label_of_no_break_spaces_or_with_a_control_character_is_refused(app, label):
    import tomllib

    from core import tenant_files
    from core.tenant_files import TenantFileError

    raw = tomllib.loads(_tenant_file())
    raw["referral"]["label_ar"] = label  # as the settings forms send it (TOML itself refuses \x01)
    with pytest.raises(TenantFileError) as caught:
        tenant_files.validate(raw, "gamma.toml")
    assert [key for key, _ in caught.value.problems] == ["referral.label_ar"]


def test_every_value_a_file_check_accepts_renders_as_a_policy(app):
    """One set of limits: the longest licence number and title the check allows still render."""
    from core import tenant_files, tenants
    from core.policy import versions

    text = f'license_number = "{"1" * 40}"\npolicy_title_ar = "{"س" * 300}"\n' + _tenant_file()
    tenant_file = tenant_files.parse(text, "gamma.toml")
    with app_ctx(app), cross_tenant_scope():
        tenant_id = tenants.provision(tenant_file).tenant.id
        db.session.commit()
    with app_ctx(app):
        from core.tenancy import tenant_scope

        with tenant_scope(tenant_id):
            from core.models import Tenant

            [version] = versions.all_versions()
            # The licence is on the letterhead, filled in when the policy is shown.
            shown = str(versions.document(version, "ar", db.session.get(Tenant, tenant_id)))
            assert "1" * 40 in shown and "س" * 300 in version.body_ar


def test_deeply_nested_toml_is_a_file_error_not_a_crash():
    from core import tenant_files
    from core.tenant_files import TenantFileError

    for text in ("x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 2000 + "1" + "}" * 2000,
                 "x = " + "[" * 30 + "]" * 30):
        with pytest.raises(TenantFileError):
            tenant_files.parse(text, "gamma.toml")


@pytest.mark.parametrize("slug", ["alpha\n", "admin\n", "gamma\r\n"])
def test_a_slug_with_a_trailing_newline_is_refused(slug):
    from core import tenant_files
    from core.tenant_files import TenantFileError

    with pytest.raises(TenantFileError) as caught:
        tenant_files.validate({**tenant_files.TenantFileSchema().dump({}), "slug": slug,
                               "name_ar": "جمعية", "name_en": "Association", "channels": ["phone"],
                               "review": {"body": "committee", "label_ar": "لجنة", "label_en": "Committee"},
                               "referral": {"label_ar": "مسؤول", "label_en": "Officer"}})
    assert "slug" in [key for key, _ in caught.value.problems]


def test_the_decision_deadline_takes_arabic_digits_and_refuses_others(app):
    import tomllib

    from core import tenant_files
    from core.tenant_files import TenantFileError

    raw = tomllib.loads(_tenant_file())
    raw["review"]["decision_sla_days"] = "١٤"
    assert tenant_files.validate(raw, "gamma.toml").data["review"]["decision_sla_days"] == 14
    for foreign in ("१४", "¹⁴", "1" * 30):
        raw["review"]["decision_sla_days"] = foreign
        with pytest.raises(TenantFileError):
            tenant_files.validate(raw, "gamma.toml")


# --- the board approval form ---------------------------------------------------------------------

def _approve(app, **changes):
    """The tenant admin records version 1's board approval (confirming any warnings)."""
    from tests.helpers import login, make_user

    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    client = app.test_client()
    login(client, "admin@alpha.example")
    record = {"meeting": "3", "session": "1", "weekday": "الأربعاء", "hijri_date": "1446-02-03",
              "gregorian_date": "2024-08-07", "policy_title": "سياسة تنظيم العلاقة مع المستفيدين",
              "confirm": "y", **changes}
    return post_form(client, "/alpha/admin/policy/1/approve?lang=ar", record, form_page="/alpha/admin/policy/1")


def _approvals(app) -> list[str]:
    from core.models import BoardApproval

    with app_ctx(app), cross_tenant_scope():
        return db.session.scalars(sa.select(BoardApproval.text_ar)).all()


@pytest.mark.parametrize("field,value,message", [
    ("policy_title", "سياسة \u202eتنظيم العلاقة مع المستفيدين", "احذف أحرف التحكم"),
    ("policy_title", "\u2067سياسة تنظيم العلاقة\u2069", "احذف أحرف التحكم"),
    ("meeting", "3\u202d1", "احذف أحرف التحكم"),
    ("session", "1\x07", "احذف أحرف التحكم"),
    ("text_ar", "اعتمد المجلس\u202e السياسة", "احذف أحرف التحكم"),
    ("text_ar", "اعتمد\x1b[31m المجلس", "احذف أحرف التحكم"),
    ("policy_title", "\u200b\u200b\u200b\u200b", "نصاً ظاهراً"),
])
def test_the_board_approval_refuses_text_that_reads_other_than_it_is(app, tenant_a, field, value, message):
    response = _approve(app, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert _approvals(app) == []


def test_the_board_approval_keeps_line_breaks_in_the_minutes_text(app, tenant_a):
    assert _approve(app, text_ar="اعتمد المجلس\r\nالسياسة").status_code == 302
    assert [text.replace("\r", "") for text in _approvals(app)] == ["اعتمد المجلس\nالسياسة"]
