"""Shared steps for the staff workflow tests (no tests here): logged-in clients, forms, ids from redirects."""
import re

from tests.helpers import login, make_user, post_form

VERSION_RE = re.compile(r'name="version" value="(\d+)"')
VALID_IDS = ("1058529940", "1001244019")


def staff_client(app, email, slug, roles):
    """A fresh browser logged in as a new user holding `roles` in tenant `slug`."""
    make_user(app, email, {slug: roles})
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def id_from(response, marker: str) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.search(rf"/{marker}/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def open_file(client, slug, **overrides) -> int:
    data = {"name": "أحمد محمد العتيبي", "national_id": VALID_IDS[0], "nationality": "SA", "gender": "male",
            "mobile": "0501234567", "email": "", "city": "الرياض", "language": "ar", "birth_calendar": "gregorian",
            "birth_date": "1980-05-01", "categories": ["low_income_family"]}
    data.update(overrides)
    response = post_form(client, f"/{slug}/staff/beneficiaries/new", data)
    return id_from(response, "beneficiaries")


def open_request(client, slug, beneficiary_id, channel, service="financial_aid", **extra) -> int:
    url = f"/{slug}/staff/beneficiaries/{beneficiary_id}/requests/new"
    response = post_form(client, url, {"channel": channel, "service": service, **extra})
    return id_from(response, "requests")


def version_of(client, url) -> str:
    """The version the page's main forms carry (on a request page, the actions' — not a checklist item's)."""
    page = client.get(url).get_data(as_text=True)
    if "/actions/" in page:
        page = page.split("/actions/", 1)[1]
    match = VERSION_RE.search(page)
    assert match, "no version field on " + url
    return match.group(1)


def act(client, slug, request_id, action, **data):
    """Post one action of the state machine with the version shown on the request page."""
    url = f"/{slug}/staff/requests/{request_id}"
    headers = data.pop("headers", None)
    if "version" not in data:
        data["version"] = version_of(client, url)
    data.setdefault("confirmed", "1")  # irreversible actions ask for a confirmation first
    if data["confirmed"] is None:
        del data["confirmed"]
    return post_form(client, f"{url}/actions/{action}", data, form_page=url, headers=headers)


COMMITTEE = {"meeting_date": "2026-01-10", "members": "أ. سعد، أ. نورة، أ. خالد"}


def complete_verification(app, client, slug, request_id):
    """Mark every step of the eligibility checklist "not applicable" (with a reason), if the module is on."""
    from core.eligibility.models import VerificationStep
    from core.extensions import db
    from core.tenancy import tenant_scope
    from tests.helpers import app_ctx

    url = f"/{slug}/staff/requests/{request_id}/verification"
    if client.get(url).status_code == 404:
        return []
    with app_ctx(app):
        from core import tenants

        with tenant_scope(tenants.by_slug(slug)):
            steps = [(s.id, s.version) for s in db.session.query(VerificationStep).filter_by(request_id=request_id)]
    for step_id, version in steps:
        response = post_form(client, f"{url}/steps/{step_id}", {"status": "not_applicable", "version": str(version),
                                                               "note": "لا ينطبق على هذه الحالة"}, form_page=url)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return steps


def receive_all_documents(app, client, slug, request_id):
    from core.extensions import db
    from core.tenancy import tenant_scope
    from core.workflow.models import RequestDocument
    from tests.helpers import app_ctx

    with app_ctx(app):
        from core import tenants

        with tenant_scope(tenants.by_slug(slug)):
            rows = [(d.id, d.version) for d in db.session.query(RequestDocument).filter_by(request_id=request_id)]
    url = f"/{slug}/staff/requests/{request_id}"
    ids = [doc_id for doc_id, _version in rows]
    for doc_id, version in rows:
        response = post_form(client, f"{url}/documents/{doc_id}",
                             {"received_on": "2025-01-05", "verified": "1", "version": str(version)}, form_page=url)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return ids
