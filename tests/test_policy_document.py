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
#: A clause each module's section has (sections come from the clause library).
MODULE_CLAUSES = {
    "program_registration": "eligibility.registration", "program_interviews": "eligibility.interviews",
    "eligibility_verification": "eligibility.verification.1", "service_controls": "service_controls.heading",
    "rights_duties": "rights.heading", "grievances": "grievances.heading",
}
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def seed_data(slug: str) -> dict:
    return tenant_files.load(f"tenants/{slug}.toml").data


def labels(data: dict, key: str, lang: str) -> list[str]:
    """The entries' labels, or the tenant's own wording of them (a clause override)."""
    from core.catalog import CHANNELS, TOOLS

    catalog = CHANNELS if key == "channels" else TOOLS
    custom = {c["code"]: c[f"label_{lang}"] for c in data.get(f"custom_{key}", [])}
    own = data.get("clauses", {})
    return [own.get(f"{key}.{c}", {}).get(lang) or (catalog[c].label(lang) if c in catalog else custom[c])
            for c in data[key]]


def listed(page: str, css_class: str) -> list[str]:
    match = re.search(rf'<ol class="{css_class}">(.*?)</ol>', page, re.S)
    if not match:
        return []
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)]


def page_text(page: str) -> str:
    page = re.sub(r"</?bdi[^>]*>", "", page)  # isolated numbers are part of their sentence
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
    assert 'class="letterhead"' in page and name in page_text(page.split('class="letterhead"')[1][:2000])

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
        for module, clause_id in MODULE_CLAUSES.items():
            assert (f'data-clause="{clause_id}"' in page) == (module in enabled), f"{slug}: {module}"


def test_irth_shows_its_programme_sections_and_model_welfare_its_own_sections(client, seed_tenants):
    irth = page_text(client.get("/irth/policy").get_data(as_text=True))
    assert "أولاً: البرامج التي تتطلب اشتراك أو تسجيل." in irth
    assert "ثانياً: البرامج التي تتطلب مقابلة شخصية." in irth
    assert "سياسة التظلم" not in irth
    welfare_page = client.get("/model-welfare/policy").get_data(as_text=True)
    welfare = page_text(welfare_page)
    assert "سياسة التظلم وتقديم الشكوى" in welfare
    assert "في مدة لا تتجاوز ١٥ يوم عمل" in welfare
    assert "يجمد ملف المستفيد لمدة ثلاثة أشهر وإذا لم يتجاوب يتم استبعاده" in welfare
    # 004 has no programme sections and no branch offices: those are Irth's and nobody's.
    assert "البرامج التي تتطلب" not in welfare and "المكاتب الفرعية" not in welfare
    # Its own introduction, its service standards and its needs study, and «والوثائق» in the signing step.
    assert "تتمثل هذه السياسة في تعريف المستفيدين بالخدمات" in welfare
    assert "معايير تقديم الخدمة للمستفيد" in welfare
    assert "دراسة احتياج المستفيد والرفع بطلب الاستفادة من الخدمات الموجودة." in welfare
    assert "صحة المعلومات والوثائق المقدمة" in welfare
    assert "استقبال المراجع بلباقة" in welfare
    english = page_text(client.get("/model-welfare/policy?lang=en").get_data(as_text=True))
    assert "Grievance and complaint policy" in english and "not exceeding 15 working days" in english


def test_each_preamble_says_what_its_seed_says_and_nothing_more(client, seed_tenants):
    for slug in ("irth", "al-humaima", "green-energy", "live-law"):
        text = page_text(client.get(f"/{slug}/policy").get_data(as_text=True))
        assert "وتعرّف هذه السياسة" not in text and "تتمثل هذه السياسة" not in text, slug


def test_live_laws_body_says_beneficiary_and_only_its_title_says_users(client, seed_tenants):
    page = client.get("/live-law/policy").get_data(as_text=True)
    body = page_text(page.split("</h1>", 1)[1])
    assert "سياسة تنظيم العلاقة مع المستخدمين" in page_text(page.split("</h1>", 1)[0])
    assert "ويتم التعامل مع المستفيد على مختلف المستويات" in body
    assert "القنوات المستخدمة للتواصل مع المستفيدين" in body
    assert "المستخدم" not in body.replace("القنوات المستخدمة", "")
    english = page_text(client.get("/live-law/policy?lang=en").get_data(as_text=True))
    assert "User Relations Policy" in english and "The beneficiary is dealt with at every level" in english


def test_green_energy_says_its_own_title_and_user_only_where_its_objectives_do(client, seed_tenants):
    page = client.get("/green-energy/policy").get_data(as_text=True)
    text = page_text(page)
    assert "سياسة تنظيم العلاقة مع المستفيدين" in page_text(page.split("</h1>", 1)[0])
    assert "تقديم الخدمات المتكاملة بأحدث الأساليب الإلكترونية في خدمة المستخدم." in text
    assert "تقدير حاجة المستفيد وكافة الفئات المستفيدة" in text
    assert "ويتم التعامل مع المستفيد على مختلف المستويات" in text


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
            assert "The user is dealt with at every level" in draft.body_en


def test_the_decision_deadline_is_the_tenants_in_days_or_weeks_as_the_seeds_word_it(app, client):
    base = TENANT.format(slug="swift", days=10, modules="[]", beneficiary="beneficiary")
    provision(app, base)
    assert "خلال مدة لا تقل عن 10 أيام" in page_text(client.get("/swift/policy").get_data(as_text=True))
    assert "within a period of not less than 10 days" in page_text(
        client.get("/swift/policy?lang=en").get_data(as_text=True))
    provision(app, TENANT.format(slug="weekly", days=21, modules="[]", beneficiary="beneficiary"))
    assert "خلال مدة لا تقل عن ثلاثة أسابيع" in page_text(client.get("/weekly/policy?lang=ar").get_data(as_text=True))


def test_every_seed_publishes_not_less_than_two_weeks_as_its_board_wrote(client, seed_tenants):
    for slug in SEEDS:
        text = page_text(client.get(f"/{slug}/policy").get_data(as_text=True))
        assert "بشأن قبوله أو رفضه خلال مدة لا تقل عن أسبوعين" in text, slug
        assert "لا تتجاوز أسبوعين" not in text, slug


def test_the_table_of_contents_lists_every_section_in_order(client, seed_tenants):
    page = client.get("/model-welfare/policy").get_data(as_text=True)
    toc = re.search(r'<ol class="toc">(.*?)</nav>', page, re.S).group(1)
    in_toc = re.findall(r'href="#([a-z0-9-]+)"', toc)
    in_body = [a for a in re.findall(r'<h[23][^>]*\bid="([a-z0-9-]+)"', page) if a != "contents"]
    assert in_toc == in_body
    assert in_toc[:3] == ["preamble", "general-goal", "objectives"] and in_toc[-1] == "board-approval"
    assert "definition" in in_toc and "service-standards" in in_toc and "grievance-procedure" in in_toc


def test_labels_are_printed_as_written_never_run(app, client):
    text = TENANT.format(slug="tricky", days=14, modules="[]", beneficiary="beneficiary").replace(
        'label_ar = "مسؤول العلاقات العامة"', 'label_ar = "{{ 7 * 7 }} <script>alert(1)</script>"')
    provision(app, text)
    page = client.get("/tricky/policy").get_data(as_text=True)
    assert "{{ 7 * 7 }}" in page_text(page) and "49" not in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page


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
