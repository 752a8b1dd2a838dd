"""Templates are compiled once per language with their fixed strings translated in (core.template_language):
each language still gets its own words, whatever order pages are asked in."""
import pytest
from flask import render_template_string
from flask_babel import force_locale
from jinja2 import DictLoader

from core.template_language import LanguageEnvironment

TEMPLATES = {
    "fixed.html": '<b>{{ _("Save") }}</b> <i title="{{ _("Search") }}">{{ _("Log out")|upper }}</i>',
    "values.html": '{{ _("Hello %(name)s", name="<x>") }}|{{ _("100%% sure") }}',
    "binds.html": '{% macro shout(_) %}{{ _("Save") }}{% endmacro %}{{ shout(upper) }}',
    "page.html": '{% extends "base.html" %}{% block b %}{{ _("Save") }}{% endblock %}',
    "plain.html": "{{ 1 + 1 }}",
    "base.html": '<p>{{ _("Search") }}</p>{% block b %}{% endblock %}',
}


@pytest.fixture
def env(app):
    env = LanguageEnvironment(app, loader=DictLoader(TEMPLATES), autoescape=True)
    env.globals.update(app.jinja_env.globals)
    return env


def _render(app, env, name, lang):
    with app.test_request_context(f"/?lang={lang}"):
        return env.get_template(name).render()


def test_each_language_gets_its_own_words_in_any_order(app, env):
    for _round in range(2):
        assert _render(app, env, "fixed.html", "ar") == '<b>حفظ</b> <i title="بحث">تسجيل الخروج</i>'
        assert _render(app, env, "fixed.html", "en") == '<b>Save</b> <i title="Search">LOG OUT</i>'


def test_inherited_templates_follow_the_language_of_the_page(app, env):
    assert _render(app, env, "page.html", "en") == "<p>Search</p>Save"
    assert _render(app, env, "page.html", "ar") == "<p>بحث</p>حفظ"


def test_strings_with_values_are_still_filled_and_escaped(app, env):
    # "Hello %(name)s" needs a value: it stays a call, and the value is escaped as before; "%%" is "%".
    assert _render(app, env, "values.html", "en") == "Hello &lt;x&gt;|100% sure"


def test_a_template_that_binds_the_name_itself_is_left_alone(app, env):
    # Here `_` is the macro's argument, not the translation: it must still be called at render time.
    with app.test_request_context("/?lang=ar"):
        assert env.get_template("binds.html").render(upper=str.upper) == "SAVE"


def test_a_letter_forced_into_another_language_is_in_that_language(app, env):
    with app.test_request_context("/?lang=ar"):
        assert env.get_template("fixed.html").render().startswith("<b>حفظ</b>")
        with force_locale("en"):
            assert env.get_template("fixed.html").render().startswith("<b>Save</b>")
        assert env.get_template("fixed.html").render().startswith("<b>حفظ</b>")


def test_outside_a_request_templates_load_and_a_forced_language_is_used(app, env):
    with app.app_context():  # no request: no language to compile in
        assert env.get_template("plain.html").render() == "2"
        with force_locale("ar"):  # an e-mail from a task, in the beneficiary's language
            assert env.get_template("fixed.html").render().startswith("<b>حفظ</b>")


def test_a_template_made_from_a_string_and_kept_follows_each_language(app):
    # from_string templates are not cached per language: a caller may make one once and keep it.
    with app.test_request_context("/?lang=ar"):
        kept = app.jinja_env.from_string('{{ _("Save") }}')
        assert kept.render() == "حفظ"
    with app.test_request_context("/?lang=en"):
        assert kept.render() == "Save"
        assert render_template_string('{{ _("Save") }}') == "Save"


def test_the_app_pages_switch_language_back_and_forth(client, tenant_a):
    for _round in range(2):
        assert 'dir="rtl"' in client.get("/auth/login?lang=ar").get_data(as_text=True)
        html = client.get("/auth/login?lang=en").get_data(as_text=True)
        assert 'dir="ltr"' in html and "Log in" in html
