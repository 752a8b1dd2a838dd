"""Separation of duties and case confidentiality (every tenant)."""
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from core.tenancy import tenant_scope
from core.workflow.models import SupportRequest
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import COMMITTEE, act, receive_all_documents
from tests.welfare_helpers import make_welfare_tenant, open_file, open_request, staff_client, user_id


def _to_review(app, officer, slug, manager_email=None):
    file_id = open_file(officer, slug)
    request_id = open_request(officer, slug, file_id, "phone")
    act(officer, slug, request_id, "check_documents")
    receive_all_documents(app, officer, slug, request_id)
    act(officer, slug, request_id, "declare", method="in_person", signed="1")
    extra = {"manager_id": str(user_id(app, manager_email))} if manager_email else {}
    assert act(officer, slug, request_id, "send_to_review", **extra).status_code == 302
    return file_id, request_id


def test_the_receiver_of_a_request_cannot_decide_it(app):
    make_welfare_tenant(app, "sod", modules=[], body="committee")
    both = staff_client(app, "both@sod.test", "sod", ["relations_officer", "reviewer"])
    _file, request_id = _to_review(app, both, "sod")
    page = both.get(f"/sod/staff/requests/{request_id}").get_data(as_text=True)
    assert "action-accept" not in page and "action-reject" not in page  # not offered
    response = act(both, "sod", request_id, "accept", **COMMITTEE)
    assert response.status_code == 403 and "الفصل بين المهام" in response.get_data(as_text=True)
    other = staff_client(app, "other@sod.test", "sod", ["reviewer"])
    assert "action-accept" in other.get(f"/sod/staff/requests/{request_id}").get_data(as_text=True)
    assert act(other, "sod", request_id, "accept", **COMMITTEE).status_code == 302


def test_a_committee_decision_records_its_meeting_and_members(app):
    make_welfare_tenant(app, "cmt", modules=[], body="committee")
    officer = staff_client(app, "officer@cmt.test", "cmt", ["relations_officer"])
    member = staff_client(app, "member@cmt.test", "cmt", ["reviewer"])
    _file, request_id = _to_review(app, officer, "cmt")
    missing = act(member, "cmt", request_id, "accept")
    assert missing.status_code == 422 and 'id="accept-meeting_date"' in missing.get_data(as_text=True)
    assert act(member, "cmt", request_id, "accept", meeting_date="2026-02-03",
               members="أ. سعد، أ. نورة").status_code == 302
    with app_ctx(app), tenant_scope(1):
        request = db.session.get(SupportRequest, request_id)
        assert request.committee_meeting_date.isoformat() == "2026-02-03"
        assert request.committee_members == "أ. سعد، أ. نورة"


def test_only_the_manager_the_request_was_sent_to_decides_it(app):
    make_welfare_tenant(app, "mgr", modules=[], body="manager")
    officer = staff_client(app, "officer@mgr.test", "mgr", ["relations_officer"])
    chosen = staff_client(app, "chosen@mgr.test", "mgr", ["reviewer"])
    other = staff_client(app, "other@mgr.test", "mgr", ["reviewer"])
    _file, request_id = _to_review(app, officer, "mgr", "chosen@mgr.test")
    # No form is offered to the other reviewer; a crafted POST is refused all the same.
    response = act(other, "mgr", request_id, "reject", reason="لا تنطبق الشروط على الحالة", version="2")
    assert response.status_code == 403
    assert "action-reject" not in other.get(f"/mgr/staff/requests/{request_id}").get_data(as_text=True)
    assert act(chosen, "mgr", request_id, "reject", reason="لا تنطبق الشروط على الحالة").status_code == 302


def test_with_assigned_access_an_unrelated_officer_gets_403_and_the_look_is_audited(app):
    tenant_id = make_welfare_tenant(app, "conf", modules=["service_controls", "rights_duties"],
                                    file_access="assigned")
    owner = staff_client(app, "owner@conf.test", "conf", ["relations_officer"])
    stranger = staff_client(app, "stranger@conf.test", "conf", ["relations_officer"])
    researcher = staff_client(app, "researcher@conf.test", "conf", ["social_researcher"])
    director = staff_client(app, "director@conf.test", "conf", ["executive_director"])
    file_id = open_file(owner, "conf")
    request_id = open_request(owner, "conf", file_id, "phone")
    for url in (f"/conf/staff/beneficiaries/{file_id}", f"/conf/staff/requests/{request_id}",
                f"/conf/staff/beneficiaries/{file_id}/lifecycle", f"/conf/staff/beneficiaries/{file_id}/rights",
                f"/conf/staff/beneficiaries/{file_id}/edit"):
        response = stranger.get(url)
        assert response.status_code == 403, url
        page = response.get_data(as_text=True)
        assert "هذا الملف سري" in page and "أحمد محمد العتيبي" in page and "1058529940" not in page
    refused = post_form(stranger, f"/conf/staff/beneficiaries/{file_id}/contacts",
                        {"channel": "phone", "direction": "in", "summary": "محاولة"}, form_page="/conf/staff/")
    assert refused.status_code == 403
    with app_ctx(app), tenant_scope(tenant_id):
        denied = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "beneficiary.view_denied")).all()
        assert len(denied) == 6 and {e.actor_id for e in denied} == {user_id(app, "stranger@conf.test")}
    # The list still shows that the file exists (number and name).
    assert "أحمد محمد العتيبي" in stranger.get("/conf/staff/beneficiaries").get_data(as_text=True)
    # The people on the file and managers open it; every view is audited.
    assert owner.get(f"/conf/staff/beneficiaries/{file_id}").status_code == 200
    assert director.get(f"/conf/staff/beneficiaries/{file_id}").status_code == 200
    assert researcher.get(f"/conf/staff/beneficiaries/{file_id}").status_code == 403
    with app_ctx(app), tenant_scope(tenant_id):
        from core.beneficiaries.models import Beneficiary

        db.session.get(Beneficiary, file_id).researcher_id = user_id(app, "researcher@conf.test")
        db.session.commit()
    assert researcher.get(f"/conf/staff/beneficiaries/{file_id}").status_code == 200
    with app_ctx(app), tenant_scope(tenant_id):
        viewers = set(db.session.scalars(sa.select(AuditEntry.actor_id).where(AuditEntry.action == "beneficiary.view")))
        assert {user_id(app, e) for e in ("owner@conf.test", "director@conf.test", "researcher@conf.test")} <= viewers


def test_all_staff_access_is_the_default(app):
    make_welfare_tenant(app, "open", modules=[])
    owner = staff_client(app, "owner@open.test", "open", ["relations_officer"])
    stranger = staff_client(app, "stranger@open.test", "open", ["relations_officer"])
    file_id = open_file(owner, "open")
    assert stranger.get(f"/open/staff/beneficiaries/{file_id}").status_code == 200


def test_the_admin_sets_file_access_and_a_bad_value_is_refused(app):
    make_welfare_tenant(app, "adm", modules=[])
    admin = staff_client(app, "admin@adm.test", "adm", ["tenant_admin"])
    bad = post_form(admin, "/adm/admin/casework", {"section": "access", "file_access": "everyone"})
    assert bad.status_code == 422 and "file_access" in bad.get_data(as_text=True)
    assert post_form(admin, "/adm/admin/casework", {"section": "access", "file_access": "assigned"}).status_code == 302
    with app_ctx(app):
        from core import tenants
        from core.tenancy import cross_tenant_scope

        with cross_tenant_scope():
            assert tenants.by_slug("adm").settings["file_access"] == "assigned"
            assert db.session.scalar(sa.select(AuditEntry.after).where(AuditEntry.action == "tenant.settings")) \
                == {"file_access": "assigned"}
