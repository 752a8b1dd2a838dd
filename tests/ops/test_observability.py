"""Request ids, JSON logs without personal data, /metrics behind the operator's token, /readyz."""
import json
import logging

import pytest

from core import observability
from tests.helpers import make_user
from tests.test_staff_helpers import open_file, staff_client


def test_every_response_carries_a_request_id_and_keeps_a_safe_one_given(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first and second and first != second
    assert client.get("/healthz", headers={"X-Request-ID": "lb-abc-12345"}).headers["X-Request-ID"] == "lb-abc-12345"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert "<" not in forged and len(forged) == 32


@pytest.fixture
def json_log(app):
    """Capture what the request logger writes, formatted as in production."""
    import io

    stream = io.StringIO()
    handler = observability._handler("json")
    handler.stream = stream
    logger = logging.getLogger("wasl.request")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_the_request_log_names_route_tenant_and_user_but_no_personal_data(app, tenant_a, json_log):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha", name="نورة سعد الشهري", national_id="1058529940")
    response = officer.get(f"/alpha/staff/beneficiaries/{file_id}?q=نورة")
    assert response.status_code == 200
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    entry = next(e for e in lines if e.get("endpoint") == "staff.beneficiary")
    assert entry["route"] == "/<tenant_slug>/staff/beneficiaries/<int:beneficiary_id>"
    assert entry["tenant"] == "alpha" and isinstance(entry["user_id"], int)
    assert entry["status"] == 200 and entry["request_id"] == response.headers["X-Request-ID"]
    text = json_log.getvalue()
    assert "نورة" not in text and "1058529940" not in text and "?q=" not in text


def test_metrics_need_the_operator_token(app, client):
    assert client.get("/metrics").status_code == 404  # not configured: not served
    app.config["METRICS_TOKEN"] = "s3cret-token"
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        client.get("/healthz")
        body = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).get_data(as_text=True)
    finally:
        app.config["METRICS_TOKEN"] = None
    assert 'wasl_request_duration_seconds_count{endpoint="platform.healthz",method="GET",status="200"}' in body
    assert 'wasl_outbox_backlog{status="pending"}' in body


def test_the_outbox_backlog_counts_every_tenants_waiting_messages(app, tenant_a, tenant_b):
    for slug in ("alpha", "beta"):
        officer = staff_client(app, f"officer@{slug}.test", slug, ["relations_officer"])
        file_id = open_file(officer, slug, email="x@example.com")
        from tests.test_staff_helpers import open_request

        open_request(officer, slug, file_id, "interview")  # "request received" goes to the outbox
    with app.app_context():
        assert observability.outbox_counts()["pending"] == 2


def test_readyz_reports_each_dependency(app, client, monkeypatch):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    # monkeypatch puts the configured broker back (the task-queue tests need it afterwards)
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["broker"] == "down"


def test_metrics_is_not_a_tenant_slug(app):
    make_user(app, "op@x.test", operator=True)
    from core.tenancy import RESERVED_SLUGS

    assert {"metrics", "readyz"} <= RESERVED_SLUGS
