"""The yardstick of bench/http_pages.py: a bare Flask + SQLAlchemy page of the same shape as the files list.

50 rows of one tenant (BARE_TENANT_ID) from the same PostgreSQL (BARE_DATABASE_URL), newest first, with the
researcher's name, rendered by a small Jinja template; no login, no tenant lookup, no RLS, no translations.

    BARE_DATABASE_URL=postgresql://wasl_operator@127.0.0.1:5432/wasl_bench BARE_TENANT_ID=1 \\
    .venv/bin/gunicorn -c gunicorn.conf.py --workers 2 --threads 4 bench.bare_app:app
"""
import os

import sqlalchemy as sa
from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)
engine = sa.create_engine(os.environ["BARE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
                          pool_size=8, pool_pre_ping=True)
TENANT_ID = int(os.environ.get("BARE_TENANT_ID", "1"))
QUERY = sa.text(
    "SELECT b.id, b.file_number, b.name, b.national_id, b.mobile, b.city, b.created_at, u.name AS researcher "
    "FROM beneficiaries b LEFT JOIN users u ON u.id = b.researcher_id "
    "WHERE b.tenant_id = :tenant ORDER BY b.id DESC LIMIT 51")
PAGE = """<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>الملفات</title></head>
<body><table><thead><tr><th>رقم</th><th>الاسم</th><th>الهوية</th><th>الجوال</th><th>المدينة</th><th>الباحث</th>
<th>التاريخ</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.file_number }}</td><td><a href="/f/{{ r.id }}">{{ r.name }}</a></td>
<td>{{ r.national_id }}</td><td>{{ r.mobile or "" }}</td><td>{{ r.city or "" }}</td><td>{{ r.researcher or "" }}</td>
<td>{{ r.created_at.date().isoformat() }}</td></tr>{% endfor %}
</tbody></table></body></html>"""

# A template from a loader, as a Flask app's templates folder gives: compiled once and cached, as Wasl's are.
# (render_template_string would compile it again on every request, ~60% of this page's time.)
app.jinja_loader = DictLoader({"files.html": PAGE})


@app.get("/")
def files():
    with engine.connect() as conn:
        rows = conn.execute(QUERY, {"tenant": TENANT_ID}).all()
    return render_template("files.html", rows=rows[:50])


@app.get("/healthz")
def healthz():
    return "ok"
