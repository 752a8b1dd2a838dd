"""Platform events (no association) go to platform_audit_log; every audit_log row has its association."""
import pytest
import sqlalchemy as sa

from core import audit
from core.models import AuditEntry, PlatformAuditEntry
from core.tenancy import TenantScopeError, cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, login, make_user


def _platform(session) -> list[tuple[str, int | None]]:
    return session.execute(sa.select(PlatformAuditEntry.action, PlatformAuditEntry.actor_id)
                           .order_by(PlatformAuditEntry.id)).all()


def test_a_login_and_a_logout_write_platform_entries_and_no_association_entry(app, client, tenant_a):
    user = make_user(app, "a@x.example", {"alpha": ["viewer"]})
    assert login(client, "a@x.example").status_code == 302
    client.post("/auth/logout", data={})
    with app_ctx(app) as session, cross_tenant_scope():
        assert ("auth.login", user) in _platform(session)
        tenant_actions = set(session.scalars(sa.select(AuditEntry.action)))
    assert not tenant_actions & {"auth.login", "auth.logout", "user.create"}


def test_every_entry_names_its_association_and_the_platform_ones_go_to_the_platform_log(app, tenant_a):
    with app_ctx(app) as session:
        with tenant_scope(tenant_a):
            ours = audit.record("test.ours", object_type="Thing", object_id=1)
        platform = audit.record("test.platform", object_type="Tenant", object_id=tenant_a, tenant_id=None)
        with cross_tenant_scope():
            explicit = audit.record("test.explicit", tenant_id=tenant_a)
            unscoped = audit.record("test.unscoped")
        assert isinstance(ours, AuditEntry) and ours.tenant_id == tenant_a
        assert isinstance(explicit, AuditEntry) and explicit.tenant_id == tenant_a
        assert isinstance(platform, PlatformAuditEntry) and isinstance(unscoped, PlatformAuditEntry)
        assert not hasattr(platform, "tenant_id")
        session.commit()
        with cross_tenant_scope():
            assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.tenant_id.is_(None))) == 0
            assert [a for a, _ in _platform(session) if a.startswith("test.")] == ["test.platform", "test.unscoped"]
            assert session.scalar(sa.select(PlatformAuditEntry.object_id)
                                  .where(PlatformAuditEntry.action == "test.platform")) == str(tenant_a)


def test_an_audit_log_row_without_an_association_is_refused_by_the_schema(app, tenant_a):
    assert not AuditEntry.__table__.c.tenant_id.nullable
    assert [c.name for c in AuditEntry.__table__.primary_key.columns] == ["tenant_id", "id"]
    with app_ctx(app) as session, cross_tenant_scope():
        orphan = AuditEntry(action="test.orphan")
        session.add(orphan)
        with pytest.raises(TenantScopeError, match="explicit tenant_id"):
            session.flush()
        session.expunge(orphan)


def test_association_entries_are_numbered_apart_in_one_sequence(app, tenant_a, tenant_b):
    """Ids unique across associations (the ORM knows an entry by its id alone), growing in each."""
    with app_ctx(app) as session:
        ids = []
        for tenant in (tenant_a, tenant_b, tenant_a):
            with tenant_scope(tenant):
                entry = audit.record("test.numbered")
                session.flush()
                ids.append(entry.id)
        session.commit()
        assert len(set(ids)) == 3 and ids == sorted(ids)
        with tenant_scope(tenant_b):
            assert session.get(AuditEntry, ids[1]).action == "test.numbered"
            assert session.get(AuditEntry, ids[0]) is None  # another association's entry is not found
