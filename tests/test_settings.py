"""The charity admin's settings page: what it shows, what it saves, what it refuses, and to whom."""
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from core import tenants
from core.models import AuditEntry, Tenant
from core.signals import tenant_settings_changed
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, login, make_user

URL = "/alpha/admin/settings"


# --- submitting a form the way a browser does ---------------------------------------------------------

class _FormReader(HTMLParser):
    """The (name, value) pairs a browser would submit from the page's forms (checked boxes only)."""

    def __init__(self):
        super().__init__()
        self.pairs: list[list[str]] = []
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "file", "button"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append([name, a.get("value", "on") or ""])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.pairs.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self._textarea[1] = self._textarea[1].lstrip("\n")
            self._textarea = None


class Form:
    """A page's form as a browser holds it, to change and submit."""

    def __init__(self, html: str):
        reader = _FormReader()
        reader.feed(html)
        self.pairs = [tuple(p) for p in reader.pairs if p[0] != "action"]

    def get(self, name):
        return [v for k, v in self.pairs if k == name]

    def set(self, name, value):
        assert any(k == name for k, _ in self.pairs) or name.endswith("-use"), f"no field {name}"
        self.pairs = [(k, v) for k, v in self.pairs if k != name] + [(name, value)]
        return self

    def untick(self, name, value=None):
        self.pairs = [(k, v) for k, v in self.pairs if not (k == name and (value is None or v == value))]
        return self

    def tick(self, name, value="y"):
        self.untick(name, value).pairs.append((name, value))
        return self

    def row(self, section: str, code: str | None = None, blank: int = 0) -> str:
        """The prefix of the row of a catalog or custom code, or of the n-th empty custom row."""
        rows = sorted({int(m[1]) for k, _ in self.pairs if (m := re.fullmatch(rf"{section}-(\d+)-code", k))})
        if code is not None:
            for index in rows:
                if self.get(f"{section}-{index}-code") == [code]:
                    return f"{section}-{index}"
            raise AssertionError(f"no row for {code}")
        empty = [i for i in rows if self.get(f"{section}-{i}-code") == [""]]
        return f"{section}-{empty[blank]}"

    def data(self) -> dict:
        out: dict[str, list[str]] = {}
        for key, value in self.pairs:
            out.setdefault(key, []).append(value)
        return out


def open_form(client, url) -> Form:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return Form(response.get_data(as_text=True))


def submit(client, url, form: Form, **kwargs):
    return client.post(url, data=form.data(), **kwargs)


# --- fixtures --------------------------------------------------------------------------------------------

@pytest.fixture
def admin(app, client, tenant_a):
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    return client


@pytest.fixture
def signals():
    received = []

    def receiver(tenant, **kwargs):
        received.append((tenant.slug, dict(tenant.settings)))

    with tenant_settings_changed.connected_to(receiver):
        yield received


def settings_of(app, slug="alpha") -> dict:
    with app_ctx(app), cross_tenant_scope():
        return dict(tenants.by_slug(slug).settings)


def audit_entries(app, action="tenant.settings") -> list[AuditEntry]:
    with app_ctx(app) as session, cross_tenant_scope():
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()
        session.expunge_all()
        return entries


# --- showing -------------------------------------------------------------------------------------------

def test_the_form_shows_the_current_settings_in_the_tenants_order(admin):
    form = open_form(admin, URL)
    assert form.get("beneficiary_term") == ["beneficiary"]
    assert form.get("review-label_ar") == ["لجنة البحث"]
    assert form.get("review-decision_sla_days") == ["14"]
    assert form.get("referral-label_en") == ["Public relations officer"]
    assert form.get(f"{form.row('channels', 'interview')}-use") == ["y"]
    assert form.get(f"{form.row('channels', 'phone')}-position") == ["2"]
    assert form.get(f"{form.row('channels', 'field_visit')}-use") == []  # in the catalog, not in use


def test_the_settings_page_is_arabic_and_right_to_left_by_default_and_english_on_request(admin):
    html = admin.get(URL).get_data(as_text=True)
    assert 'dir="rtl"' in html and "إعدادات الجمعية" in html and "قنوات التواصل" in html
    html = admin.get(URL + "?lang=en").get_data(as_text=True)
    assert 'dir="ltr"' in html and "Settings of the association" in html


# --- saving --------------------------------------------------------------------------------------------

def test_a_change_is_saved_audited_with_before_and_after_and_announced(app, admin, signals):
    form = open_form(admin, URL)
    form.set("review-label_ar", "لجنة الخدمات")
    form.set("review-decision_sla_days", "10")
    form.untick(f"{form.row('channels', 'phone')}-use")
    form.tick(f"{form.row('channels', 'field_visit')}-use")
    new = form.row("channels", blank=0)
    form.set(f"{new}-code", "home_visit").set(f"{new}-label_ar", "الزيارة المنزلية")
    form.set(f"{new}-label_en", "Home visit").set(f"{new}-position", "1")
    form.set("holidays", "2026-09-23\n٢٠٢٦-٠٢-٢٢")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 302
    settings = settings_of(app)
    assert settings["review"]["label_ar"] == "لجنة الخدمات"
    assert settings["review"]["decision_sla_days"] == 10
    assert settings["channels"] == ["home_visit", "interview", "field_visit"]
    assert settings["custom_channels"] == [{"code": "home_visit", "label_ar": "الزيارة المنزلية",
                                            "label_en": "Home visit"}]
    assert settings["holidays"] == ["2026-02-22", "2026-09-23"]

    [entry] = audit_entries(app)
    assert entry.actor.email == "admin@alpha.example"
    assert entry.before["channels"] == ["interview", "phone"]
    assert entry.after["channels"] == ["home_visit", "interview", "field_visit"]
    assert entry.before["review"]["decision_sla_days"] == 14 and entry.after["review"]["decision_sla_days"] == 10
    assert "referral" not in entry.after  # only what changed
    assert signals == [("alpha", settings)]
    page = admin.get(URL + "?lang=en").get_data(as_text=True)
    assert "Settings saved: Who decides requests, Channels, Holidays." in page


def test_the_order_column_reorders_the_channels(app, admin):
    form = open_form(admin, URL)
    form.set(f"{form.row('channels', 'interview')}-position", "5")
    assert submit(admin, URL, form).status_code == 302
    assert settings_of(app)["channels"] == ["phone", "interview"]


def test_saving_without_a_change_writes_nothing(app, admin, signals):
    before = settings_of(app)
    response = submit(admin, URL + "?lang=en", open_form(admin, URL), follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert settings_of(app) == before
    assert audit_entries(app) == [] and signals == []


def test_the_admin_cannot_change_what_the_operator_owns(app, admin):
    form = open_form(admin, URL)
    form.pairs += [("name_ar", "اسم آخر"), ("slug", "other"), ("board_approvals", "x")]
    form.set("beneficiary_term", "user")
    assert submit(admin, URL, form).status_code == 302
    with app_ctx(app), cross_tenant_scope():
        tenant = tenants.by_slug("alpha")
        assert tenant.name_ar == "جمعية alpha" and tenant.settings["beneficiary_term"] == "user"


def test_board_approvals_in_the_settings_survive_a_save(app, client):
    from core import tenant_files
    from tests.helpers import TENANT_TOML

    text = ('[[board_approvals]]\npolicy_title = "سياسة تنظيم العلاقة مع المستفيدين"\n'
            'gregorian_date = "2024-06-25"\n')
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_files.parse(TENANT_TOML.format(slug="alpha") + text))
        session.commit()
    make_user(app, "admin@alpha.example", {"alpha": ["tenant_admin"]})
    login(client, "admin@alpha.example")
    form = open_form(client, URL).set("referral-label_en", "Relations officer")
    assert submit(client, URL, form).status_code == 302
    settings = settings_of(app)
    assert settings["referral"]["label_en"] == "Relations officer"
    assert settings["board_approvals"][0]["gregorian_date"] == "2024-06-25"


# --- refusing ------------------------------------------------------------------------------------------

def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    assert match, f"no error shown on {field_id}"
    return match[1]


def test_a_bad_value_gets_a_translated_message_on_its_field_and_nothing_changes(app, admin, signals):
    before = settings_of(app)
    form = open_form(admin, URL).set("review-decision_sla_days", "two weeks").set("contact-email", "not-an-email")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, "review-decision_sla_days") == "Not a valid integer."
    assert _field_error(html, "contact-email") == "Not a valid email address."
    assert "Nothing was saved" in html
    assert 'value="two weeks"' in html  # what was typed is kept for correcting

    response = submit(admin, URL + "?lang=ar", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, "review-decision_sla_days") == "ليس عدداً صحيحاً."
    assert settings_of(app) == before
    assert audit_entries(app) == [] and signals == []


def test_a_deadline_out_of_range_is_refused_with_the_range(app, admin):
    form = open_form(admin, URL).set("review-decision_sla_days", "120")
    html = submit(admin, URL + "?lang=en", form).get_data(as_text=True)
    assert _field_error(html, "review-decision_sla_days") == (
        "Must be greater than or equal to 1 and less than or equal to 90.")
    assert settings_of(app)["review"]["decision_sla_days"] == 14


def test_an_empty_review_label_is_refused_on_its_field(admin):
    form = open_form(admin, URL).set("review-label_en", "")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "review-label_en") == "Missing data for required field."


def test_a_custom_channel_with_a_bad_code_or_a_short_name_is_refused_on_its_row(app, admin):
    form = open_form(admin, URL)
    row = form.row("channels", blank=1)
    form.set(f"{row}-code", "Home Visit").set(f"{row}-label_ar", "ز").set(f"{row}-label_en", "Home visit")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_error(html, f"{row}-code") == "must be a snake_case code"
    assert _field_error(html, f"{row}-label_ar") == "Length must be between 2 and 120."
    assert "custom_channels" not in settings_of(app)


def test_a_custom_channel_may_not_take_a_catalog_code(app, admin):
    form = open_form(admin, URL)
    row = form.row("channels", blank=0)
    form.set(f"{row}-code", "phone").set(f"{row}-label_ar", "هاتف").set(f"{row}-label_en", "Phone")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "code &#39;phone&#39; is already in the platform catalog; list it in &#39;channels&#39; instead" in html
    assert "custom_channels" not in settings_of(app)


def test_unticking_every_channel_is_refused(app, admin):
    form = open_form(admin, URL)
    for code in ("interview", "phone"):
        form.untick(f"{form.row('channels', code)}-use")
    html = submit(admin, URL + "?lang=en", form).get_data(as_text=True)
    assert "at least one channel is required" in html
    assert settings_of(app)["channels"] == ["interview", "phone"]


def test_a_bad_holiday_is_named_on_the_holidays_field(app, admin):
    form = open_form(admin, URL).set("holidays", "2026-09-23\n2026-02-30")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), "holidays") == "2026-02-30: Not a valid date."
    assert "holidays" not in settings_of(app)


def test_a_bad_order_number_is_refused_on_its_row(app, admin):
    form = open_form(admin, URL)
    row = form.row("channels", "phone")
    form.set(f"{row}-position", "first")
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 422
    assert _field_error(response.get_data(as_text=True), f"{row}-position") == "Enter a whole number."


def test_a_save_over_a_newer_change_is_refused_and_shows_the_current_settings(app, admin):
    from core import tenant_settings

    form = open_form(admin, URL).set("referral-label_en", "Mine")
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("alpha")
        tenant_settings.update(tenant, {"referral": {"label_ar": "مسؤول الإحالة", "label_en": "Theirs"}})
        session.commit()
    response = submit(admin, URL + "?lang=en", form)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone changed these settings after you opened this page" in html and 'value="Theirs"' in html
    assert settings_of(app)["referral"]["label_en"] == "Theirs"


def test_a_post_without_the_csrf_token_is_refused(app, admin):
    data = open_form(admin, URL).untick("csrf_token").set("referral-label_en", "Forged").data()
    assert admin.post(URL, data=data).status_code == 400
    assert settings_of(app)["referral"]["label_en"] == "Public relations officer"


# --- who may -------------------------------------------------------------------------------------------

def test_an_admin_of_a_cannot_see_or_change_the_settings_of_b(app, admin, tenant_b):
    form = open_form(admin, URL).set("referral-label_en", "Changed from alpha")
    assert admin.get("/beta/admin/settings").status_code == 404
    assert submit(admin, "/beta/admin/settings", form).status_code == 404
    assert settings_of(app, "beta")["referral"]["label_en"] == "Public relations officer"


def test_a_member_who_is_not_an_admin_gets_403(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer", "reviewer"]})
    login(client, "officer@alpha.example")
    assert client.get(URL).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/alpha/").get_data(as_text=True))[1]
    assert client.post(URL, data={"csrf_token": token, "referral-label_en": "x"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, tenant_a):
    response = client.get(URL)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_admin_home_links_to_settings_users_and_the_audit_log(admin):
    html = admin.get("/alpha/admin/").get_data(as_text=True)
    for href in ("/alpha/admin/settings", "/alpha/admin/users", "/alpha/admin/audit"):
        assert f'href="{href}"' in html


def test_the_settings_audit_entry_is_in_the_tenants_own_log_only(app, admin, tenant_b):
    form = open_form(admin, URL).set("referral-label_en", "Relations officer")
    submit(admin, URL, form)
    [entry] = audit_entries(app)
    with app_ctx(app) as session:
        assert entry.tenant_id == session.scalar(sa.select(Tenant.id).where(Tenant.slug == "alpha"))
    assert "tenant.settings" in admin.get("/alpha/admin/audit").get_data(as_text=True)


def test_every_id_on_the_settings_page_is_unique_so_labels_and_anchors_work(admin):
    ids = re.findall(r'\sid="([^"]+)"', admin.get(URL).get_data(as_text=True))
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
