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
