"""rights_duties (acknowledgement, change of researcher, family member, providers) and the
"registered at another charity" check over keyed hashes."""
import sqlalchemy as sa

from core.extensions import db
from core.messaging.models import OutboxMessage
from core.models import AuditEntry
from core.registry.keys import id_hash
from core.registry.models import RegistryCheck, RegistryEntry
from core.rights.models import RightsAcknowledgement
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, post_form
from tests.welfare_helpers import (
    file_status,
    lifecycle_post,
    make_welfare_tenant,
    national_id,
    open_file,
    staff_client,
    user_id,
)

SLUG = "rd"


def _rights(client, file_id, what, **data):
    url = f"/{SLUG}/staff/beneficiaries/{file_id}/rights"
    return post_form(client, f"{url}/{what}" if what else url, data, form_page=url)


def test_acknowledgement_records_when_how_and_which_policy_version(app):
    tenant_id = make_welfare_tenant(app, SLUG)
    officer = staff_client(app, "officer@rd.test", SLUG, ["relations_officer"])
    file_id = open_file(officer, SLUG)
    assert _rights(officer, file_id, "acknowledge", method="fax").status_code == 422
    assert _rights(officer, file_id, "acknowledge", method="signed_form",
                   acknowledged_on="2026-01-04").status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        from core.policy.versions import latest

        ack = db.session.scalar(sa.select(RightsAcknowledgement))
        assert (ack.method, ack.acknowledged_on.isoformat()) == ("signed_form", "2026-01-04")
        assert ack.policy_version == latest().number and ack.text_fingerprint == latest().fingerprint
    assert "acknowledgement" in officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}/rights").get_data(as_text=True)


def test_a_change_of_researcher_is_decided_by_management_and_told_to_the_beneficiary(app):
    tenant_id = make_welfare_tenant(app, SLUG)
    officer = staff_client(app, "officer@rd.test", SLUG, ["relations_officer"])
    director = staff_client(app, "director@rd.test", SLUG, ["executive_director"])
    staff_client(app, "sara@rd.test", SLUG, ["social_researcher"])
    staff_client(app, "mona@rd.test", SLUG, ["social_researcher"])
    file_id = open_file(officer, SLUG, researcher_id=str(user_id(app, "sara@rd.test")), email="b@example.com")
    assert _rights(officer, file_id, "researcher-change", reasons="قصير").status_code == 422
    assert _rights(officer, file_id, "researcher-change",
                   reasons="لا يرغب في متابعة الخدمة مع الباحثة الحالية لاختلاف المواعيد").status_code == 302
    assert _rights(officer, file_id, "researcher-change", reasons="طلب ثانٍ قبل البت في الأول").status_code == 409
    with app_ctx(app), tenant_scope(tenant_id):
        from core.rights.models import ResearcherChange

        change_id = db.session.scalar(sa.select(ResearcherChange.id))
    url = f"researcher-change/{change_id}"
    assert _rights(officer, file_id, url, outcome="approved").status_code == 403  # not management
    assert _rights(director, file_id, url, outcome="approved").status_code == 422  # who is the new researcher?
    response = _rights(director, file_id, url, outcome="approved", new_researcher_id=str(user_id(app, "mona@rd.test")))
    assert response.status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        from core.beneficiaries.models import Beneficiary

        assert db.session.get(Beneficiary, file_id).researcher_id == user_id(app, "mona@rd.test")
        message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "researcher_change_approved"))
        assert message.recipient == "b@example.com" and "mona" in message.body
    assert _rights(director, file_id, url, outcome="refused", note="x").status_code == 409  # decided already


def test_the_beneficiary_is_told_who_serves_them_and_a_family_member_is_recorded(app):
    tenant_id = make_welfare_tenant(app, SLUG)
    officer = staff_client(app, "officer@rd.test", SLUG, ["relations_officer"])
    staff_client(app, "sara@rd.test", SLUG, ["social_researcher"])
    file_id = open_file(officer, SLUG, researcher_id=str(user_id(app, "sara@rd.test")))
    assert _rights(officer, file_id, "providers").status_code == 302
    with app_ctx(app), tenant_scope(tenant_id):
        message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "service_providers"))
        assert message.medium == "sms" and "sara" in message.body and "الباحث الاجتماعي" in message.body
    assert _rights(officer, file_id, "family", name="محمد", relation="ابن",
                   scope="القرارات المتعلقة بالمساعدة المالية").status_code == 302
    assert "family-member" in officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}/rights").get_data(as_text=True)


def test_with_rights_duties_off_there_is_no_rights_page(app):
    make_welfare_tenant(app, "nord", modules=[])
    officer = staff_client(app, "officer@nord.test", "nord", ["relations_officer"])
    file_id = open_file(officer, "nord")
    assert officer.get(f"/nord/staff/beneficiaries/{file_id}/rights").status_code == 404


# --- registered at another charity ------------------------------------------------------------------

def _registry_setup(app, disclose):
    a = make_welfare_tenant(app, "ask")
    b = make_welfare_tenant(app, "hold", tables=f"[service_controls]\ndisclose_name_to_other_associations = "
                                               f"{'true' if disclose else 'false'}\n")
    asker = staff_client(app, "officer@ask.test", "ask", ["relations_officer"])
    holder = staff_client(app, "officer@hold.test", "hold", ["relations_officer"])
    return a, b, asker, holder


def _check(client, file_id, **data):
    return lifecycle_post(client, "ask", file_id, "registry-check", **data)


def test_registered_elsewhere_answers_yes_or_no_with_consent_and_audits_both_associations(app):
    a, b, asker, holder = _registry_setup(app, disclose=False)
    mine = open_file(asker, "ask")
    theirs = open_file(holder, "hold")  # the same national ID, another association
    alone = open_file(asker, "ask", national_id=national_id(80))
    no_consent = _check(asker, mine, consent_method="in_person")
    assert no_consent.status_code == 422 and "سجّل موافقة المستفيد" in no_consent.get_data(as_text=True)
    assert _check(asker, mine, consent="1", consent_method="in_person").status_code == 302
    assert _check(asker, alone, consent="1", consent_method="signed_form").status_code == 302
    page = asker.get(f"/ask/staff/beneficiaries/{mine}/lifecycle").get_data(as_text=True)
    assert "found-yes" in page and "جمعية hold" not in page  # yes, but the holder does not allow its name
    assert "found-no" in asker.get(f"/ask/staff/beneficiaries/{alone}/lifecycle").get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope():
        checks = db.session.scalars(sa.select(RegistryCheck).order_by(RegistryCheck.id)).all()
        assert [(c.tenant_id, c.found, c.consent_method, c.disclosed) for c in checks] == [
            (a, True, "in_person", []), (a, False, "signed_form", [])]
        ours = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "registry.check")).all()
        assert {e.tenant_id for e in ours} == {a}
        held = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "registry.checked_by_other"))
        assert (held.tenant_id, held.object_id, held.actor_id) == (b, str(theirs), None)
        assert held.after["asked_by"] == "ask association"
        # Only keyed hashes are kept on the platform: never the ID in clear.
        rows = db.session.execute(sa.select(RegistryEntry.association_id, RegistryEntry.id_hash)).all()
        assert all(h != "1058529940" and len(h) == 64 for _t, h in rows)
        assert (b, id_hash("1058529940")) in rows
    # `wasl registry rebuild` writes the same rows again (after a key change or a bulk import).
    result = app.test_cli_runner().invoke(args=["registry", "rebuild"])
    assert result.exit_code == 0 and "3 live file(s)" in result.output
    with app_ctx(app), cross_tenant_scope():
        assert sorted(db.session.execute(sa.select(RegistryEntry.association_id, RegistryEntry.id_hash)).all()) == \
            sorted(rows)


def test_the_holders_name_is_shown_only_where_it_allows_it(app):
    _a, _b, asker, holder = _registry_setup(app, disclose=True)
    mine = open_file(asker, "ask")
    open_file(holder, "hold")
    _check(asker, mine, consent="1", consent_method="in_person")
    assert "جمعية hold" in asker.get(f"/ask/staff/beneficiaries/{mine}/lifecycle").get_data(as_text=True)


def test_an_excluded_file_no_longer_counts_as_registered(app):
    a, b, asker, holder = _registry_setup(app, disclose=False)
    manager = staff_client(app, "manager@hold.test", "hold", ["reviewer"])
    mine, theirs = open_file(asker, "ask"), open_file(holder, "hold")
    assert lifecycle_post(manager, "hold", theirs, "exclude", reason="own_request", evidence="طلب خطي",
                          form_reference="نموذج 3").status_code == 302
    assert file_status(app, b, theirs) == "excluded"
    _check(asker, mine, consent="1", consent_method="in_person")
    assert "found-no" in asker.get(f"/ask/staff/beneficiaries/{mine}/lifecycle").get_data(as_text=True)


def test_checks_are_rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRY_CHECK_RATE_LIMIT", "2 per hour")
    _a, _b, asker, _holder = _registry_setup(app, disclose=False)
    mine = open_file(asker, "ask")
    codes = [_check(asker, mine, consent="1", consent_method="in_person").status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_another_associations_staff_cannot_reach_a_file_through_these_routes(app):
    _a, b, asker, holder = _registry_setup(app, disclose=False)
    theirs = open_file(holder, "hold")
    for url in (f"/ask/staff/beneficiaries/{theirs}/lifecycle", f"/ask/staff/beneficiaries/{theirs}/rights",
                f"/hold/staff/beneficiaries/{theirs}/lifecycle"):
        assert asker.get(url).status_code == 404, url
    response = post_form(asker, f"/ask/staff/beneficiaries/{theirs}/lifecycle/registry-check",
                         {"consent": "1", "consent_method": "in_person", "version": "1"}, form_page="/ask/staff/")
    assert response.status_code == 404
