"""Each association's policy, as the public reads it: its own channels, tools, referral role, review
body, modules, word for the beneficiary and board approval, in Arabic and in English, as HTML and PDF."""
import html as html_lib
import re
import subprocess

import pytest

from core import tenant_files, tenants
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx

SEEDS = ("irth", "al-humaima", "green-energy", "live-law", "model-welfare")
MODULE_IDS = {
    "program_registration": "program-registration", "program_interviews": "program-interviews",
    "eligibility_verification": "eligibility-verification", "service_controls": "service-controls",
    "rights_duties": "rights-duties", "grievances": "grievances", "branch_offices": "branch-offices",
}
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def seed_data(slug: str) -> dict:
    return tenant_files.load(f"tenants/{slug}.toml").data


def labels(data: dict, key: str, lang: str) -> list[str]:
    from core.catalog import CHANNELS, TOOLS

    catalog = CHANNELS if key == "channels" else TOOLS
    custom = {c["code"]: c[f"label_{lang}"] for c in data.get(f"custom_{key}", [])}
    return [catalog[c].label(lang) if c in catalog else custom[c] for c in data[key]]


def listed(page: str, css_class: str) -> list[str]:
    match = re.search(rf'<ol class="{css_class}">(.*?)</ol>', page, re.S)
    if not match:
        return []
    return [html_lib.unescape(item).strip() for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def page_text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def provision(app, text: str) -> None:
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_files.parse(text))
        session.commit()


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("slug", SEEDS)
def test_each_seed_policy_says_its_own_settings_and_none_of_another_tenants(client, seed_tenants, slug, lang):
    data = seed_data(slug)
    response = client.get(f"/{slug}/policy?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page_text(page)

    assert listed(page, "policy-channels") == labels(data, "channels", lang)
    assert listed(page, "policy-tools") == labels(data, "tools", lang)
    name = data[f"name_{lang}"]
    assert name in text
    referral, review = data["referral"][f"label_{lang}"], data["review"][f"label_{lang}"]
    assert referral.lower() in text.lower() and review.lower() in text.lower()
    for approval in data["board_approvals"]:
        assert approval["text_ar"] in text
        assert approval["policy_title"] in text
    if not data["board_approvals"]:
        assert "لم يعتمد مجلس الإدارة هذه السياسة بعد" in text or "Not yet approved by the board" in text

    for other in SEEDS:
        if other == slug:
            continue
        other_data = seed_data(other)
        assert other_data[f"name_{lang}"] not in text
        for approval in other_data["board_approvals"]:
            assert approval["text_ar"] not in text
        own_roles = {referral.lower(), review.lower()}
        for label in (other_data["referral"][f"label_{lang}"], other_data["review"][f"label_{lang}"]):
            if label.lower() not in own_roles:
                assert label.lower() not in text.lower(), f"{other}'s '{label}' in {slug}'s policy"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_module_sections_appear_only_when_the_module_is_on(client, seed_tenants, lang):
    for slug in SEEDS:
        page = client.get(f"/{slug}/policy?lang={lang}").get_data(as_text=True)
        enabled = set(seed_data(slug)["modules"])
        for module, anchor in MODULE_IDS.items():
            assert (f'id="{anchor}"' in page) == (module in enabled), f"{slug}: {module}"
            assert (f'href="#{anchor}"' in page) == (module in enabled), f"{slug}: {module} in the contents"


def test_irth_shows_its_program_sections_and_model_welfare_its_grievance_policy(client, seed_tenants):
    irth = client.get("/irth/policy").get_data(as_text=True)
    assert "البرامج التي تتطلب اشتراكاً أو تسجيلاً" in irth
    assert "البرامج التي تتطلب مقابلة شخصية" in irth
    assert "سياسة التظلم" not in irth
    welfare = page_text(client.get("/model-welfare/policy").get_data(as_text=True))
    assert "سياسة التظلم وتقديم الشكوى" in welfare
    assert "مدة لا تتجاوز (15) يوم عمل" in welfare
    assert "يُجمَّد ملف المستفيد لمدة ثلاثة أشهر" in welfare
    english = page_text(client.get("/model-welfare/policy?lang=en").get_data(as_text=True))
    assert "Grievance and complaint policy" in english and "within (15) working days" in english


def test_the_beneficiary_word_follows_the_setting(client, seed_tenants):
    user = page_text(client.get("/live-law/policy").get_data(as_text=True))
    assert "سياسة تنظيم العلاقة مع المستخدمين" in user
    assert "ويتم التعامل مع المستخدم على مختلف المستويات" in user
    assert "القنوات المستخدمة للتواصل مع المستخدمين" in user
    assert "التعامل مع المستفيد" not in user and "حقوق المستفيد" not in user
    beneficiary = page_text(client.get("/al-humaima/policy").get_data(as_text=True))
    assert "ويتم التعامل مع المستفيد على مختلف المستويات" in beneficiary
    assert "المستخدمين" not in beneficiary
    english = page_text(client.get("/live-law/policy?lang=en").get_data(as_text=True))
    assert "User Relations Policy" in english and "Procedures for dealing with the user" in english
    assert "beneficiaries" not in english.replace("Beneficiary support", "")


def test_changing_only_the_word_changes_the_policy_text(app, client, seed_tenants):
    text = open("tenants/al-humaima.toml", encoding="utf-8").read()
    provision(app, text.replace('beneficiary_term = "beneficiary"', 'beneficiary_term = "user"'))
    with app_ctx(app), cross_tenant_scope():
        from core.policy import versions
        from core.tenancy import tenant_scope

        with tenant_scope(tenants.by_slug("al-humaima")):
            draft = versions.latest()
            assert draft.number == 2 and draft.status == "draft"
            assert "ويتم التعامل مع المستخدم على مختلف المستويات" in draft.body_ar
            assert "Procedures for dealing with the user" in draft.body_en


def test_the_decision_deadline_is_the_tenants_in_days_or_weeks(app, client):
    base = TENANT.format(slug="swift", days=10, modules="[]", beneficiary="beneficiary")
    provision(app, base)
    assert "خلال مدة لا تتجاوز 10 أيام" in page_text(client.get("/swift/policy").get_data(as_text=True))
    assert "within a period not exceeding 10 days" in page_text(
        client.get("/swift/policy?lang=en").get_data(as_text=True))
    provision(app, TENANT.format(slug="weekly", days=21, modules="[]", beneficiary="beneficiary"))
    assert "خلال مدة لا تتجاوز ثلاثة أسابيع" in page_text(client.get("/weekly/policy?lang=ar").get_data(as_text=True))


def test_the_seeds_two_weeks_read_as_a_maximum(client, seed_tenants):
    text = page_text(client.get("/irth/policy").get_data(as_text=True))
    assert "سيُرفع إلى لجنة البحث لدراسته والرد عليه بشأن قبوله أو رفضه خلال مدة لا تتجاوز أسبوعين" in text
    assert "لا تقل عن" not in text


def test_the_table_of_contents_lists_every_section_in_order(client, seed_tenants):
    page = client.get("/model-welfare/policy").get_data(as_text=True)
    toc = re.search(r'<ol class="toc">(.*?)</nav>', page, re.S).group(1)
    in_toc = re.findall(r'href="#([a-z0-9-]+)"', toc)
    in_body = [a for a in re.findall(r'<h[23][^>]*\bid="([a-z0-9-]+)"', page) if a != "contents"]
    assert in_toc == in_body
    assert in_toc[:3] == ["preamble", "general-goal", "objectives"] and in_toc[-1] == "board-approval"


def test_labels_are_printed_as_written_never_run(app, client):
    text = TENANT.format(slug="tricky", days=14, modules="[]", beneficiary="beneficiary").replace(
        'label_ar = "مسؤول العلاقات العامة"', 'label_ar = "{{ 7 * 7 }} <script>alert(1)</script>"')
    provision(app, text)
    page = client.get("/tricky/policy").get_data(as_text=True)
    assert "{{ 7 * 7 }}" in page and "49" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_policy_is_in_the_navigation(client, seed_tenants):
    home = client.get("/irth/").get_data(as_text=True)
    assert 'href="/irth/policy"' in home


def test_an_unknown_or_suspended_tenant_has_no_policy(app, client, seed_tenants):
    assert client.get("/nobody/policy").status_code == 404
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.suspend(tenants.by_slug("irth"))
        session.commit()
    assert client.get("/irth/policy").status_code == 404
    assert client.get("/irth/policy.pdf").status_code == 404


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(BIDI_CONTROLS.sub("", result.stdout.decode()).split())


def test_the_pdf_has_the_arabic_title_and_the_association_name(client, seed_tenants):
    response = client.get("/live-law/policy.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "سياسة تنظيم العلاقة مع المستخدمين" in text
    assert "جمعية لايف القانون" in text
    assert "مسؤول البحث الاجتماعي" in text


def test_the_pdf_of_a_draft_says_it_is_not_approved_and_has_an_english_version(client, seed_tenants):
    arabic = pdf_text(client.get("/irth/policy.pdf").data)
    assert "جمعية إرث التعليمية" in arabic and "سياسة تنظيم العلاقة مع المستفيدين" in arabic
    assert "لم يعتمد مجلس الإدارة هذه السياسة بعد" in arabic
    english = pdf_text(client.get("/irth/policy.pdf?lang=en").data)
    assert "Irth Educational Association" in english and "Beneficiary Relations Policy" in english
    assert "Public relations officer".lower() in english.lower()


TENANT = """
slug = "{slug}"
name_ar = "جمعية {slug}"
name_en = "{slug} association"
beneficiary_term = "{beneficiary}"
channels = ["interview", "phone"]
tools = ["bylaws"]
modules = {modules}
[review]
body = "committee"
label_ar = "لجنة البحث"
label_en = "Research committee"
decision_sla_days = {days}
[referral]
label_ar = "مسؤول العلاقات العامة"
label_en = "Public relations officer"
"""


def test_placeholders_are_validated_before_the_template_sees_them():
    from marshmallow import ValidationError

    from core.policy import placeholders

    snapshot = tenant_files.load("tenants/irth.toml").data | {"name_ar": "جمعية\tإرث\nالتعليمية"}
    assert placeholders.context(snapshot, "ar")["association"] == "جمعية إرث التعليمية"
    with pytest.raises(ValidationError):
        placeholders.context(snapshot | {"name_ar": "جمعية \x07 إرث"}, "ar")
    with pytest.raises(ValidationError):
        placeholders.context(snapshot | {"channels": []}, "en")


def test_the_template_sandbox_refuses_unknown_placeholders_and_python_internals():
    from jinja2.exceptions import SecurityError, UndefinedError

    from core.policy.rendering import _env

    with pytest.raises(UndefinedError):
        _env.from_string("{{ no_such_placeholder }}").render()
    with pytest.raises(SecurityError):
        _env.from_string("{{ association.__class__.__mro__ }}").render(association="x")
    with pytest.raises(SecurityError):
        _env.from_string("{{ channels.append('x') }}").render(channels=[])
