"""The admin's categories and services (with each service's documents checklist): add, change, deactivate;
validated on the right field; a stale form is refused (409); audited; another association's admin cannot
reach them."""
import re

import sqlalchemy as sa

from core import tenants
from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope, tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import open_file, staff_client

LIST = "/alpha/admin/catalog/services"


def _version(client, url=LIST) -> str:
    return re.search(r'name="version" value="(\d+)"', client.get(url).get_data(as_text=True)).group(1)


def _settings(app, slug="alpha"):
    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(slug).settings


def _admin(app):
    return staff_client(app, "admin@alpha.test", "alpha", ["tenant_admin", "relations_officer"])


def test_an_admin_adds_a_service_with_its_documents_and_staff_can_choose_it(app, tenant_a):
    admin = _admin(app)
    response = post_form(admin, f"{LIST}/new", {
        "version": _version(admin), "code": "school_bags", "label_ar": "الحقيبة المدرسية", "label_en": "School bags",
        "doc_code": ["id_copy", "school_certificate", ""], "doc_label_ar": ["صورة الهوية", "شهادة مدرسية", ""],
        "doc_label_en": ["ID copy", "School certificate", ""]})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    service = next(s for s in _settings(app)["services"] if s["code"] == "school_bags")
    assert [d["code"] for d in service["documents"]] == ["id_copy", "school_certificate"]
    assert "الحقيبة المدرسية" in admin.get(LIST).get_data(as_text=True)
    # The defaults were written out with it: the other services are still there.
    assert len(_settings(app)["services"]) > 1
    file_id = open_file(admin, "alpha")
    page = admin.get(f"/alpha/staff/beneficiaries/{file_id}/requests/new").get_data(as_text=True)
    assert 'value="school_bags"' in page
    with app_ctx(app), tenant_scope(tenants_id(app)):
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "tenant.settings")
                                   .order_by(AuditEntry.id.desc())).first()
        assert "services" in entry.after


def tenants_id(app, slug="alpha"):
    with app_ctx(app), cross_tenant_scope():
        return tenants.by_slug(slug).id


def test_an_admin_changes_labels_and_checklist_but_never_the_code(app, tenant_a):
    admin = _admin(app)
    code = _settings(app).get("services", [{}])[0].get("code") or "financial_aid"
    url = f"{LIST}/{code}"
    response = post_form(admin, url, {"version": _version(admin, url), "code": "renamed", "label_ar": "مساعدة نقدية",
                                      "label_en": "Cash aid", "doc_code": ["id_copy"],
                                      "doc_label_ar": ["صورة الهوية"], "doc_label_en": ["ID copy"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    service = next(s for s in _settings(app)["services"] if s["code"] == code)
    assert service["label_en"] == "Cash aid" and [d["code"] for d in service["documents"]] == ["id_copy"]
    assert not any(s["code"] == "renamed" for s in _settings(app)["services"])


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(app, tenant_a):
    admin = _admin(app)
    before = _settings(app)
    response = post_form(admin, f"{LIST}/new", {
        "version": _version(admin), "code": "Bad Code", "label_ar": "ا", "label_en": "School bags",
        "doc_code": ["id copy"], "doc_label_ar": ["صورة الهوية"], "doc_label_en": ["ID copy"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="code-error"' in page and 'id="label_ar-error"' in page and 'id="doc_code-0-error"' in page
    assert 'value="School bags"' in page and 'value="صورة الهوية"' in page  # what was typed stays
    response = post_form(admin, f"{LIST}/new", {"version": _version(admin), "code": "financial_aid",
                                                "label_ar": "مكرر", "label_en": "Twice"})
    assert response.status_code == 422 and 'id="code-error"' in response.get_data(as_text=True)
    assert _settings(app) == before


def test_a_form_read_before_someone_elses_change_is_refused(app, tenant_a):
    admin = _admin(app)
    stale = _version(admin)
    assert post_form(admin, f"{LIST}/new", {"version": stale, "code": "first_one", "label_ar": "الأولى",
                                            "label_en": "First"}).status_code == 302
    response = post_form(admin, f"{LIST}/new", {"version": stale, "code": "second_one", "label_ar": "الثانية",
                                                "label_en": "Second"})
    assert response.status_code == 409
    assert not any(s["code"] == "second_one" for s in _settings(app)["services"])
    response = post_form(admin, f"{LIST}/first_one/active", {"version": stale, "active": "0"}, form_page=LIST)
    assert response.status_code == 409


def test_a_deactivated_service_is_no_longer_offered_but_keeps_its_label(app, tenant_a):
    admin = _admin(app)
    file_id = open_file(admin, "alpha")
    response = post_form(admin, f"{LIST}/in_kind_aid/active", {"version": _version(admin), "active": "0"},
                         form_page=LIST)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert next(s for s in _settings(app)["services"] if s["code"] == "in_kind_aid")["active"] is False
    form_url = f"/alpha/staff/beneficiaries/{file_id}/requests/new"
    assert 'value="in_kind_aid"' not in admin.get(form_url).get_data(as_text=True)
    response = post_form(admin, form_url, {"channel": "phone", "service": "in_kind_aid"})
    assert response.status_code == 422  # refused at intake too
    response = post_form(admin, f"{LIST}/in_kind_aid/active", {"version": _version(admin), "active": "1"},
                         form_page=LIST)
    assert response.status_code == 302
    assert "active" not in next(s for s in _settings(app)["services"] if s["code"] == "in_kind_aid")


def test_categories_are_edited_the_same_way(app, tenant_a):
    admin = _admin(app)
    url = "/alpha/admin/catalog/categories"
    response = post_form(admin, f"{url}/new", {"version": _version(admin, url), "code": "students",
                                               "label_ar": "الطلاب", "label_en": "Students"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert 'value="students"' in admin.get("/alpha/staff/beneficiaries/new").get_data(as_text=True)
    post_form(admin, f"{url}/students/active", {"version": _version(admin, url), "active": "0"}, form_page=url)
    assert 'value="students"' not in admin.get("/alpha/staff/beneficiaries/new").get_data(as_text=True)


def test_another_associations_admin_or_staff_cannot_reach_them(app, tenant_a, tenant_b):
    _admin(app)
    other = staff_client(app, "admin@beta.test", "beta", ["tenant_admin"])
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    for client in (other, officer):
        assert client.get(LIST).status_code in (403, 404)
        assert client.get(f"{LIST}/financial_aid").status_code in (403, 404)
    before = _settings(app)
    response = post_form(other, f"{LIST}/financial_aid/active", {"version": "1", "active": "0"},
                         form_page="/beta/admin/catalog/services")
    assert response.status_code in (403, 404)
    assert _settings(app) == before
    assert other.get("/beta/admin/catalog/services/nothing_here").status_code == 404
    assert other.get("/beta/admin/catalog/anything").status_code == 404


def test_hostile_input_is_a_clear_refusal_never_a_500(app, tenant_a):
    admin = _admin(app)
    response = post_form(admin, f"{LIST}/new", {"version": _version(admin), "code": "long_label",
                                                "label_ar": "ا" * 5000, "label_en": "Long\u202elabel"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="label_ar-error"' in page and 'id="label_en-error"' in page
    response = post_form(admin, f"{LIST}/new", {"version": _version(admin), "code": "long_doc", "label_ar": "خدمة",
                                                "label_en": "Service", "doc_code": ["id_copy"],
                                                "doc_label_ar": ["ب" * 500], "doc_label_en": ["ID copy"]})
    assert response.status_code == 422 and 'id="doc_label_ar-0-error"' in response.get_data(as_text=True)
    response = post_form(admin, f"{LIST}/new", {"code": "no_version", "label_ar": "بلا نسخة", "label_en": "None"})
    assert response.status_code == 409
    assert admin.get("/alpha/staff/notifications?before=abc").status_code == 200
    assert admin.get(f"/alpha/staff/notifications?before={10**30}").status_code == 200
    assert post_form(admin, "/alpha/staff/notifications/99999999999999999999999/read", {},
                     form_page="/alpha/staff/notifications").status_code == 404


def test_an_admin_adds_a_survey_question_then_stops_asking_it_and_its_answers_keep_their_label(app, tenant_a,
                                                                                            tenant_b):
    from tests.test_surveys import _answer, _invite_job, _link, _served_request

    url = "/alpha/admin/catalog/survey_questions"
    admin = _admin(app)
    assert "No questions of the association's own yet." in admin.get(f"{url}?lang=en").get_data(as_text=True)
    bad = post_form(admin, f"{url}/new?lang=en", {"version": _version(admin, f"{url}/new"), "code": "Waiting Area",
                                                  "label_ar": "م", "label_en": "The waiting area"})
    assert bad.status_code == 422
    assert 'id="code-error"' in bad.get_data(as_text=True) and 'id="label_ar-error"' in bad.get_data(as_text=True)
    assert "survey_questions" not in (_settings(app) or {}) or not _settings(app)["survey_questions"]
    added = post_form(admin, f"{url}/new", {"version": _version(admin, f"{url}/new"), "code": "waiting_area",
                                            "label_ar": "ملاءمة مكان الانتظار", "label_en": "The waiting area"})
    assert added.status_code == 302
    assert [q["code"] for q in _settings(app)["survey_questions"]] == ["waiting_area"]

    _served_request(app)
    _invite_job(app)
    _message, link = _link(app)
    visitor = app.test_client()
    assert "ملاءمة مكان الانتظار" in visitor.get(link).get_data(as_text=True)
    missing = _answer(visitor, link)  # the association's own question is required like the fixed ones
    assert missing.status_code == 422
    assert _answer(visitor, link, t_waiting_area="2").status_code == 200

    stop = post_form(admin, f"{url}/waiting_area/active", {"version": _version(admin, url), "active": "0"},
                     form_page=url)
    assert stop.status_code == 302
    assert _settings(app)["survey_questions"][0]["active"] is False
    results = admin.get("/alpha/staff/surveys?lang=en").get_data(as_text=True)
    assert "The waiting area" in results  # earlier answers keep the question's label
    with app_ctx(app), tenant_scope(tenants_id(app)):
        from core.surveys.questions import questions

        assert "t_waiting_area" not in [q.code for q in questions(tenants.by_slug("alpha"))]
    # another association's admin reaches none of it
    other = staff_client(app, "admin@beta.test", "beta", ["tenant_admin"])
    assert other.get("/alpha/admin/catalog/survey_questions").status_code in (403, 404)
    assert "ملاءمة" not in other.get("/beta/admin/catalog/survey_questions").get_data(as_text=True)
