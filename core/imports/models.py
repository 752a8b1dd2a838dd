"""An import: the uploaded sheet, its column mapping, its progress and every bad row found."""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models.base import UTCDateTime, utcnow
from core.models.keys import TenantKeyed, tenant_fk


class ImportState(StrEnum):
    uploaded = "uploaded"      # the sheet is stored, the columns are not mapped yet
    checking = "checking"      # dry run in progress
    checked = "checked"        # dry run done: the report is ready, nothing written
    importing = "importing"
    done = "done"
    failed = "failed"


class ImportKind(StrEnum):
    beneficiaries = "beneficiaries"
    household = "household"


class ImportJob(TenantKeyed, db.Model):
    __tablename__ = "imports"
    __table_args__ = (sa.Index("ix_imports_tenant_id_desc", "tenant_id", "id"),)

    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    state: Mapped[str] = mapped_column(sa.String(20), nullable=False, default=ImportState.uploaded)
    original_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    #: csv | xlsx
    file_format: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    #: The sheet's header row as read.
    headers: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    #: {field: header} chosen by the person (or guessed from the headers).
    mapping: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    total_rows: Mapped[int] = mapped_column(nullable=False, default=0)
    processed_rows: Mapped[int] = mapped_column(nullable=False, default=0)
    bad_rows: Mapped[int] = mapped_column(nullable=False, default=0)
    #: Rows written by the import, and rows skipped because the ID number already has a file (member).
    created_count: Mapped[int] = mapped_column(nullable=False, default=0)
    existing_count: Mapped[int] = mapped_column(nullable=False, default=0)
    #: A failure that stopped the whole run (unreadable file …), shown to the person.
    failure: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportProblem(TenantKeyed, db.Model):
    """One bad cell (or row) of an import's sheet: row number as the spreadsheet shows it, column, message."""

    __tablename__ = "import_problems"
    __table_args__ = (
        tenant_fk("import_id", "imports", ondelete="CASCADE"),
        sa.Index("ix_import_problems_tenant_import_row", "tenant_id", "import_id", "row_number"),
    )

    import_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)
    row_number: Mapped[int] = mapped_column(nullable=False)
    column: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    message: Mapped[str] = mapped_column(sa.String(500), nullable=False)
