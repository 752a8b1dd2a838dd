"""Name search reads its candidates from the words of the names (PostgreSQL): `beneficiary_name_words`
holds each word of each file's normalised name, kept by a trigger on `beneficiaries`, so a search reads the
files with a word that starts as typed (an index range, which row-level security lets PostgreSQL use)
instead of testing every name of the association

Revision ID: a3d7e1f9c254
Revises: f2a9c4e6d813
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

from core import rls

revision = 'a3d7e1f9c254'
down_revision = 'f2a9c4e6d813'
branch_labels = None
depends_on = None

TABLE = "beneficiary_name_words"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite, the embedded default, tests every name: small associations, one process
    # Keyed by (tenant, word, file): a typed word is one index range of its association; "C" ordering,
    # so that a prefix is a range of bytes. The file's key with the tenant, for Citus (docs/scaling.md).
    op.execute(sa.text(f"""
        CREATE TABLE {TABLE} (
            tenant_id integer NOT NULL,
            word varchar(200) COLLATE "C" NOT NULL,
            beneficiary_id integer NOT NULL,
            CONSTRAINT pk_{TABLE} PRIMARY KEY (tenant_id, word, beneficiary_id),
            CONSTRAINT fk_{TABLE}_tenant_id_beneficiaries FOREIGN KEY (tenant_id, beneficiary_id)
                REFERENCES beneficiaries (tenant_id, id) ON DELETE CASCADE
        )"""))
    op.execute(sa.text(f"CREATE INDEX ix_{TABLE}_tenant_beneficiary ON {TABLE} (tenant_id, beneficiary_id)"))
    # The words of a name, again whenever it changes (any writer: the forms, imports, a moved association).
    # It runs as whoever wrote the file, so row-level security checks its rows as it checks the file.
    op.execute(sa.text(f"""
        CREATE FUNCTION wasl_name_words() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF NEW.name_search IS NOT DISTINCT FROM OLD.name_search THEN
                    RETURN NULL;
                END IF;
                DELETE FROM {TABLE} WHERE tenant_id = OLD.tenant_id AND beneficiary_id = OLD.id;
            END IF;
            INSERT INTO {TABLE} (tenant_id, word, beneficiary_id)
                SELECT DISTINCT NEW.tenant_id, word, NEW.id
                FROM unnest(string_to_array(NEW.name_search, ' ')) AS word WHERE word <> '';
            RETURN NULL;
        END $$"""))
    op.execute(sa.text("CREATE TRIGGER beneficiaries_name_words AFTER INSERT OR UPDATE OF name_search "
                       "ON beneficiaries FOR EACH ROW EXECUTE FUNCTION wasl_name_words()"))
    op.execute(sa.text(f"""
        INSERT INTO {TABLE} (tenant_id, word, beneficiary_id)
        SELECT DISTINCT b.tenant_id, word, b.id
        FROM beneficiaries b, unnest(string_to_array(b.name_search, ' ')) AS word WHERE word <> ''"""))
    rls.enable_tenant_rls(TABLE)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(sa.text("DROP TRIGGER beneficiaries_name_words ON beneficiaries"))
    op.execute(sa.text("DROP FUNCTION wasl_name_words()"))
    op.execute(sa.text(f"DROP TABLE {TABLE}"))
