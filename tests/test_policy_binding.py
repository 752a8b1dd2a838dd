"""An approval binds to a text: its fingerprint is recorded, a change of shared wording makes a draft for
every tenant that uses it and leaves their approved text published, a record of another policy never
approves, and the public page says when the board approved which version."""
import re
import subprocess

import sqlalchemy as sa

from core import tenant_files, tenants
from core.models import BoardApproval, PolicyVersion
from core.policy import library, versions
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, login, make_user, post_form

NEW_GOAL = "تقديم خدمة متميزة {{ term.for_many }} بصياغة جديدة لم يعتمدها أي مجلس."


def rows(app, slug: str) -> list[tuple[int, str]]:
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug(slug)):
        return [(v.number, v.status) for v in reversed(versions.all_versions())]


def text(page: str) -> str:
    page = re.sub(r"</?bdi[^>]*>", "", page)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def release_new_shared_wording(monkeypatch):
    """What deploying a library with new wording of general_goal.1 does."""
    changed = library.load().replace("general_goal.1", ar=NEW_GOAL)
    monkeypatch.setattr(library, "load", lambda *args, **kwargs: changed)


def test_a_shared_clause_change_makes_a_draft_for_every_tenant_using_it_and_keeps_their_approved_text(
        app, client, monkeypatch, seed_tenants):
    before = {slug: client.get(f"/{slug}/policy?lang=ar").get_data(as_text=True) for slug in seed_tenants}
    release_new_shared_wording(monkeypatch)
    with app_ctx(app) as session:
        made = versions.sync_all()
        session.commit()
    # Irth and model-welfare word general_goal.1 their own way: the new shared wording is not theirs.
    assert sorted(slug for slug, _version in made) == ["al-humaima", "green-energy", "live-law"]
    assert rows(app, "al-humaima") == [(1, "approved"), (2, "draft")]
    assert rows(app, "irth") == [(1, "draft")] and rows(app, "model-welfare") == [(1, "approved")]
    for slug in ("al-humaima", "live-law", "model-welfare"):
        assert client.get(f"/{slug}/policy?lang=ar").get_data(as_text=True) == before[slug], slug
    assert "بصياغة جديدة" not in before["al-humaima"]
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("al-humaima")):
        draft = versions.get(2)
        assert "بصياغة جديدة لم يعتمدها أي مجلس" in draft.body_ar
        [approval] = versions.get(1).approvals
        assert approval.text_hash == versions.get(1).fingerprint != draft.fingerprint
        assert [(c.clause_id, c.kind) for c in versions.clause_changes(versions.get(1), draft, "ar")] == [
            ("general_goal.1", "changed")]

    # The admin is told which clauses differ and that the approval binds the old text.
    make_user(app, "admin@al-humaima.test", {"al-humaima": ["tenant_admin"]})
    login(client, "admin@al-humaima.test")
    listing = client.get("/al-humaima/admin/policy/?lang=en").get_data(as_text=True)
    notice = text(listing.split('id="pending-draft"')[1].split("</ul>")[0])
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("al-humaima")):
        old, new = versions.get(1).fingerprint[:16], versions.get(2).fingerprint[:16]
    assert f"binds the text {old}" in notice and f"now says the text {new}" in notice
    assert "general_goal.1" in notice


def test_the_admins_policy_page_makes_the_draft_after_a_release(app, client, monkeypatch, seed_tenants):
    release_new_shared_wording(monkeypatch)
    make_user(app, "admin@live-law.test", {"live-law": ["tenant_admin"]})
    login(client, "admin@live-law.test")
    assert 'id="pending-draft"' in client.get("/live-law/admin/policy/").get_data(as_text=True)
    assert rows(app, "live-law") == [(1, "approved"), (2, "draft")]
    assert 'id="pending-draft"' in client.get("/live-law/admin/policy/").get_data(as_text=True)
    assert rows(app, "live-law") == [(1, "approved"), (2, "draft")]  # once, not at every visit


def test_green_energys_record_names_another_policy_so_its_page_never_says_approved(client, seed_tenants):
    for lang in ("ar", "en"):
        page = client.get(f"/green-energy/policy?lang={lang}").get_data(as_text=True)
        assert "badge text-bg-success" not in page
        assert "policy-draft-notice" in page
    arabic = text(client.get("/green-energy/policy?lang=ar").get_data(as_text=True))
    assert "تم اعتماد سياسة إستبيان رأي المستفيدين بالجمعية" in arabic
    assert "هذا السجل يسمّي سياسة أخرى غير هذه السياسة" in arabic
    assert "لم يعتمد مجلس الإدارة هذه السياسة بعد" in arabic
    english = text(client.get("/green-energy/policy?lang=en").get_data(as_text=True))
    assert "This record names a different policy" in english
    assert "Approved by the board of directors" not in english


def test_the_public_page_gives_the_approval_date_and_version_not_the_servers_date(app, client, seed_tenants):
    from datetime import date

    english = text(client.get("/model-welfare/policy?lang=en").get_data(as_text=True))
    assert "Approved by the board of directors" in english
    assert "Version 1, approved by the board on 25 June 2024" in english
    assert date.today().isoformat() not in english and "published on" not in english
    arabic = client.get("/al-humaima/policy?lang=ar").get_data(as_text=True)
    assert 'data-iso="2024-08-07"' in arabic.split("policy-approved-on")[1][:600]


def test_a_changed_stored_text_is_no_longer_shown_as_approved(app, client, seed_tenants):
    from tests.conftest import _admin_engine

    assert "badge text-bg-success" in client.get("/live-law/policy").get_data(as_text=True)
    engine = _admin_engine()  # as the schema owner: the app itself cannot rewrite a version
    with engine.begin() as conn:
        conn.execute(sa.update(PolicyVersion.__table__).values(
            body_ar=sa.func.replace(PolicyVersion.__table__.c.body_ar, "أسبوعين", "ثلاثة أشهر")))
    engine.dispose()
    page = client.get("/live-law/policy").get_data(as_text=True)
    assert "badge text-bg-success" not in page and "policy-draft-notice" in page


def _file_with_hash(text_hash: str) -> str:
    source = open("tenants/al-humaima.toml", encoding="utf-8").read()
    return source.replace('policy_title = "سياسة تنظيم العلاقة مع المستفيدين"',
                          f'policy_title = "سياسة تنظيم العلاقة مع المستفيدين"\ntext_hash = "{text_hash}"')


def test_a_file_record_of_another_text_does_not_approve_and_the_mismatch_is_reported(app, client):
    tenant_file = tenant_files.parse(_file_with_hash("0" * 64), "tenants/al-humaima.toml")
    mismatch = [w for w in tenant_file.warnings if "approves the text 000000000000" in w]
    assert mismatch and "the board approved another text" in mismatch[0]
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_file)
        session.commit()
    assert rows(app, "al-humaima") == [(1, "draft")]
    assert "اعتمد هذا السجل نصاً آخر" in text(client.get("/al-humaima/policy").get_data(as_text=True))


def test_a_file_record_of_this_text_approves_it(app, client):
    text_hash = tenant_files.policy_text_hash(tenant_files.load("tenants/al-humaima.toml").data)
    tenant_file = tenant_files.parse(_file_with_hash(text_hash), "tenants/al-humaima.toml")
    assert not [w for w in tenant_file.warnings if "approves the text" in w]
    with app_ctx(app) as session, cross_tenant_scope():
        tenants.provision(tenant_file)
        session.commit()
    assert rows(app, "al-humaima") == [(1, "approved")]


def test_an_admins_record_of_another_policy_is_kept_and_approves_nothing(app, client, seed_tenants):
    make_user(app, "admin@irth.test", {"irth": ["tenant_admin"]})
    login(client, "admin@irth.test")
    record = {"session": "2", "weekday": "الأربعاء", "hijri_date": "1446-02-03", "gregorian_date": "2024-08-07",
              "policy_title": "سياسة التطوع", "confirm": "y"}
    response = post_form(client, "/irth/admin/policy/1/approve", record, form_page="/irth/admin/policy/1")
    assert response.status_code == 302
    assert rows(app, "irth") == [(1, "draft")]
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("irth")):
        [approval] = versions.get(1).approvals
        assert approval.policy_title == "سياسة التطوع" and approval.text_hash == versions.get(1).fingerprint
    admin_page = client.get("/irth/admin/policy/1?lang=en").get_data(as_text=True)
    assert "This record names a different policy" in admin_page
    assert "badge text-bg-success" not in client.get("/irth/policy").get_data(as_text=True)


def test_numbers_read_left_to_right_and_never_wrap_on_the_page(client, seed_tenants):
    page = client.get("/model-welfare/policy?lang=ar").get_data(as_text=True)
    assert '<bdi dir="ltr" class="num">٢٤-٤٥-٨</bdi>' in page
    assert '<bdi dir="ltr" class="num">٢٠٢٤-٦-٢٥</bdi>' in page
    css = client.get("/static/css/wasl.css").get_data(as_text=True)
    assert re.search(r"\.num \{[^}]*white-space: nowrap;[^}]*unicode-bidi: isolate-override", css)


def test_numbers_print_left_to_right_in_the_pdf(client, seed_tenants):
    data = client.get("/model-welfare/policy.pdf?lang=ar").data
    words = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                           check=True).stdout.decode()
    printed = re.findall(r"<word [^>]*>([^<]*)</word>", words)  # each word's glyphs from left to right
    assert "٢٤-٤٥-٨" in printed and "٨-٤٥-٢٤" not in printed
    assert "٢٠٢٤-٦-٢٥" in printed and "٢٥-٦-٢٠٢٤" not in printed


def test_the_app_cannot_rewrite_an_approvals_text_hash(app, seed_tenants):
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        import pytest

        pytest.skip("table privileges exist only on PostgreSQL: run with DATABASE_URL=postgresql://…")
    import pytest

    with app_ctx(app) as session, cross_tenant_scope(), tenant_scope(tenants.by_slug("live-law")):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.update(BoardApproval).values(text_hash="0" * 64))
        session.rollback()


def test_the_policy_job_makes_the_drafts_a_release_calls_for_once(app, monkeypatch, seed_tenants):
    from core.jobs import load_jobs

    job = load_jobs()["policy.sync_shared_wording"]
    release_new_shared_wording(monkeypatch)
    with app_ctx(app):
        assert job.run(None) == 3
    with app_ctx(app):
        assert job.run(None) == 0
    assert rows(app, "green-energy") == [(1, "draft"), (2, "draft")]
