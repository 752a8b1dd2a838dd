"""The clause library and a tenant's overrides: validated wording, own wording only for its tenant, own
clauses in their place, and the admin's page with shared and own wording side by side."""
import re

import pytest
import sqlalchemy as sa

from core import tenant_files, tenants
from core.models import AuditEntry
from core.policy import checks, clauses, library, rendering, versions
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import TENANT_TOML, app_ctx, login, make_tenant, make_user, post_form


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi[^>]*>", "", page)).split())


def provision(app, toml: str) -> None:
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_files.parse(toml))
        session.commit()


def problems(toml: str) -> dict:
    with pytest.raises(tenant_files.TenantFileError) as caught:
        tenant_files.parse(toml, "gamma.toml")
    return {key: str(message) for key, message in caught.value.problems}


# --- The library -----------------------------------------------------------------------------------

def test_every_shared_clause_has_arabic_and_english_and_only_known_placeholders():
    shared = library.load()
    ids = [c.id for s in shared.sections for c in s.clauses]
    assert len(ids) == len(set(ids)) > 100
    assert {"preamble.1", "procedure.explain_review", "grievances.window"} <= set(ids)
    for section in shared.sections:
        for clause in section.clauses:
            assert clause.ar and clause.en, clause.id


@pytest.mark.parametrize("bad, message", [
    ('ar = "نص {{ term.nothing }}"', "unknown placeholder {{ term.nothing }}"),
    ('ar = "نص {% for x in y %}"', "braces are only for placeholders"),
    ('en = "{{ term.for_one }}"', "unknown placeholder {{ term.for_one }}"),
])
def test_the_library_refuses_wording_that_is_not_plain_text_with_known_placeholders(bad, message):
    toml = '[[section]]\nid = "s"\n[[section.clause]]\nid = "s.heading"\nkind = "heading"\nar = "ع"\nen = "E"\n'
    toml = toml.replace('ar = "ع"', bad if bad.startswith("ar") else 'ar = "ع"').replace(
        'en = "E"', bad if bad.startswith("en") else 'en = "E"')
    with pytest.raises(library.LibraryError, match=re.escape(message)):
        library.parse(toml)


def test_a_placeholder_value_is_printed_never_evaluated():
    from core.policy.placeholders import fill

    assert str(fill("إلى {{ referral }}", {"referral": "{{ 7 * 7 }} <b>"})) == "إلى {{ 7 * 7 }} &lt;b&gt;"


# --- Tenant overrides -------------------------------------------------------------------------------

OWN_SERVE = '\n[clauses."procedure.serve"]\nar = "تقديم الخدمة اللازمة في موعدها."\nen = "Serving on time."\n'


def test_an_override_changes_only_that_tenant(app, client, tenant_b):
    provision(app, TENANT_TOML.format(slug="alpha") + OWN_SERVE)
    alpha = text(client.get("/alpha/policy").get_data(as_text=True))
    beta = text(client.get("/beta/policy").get_data(as_text=True))
    assert "تقديم الخدمة اللازمة في موعدها." in alpha and "تقديم الخدمة اللازمة في موعدها." not in beta
    assert "تقديم الخدمة اللازمة." in beta
    with app_ctx(app), cross_tenant_scope():
        with tenant_scope(tenants.by_slug("alpha")):
            record = {c["id"]: c for c in versions.latest().clauses}
        assert record["procedure.serve"]["source"] == "own"
        assert record["procedure.register"]["source"] == "shared"


def test_an_own_clause_goes_where_the_tenant_puts_it_and_a_moved_one_follows(app, client):
    toml = TENANT_TOML.format(slug="alpha") + '''
[clauses."procedure.sign"]
after = "procedure.check_info"
[clauses."procedure.follow_up"]
after = "procedure.serve"
ar = "متابعة {{ term.one }} بعد تقديم الخدمة."
'''
    provision(app, toml)
    page = client.get("/alpha/policy").get_data(as_text=True)
    order = re.findall(r'data-clause="(procedure\.[a-z_]+)"', page)
    assert order == ["procedure.heading", "procedure.receive", "procedure.check_info", "procedure.sign",
                     "procedure.refer", "procedure.explain_review", "procedure.register", "procedure.serve",
                     "procedure.follow_up"]
    assert "متابعة المستفيد بعد تقديم الخدمة." in text(page)
    english = client.get("/alpha/policy?lang=en").get_data(as_text=True)
    # No English wording yet: the English policy shows the Arabic, marked as Arabic.
    assert re.search(r'data-clause="procedure.follow_up" data-source="added" lang="ar" dir="rtl"', english)
    advice = checks.wording_checks(tenant_files.parse(toml).data)
    assert [(a.code, a.clause_id) for a in advice if a.code == checks.NO_ENGLISH] == [
        (checks.NO_ENGLISH, "procedure.follow_up")]


def test_leaving_out_an_item_leaves_out_its_sub_items():
    data = tenant_files.parse(TENANT_TOML.format(slug="alpha") + '[clauses."objectives.6"]\nomit = true\n').data
    body = rendering.render(data).body_ar
    assert 'data-clause="objectives.5"' in body
    assert 'data-clause="objectives.6' not in body


def test_a_clause_can_use_another_word_for_the_beneficiary():
    data = tenant_files.parse(TENANT_TOML.format(slug="alpha") + '[clauses."objectives.2"]\nterm = "user"\n').data
    texts = rendering.clause_texts(rendering.render(data).body_ar)
    assert texts["objectives.2"].endswith("في خدمة المستخدم.")
    assert texts["objectives.1"].startswith("تقدير حاجة المستفيد")


@pytest.mark.parametrize("override, key, message", [
    ('[clauses."procedure.nothing"]\nar = "نص"', "clauses.procedure.nothing",
     "there is no clause 'procedure.nothing' in the shared policy"),
    ('[clauses."procedure.serve"]\nar = "نص {{ term.nobody }}"', "clauses.procedure.serve.ar",
     "unknown placeholder {{ term.nobody }}"),
    ('[clauses."procedure.extra"]\nafter = "preamble.1"\nar = "نص"', "clauses.procedure.extra.after",
     "must name a clause of the same section ('procedure')"),
    ('[clauses."service_controls.death"]\nar = "نص"', "clauses.service_controls.death.ar",
     "a table row is worded as its two cells, other clauses as text"),
    ('[clauses."nowhere.x"]\nar = "نص"', "clauses.nowhere.x", "there is no section 'nowhere' in the shared policy"),
    ('[clauses."procedure.a"]\nafter = "procedure.b"\nar = "أ"\n[clauses."procedure.b"]\nafter = "procedure.a"\n'
     'ar = "ب"', "clauses.procedure.a.after", "the clauses' places name each other in a circle"),
    ('[clauses."procedure.serve"]\nterm = "client"', "clauses.procedure.serve.value.term",
     "Must be one of: beneficiary, user."),
])
def test_a_bad_override_is_refused_naming_the_clause(override, key, message):
    found = problems(TENANT_TOML.format(slug="gamma") + "\n" + override + "\n")
    assert found.get(key, "").startswith(message), found


def test_an_override_in_a_module_the_tenant_does_not_have_is_reported():
    data = tenant_files.parse(TENANT_TOML.format(slug="alpha") + '[clauses."grievances.window"]\nar = "نص"\n').data
    assert [(a.code, a.clause_id) for a in checks.wording_checks(data) if a.code == checks.MODULE_OFF] == [
        (checks.MODULE_OFF, "grievances.window")]


# --- Wording checks advise, never rewrite ----------------------------------------------------------

def test_not_less_than_for_a_maximum_deadline_is_advised_in_tenants_check_and_the_text_stays():
    from click.testing import CliRunner

    from core.cli import main

    result = CliRunner().invoke(main, ["tenants", "check", "tenants/irth.toml"])
    assert "clauses: procedure.explain_review: the text says the decision comes within «not less than»" in result.output
    assert "decision_sla_days = 14" in result.output and "at its next meeting" in result.output
    data = tenant_files.load("tenants/irth.toml").data
    assert "لا تقل عن أسبوعين" in rendering.clause_texts(rendering.render(data).body_ar)["procedure.explain_review"]


def test_wording_that_already_says_not_exceeding_gets_no_advice_but_an_own_period_does():
    base = TENANT_TOML.format(slug="alpha")
    exceeding = '[clauses."procedure.explain_review"]\nar = "التوضيح {{ term.for_one }} بأن طلبه سيرفع ' \
                '{{ review.to }} خلال مدة لا تتجاوز {{ decision.period }}."\n' \
                'en = "Explaining that the request goes {{ review.to }}, within {{ decision.period }} at most."\n'
    codes = [a.code for a in checks.wording_checks(tenant_files.parse(base + exceeding).data)]
    assert checks.MINIMUM_FOR_DEADLINE not in codes and checks.OWN_PERIOD not in codes
    own = '[clauses."procedure.explain_review"]\nar = "التوضيح {{ term.for_one }} بأن طلبه سيرفع ' \
          '{{ review.to }} خلال مدة لا تتجاوز شهر."\n'
    assert checks.OWN_PERIOD in [a.code for a in checks.wording_checks(tenant_files.parse(base + own).data)]


# --- The admin's policy page ------------------------------------------------------------------------

def admin(app, client, slug="irth"):
    make_user(app, f"admin@{slug}.test", {slug: ["tenant_admin"]})
    login(client, f"admin@{slug}.test")


def test_the_admin_sees_shared_and_own_wording_with_the_difference(app, client, seed_tenants):
    admin(app, client)
    page = client.get("/irth/admin/policy/clauses?lang=en").get_data(as_text=True)
    row = page.split('id="clause-preamble.2"')[1].split("</li>")[0]
    assert 'data-status="own"' in row and "<del>صيغة</del>" in row and "<ins>صياغة</ins>" in row
    shared = page.split('id="clause-procedure.explain_review"')[1].split("</li>")[0]
    assert 'data-status="shared"' in shared and "<del>" not in shared
    assert 'data-code="minimum_for_deadline"' in page
    only_own = client.get("/irth/admin/policy/clauses?only=own").get_data(as_text=True)
    assert 'id="clause-preamble.2"' in only_own and 'id="clause-procedure.explain_review"' not in only_own
    welfare = make_user(app, "admin@model-welfare.test", {"model-welfare": ["tenant_admin"]})
    assert welfare
    login(client, "admin@model-welfare.test")
    page = client.get("/model-welfare/admin/policy/clauses").get_data(as_text=True)
    assert 'data-status="added"' in page.split('id="clause-procedure.study_needs"')[1].split("</li>")[0]
    assert 'data-status="omitted"' in page.split('id="clause-procedure.serve"')[1].split("</li>")[0]


def test_the_admin_changes_a_clause_which_makes_a_draft_and_is_audited(app, client, seed_tenants):
    admin(app, client, "al-humaima")
    url = "/al-humaima/admin/policy/clauses/procedure.serve"
    response = post_form(client, url, {"ar": "تقديم الخدمة اللازمة دون تأخير.", "en": "", "action": "save"})
    assert response.status_code == 302
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("al-humaima")
        assert tenant.settings["clauses"] == {"procedure.serve": {"ar": "تقديم الخدمة اللازمة دون تأخير."}}
        with tenant_scope(tenant):
            assert [(v.number, v.status) for v in versions.all_versions()] == [(2, "draft"), (1, "approved")]
            entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "tenant.settings")).one()
            assert entry.after["clauses"]["procedure.serve"]["ar"] == "تقديم الخدمة اللازمة دون تأخير."
    assert "دون تأخير" not in client.get("/al-humaima/policy").get_data(as_text=True)
    # And back to the shared wording: the draft is obsolete again.
    response = post_form(client, url, {"action": "shared"})
    assert response.status_code == 302
    with app_ctx(app), cross_tenant_scope():
        assert "clauses" not in tenants.by_slug("al-humaima").settings


def test_a_bad_placeholder_is_shown_on_the_field_and_nothing_is_saved(app, client, seed_tenants):
    admin(app, client, "al-humaima")
    response = post_form(client, "/al-humaima/admin/policy/clauses/procedure.serve?lang=en",
                         {"ar": "تقديم {{ term.nobody }}", "action": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "unknown placeholder {{ term.nobody }}" in page.split('id="ar"')[1][:600].replace("&#39;", "'")
    with app_ctx(app), cross_tenant_scope():
        assert "clauses" not in tenants.by_slug("al-humaima").settings


def test_the_admin_adds_a_clause_of_the_associations_own(app, client, seed_tenants):
    admin(app, client, "live-law")
    response = post_form(client, "/live-law/admin/policy/clauses/new?after=procedure.serve",
                         {"code": "follow_up", "kind": "item", "after": "procedure.serve",
                          "ar": "متابعة {{ term.one }} بعد تقديم الخدمة.", "en": "Following up the {{ term.one }}."},
                         form_page="/live-law/admin/policy/clauses/new?after=procedure.serve")
    assert response.status_code == 302
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("live-law")):
        draft = versions.latest()
        assert "متابعة المستفيد بعد تقديم الخدمة." in rendering.clause_texts(draft.body_ar)["procedure.follow_up"]
    taken = post_form(client, "/live-law/admin/policy/clauses/new?after=procedure.serve",
                      {"code": "serve", "kind": "item", "after": "procedure.serve", "ar": "نص"},
                      form_page="/live-law/admin/policy/clauses/new?after=procedure.serve")
    assert taken.status_code == 422


def test_another_tenants_admin_and_staff_cannot_reach_the_clause_pages(app, client, seed_tenants):
    make_user(app, "officer@irth.test", {"irth": ["relations_officer"]})
    login(client, "officer@irth.test")
    assert client.get("/irth/admin/policy/clauses").status_code == 403
    assert client.get("/irth/admin/policy/clauses/procedure.serve").status_code == 403
    admin(app, client, "live-law")
    assert client.get("/irth/admin/policy/clauses").status_code == 404
    response = post_form(client, "/irth/admin/policy/clauses/procedure.serve", {"ar": "نص", "action": "save"},
                         form_page="/live-law/admin/policy/clauses/procedure.serve")
    assert response.status_code == 404
    assert client.get("/live-law/admin/policy/clauses/nothing.here").status_code == 404
    with app_ctx(app), cross_tenant_scope():
        assert "procedure.serve" not in (tenants.by_slug("irth").settings.get("clauses") or {})


def test_a_tenant_file_without_overrides_is_the_shared_policy(app):
    make_tenant(app, "plain")
    data = tenant_files.parse(TENANT_TOML.format(slug="plain")).data
    assert all(c.source == "shared" and not c.omitted for s in clauses.resolve(data) for c in s.clauses)
