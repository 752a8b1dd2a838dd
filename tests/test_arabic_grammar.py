"""Arabic grammar (issue 8, defect 8): counts take the right one of Arabic's six plural forms; messages greet a
woman «عزيزتنا»; the record button says «تسجيل»; the brand does not read «وصل وصل»."""
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext

from core.extensions import db
from core.messaging.compose import address_by_gender
from core.messaging.models import OutboxMessage
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx
from tests.test_staff_helpers import open_file, open_request, staff_client


@pytest.mark.parametrize("n, arabic", [
    (0, "لم يبقَ أي يوم"),
    (1, "بقي يوم واحد"),
    (2, "بقي يومان"),
    (3, "بقيت 3 أيام"),
    (10, "بقيت 10 أيام"),
    (11, "بقي 11 يومًا"),
    (14, "بقي 14 يومًا"),
    (99, "بقي 99 يومًا"),
    (100, "بقي 100 يوم"),
    (102, "بقي 102 يوم"),
    (103, "بقيت 103 أيام"),
    (111, "بقي 111 يومًا"),
])
def test_days_left_take_the_six_arabic_forms(app, n, arabic):
    with app.test_request_context("/"), force_locale("ar"):
        assert ngettext("%(num)d day left", "%(num)d days left", n) == arabic


@pytest.mark.parametrize("n, english", [(1, "1 day left"), (0, "0 days left"), (14, "14 days left")])
def test_english_has_two_forms(app, n, english):
    with app.test_request_context("/"), force_locale("en"):
        assert ngettext("%(num)d day left", "%(num)d days left", n) == english


@pytest.mark.parametrize("n, arabic", [(1, "بقي مقعد واحد"), (2, "بقي مقعدان"), (5, "بقيت 5 مقاعد"),
                                       (20, "بقي 20 مقعدًا"), (200, "بقي 200 مقعد")])
def test_seats_left(app, n, arabic):
    with app.test_request_context("/"), force_locale("ar"):
        assert ngettext("%(num)d seat left", "%(num)d seats left", n) == arabic


def test_every_plural_in_the_catalog_has_six_filled_forms():
    from pathlib import Path

    from babel.messages.pofile import read_po

    with (Path(__file__).parent.parent / "translations/ar/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    plurals = [m for m in catalog if m.id and m.pluralizable]
    assert len(plurals) >= 10
    assert all(len(m.string) == 6 and all(m.string) for m in plurals), [m.id for m in plurals]


def test_greeting_follows_the_gender():
    body = "عزيزنا سارة،\n\nاستلمنا طلبك."
    assert address_by_gender(body, "female", "ar") == "عزيزتنا سارة،\n\nاستلمنا طلبك."
    assert address_by_gender(body, "male", "ar") == body
    assert address_by_gender("Dear Sara,", "female", "en") == "Dear Sara,"


def test_a_woman_is_greeted_in_the_feminine_in_the_acknowledgement(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    her = open_file(officer, "alpha", name="سارة العتيبي", gender="female", email="sara@example.test")
    him = open_file(officer, "alpha", name="خالد العتيبي", national_id="1001244019", email="khalid@example.test")
    open_request(officer, "alpha", her, "phone")
    open_request(officer, "alpha", him, "phone")
    with app_ctx(app), cross_tenant_scope():
        bodies = {m.recipient: m.body for m in db.session.scalars(sa.select(OutboxMessage))}
    assert bodies["sara@example.test"].startswith("عزيزتنا سارة العتيبي")
    assert bodies["khalid@example.test"].startswith("عزيزنا خالد العتيبي")


def test_days_left_on_the_request_page_in_arabic(app, tenant_a):
    from tests.test_staff_helpers import act, complete_verification, receive_all_documents

    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    request_id = open_request(officer, "alpha", open_file(officer, "alpha"), "phone")
    assert act(officer, "alpha", request_id, "check_documents").status_code == 302
    receive_all_documents(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "declare", method="in_person", signed="1").status_code == 302
    complete_verification(app, officer, "alpha", request_id)
    assert act(officer, "alpha", request_id, "send_to_review").status_code == 302
    page = officer.get(f"/alpha/staff/requests/{request_id}?lang=ar").get_data(as_text=True)
    due = page.split("decision-due")[1].split("</dd>")[0]
    # two weeks from today, in working days or calendar days: 11 to 99 days take «يومًا», 3 to 10 «أيام»
    assert "يومًا" in due or "أيام" in due or "بقي يوم" in due or "يومان" in due, due
    assert "يوم</span>" not in due or "100" in due


def test_record_button_is_a_verb_and_the_brand_is_not_doubled(app, client, tenant_a):
    officer = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    file_id = open_file(officer, "alpha")
    page = officer.get(f"/alpha/staff/beneficiaries/{file_id}?lang=ar").get_data(as_text=True)
    assert 'type="submit">تسجيل</button>' in page
    assert 'type="submit">السجل</button>' not in page
    landing = client.get("/?lang=ar").get_data(as_text=True)
    assert "وصل وصل" not in landing.replace('<span class="brand-ar" lang="ar">', "").replace("</span>", "")
    assert "وصل" in landing
    assert '<span class="brand-ar" lang="ar">وصل</span>' in client.get("/?lang=en").get_data(as_text=True)
