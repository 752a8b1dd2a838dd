"""Bulk import: upload, map the columns, a dry run that reports every bad row, then the import.

The run is one plain function, `run(job_id, apply)`, that reads the sheet in chunks, checks each row
with the same schema as the staff form, writes the problems, and (when applying) inserts the good rows
in bulk, committing chunk by chunk with the progress so the page can poll it. It is idempotent by
national ID: a file whose ID number already has one in the association is counted as existing and left
as it is, so importing the same sheet twice creates nothing new.
"""
import json
import secrets
import tempfile
from datetime import date
from operator import itemgetter
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from core import audit, storage
from core.arabic import name_key, normalise
from core.beneficiaries import vocabulary
from core.beneficiaries.errors import FormErrors, IllegalTransition
from core.beneficiaries.fields import first_errors
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember
from core.beneficiaries.numbering import next_numbers
from core.beneficiaries.operations import researchers
from core.beneficiaries.schemas import BeneficiarySchema, HouseholdMemberSchema
from core.extensions import db
from core.imports import reading
from core.imports.columns import CALENDAR_WORDS, TARGETS, category_map, choice_map, guess_mapping
from core.imports.models import ImportJob, ImportKind, ImportProblem, ImportState
from core.models import AuditEntry, Tenant
from core.models.base import utcnow
from core.models.keys import allocate_ids
from core.tenancy import current_scope

CHUNK = 2000
RUNNING = frozenset({ImportState.checking, ImportState.importing})


def key_of(job: ImportJob) -> str:
    """The uploaded sheet's key in the upload store (folder or bucket, core/storage.py)."""
    return storage.key(job.tenant_id, f"imports/{job.stored_name}")


def checked_key(job: ImportJob) -> str:
    """The good rows of the last check, cleaned by the schema: what the import inserts."""
    return storage.key(job.tenant_id, f"imports/{PurePosixPath(job.stored_name).stem}.checked.jsonl")


# --- upload and mapping --------------------------------------------------------------------------

def upload(tenant, upload_file, kind: str, actor) -> ImportJob:
    """Store the sheet, read its header, guess the mapping. Nothing is imported yet."""
    if kind not in set(ImportKind):
        raise FormErrors({"kind": str(_l("Choose one of the options."))})
    if upload_file is None or not upload_file.filename:
        raise FormErrors({"file": str(_l("Choose a file to upload."))})
    head = upload_file.stream.read(8)
    upload_file.stream.seek(0)
    try:
        fmt = reading.detect_format(upload_file.filename, head)
    except reading.SheetError as exc:
        raise FormErrors({"file": str(exc)}) from exc
    stored = f"{secrets.token_hex(16)}.{fmt}"
    key, store = storage.key(tenant.id, f"imports/{stored}"), storage.uploads()
    # Read back from the store (the worker that runs the check may be on another server), refused whole.
    try:
        store.save(key, upload_file.stream.read())
        with storage.local_copy(store, key) as path:
            headers, count = reading.header_and_count(path, fmt)
    except reading.SheetError as exc:
        store.delete(key)
        raise FormErrors({"file": str(exc)}) from exc
    except OSError:  # StorageError, or the file gone between two steps
        current_app.logger.exception("upload store refused an import sheet")
        raise FormErrors({"file": str(storage.STORE_REFUSED)}) from None
    job = ImportJob(kind=kind, state=ImportState.uploaded, original_name=upload_file.filename[:200],
                    stored_name=stored, file_format=fmt, headers=headers, mapping=guess_mapping(kind, headers),
                    total_rows=count, created_by_id=actor.id)
    db.session.add(job)
    db.session.flush()
    audit.record("import.upload", job, after={"kind": kind, "file": job.original_name, "rows": count})
    return job


def set_mapping(job: ImportJob, form) -> ImportJob:
    """{field: column index} from the mapping form; each required field mapped, no column used twice."""
    if job.state in RUNNING:
        raise IllegalTransition(_l("The import is running: wait until it ends."))
    mapping, errors = {}, {}
    for target in TARGETS[job.kind]:
        raw = normalise(form.get(f"map_{target.field}", ""))
        if raw == "":
            if target.required:
                errors[f"map_{target.field}"] = str(_l("Choose the column that holds this."))
            continue
        if not raw.isdigit() or int(raw) >= len(job.headers):
            errors[f"map_{target.field}"] = str(_l("Choose one of the options."))
            continue
        if int(raw) in mapping.values():
            errors[f"map_{target.field}"] = str(_l("This column is already chosen for another field."))
            continue
        mapping[target.field] = int(raw)
    if errors:
        raise FormErrors(errors)
    if mapping != job.mapping:
        job.mapping = mapping
        job.state = ImportState.uploaded  # a new mapping needs a new dry run
    return job


def start(job: ImportJob, apply: bool) -> ImportJob:
    """Mark the job as running (dry run or import); the runner then calls `run`.

    The import inserts what the last check found good; its bad rows and existing records stay reported.
    """
    if job.state in RUNNING:
        raise IllegalTransition(_l("The import is running: wait until it ends."))
    if apply and job.state != ImportState.checked:
        raise IllegalTransition(_l("Check the file (dry run) before importing it."))
    job.state = ImportState.importing if apply else ImportState.checking
    job.processed_rows = job.created_count = 0
    job.failure = None
    job.finished_at = None
    if not apply:
        job.bad_rows = job.existing_count = 0
        db.session.execute(sa.delete(ImportProblem).where(ImportProblem.import_id == job.id))
    db.session.flush()
    audit.record("import.apply" if apply else "import.check", job, after={"mapping": job.mapping})
    return job


# --- the run -------------------------------------------------------------------------------------

class _Rows:
    """Checks rows of one kind and collects what to insert."""

    def __init__(self, tenant, job: ImportJob):
        self.tenant, self.job = tenant, job
        self.mapping = job.mapping
        self.seen: dict[str, int] = {}
        self.genders = choice_map(vocabulary.GENDERS)
        self.marital = choice_map(vocabulary.MARITAL_STATUSES)
        self.languages = choice_map(vocabulary.LANGUAGES)
        self.relations = choice_map(vocabulary.RELATIONS)
        self.categories = category_map(tenant)
        self.countries = _country_map()
        if job.kind == ImportKind.beneficiaries:
            self.schema = BeneficiarySchema(category_codes=list(self.categories.values()),
                                            researcher_ids=[u.id for u in researchers()])
            self.existing = set(db.session.scalars(sa.select(Beneficiary.national_id)))
        else:
            self.schema = HouseholdMemberSchema()
            self.files = dict(db.session.execute(sa.select(Beneficiary.national_id, Beneficiary.id)).all())
            self.members = {(b, n or "", normalise(name), r) for b, n, name, r in db.session.execute(
                sa.select(HouseholdMember.beneficiary_id, HouseholdMember.national_id, HouseholdMember.name,
                          HouseholdMember.relation)).all()}

    def cells(self, row: list[str]) -> dict:
        return {field: row[index].strip() for field, index in self.mapping.items()
                if index < len(row) and row[index].strip()}

    def _choice(self, data, field, table, problems):
        if field in data:
            code = table.get(normalise(data[field]))
            if code is None:
                problems[field] = str(_l("Choose one of the options."))
            else:
                data[field] = code

    def check(self, number: int, row: list[str]):
        """(values to insert, {field: message}, existing?) for one data row."""
        data = self.cells(row)
        problems: dict[str, str] = {}
        if self.job.kind == ImportKind.beneficiaries:
            return self._beneficiary(number, data, problems)
        return self._member(number, data, problems)

    def _beneficiary(self, number, data, problems):
        self._choice(data, "gender", self.genders, problems)
        self._choice(data, "marital_status", self.marital, problems)
        self._choice(data, "language", self.languages, problems)
        if "nationality" in data:
            self._choice(data, "nationality", self.countries, problems)
        if "birth_calendar" in data:
            self._choice(data, "birth_calendar", CALENDAR_WORDS, problems)
        elif "birth_date" in data and normalise(data["birth_date"])[:2] in ("13", "14"):
            data["birth_calendar"] = "hijri"  # a year 13xx or 14xx is a Hijri year
        if "categories" in data:
            words = [w for w in normalise(data["categories"]).replace("،", ",").replace(";", ",").split(",")
                     if w.strip()]
            codes = [self.categories.get(w.strip()) for w in words]
            if None in codes:
                problems["categories"] = str(_l("Choose one of the options."))
            data["categories"] = [c for c in codes if c]
        loaded = None
        try:
            loaded = self.schema.load({k: v for k, v in data.items() if k not in problems})
        except ValidationError as exc:
            for field, message in first_errors(exc.messages).items():
                problems.setdefault(field, message)
        if problems:
            return None, problems, False
        national_id = loaded["national_id"]
        if national_id in self.seen:
            return None, {"national_id": _("This ID number is already on row {row} of this file.").format(
                row=self.seen[national_id])}, False
        self.seen[national_id] = number
        if national_id in self.existing:
            return None, {}, True
        return loaded, {}, False

    def _member(self, number, data, problems):
        self._choice(data, "relation", self.relations, problems)
        owner = None
        if "beneficiary_national_id" in data:
            owner_id = normalise(data.pop("beneficiary_national_id"))
            owner = self.files.get(owner_id)
            if owner is None:
                problems["beneficiary_national_id"] = str(_l("No file of this association has this ID number."))
        loaded = None
        try:
            loaded = self.schema.load({k: v for k, v in data.items() if k not in problems})
        except ValidationError as exc:
            for field, message in first_errors(exc.messages).items():
                problems.setdefault(field, message)
        if problems:
            return None, problems, False
        key = (owner, loaded.get("national_id") or "", normalise(loaded["name"]), loaded["relation"])
        if key in self.members:
            return None, {}, True
        if key in self.seen:
            return None, {"name": _("This person is already on row {row} of this file.").format(
                row=self.seen[key])}, False
        self.seen[key] = number
        loaded["beneficiary_id"] = owner
        return loaded, {}, False


def _country_map() -> dict[str, str]:
    out = {}
    for locale in ("en", "ar"):
        with force_locale(locale):
            for code, name in vocabulary.countries().items():
                out[normalise(code)] = code
                out[normalise(name)] = code
    for word in ("سعودي", "سعوديه", "saudi"):
        out[normalise(word)] = "SA"
    return out


def run(job_id: int, apply: bool) -> ImportJob:
    """Check the sheet (dry run) or import what the check found good; commits progress every CHUNK rows."""
    tenant_id = current_scope().tenant_id
    job = db.session.get(ImportJob, (tenant_id, job_id))
    tenant = db.session.get(Tenant, tenant_id)
    try:
        if apply:
            _import_checked(job)
        else:
            _check(job, _Rows(tenant, job))
        job.processed_rows = job.total_rows
        job.state = ImportState.done if apply else ImportState.checked
    except (reading.SheetError, OSError) as exc:
        db.session.rollback()
        job = db.session.get(ImportJob, (tenant_id, job_id))
        message = str(exc) if isinstance(exc, reading.SheetError) else str(_l("The uploaded file is gone: upload "
                                                                                 "it again."))
        job.state, job.failure = ImportState.failed, message
    job.finished_at = utcnow()
    audit.record("import.done" if apply else "import.checked", job, after={
        "state": job.state, "rows": job.total_rows, "bad_rows": job.bad_rows, "created": job.created_count,
        "existing": job.existing_count})
    db.session.commit()
    return job


def _check(job: ImportJob, checker: "_Rows") -> None:
    """Every row through the form's schema: problems to the table, good rows to the checked file."""
    column_names = {field: job.headers[index] for field, index in job.mapping.items()}
    store = storage.uploads()
    with storage.local_copy(store, key_of(job)) as sheet, tempfile.TemporaryFile("w+b") as checked:
        _check_rows(job, checker, reading.rows(sheet, job.file_format), column_names, checked)
        checked.seek(0)
        store.save(checked_key(job), checked.read())


def _check_rows(job, checker, iterator, column_names, checked) -> None:
    next(iterator)  # the header
    problems, good = [], 0
    for number, row in enumerate(iterator, start=2):
        if number - 1 > job.total_rows:
            break
        if any(cell.strip() for cell in row):
            values, row_problems, existing = checker.check(number, row)
            if row_problems:
                job.bad_rows += 1
                problems.extend({"row_number": number, "column": column_names.get(field, field)[:200],
                                 "message": message[:500]} for field, message in row_problems.items())
            elif existing:
                job.existing_count += 1
            elif values is not None:
                line = json.dumps({"row": number, **values}, default=_plain, ensure_ascii=False) + "\n"
                checked.write(line.encode("utf-8"))
                good += 1
        job.processed_rows = number - 1
        if job.processed_rows % CHUNK == 0:
            job.created_count = good  # what the import would create
            _write_problems(job, problems)
            problems = []
            db.session.commit()
    job.created_count = good
    _write_problems(job, problems)


def _plain(value):
    return value.isoformat() if isinstance(value, date) else str(value)


def _import_checked(job: ImportJob) -> None:
    """Insert the checked rows in bulk, skipping any whose record appeared since the check."""
    if job.kind == ImportKind.beneficiaries:
        existing = set(db.session.scalars(sa.select(Beneficiary.national_id)))
        key = itemgetter("national_id")
    else:
        existing = {(b, n or "", normalise(name), r) for b, n, name, r in db.session.execute(
            sa.select(HouseholdMember.beneficiary_id, HouseholdMember.national_id, HouseholdMember.name,
                      HouseholdMember.relation)).all()}

        def key(values):
            return (values["beneficiary_id"], values.get("national_id") or "", normalise(values["name"]),
                    values["relation"])
    insert = _insert_files if job.kind == ImportKind.beneficiaries else _insert_members
    pending = []
    with storage.local_copy(storage.uploads(), checked_key(job)) as path, path.open(encoding="utf-8") as lines:
        for line in lines:
            values = json.loads(line)
            if values.get("birth_date"):
                values["birth_date"] = date.fromisoformat(values["birth_date"])
            if key(values) in existing:
                job.existing_count += 1
            else:
                pending.append(values)
            if len(pending) >= CHUNK:
                job.processed_rows = pending[-1]["row"] - 1
                _insert_chunk(job, insert, pending)
                pending = []
    _insert_chunk(job, insert, pending)


def _insert_chunk(job: ImportJob, insert, rows: list[dict]) -> None:
    if rows:
        insert(job, rows)
        job.created_count += len(rows)
    db.session.commit()


def _write_problems(job: ImportJob, problems: list[dict]) -> None:
    if not problems:
        return
    ids = allocate_ids(db.session.connection(), ImportProblem.__tablename__, len(problems))
    db.session.execute(sa.insert(ImportProblem), [
        {"tenant_id": job.tenant_id, "import_id": job.id, **problem, **({"id": ident} if ids else {})}
        for problem, ident in zip(problems, ids or [None] * len(problems), strict=True)])


def _insert_files(job: ImportJob, rows: list[dict]) -> None:
    tenant_id = job.tenant_id
    now = utcnow()
    numbers = next_numbers("beneficiary", len(rows))
    records = []
    for number, data in zip(numbers, rows, strict=True):
        record = {name: data.get(name) for name in ("name", "national_id", "nationality", "gender", "birth_date",
                                                    "birth_calendar", "mobile", "email", "city", "district",
                                                    "address", "marital_status", "language")}
        record["name"] = record["name"].strip()
        record.update(tenant_id=tenant_id, file_number=number, name_search=name_key(record["name"]),
                      created_by_id=job.created_by_id, created_at=now, updated_at=now, version=1)
        record["nationality"] = record["nationality"] or "SA"
        record["birth_calendar"] = record["birth_calendar"] or "gregorian"
        record["language"] = record["language"] or "ar"
        records.append(record)
    table = Beneficiary.__table__
    connection = db.session.connection()
    reserved = allocate_ids(connection, table.name, len(records))
    if reserved is not None:
        # SQLite: ids come from id_sequences (the key is (tenant_id, id)); a plain executemany is far
        # quicker than RETURNING row by row.
        for ident, record in zip(reserved, records, strict=True):
            record["id"] = ident
        connection.execute(table.insert(), records)
        ids = list(reserved)
    else:
        ids = list(connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                                      records).scalars())
    categories = [{"tenant_id": tenant_id, "beneficiary_id": file_id, "code": code}
                  for file_id, data in zip(ids, rows, strict=True)
                  for code in dict.fromkeys(data.get("categories") or [])]
    if categories:
        connection.execute(BeneficiaryCategory.__table__.insert(), categories)
    _audit_rows(job, "beneficiary.create", "Beneficiary",
                [(file_id, {"file_number": record["file_number"], "import": job.id})
                 for file_id, record in zip(ids, records, strict=True)])


def _insert_members(job: ImportJob, rows: list[dict]) -> None:
    now = utcnow()
    records = [{"tenant_id": job.tenant_id, "created_at": now, **{k: data.get(k) for k in (
        "beneficiary_id", "relation", "name", "national_id", "birth_date", "disability", "schooling")}}
        for data in rows]
    reserved = allocate_ids(db.session.connection(), HouseholdMember.__tablename__, len(records))
    if reserved is not None:  # SQLite: ids from id_sequences (a bulk insert runs no ORM events)
        for ident, record in zip(reserved, records, strict=True):
            record["id"] = ident
    insert = sa.insert(HouseholdMember).returning(HouseholdMember.id, HouseholdMember.beneficiary_id,
                                                  sort_by_parameter_order=True)
    created = db.session.execute(insert, records).all()
    _audit_rows(job, "beneficiary.household.add", "HouseholdMember",
                [(member_id, {"beneficiary_id": owner, "import": job.id}) for member_id, owner in created])


def _audit_rows(job: ImportJob, action: str, object_type: str, items: list[tuple[int, dict]]) -> None:
    """One audit entry per record created, written in bulk like the records themselves."""
    now = utcnow()
    rows = [{"tenant_id": job.tenant_id, "actor_id": job.created_by_id, "action": action, "object_type": object_type,
             "object_id": str(ident), "after": after, "created_at": now} for ident, after in items]
    reserved = allocate_ids(db.session.connection(), AuditEntry.__tablename__, len(rows))
    if reserved is not None:  # SQLite: ids from id_sequences, as for the records
        for entry_id, row in zip(reserved, rows, strict=True):
            row["id"] = entry_id
    db.session.connection().execute(AuditEntry.__table__.insert(), rows)


def problems_of(job: ImportJob, limit: int | None = None) -> list[ImportProblem]:
    query = (sa.select(ImportProblem).where(ImportProblem.import_id == job.id)
             .order_by(ImportProblem.row_number, ImportProblem.id))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def recent() -> list[ImportJob]:
    return list(db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(20)))

