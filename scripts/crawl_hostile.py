"""A crawl that posts hostile values into every form it can reach, and reports any 500 or any 4xx that
wrote something.

    .venv/bin/python scripts/crawl_hostile.py            # the whole crawl on a throwaway SQLite database

It logs in as the demo users of every role of one seed association and as the operator, follows links
from their home pages, and for each form found fills every field a person can type into (and the
hidden id fields) with each payload. `tests/test_crawl.py` runs a small version of it in the suite.
"""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa

PAYLOADS = [
    "\x00", "²", "1१५९७६८४८८", "9" * 30, str(2**63), "-1", "\u202eexe.pdf", "\u00a0\u00a0", "x" * 5000,
    "<script>alert(1)</script>", "{{ 7*7 }}", "'; DROP TABLE users; --", "٣٠٠٠٫٥", "2024-02-30", "\x1b[31m",
]
#: Forms whose success would end the crawl's session or its access (logging out, leaving, suspending).
SKIP_ACTIONS = ("logout", "/remove", "/suspend", "/resume", "/revoke", "/delete")
SKIP_LINKS = ("/static/", "/vendor/", ".pdf", ".toml", "/attachments/", "logout", "lang=", "/export")
#: Rows that change without anyone writing a form: sessions' last-seen times, job bookkeeping.
IGNORED_TABLES = {"auth_sessions", "job_runs", "alembic_version"}


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, value)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action") or "", (a.get("method") or "get").lower(),
                              "multipart" in (a.get("enctype") or ""))
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("checkbox", "radio") and "checked" not in a:
                kind = f"{kind}-off"
            self._form.fields.append((a["name"], kind, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t not in IGNORED_TABLES]
        return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}


def _data(form: Form, payload: str) -> dict:
    data: dict[str, list[str]] = {}
    for name, kind, value in form.fields:
        if kind in ("checkbox-off", "radio-off", "submit", "file"):
            continue
        typed = kind in ("text", "textarea", "select", "email", "search", "tel", "number", "date", "password")
        hidden_id = kind == "hidden" and name not in ("csrf_token",) and (name.endswith("_id") or name == "version")
        data.setdefault(name, []).append(payload if typed or hidden_id else value)
    return data


@dataclass
class Report:
    pages: int = 0
    submissions: int = 0
    problems: list[str] = field(default_factory=list)


def crawl(clients: dict, starts: dict, engine, payloads=PAYLOADS, max_pages=40, max_forms=60) -> Report:
    """`clients`: name → logged-in test client; `starts`: name → first URLs. Returns what went wrong."""
    report = Report()
    for who, client in clients.items():
        queue, seen, forms_done = list(starts[who]), set(), set()
        while queue and len(seen) < max_pages:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            report.pages += 1
            if response.status_code >= 500:
                report.problems.append(f"{who}: GET {url} → {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in (response.content_type or ""):
                continue
            page = parse(response.get_data(as_text=True))
            for href in page.links:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if not parts.netloc and target.startswith("/") and not any(s in target for s in SKIP_LINKS):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
            for form in page.forms:
                action = urljoin(url, form.action) if form.action else url
                key = (action.split("?")[0], tuple(sorted(n for n, *_ in form.fields)))
                if form.method != "post" or key in forms_done or any(s in action for s in SKIP_ACTIONS):
                    continue
                if len(forms_done) >= max_forms:
                    break
                forms_done.add(key)
                for payload in payloads:
                    _submit(client, who, url, action, form, payload, engine, report)
    return report


def _submit(client, who, page_url, action, form, payload, engine, report) -> None:
    fresh = parse(client.get(page_url).get_data(as_text=True))  # a current CSRF token and version
    token = next((v for f in fresh.forms for n, _k, v in f.fields if n == "csrf_token"), "")
    data = _data(form, payload)
    data["csrf_token"] = [token]
    before = row_counts(engine)
    kwargs = {"content_type": "multipart/form-data"} if form.multipart else {}
    response = client.post(action, data=data, **kwargs)
    report.submissions += 1
    shown = repr(payload[:20])
    if response.status_code >= 500:
        report.problems.append(f"{who}: POST {action} with {shown} → {response.status_code}")
    elif 400 <= response.status_code < 500:
        after = row_counts(engine)
        changed = {t for t in after if after[t] != before.get(t)}
        if changed:
            report.problems.append(f"{who}: POST {action} with {shown} → {response.status_code} but wrote to "
                                   f"{', '.join(sorted(changed))}")


def _token(client, url) -> str:
    page = parse(client.get(url).get_data(as_text=True))
    return next(v for f in page.forms for n, _k, v in f.fields if n == "csrf_token")


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="wasl-crawl-"))
    os.environ.update(WASL_INSTANCE_DIR=str(folder), WASL_DEMO_PASSWORD="crawl-password-1")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from core.app import create_app
    from core.cli import upgrade_database
    from core.demo import ensure_demo_users, provision_directory
    from core.extensions import db

    app = create_app({"RATELIMIT_ENABLED": False, "MAIL_FILE_DIR": str(folder / "outbox")})
    with app.app_context():
        upgrade_database()
        provision_directory(app.config["TENANTS_DIR"])
        ensure_demo_users("crawl-password-1")
        engine = db.engine
    slug = "model-welfare"
    clients, starts = {}, {}
    for who, email, start in (("operator", "operator@wasl.example", "/operator/"),
                              ("admin", f"tenant_admin@{slug}.example", f"/{slug}/admin/"),
                              ("officer", f"relations_officer@{slug}.example", f"/{slug}/staff/"),
                              ("reviewer", f"reviewer@{slug}.example", f"/{slug}/staff/")):
        client = app.test_client()
        token = parse(client.get("/auth/login").get_data(as_text=True)).forms[0].fields[0][2]
        client.post("/auth/login", data={"email": email, "password": "crawl-password-1", "csrf_token": token})
        clients[who], starts[who] = client, [start]
    # A file with a request, so the file's and the request's forms are there to be crawled.
    officer = clients["officer"]
    new_file = f"/{slug}/staff/beneficiaries/new"
    response = officer.post(new_file, data={
        "csrf_token": _token(officer, new_file), "name": "أحمد محمد العتيبي", "national_id": "1058529940",
        "nationality": "SA", "gender": "male", "mobile": "0501234567"})
    file_page = response.headers["Location"]
    channel = "office_interview"
    new_request = f"{file_page}/requests/new"
    response = officer.post(new_request, data={"csrf_token": _token(officer, new_request), "channel": channel,
                                               "service": "financial_aid"})
    starts["officer"] += [file_page, response.headers.get("Location", file_page)]
    report = crawl(clients, starts, engine, max_pages=200, max_forms=200)
    print(f"{report.pages} pages, {report.submissions} submissions, {len(report.problems)} problems")
    for problem in report.problems:
        print("  " + problem)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
