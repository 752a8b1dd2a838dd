"""`wasl tenants check|provision|list|export|suspend|resume`, run through Flask's CLI runner."""
import pytest
import sqlalchemy as sa

from core import tenant_settings, tenants
from core.config import ROOT
from core.models import AuditEntry, Tenant
from core.tenancy import cross_tenant_scope
from tests.helpers import TENANT_TOML, app_ctx, make_user

SEEDS = sorted(str(p) for p in (ROOT / "tenants").glob("*.toml"))


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args), catch_exceptions=False)

    return run


def write(tmp_path, slug, text=None):
    path = tmp_path / f"{slug}.toml"
    path.write_text(text if text is not None else TENANT_TOML.format(slug=slug), encoding="utf-8")
    return str(path)


def snapshot(app) -> tuple[list, int]:
    with app_ctx(app) as session, cross_tenant_scope():
        rows = [(t.slug, t.name_ar, t.name_en, t.status, t.settings, t.updated_at)
                for t in session.scalars(sa.select(Tenant).order_by(Tenant.slug))]
        return rows, session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# --- check ---------------------------------------------------------------------------------------------

def test_check_accepts_the_seed_files_and_prints_their_warnings(cli):
    result = cli("tenants", "check", *SEEDS)
    assert result.exit_code == 0, result.output
    for slug in ("irth", "al-humaima", "green-energy", "live-law", "model-welfare"):
        assert f"({slug})" in result.output
    assert "warning: " in result.output  # the recorded approvals that do not match the calendar


def test_check_names_the_file_the_key_and_the_problem(cli, tmp_path):
    bad = write(tmp_path, "gamma", TENANT_TOML.format(slug="gamma").replace('label_en = "Research committee"',
                                                                             'label_en = "R"\nfax = "1"'))
    result = cli("tenants", "check", bad)
    assert result.exit_code == 1
    assert f"error: {bad}: review.label_en: Length must be between 2 and 120." in result.output
    assert f"error: {bad}: review.fax: Unknown field." in result.output


def test_check_refuses_a_file_not_named_after_its_slug(cli, tmp_path):
    path = write(tmp_path, "other", TENANT_TOML.format(slug="gamma"))
    result = cli("tenants", "check", path)
    assert result.exit_code == 1
    assert "slug: 'gamma' must match the file name 'other.toml'" in result.output


# --- provision -----------------------------------------------------------------------------------------

def test_provisioning_twice_changes_nothing(app, cli):
    first = cli("tenants", "provision", *SEEDS)
    assert first.exit_code == 0, first.output
    assert "irth: created" in first.output
    before = snapshot(app)
    second = cli("tenants", "provision", *SEEDS)
    assert second.exit_code == 0
    assert all(f"{slug}: unchanged" in second.output
               for slug in ("irth", "al-humaima", "green-energy", "live-law", "model-welfare"))
    assert snapshot(app) == before


def test_provisioning_updates_only_what_the_file_changed_and_keeps_the_members(app, cli, tmp_path):
    cli("tenants", "provision", write(tmp_path, "gamma"))
    make_user(app, "member@gamma.example", {"gamma": ["reviewer"]})
    changed = write(tmp_path, "gamma", TENANT_TOML.format(slug="gamma").replace(
        'label_en = "Research committee"', 'label_en = "Research committee"\ndecision_sla_days = 10'))
    result = cli("tenants", "provision", changed)
    assert "gamma: updated (review)" in result.output
    with app_ctx(app) as session, cross_tenant_scope():
        assert tenants.by_slug("gamma").settings["review"]["decision_sla_days"] == 10
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "tenant.update"))
        assert entry.before == {"review": {"body": "committee", "label_ar": "لجنة البحث",
                                           "label_en": "Research committee", "decision_sla_days": 14}}
    assert "members=1" in cli("tenants", "list").output


def test_a_bad_file_among_good_ones_provisions_nothing(app, cli, tmp_path):
    good = write(tmp_path, "gamma")
    bad = write(tmp_path, "delta", TENANT_TOML.format(slug="delta").replace('"interview", "phone"', '"fax"'))
    result = cli("tenants", "provision", good, bad)
    assert result.exit_code == 1
    assert f"{bad}: channels: unknown code 'fax'" in result.output
    assert "nothing was provisioned" in result.output
    assert snapshot(app)[0] == []


def test_two_files_for_one_slug_are_refused(app, cli, tmp_path):
    one = write(tmp_path, "gamma")
    (tmp_path / "copy").mkdir()
    two = write(tmp_path / "copy", "gamma")
    result = cli("tenants", "provision", one, two)
    assert result.exit_code == 1 and "is in more than one of the files given" in result.output
    assert snapshot(app)[0] == []


# --- list, suspend, resume -----------------------------------------------------------------------------

def test_list_suspend_and_resume(app, cli, tmp_path):
    cli("tenants", "provision", write(tmp_path, "gamma"))
    make_user(app, "member@gamma.example", {"gamma": ["reviewer"]})
    line = cli("tenants", "list").output.splitlines()[0].split()
    assert line[:3] == ["gamma", "active", "members=1"]
    assert cli("tenants", "suspend", "gamma").output.strip() == "gamma: suspended"
    assert cli("tenants", "suspend", "gamma").output.strip() == "gamma: already suspended"
    assert cli("tenants", "list").output.split()[1] == "suspended"
    assert cli("tenants", "resume", "gamma").output.strip() == "gamma: resumed"
    result = cli("tenants", "suspend", "nobody")
    assert result.exit_code == 1 and "no tenant with slug 'nobody'" in result.output


# --- export --------------------------------------------------------------------------------------------

def test_export_check_provision_round_trips_every_seed(app, cli, tmp_path):
    cli("tenants", "provision", *SEEDS)
    before = snapshot(app)
    exported = []
    for seed in SEEDS:
        slug = seed.rsplit("/", 1)[-1].removesuffix(".toml")
        result = cli("tenants", "export", slug, "-o", str(tmp_path / f"{slug}.toml"))
        assert result.exit_code == 0, result.output
        exported.append(str(tmp_path / f"{slug}.toml"))
    assert cli("tenants", "check", *exported).exit_code == 0
    result = cli("tenants", "provision", *exported)
    assert result.output.count(": unchanged") == len(SEEDS), result.output
    assert snapshot(app) == before


def test_export_carries_the_admins_changes_back_into_the_file(app, cli, tmp_path):
    cli("tenants", "provision", write(tmp_path, "gamma"))
    with app_ctx(app) as session, cross_tenant_scope():
        tenant_settings.update(tenants.by_slug("gamma"), {
            "holidays": ["2026-09-23"], "custom_tools": [{"code": "volunteer_guide", "label_ar": "دليل التطوع",
                                                          "label_en": "Volunteer guide"}],
            "tools": ["bylaws", "volunteer_guide"]})
        session.commit()
    text = cli("tenants", "export", "gamma").output
    assert 'holidays = [\n    "2026-09-23",\n]' in text
    assert '[[custom_tools]]\ncode = "volunteer_guide"\nlabel_ar = "دليل التطوع"' in text
    out = tmp_path / "out"
    out.mkdir()
    (out / "gamma.toml").write_text(text, encoding="utf-8")
    before = snapshot(app)
    assert "gamma: unchanged" in cli("tenants", "provision", str(out / "gamma.toml")).output
    assert snapshot(app) == before


def test_export_of_an_unknown_slug_or_to_a_wrongly_named_file_fails(app, cli, tmp_path):
    result = cli("tenants", "export", "nobody")
    assert result.exit_code == 1 and "no tenant with slug 'nobody'" in result.output
    cli("tenants", "provision", write(tmp_path, "gamma"))
    result = cli("tenants", "export", "gamma", "-o", str(tmp_path / "other.toml"))
    assert result.exit_code == 2 and "must be named gamma.toml" in result.output
    assert not (tmp_path / "other.toml").exists()
