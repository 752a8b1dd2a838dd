"""Every schema change is a migration: the migrated database matches the models exactly."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.extensions import db
from tests.helpers import app_ctx


def test_migrations_match_the_models(app):
    with app_ctx(app):
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
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
