"""Arabic first, English complete: direction, the language switch, Hijri dates, a full catalog."""
from datetime import date

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import render_template_string

from core.config import ROOT
from tests.helpers import login, make_user


def test_arabic_is_the_default_and_right_to_left(client, tenant_a):
    html = client.get("/alpha/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html


def test_english_is_left_to_right_and_the_choice_is_remembered(client, tenant_a):
    html = client.get("/alpha/?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "bootstrap.min.css" in html and "bootstrap.rtl" not in html
    again = client.get("/").get_data(as_text=True)  # no ?lang: the cookie remembers
    assert '<html lang="en" dir="ltr">' in again
    back = client.get("/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in back


def test_an_unknown_language_falls_back_to_arabic(client):
    assert 'dir="rtl"' in client.get("/?lang=fr").get_data(as_text=True)


def test_every_page_offers_the_other_language_keeping_the_path(client, tenant_a):
    html = client.get("/alpha/").get_data(as_text=True)
    assert 'href="/alpha/?lang=en"' in html
    html = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert 'href="/auth/login?lang=ar"' in html
    html = client.get("/no-such-place/?lang=en").get_data(as_text=True)
    assert 'href="/no-such-place/?lang=ar"' in html


def test_tenant_name_follows_the_language(client, tenant_a):
    assert "جمعية alpha" in client.get("/alpha/?lang=ar").get_data(as_text=True)
    assert "alpha association" in client.get("/alpha/?lang=en").get_data(as_text=True)


def _render_date(app, value, lang):
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string("{{ d|dual_date }}", d=value)


def test_a_known_gregorian_date_shows_its_umm_al_qura_hijri_date(app):
    ar = _render_date(app, date(2024, 8, 7), "ar")
    assert '<bdi dir="ltr" class="date-h" title="3 صفر 1446">1446-02-03</bdi>هـ' in ar
    assert ">2024-08-07</bdi>م" in ar
    en = _render_date(app, date(2024, 8, 7), "en")
    assert "7 August 2024" in en and "3 Safar 1446 AH" in en


def test_dates_are_isolated_from_bidi_reordering(app):
    html = _render_date(app, date(2024, 2, 28), "ar")
    assert html.count('<bdi dir="ltr"') == 2
    assert "1445-08-18" in html and "18 شعبان 1445" in html


def test_staff_page_shows_today_in_both_calendars(app, client, tenant_a):
    make_user(app, "officer@alpha.example", {"alpha": ["relations_officer"]})
    login(client, "officer@alpha.example")
    html = client.get("/alpha/staff/").get_data(as_text=True)
    assert 'class="date-g"' in html and 'class="date-h"' in html


def test_every_ui_string_has_an_arabic_translation():
    """Extract the strings from the code as it is now, so a new string without Arabic fails here."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    found = {(msgid if isinstance(msgid, str) else msgid[0], context)
             for *_, msgid, _comments, context in extract_from_dir(
                 str(ROOT), method_map, options_map, keywords=keywords)}
    with (ROOT / "translations/ar/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)

    def translated(message):  # a plural needs every one of Arabic's six forms
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(forms) and len(forms) == (catalog.num_plurals if message.pluralizable else 1)

    missing = sorted(m for m, context in found
                     if m and not (catalog.get(m, context) and translated(catalog.get(m, context))))
    assert missing == [], f"run `make translations` and translate: {missing[:10]}"


def test_error_pages_exist_in_both_languages(client):
    assert "الصفحة غير موجودة" in client.get("/nowhere/").get_data(as_text=True)
    assert "Page not found" in client.get("/nowhere/?lang=en").get_data(as_text=True)


def test_a_letter_in_another_language_within_a_page_is_translated_in_that_language_and_the_page_is_not(app):
    """Translations are remembered for the rest of a request; switching language inside it (a letter in the
    beneficiary's language while the page is in the officer's) must still find the other catalogue."""
    from flask_babel import force_locale, gettext

    with app.test_request_context("/?lang=ar"):
        assert gettext("Log out") == "تسجيل الخروج"
        assert render_template_string('{{ _("Log out") }}') == "تسجيل الخروج"
        with force_locale("en"):
            assert gettext("Log out") == "Log out"
            assert render_template_string('{{ _("Log out") }}') == "Log out"
        assert gettext("Log out") == "تسجيل الخروج"
        assert render_template_string('{{ _("Log out") }}') == "تسجيل الخروج"


def test_a_translated_template_string_escapes_the_values_it_is_given(app):
    with app.test_request_context("/?lang=en"):
        page = render_template_string('{{ _("Version %(number)s", number=value) }}', value="<b>7</b>")
    assert page == "Version &lt;b&gt;7&lt;/b&gt;"
    with app.test_request_context("/?lang=ar"):
        page = render_template_string('{{ _("Version %(number)s", number=value) }}', value="<b>7</b>")
    assert "&lt;b&gt;7&lt;/b&gt;" in page and "Version" not in page
