"""Benchmark the bulk import: a sheet of ROWS beneficiary files, checked (dry run) and then imported.

Target (DESIGN.md): 100,000 rows in under 60 s. Prints the seconds of the check and of the import and
the rows per second. Writes to the database it is given: never point it at real data.

    SECRET_KEY=bench .venv/bin/python bench/import_100k.py --rows 100000 [--xlsx]
    DATABASE_URL=postgresql://wasl_app@127.0.0.1:5432/wasl_bench \\
    DATABASE_ADMIN_URL=postgresql://postgres@127.0.0.1:5432/wasl_bench \\
    SECRET_KEY=bench .venv/bin/python bench/import_100k.py --rows 100000

Without DATABASE_URL it uses a fresh SQLite file in a temporary folder.
"""
import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.staff_pages import valid_id  # noqa: E402

CATEGORIES = ("الأرامل", "الأيتام", "كبار السن", "ذوو الإعاقة")
HEADER = ["الاسم", "رقم الهوية", "الجنس", "الجوال", "تاريخ الميلاد", "الفئة", "المدينة"]


def write_sheet(path: Path, rows: int, xlsx: bool) -> None:
    data = ([f"مستفيد رقم {n}", valid_id(n), "أنثى" if n % 2 else "ذكر", f"05{n % 10**8:08d}",
             f"{1950 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}", CATEGORIES[n % 4], "الرياض"]
            for n in range(1, rows + 1))
    if xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(HEADER)
        for row in data:
            sheet.append(row)
        book.save(path)
        return
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx", action="store_true", help="an Excel workbook instead of CSV")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wasl-import-bench-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite'}"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["WASL_INSTANCE_DIR"] = str(tmp / "instance")

    from werkzeug.datastructures import FileStorage

    from core import accounts, tenant_files, tenants
    from core.app import create_app
    from core.cli import upgrade_database
    from core.extensions import db
    from core.imports import operations
    from core.tenancy import cross_tenant_scope, tenant_scope

    app = create_app({"UPLOAD_FOLDER": str(tmp / "uploads")})
    sheet = tmp / ("sheet.xlsx" if args.xlsx else "sheet.csv")
    started = time.perf_counter()
    write_sheet(sheet, args.rows, args.xlsx)
    print(f"sheet of {args.rows} rows written in {time.perf_counter() - started:.1f} s "
          f"({sheet.stat().st_size >> 20} MiB)")
    with app.test_request_context("/?lang=ar"):
        upgrade_database()
        slug = f"bench-{int(time.time())}"
        with cross_tenant_scope():
            text = (Path(__file__).resolve().parent.parent / "tenants" / "model-welfare.toml").read_text()
            text = text.replace('slug = "model-welfare"', f'slug = "{slug}"')
            tenant = tenants.provision(tenant_files.parse(text)).tenant
            user = accounts.create_user(f"importer@{slug}.example", "importer", "bench-password-1")
            accounts.grant_roles(user, tenant, ["relations_officer"])
            db.session.commit()
        with tenant_scope(tenant), sheet.open("rb") as fh:
            job = operations.upload(tenant, FileStorage(fh, filename=sheet.name), "beneficiaries", user)
            db.session.commit()
            for apply in (False, True):
                operations.start(job, apply)
                db.session.commit()
                started, cpu = time.perf_counter(), time.process_time()
                job = operations.run(job.id, apply)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                # CPU seconds too: on a shared machine the wall clock also counts other people's work.
                print(f"{'import' if apply else 'check '}: {seconds:6.1f} s ({cpu:5.1f} s CPU)  "
                      f"{args.rows / seconds:8.0f} rows/s  state={job.state} created={job.created_count} "
                      f"bad={job.bad_rows}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
