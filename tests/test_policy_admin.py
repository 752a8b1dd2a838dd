"""The charity admin's policy pages: versions, diffs, and recording the board's approval."""
import copy

import sqlalchemy as sa

from core import tenants
from core.models import AuditEntry, BoardApproval
from core.policy import versions
from core.signals import tenant_settings_changed
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, login, make_user, post_form

TITLE = "سياسة تنظيم العلاقة مع المستفيدين"


def change_channels(app, slug: str, channels: list[str]) -> None:
    with app_ctx(app) as session, cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        settings = copy.deepcopy(tenant.settings)
        settings["channels"] = channels
        tenant.settings = settings
        session.flush()
        tenant_settings_changed.send(tenant)
        session.commit()


def state(app, slug: str) -> dict:
    with app_ctx(app), cross_tenant_scope(), tenant_scope(tenants.by_slug(slug)):
        return {v.number: (v.status, [a.as_record() for a in v.approvals]) for v in versions.all_versions()}


def admin_of(app, client, slug="alpha"):
    make_user(app, f"admin@{slug}.example", {slug: ["tenant_admin"]})
    login(client, f"admin@{slug}.example")


def good_record(**changes) -> dict:
    return {"meeting": "3", "session": "1", "weekday": "الأربعاء", "hijri_date": "1446-02-03",
            "gregorian_date": "2024-08-07", "policy_title": TITLE, **changes}


def test_admin_lists_versions_and_views_one(app, client, tenant_a):
    change_channels(app, "alpha", ["interview", "phone", "website"])
    admin_of(app, client)
    listing = client.get("/alpha/admin/policy/?lang=en")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert 'data-version="1"' in html and 'data-version="2"' in html
    page = client.get("/alpha/admin/policy/2?lang=en").get_data(as_text=True)
    assert "Policy version 2" in page and "The association&#39;s website" in page
    assert 'id="record-approval"' in page


def test_admin_of_a_cannot_see_bs_versions(app, client, tenant_a, tenant_b):
    change_channels(app, "beta", ["interview", "phone", "letters"])  # beta has 2 versions, alpha 1
    admin_of(app, client)
    assert client.get("/alpha/admin/policy/2").status_code == 404
    assert client.get("/alpha/admin/policy/2.pdf").status_code == 404
    assert client.get("/alpha/admin/policy/diff?from=1&to=2").status_code == 404
    assert post_form(client, "/alpha/admin/policy/2/approve", good_record(),
                     form_page="/alpha/admin/policy/1").status_code == 404
    assert client.get("/beta/admin/policy/").status_code == 404
    assert client.get("/beta/admin/policy/1").status_code == 404
    own = client.get("/alpha/admin/policy/1").get_data(as_text=True)
    assert "جمعية alpha" in own and "جمعية beta" not in own
    assert state(app, "beta")[2] == ("draft", [])


def test_a_member_without_the_admin_role_gets_403(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer", "reviewer"]})
    login(client, "officer@alpha.example")
    for url in ("/alpha/admin/policy/", "/alpha/admin/policy/1", "/alpha/admin/policy/1.pdf",
                "/alpha/admin/policy/diff?from=1&to=1"):
        assert client.get(url).status_code == 403, url
    token_page = client.get("/alpha/policy").get_data(as_text=True)
    assert "/alpha/admin/policy/" not in token_page
    assert state(app, "alpha")[1] == ("draft", [])


def test_anonymous_visitors_are_sent_to_log_in(client, tenant_a):
    response = client.get("/alpha/admin/policy/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_recording_a_consistent_approval_publishes_the_version(app, client, tenant_a):
    admin_of(app, client)
    response = post_form(client, "/alpha/admin/policy/1/approve?lang=en", good_record(),
                         form_page="/alpha/admin/policy/1")
    assert response.status_code == 302
    status, [record] = state(app, "alpha")[1]
    assert status == "approved"
    assert record["hijri_date"] == "1446-02-03" and record["weekday"] == "الأربعاء"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Version 1 is approved by the board and published." in page
    assert "agree with the Umm al-Qura calendar" in page
    public = client.get("/alpha/policy?lang=ar").get_data(as_text=True)
    assert "لم يعتمد مجلس الإدارة" not in public and "1446-02-03" in public
    with app_ctx(app), cross_tenant_scope():
        entry = app_ctx  # noqa: F841  (keep names short below)
        from core.extensions import db

        actions = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id)
                                     .where(AuditEntry.action.like("policy.%"))).all()
    assert ("policy.approve", None) not in actions
    assert {"policy.board_approval", "policy.approve"} <= {a for a, _ in actions}


def test_an_inconsistent_record_is_shown_to_the_admin_before_anything_is_written(app, client, tenant_a):
    admin_of(app, client)
    wrong_day = good_record(weekday="الاثنين")
    response = post_form(client, "/alpha/admin/policy/1/approve?lang=ar", wrong_day,
                         form_page="/alpha/admin/policy/1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="pending-warnings"' in html and 'data-code="weekday_mismatch"' in html
    assert 'id="weekday-warning"' in html
    assert "لا يوافق التاريخ الميلادي" in html and '<bdi dir="ltr">2024-08-07</bdi>' in html
    assert state(app, "alpha")[1] == ("draft", [])

    response = post_form(client, "/alpha/admin/policy/1/approve", {**wrong_day, "confirm": "y"},
                         form_page="/alpha/admin/policy/1")
    assert response.status_code == 302
    status, [record] = state(app, "alpha")[1]
    assert status == "approved" and record["weekday"] == "الاثنين"  # as written, not corrected
    page = client.get("/alpha/admin/policy/1?lang=ar").get_data(as_text=True)
    assert 'data-code="weekday_mismatch"' in page


def test_each_kind_of_inconsistency_is_named_on_its_own_field(app, client, tenant_a):
    admin_of(app, client)
    record = good_record(hijri_date="1442-01-13", gregorian_date="2021-01-26", weekday="",
                         policy_title="سياسة إستبيان رأي المستفيدين بالجمعية")
    html = post_form(client, "/alpha/admin/policy/1/approve?lang=en", record,
                     form_page="/alpha/admin/policy/1").get_data(as_text=True)
    assert 'id="gregorian_date-warning"' in html and 'id="policy_title-warning"' in html
    assert 'data-code="dates_disagree"' in html and 'data-code="title_mismatch"' in html
    assert "is not this policy&#39;s title" in html
    assert state(app, "alpha")[1] == ("draft", [])


def test_bad_input_gets_a_translated_message_on_its_field_and_writes_nothing(app, client, tenant_a):
    admin_of(app, client)
    cases = [
        ({"hijri_date": "1446-13-40"}, "hijri_date", "ليس في تقويم أم القرى"),
        ({"hijri_date": "3 صفر"}, "hijri_date", "اكتب التاريخ الهجري"),
        ({"hijri_date": "", "gregorian_date": ""}, "hijri_date", "التاريخ الهجري أو الميلادي"),
        ({"gregorian_date": "2024-02-31"}, "gregorian_date", None),
        ({"policy_title": ""}, "policy_title", "أدخل عنوان السياسة"),
        ({"weekday": "غدا"}, "weekday", "اختر يوماً من أيام الأسبوع"),
    ]
    for changes, field, message in cases:
        response = post_form(client, "/alpha/admin/policy/1/approve?lang=ar", good_record(**changes),
                             form_page="/alpha/admin/policy/1")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert f'id="{field}-error"' in html, changes
        if message:
            assert message in html, changes
    with app_ctx(app), cross_tenant_scope():
        from core.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(BoardApproval)) == 0
    assert state(app, "alpha")[1] == ("draft", [])


def test_hijri_dates_with_arabic_digits_and_slashes_are_read(app, client, tenant_a):
    admin_of(app, client)
    response = post_form(client, "/alpha/admin/policy/1/approve", good_record(hijri_date="١٤٤٦/٢/٣"),
                         form_page="/alpha/admin/policy/1")
    assert response.status_code == 302
    assert state(app, "alpha")[1][1][0]["hijri_date"] == "1446-02-03"


def test_only_a_draft_can_be_approved(app, client, tenant_a):
    admin_of(app, client)
    post_form(client, "/alpha/admin/policy/1/approve", good_record(), form_page="/alpha/admin/policy/1")
    response = post_form(client, "/alpha/admin/policy/1/approve?lang=en", good_record(session="2"),
                         form_page="/alpha/admin/policy/1")
    assert response.status_code == 409
    assert "Only a draft can be approved" in response.get_data(as_text=True)
    assert len(state(app, "alpha")[1][1]) == 1


def test_the_diff_shows_what_changed_between_two_versions(app, client, tenant_a):
    change_channels(app, "alpha", ["interview", "website"])
    admin_of(app, client)
    html = client.get("/alpha/admin/policy/diff?from=1&to=2&lang=ar").get_data(as_text=True)
    assert '<tr class="table-danger diff-removed">' in html and '<tr class="table-success diff-added">' in html
    removed = html.split('diff-removed">')[1].split("</tr>")[0]
    added = html.split('diff-added">')[1].split("</tr>")[0]
    assert "الاتصالات الهاتفية" in removed and "الموقع الإلكتروني للجمعية" in added
    same = client.get("/alpha/admin/policy/diff?from=2&to=2").get_data(as_text=True)
    assert "diff-none" in same
    assert client.get("/alpha/admin/policy/diff?from=1").status_code == 400


def test_the_admin_can_print_a_draft(app, client, tenant_a):
    admin_of(app, client)
    response = client.get("/alpha/admin/policy/1.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def queries_for(app, client, url: str) -> int:
    from sqlalchemy import event

    from core.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_policy_pages_run_a_bounded_number_of_queries(app, client, tenant_a):
    admin_of(app, client)
    change_channels(app, "alpha", ["interview"])
    post_form(client, "/alpha/admin/policy/2/approve", good_record(), form_page="/alpha/admin/policy/2")
    with_two = {url: queries_for(app, client, url) for url in ("/alpha/admin/policy/", "/alpha/policy")}
    for channels in (["phone"], ["website"], ["letters"], ["email"]):
        change_channels(app, "alpha", channels)
    post_form(client, "/alpha/admin/policy/6/approve", good_record(), form_page="/alpha/admin/policy/6")
    with_six = {url: queries_for(app, client, url) for url in ("/alpha/admin/policy/", "/alpha/policy")}
    assert with_six == with_two
    assert max(with_six.values()) <= 12
