"""Policy versions: a settings change makes a draft, the published version stays as approved until the
board approves the draft, and records from the tenant file approve the first version as written."""
import copy
import re

import pytest
import sqlalchemy as sa

from core import tenant_files, tenants
from core.models import AuditEntry, BoardApproval, PolicyStatus, PolicyVersion
from core.policy import versions
from core.signals import tenant_settings_changed
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx


def change_settings(app, slug: str, change) -> None:
    """What the admin's settings page does: new settings, then the signal."""
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        settings = copy.deepcopy(tenant.settings)
        change(settings)
        tenant.settings = settings
        session.flush()
        tenant_settings_changed.send(tenant)
        session.commit()


def version_rows(app, slug: str) -> list[tuple[int, str]]:
    with app_ctx(app), cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        with tenant_scope(tenant):
            return [(v.number, v.status) for v in reversed(versions.all_versions())]


def public_channels(client, slug: str) -> list[str]:
    page = client.get(f"/{slug}/policy?lang=ar").get_data(as_text=True)
    block = re.search(r'<ol class="policy-channels">(.*?)</ol>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item) for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


def test_first_provisioning_approves_version_1_with_the_files_records_as_written(app, seed_tenants):
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("al-humaima")
        with tenant_scope(tenant):
            version = versions.published()
            assert version.number == 1 and version.status == PolicyStatus.approved
            assert version.published_at is not None
            [record] = version.approvals
            # Kept as the minutes wrote it, although 2024-08-07 was a Wednesday.
            assert (record.session, record.weekday, record.hijri_date, record.gregorian_date.isoformat()) == (
                "08", "الاثنين", "1446-02-03", "2024-08-07")
            assert [w.code for w in versions.warnings_for(record, version)] == ["weekday_mismatch"]
            actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
            assert {"policy.draft", "policy.board_approval", "policy.approve"} <= set(actions)
    assert version_rows(app, "irth") == [(1, "draft")]


def test_provisioning_the_same_file_again_makes_no_new_version(app, seed_tenants):
    from core.demo import provision_directory

    with app_ctx(app):
        provision_directory(app.config["TENANTS_DIR"])
    change_settings(app, "live-law", lambda s: None)  # the signal alone, nothing changed
    assert version_rows(app, "live-law") == [(1, "approved")]


def test_a_settings_change_makes_a_draft_and_leaves_the_published_version_alone(app, client, seed_tenants):
    before = client.get("/al-humaima/policy?lang=ar").get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("al-humaima")):
        published_body = versions.published().body_ar

    change_settings(app, "al-humaima", lambda s: s["channels"].remove("letters"))

    assert version_rows(app, "al-humaima") == [(1, "approved"), (2, "draft")]
    assert client.get("/al-humaima/policy?lang=ar").get_data(as_text=True) == before
    assert "الخطابات" in public_channels(client, "al-humaima")
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("al-humaima")):
        assert versions.published().body_ar == published_body
        draft = versions.get(2)
        assert "الخطابات" not in draft.body_ar
        assert "letters" not in draft.settings["channels"]
        assert draft.approvals == []


def test_approving_the_draft_publishes_it_and_supersedes_the_old_version(app, client, seed_tenants):
    change_settings(app, "al-humaima", lambda s: s["channels"].remove("letters"))
    with app_ctx(app) as session, cross_tenant_scope(), tenant_scope(tenants.by_slug("al-humaima")):
        versions.record_approval(versions.get(2), {
            "session": "09", "weekday": "الأربعاء", "hijri_date": "1446-02-03", "gregorian_date": "2024-08-07",
            "policy_title": "سياسة تنظيم العلاقة مع المستفيدين"})
        session.commit()
    assert version_rows(app, "al-humaima") == [(1, "superseded"), (2, "approved")]
    assert "الخطابات" not in public_channels(client, "al-humaima")


def test_a_change_the_policy_does_not_mention_makes_no_draft(app, seed_tenants):
    change_settings(app, "live-law", lambda s: s.update(holidays=["2030-01-01"]))
    change_settings(app, "live-law", lambda s: s["contact"].update(phone="0500000000"))
    assert version_rows(app, "live-law") == [(1, "approved")]


def test_each_further_change_makes_another_draft(app, seed_tenants):
    change_settings(app, "irth", lambda s: s["review"].update(decision_sla_days=10))
    change_settings(app, "irth", lambda s: s["modules"].remove("program_interviews"))
    assert version_rows(app, "irth") == [(1, "draft"), (2, "draft"), (3, "draft")]
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug("irth")):
        assert "لا تقل عن 10 أيام" in versions.get(2).body_ar
        assert 'data-clause="eligibility.interviews"' in versions.get(2).body_ar
        assert 'data-clause="eligibility.interviews"' not in versions.get(3).body_ar


def test_going_back_to_the_approved_settings_retires_the_pending_draft(app, seed_tenants):
    change_settings(app, "live-law", lambda s: s["channels"].append("email"))
    change_settings(app, "live-law", lambda s: s["channels"].remove("email"))
    assert version_rows(app, "live-law") == [(1, "approved"), (2, "superseded")]


def test_reprovisioning_a_changed_file_makes_a_draft(app, client, seed_tenants):
    text = open("tenants/live-law.toml", encoding="utf-8").read().replace(
        'label_ar = "مسؤول البحث الاجتماعي"', 'label_ar = "مسؤول خدمة المستخدمين"')
    with app_ctx(app) as session, cross_tenant_scope():
        result = tenants.provision(tenant_files.parse(text))
        session.commit()
    assert result.outcome == "updated"
    assert version_rows(app, "live-law") == [(1, "approved"), (2, "draft")]
    page = client.get("/live-law/policy?lang=ar").get_data(as_text=True)
    assert "مسؤول البحث الاجتماعي" in page and "مسؤول خدمة المستخدمين" not in page


def test_a_tenant_without_versions_gets_its_first_on_the_policy_page(app, client, seed_tenants):
    from tests.conftest import _admin_engine

    engine = _admin_engine()  # as the schema owner: the app itself may never delete approval records
    with engine.begin() as conn:
        conn.execute(sa.delete(BoardApproval.__table__))
        conn.execute(sa.delete(PolicyVersion.__table__))
    engine.dispose()
    assert client.get("/al-humaima/policy").status_code == 200
    assert version_rows(app, "al-humaima") == [(1, "approved")]


def test_versions_are_numbered_per_tenant(app, seed_tenants):
    change_settings(app, "irth", lambda s: s["channels"].append("email"))
    assert version_rows(app, "irth") == [(1, "draft"), (2, "draft")]
    assert version_rows(app, "live-law") == [(1, "approved")]


def test_the_app_can_add_approval_records_but_never_change_them(app, seed_tenants):
    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("table privileges exist only on PostgreSQL: run with DATABASE_URL=postgresql://…")
    with app_ctx(app) as session, cross_tenant_scope(), tenant_scope(tenants.by_slug("live-law")):
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            session.execute(sa.update(BoardApproval).values(weekday="الأحد"))
        session.rollback()


def test_the_public_version_is_the_approved_one_published_last_else_the_newest(app, seed_tenants):
    """The public page's one query picks what `published() or latest()` picks, in each case."""
    from datetime import timedelta

    from tests.test_search import QueryCounter

    change_settings(app, "al-humaima", lambda s: s["channels"].remove("letters"))
    change_settings(app, "al-humaima", lambda s: s["channels"].remove("interview"))
    assert version_rows(app, "al-humaima") == [(1, "approved"), (2, "draft"), (3, "draft")]
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug("al-humaima")
        with tenant_scope(tenant):
            v1, v2, v3 = (versions.get(n) for n in (1, 2, 3))

            def public() -> int:
                session.flush()
                session.expire_all()
                chosen = versions.public_version(tenant, document=True)
                assert chosen.number == (versions.published() or versions.latest()).number
                return chosen.number

            assert public() == 1  # the approved one, not the newer drafts
            v2.status, v2.published_at = PolicyStatus.approved, v1.published_at + timedelta(days=1)
            assert public() == 2  # approved and published after version 1
            v1.published_at = v2.published_at + timedelta(days=1)
            assert public() == 1  # published last wins over the higher number
            v1.status = v2.status = PolicyStatus.superseded
            assert public() == 3  # nothing approved: the newest

            session.expire_all()
            with QueryCounter(session.connection().engine) as counter:
                version = versions.public_version(tenant, document=True)
                assert version.body_ar and version.body_en and version.clauses is not None
                assert version.approvals == []
            assert counter.count == 1, counter.statements
            session.rollback()


def test_the_public_policy_page_reads_its_version_text_and_records_in_one_query(app, client, seed_tenants):
    """A visitor's policy page: the tenant, then the version with its text and approval records (it was four
    queries: the published version, the newest, the records, the text)."""
    from core.extensions import db
    from tests.test_search import QueryCounter

    client.get("/al-humaima/policy?lang=ar")  # the slug's tenant is remembered from here on
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        page = client.get("/al-humaima/policy?lang=ar")
    assert page.status_code == 200 and "الخطابات" in page.get_data(as_text=True)
    reads = [s for s in counter.statements if "set_config" not in s]
    assert len(reads) == 2 and reads[0].startswith("SELECT tenants."), reads
    assert "body_ar" in reads[1] and "board_approvals" not in reads[0], reads
