"""Two app servers (two gunicorn instances on two ports) sharing the database, Redis and the upload folder.

What a load balancer in front of them may do, alternate a browser's requests between them, must not
show: the session made on one works on the other, a login rate limit counts on both together (Redis
storage, not each process's memory), and a file uploaded through one downloads through the other.
"""
import os
import re
import uuid

import pytest
import redis
import requests

from tests.helpers import CSRF_RE, PASSWORD, make_user
from tests.ops.servers import start_gunicorn
from tests.test_staff_helpers import open_file, open_request, staff_client

PDF = b"%PDF-1.4\n% two servers\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(_redis_url(), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis (the shared rate-limit store) on 127.0.0.1")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    shared = {
        "DATABASE_URL": os.environ["DATABASE_URL"],  # the tests' database: SQLite file or PostgreSQL
        "REDIS_URL": _redis_url(),
        "CELERY_BROKER_URL": _redis_url(),
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "UPLOAD_FOLDER": os.environ["UPLOAD_FOLDER_FOR_SERVERS"],
        "SESSION_COOKIE_SECURE": "0",
        "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(folder / "outbox"), "SMS_BACKEND": "none",
        "LOG_FORMAT": "text", "LOG_LEVEL": "WARNING",
    }
    first = start_gunicorn(folder / "a", shared, wait=False)  # both start at once (each takes seconds)
    second = start_gunicorn(folder / "b", shared, wait=False)
    try:
        first.wait()
        second.wait()
    except BaseException:
        first.stop()
        second.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="module", autouse=True)
def _shared_upload_folder(tmp_path_factory):
    os.environ["UPLOAD_FOLDER_FOR_SERVERS"] = str(tmp_path_factory.mktemp("shared-uploads"))
    yield
    os.environ.pop("UPLOAD_FOLDER_FOR_SERVERS", None)


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=20)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF_RE.search(page.text).group(1)


def _login(session, base, email, password=PASSWORD) -> int:
    token = _token(session, f"{base}/auth/login")
    return session.post(f"{base}/auth/login", data={"email": email, "password": password, "csrf_token": token},
                        allow_redirects=False, timeout=20).status_code


def test_a_browser_alternating_between_two_servers_keeps_its_session_and_its_files(app, tenant_a, servers):
    first, second = servers
    email = f"officer-{uuid.uuid4().hex[:8]}@alpha.test"
    make_user(app, email, {"alpha": ["relations_officer"]})
    officer = staff_client(app, f"setup-{uuid.uuid4().hex[:8]}@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha", name="خالد الخادمين"), "interview")

    browser = requests.Session()
    assert _login(browser, first.base, email) == 302
    # The session made on the first server is good on the second.
    page = browser.get(f"{second.base}/alpha/staff/beneficiaries", allow_redirects=False, timeout=20)
    assert page.status_code == 200 and "خالد الخادمين" in page.text

    # Upload through the first, download through the second.
    detail = f"/alpha/staff/requests/{request_id}"
    token = _token(browser, first.base + detail)
    upload = browser.post(f"{first.base}{detail}/attachments", data={"csrf_token": token, "document_id": ""},
                          files={"file": ("evidence.pdf", PDF, "application/pdf")}, allow_redirects=False, timeout=20)
    assert upload.status_code == 302, upload.text[:2000]
    html = browser.get(second.base + detail, timeout=20).text
    link = re.search(r'href="(/alpha/staff/attachments/\d+)"', html).group(1)
    download = browser.get(second.base + link, timeout=20)
    assert download.status_code == 200 and download.content == PDF

    # Logging out on the second ends the session on the first too.
    token = _token(browser, f"{second.base}/alpha/staff/")
    browser.post(f"{second.base}/auth/logout", data={"csrf_token": token}, timeout=20)
    again = browser.get(f"{first.base}/alpha/staff/beneficiaries", allow_redirects=False, timeout=20)
    assert again.status_code == 302 and "/auth/login" in again.headers["Location"]


def test_the_login_rate_limit_counts_failures_on_both_servers_together(app, tenant_a, servers):
    first, second = servers
    email = f"victim-{uuid.uuid4().hex[:8]}@alpha.test"  # a fresh account: its own rate-limit key
    make_user(app, email, {"alpha": ["relations_officer"]})
    codes = []
    for attempt in range(6):  # 5 failures allowed per account (LOGIN_RATE_LIMIT), alternating servers
        base = (first, second)[attempt % 2].base
        codes.append(_login(requests.Session(), base, email, "wrong password!"))
    assert codes == [401, 401, 401, 401, 401, 429]  # per process memory, each would have seen only 3
