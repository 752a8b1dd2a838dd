"""Every schema change is a migration: the migrated database matches the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.beneficiaries.models import not_database_only
from core.extensions import db
from tests.helpers import app_ctx


def test_migrations_match_the_models(app):
    with app_ctx(app):
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "include_object": not_database_only})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], "models changed without a migration: run `wasl db migrate`"


# --- the older tables keyed by tenant (e8d4c2a6f1b9) ---------------------------------------------------

KEYED_REVISION, BEFORE_KEYED = "e8d4c2a6f1b9", "d0c5a1e8b7f2"


def _migrate(app, revision: str, down: bool = False) -> None:
    """Alembic's command itself (Flask-Migrate's turns a migration's error into an exit)."""
    from alembic import command

    with app_ctx(app):
        db.session.remove()
        migrate = app.extensions["migrate"]
        config = migrate.migrate.get_config(migrate.directory)
        (command.downgrade if down else command.upgrade)(config, revision)


def _admin_engine():
    import os

    import sqlalchemy as sa

    from core.config import normalise_database_url

    url = os.environ.get("DATABASE_ADMIN_URL") or os.environ["DATABASE_URL"]
    return sa.create_engine(normalise_database_url(url), poolclass=sa.pool.NullPool)


def _older_rows(conn, tenant_id: int) -> dict[str, list[int]]:
    """Rows in every converted table, written as the schema before the migration numbers them."""
    import sqlalchemy as sa

    t = db.metadata.tables
    ids: dict[str, list[int]] = {}

    def add(table, **values):
        ident = conn.execute(t[table].insert().values(tenant_id=tenant_id, **values).returning(t[table].c.id)).scalar()
        ids.setdefault(table, []).append(ident)
        return ident

    files = [add("beneficiaries", file_number=n, name=f"File {n}", name_search=f"file {n}",
                 national_id=f"10000000{n:02d}", gender="female") for n in (1, 2)]
    conn.execute(t["beneficiary_categories"].insert().values(tenant_id=tenant_id, beneficiary_id=files[0],
                                                             code="widow"))
    add("household_members", beneficiary_id=files[0], relation="son", name="Son")
    add("income_sources", beneficiary_id=files[0], kind="salary", monthly_amount=1000)
    request = add("support_requests", reference="2026-00001", beneficiary_id=files[0], channel="walk_in",
                  service="food")
    document = add("request_documents", request_id=request, code="id", label_ar="هوية", label_en="ID")
    add("attachments", request_id=request, document_id=document, original_name="id.pdf", stored_name="abc.pdf",
        content_type="application/pdf", size=10)
    add("referrals", beneficiary_id=files[0], request_id=request, question="?")
    add("interactions", beneficiary_id=files[1], request_id=request, kind="contact", summary="Called")
    add("outbox_messages", beneficiary_id=files[0], request_id=request, kind="served", medium="sms",
        recipient="+966500000000", language="ar", subject="s", body="b")
    assert conn.execute(sa.select(sa.func.count()).select_from(t["beneficiary_categories"])).scalar() == 1
    return ids


def test_older_tables_keep_their_rows_and_ids_when_keyed_by_tenant(app, tenant_a):
    """Upgrading a database that holds rows in the older tables keeps every row and id, and new rows get
    ids past the old ones (PostgreSQL: the same sequence goes on; SQLite: id_sequences was seeded)."""
    import sqlalchemy as sa

    from core.beneficiaries.models import Beneficiary, HouseholdMember
    from core.tenancy import tenant_scope
    from core.workflow.models import Interaction, SupportRequest

    _migrate(app, BEFORE_KEYED, down=True)
    engine = _admin_engine()
    try:
        with engine.begin() as conn:
            before = _older_rows(conn, tenant_a)
        _migrate(app, KEYED_REVISION)
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for name, found in before.items():
                assert inspector.get_pk_constraint(name)["constrained_columns"] == ["tenant_id", "id"], name
                ids = conn.execute(sa.text(f"SELECT id FROM {name} ORDER BY id")).scalars().all()
                assert ids == found, name
            assert inspector.get_pk_constraint("beneficiary_categories")["constrained_columns"] == [
                "tenant_id", "beneficiary_id", "code"]
            links = {tuple(fk["constrained_columns"]) for fk in inspector.get_foreign_keys("attachments")}
            assert {("tenant_id", "request_id"), ("tenant_id", "document_id")} <= links
        with app_ctx(app), tenant_scope(tenant_a):
            file = db.session.get(Beneficiary, before["beneficiaries"][0])
            assert file.name == "File 1" and file.category_codes == ["widow"]
            new_file = Beneficiary(file_number=3, name="New", name_search="new", national_id="1000000003",
                                   gender="male")
            db.session.add(new_file)
            db.session.flush()
            request = SupportRequest(reference="2026-00002", beneficiary_id=new_file.id, channel="walk_in",
                                     service="food")
            db.session.add_all([request, HouseholdMember(beneficiary_id=file.id, relation="daughter", name="D")])
            db.session.flush()
            line = Interaction(beneficiary_id=new_file.id, request_id=request.id, kind="contact", summary="New")
            db.session.add(line)
            db.session.commit()
            assert new_file.id > max(before["beneficiaries"])
            assert request.id > max(before["support_requests"])
            assert line.id > max(before["interactions"])
            assert db.session.get(SupportRequest, before["support_requests"][0]).beneficiary_id == file.id
    finally:
        _migrate(app, "heads")
        engine.dispose()


def test_a_row_linked_to_another_associations_row_stops_the_keying_before_anything_changes(app, tenant_a, tenant_b):
    import pytest
    import sqlalchemy as sa

    _migrate(app, BEFORE_KEYED, down=True)
    engine = _admin_engine()
    t = db.metadata.tables
    try:
        with engine.begin() as conn:
            ids = _older_rows(conn, tenant_a)
            conn.execute(t["interactions"].insert().values(
                tenant_id=tenant_b, beneficiary_id=ids["beneficiaries"][0], kind="contact", summary="Crossed"))
        with pytest.raises(RuntimeError, match="another association's row.*interactions.beneficiary_id"):
            _migrate(app, KEYED_REVISION)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_pk_constraint("beneficiaries")["constrained_columns"] == ["id"]
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == BEFORE_KEYED
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM interactions WHERE tenant_id = :t"), {"t": tenant_b})
    finally:
        _migrate(app, "heads")
        engine.dispose()


# --- platform events leave audit_log (b6f2d9a4c1e7) -----------------------------------------------------

PLATFORM_REVISION = "b6f2d9a4c1e7"


def _audit_rows(conn, table: str) -> list[tuple]:
    import sqlalchemy as sa

    tenant = ", tenant_id" if table == "audit_log" else ""
    return [tuple(r) for r in conn.execute(sa.text(
        f"SELECT id, action, object_id, created_at{tenant} FROM {table} ORDER BY id"))]


def test_platform_events_move_to_their_own_log_with_their_ids_and_back(app, tenant_a):
    """Upgrading moves audit_log's rows without a tenant to platform_audit_log (ids and times kept) and keys
    audit_log (tenant_id, id); new entries of both get ids past the old ones. Downgrading moves them back,
    renumbering a platform row whose id an association's entry took meanwhile."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from core import audit
    from core.models import AuditEntry, PlatformAuditEntry
    from core.tenancy import tenant_scope

    _migrate(app, KEYED_REVISION, down=True)
    engine = _admin_engine()
    log = sa.table("audit_log", sa.column("tenant_id"), sa.column("action"), sa.column("object_id"),
                   sa.column("created_at"))
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_log"))
            for n, tenant in enumerate((None, tenant_a, None, tenant_a, None)):
                conn.execute(log.insert().values(tenant_id=tenant, action=f"old.{n}", object_id=str(n),
                                                 created_at=when))
            before = _audit_rows(conn, "audit_log")
        _migrate(app, PLATFORM_REVISION)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_pk_constraint("audit_log")["constrained_columns"] == ["tenant_id", "id"]
            kept = _audit_rows(conn, "audit_log")
            moved = _audit_rows(conn, "platform_audit_log")
        assert kept == [row for row in before if row[4] is not None]
        assert moved == [row[:4] for row in before if row[4] is None]

        with app_ctx(app):
            with tenant_scope(tenant_a):
                ours = audit.record("new.ours")
            platform = audit.record("new.platform", tenant_id=None)
            db.session.flush()
            assert isinstance(ours, AuditEntry) and isinstance(platform, PlatformAuditEntry)
            assert ours.id > before[-1][0] and platform.id > moved[-1][0]
            assert ours.id == platform.id  # the two numberings run apart: the downgrade must renumber
            taken_ids = {ours.id}
            db.session.commit()

        _migrate(app, KEYED_REVISION, down=True)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_pk_constraint("audit_log")["constrained_columns"] == ["id"]
            assert not sa.inspect(conn).has_table("platform_audit_log")
            back = _audit_rows(conn, "audit_log")
        assert [row[1] for row in back if row[4] is None] == [*(row[1] for row in moved), "new.platform"]
        assert [row for row in back if row[1].startswith("old.")] == before
        ids = [row[0] for row in back]
        assert len(set(ids)) == len(ids) and taken_ids <= set(ids)
    finally:
        _migrate(app, "heads")
        engine.dispose()


def test_decisions_whose_message_was_sent_are_recorded_as_told(app, tenant_a):
    """f2a9c4e6d813: a decision whose message an older Wasl delivered (the outbox said so, the request did
    not) gets the message's time as told; one whose message failed stays in the "not told yet" queue."""
    import sqlalchemy as sa

    from core.messaging import delivery
    from core.messaging.models import OutboxMessage
    from core.tenancy import cross_tenant_scope
    from tests.test_outbox import _rejected, _sent_at, _staff, _told_at

    staff = _staff(app)
    _officer, file_id, delivered = _rejected(app, staff=staff)
    _officer, _file_id, failed = _rejected(app, file_id=file_id, staff=staff)
    with app_ctx(app), cross_tenant_scope():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.request_id == failed)
                           .values(status="failed"))
        db.session.commit()
    with app_ctx(app):
        delivery.send_pending()
    sent_at = _sent_at(app, "decision_rejected")
    assert _told_at(app, delivered) == sent_at
    engine = _admin_engine()
    try:
        with engine.begin() as conn:  # as an older Wasl left it: delivered, but not recorded on the request
            conn.execute(sa.text("UPDATE support_requests SET decision_notified_at = NULL"))
        _migrate(app, "d4e8b1c7a902", down=True)
        _migrate(app, "heads")
        assert _told_at(app, delivered) == sent_at
        assert _told_at(app, failed) is None
    finally:
        _migrate(app, "heads")
        engine.dispose()
