"""merge policy and workflow branches

Revision ID: 2da7b27f220f
Revises: 1dcc935b5122, c4fa24b8868d
Create Date: 2026-11-22 07:18:21.094559

"""
import sqlalchemy as sa
from alembic import op

import core.models.base  # noqa: F401 (UTCDateTime)
from core import rls  # noqa: F401 (enable_tenant_rls for new tenant-owned tables)


# revision identifiers, used by Alembic.
revision = '2da7b27f220f'
down_revision = ('1dcc935b5122', 'c4fa24b8868d')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
