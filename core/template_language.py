"""Templates compiled once per language, with their fixed strings already translated.

A template says `{{ _("Save") }}` some 1,500 times across the app, 70 times on a file page. Each call went
through Jinja's call machinery, then found the request's catalogue, then made the markup: a few
microseconds each, for a result that only depends on the language. So the environment keeps one compiled
template per (name, language), and when it compiles one for a language it replaces each `_("literal")`
or `gettext("literal")` (a literal and no values) by that language's text, as template data: under
autoescape it is markup, as `_()` returns, and it joins the static text around it.

What stays a call at run time: strings with values (`_("%(n)s files", n=…)`), `ngettext`/`pgettext`,
templates that assign the name `_` themselves, and templates loaded with no language known (outside a
request, unless under `force_locale`). `Environment.from_string` templates are never translated in: their
caller may keep one and render it in another language.
"""
from __future__ import annotations

import weakref
from contextvars import ContextVar

from flask import g, has_app_context
from flask.templating import Environment
from flask_babel import get_locale
from jinja2 import nodes

from core.extensions import babel
from core.i18n import locale_code

#: The names of `_()` in templates (core.app.template_gettext).
GETTEXT_NAMES = frozenset({"_", "gettext"})

#: The translations of the template being compiled by `_load_template`, None otherwise.
_compiling_with: ContextVar = ContextVar("wasl_template_translations", default=None)


def current_language():
    """(code, translations) of the language a template loaded now is for, or None when none is known.
    Kept beside the request's locale (a page loads five to ten templates: its own, the layout, the
    macros), and worked out again when the locale changes (force_locale)."""
    if not has_app_context():
        return None
    try:
        locale = get_locale()
    except RuntimeError:  # no request to choose a language from
        return None
    if locale is None:
        return None
    babel_state = g.get("_flask_babel")
    memo = getattr(babel_state, "wasl_language", None)
    if memo is not None and memo[0] is locale:
        return memo[1]
    language = locale_code(), babel.domain_instance.get_translations()
    if babel_state is not None:
        babel_state.wasl_language = (locale, language)
    return language


class LanguageEnvironment(Environment):
    """Flask's Jinja environment, caching and compiling each template per language (see the module)."""

    def _load_template(self, name, globals):
        language = current_language() if self.cache is not None and self.loader is not None else None
        if language is None:
            return super()._load_template(name, globals)
        code, translations = language
        cache_key = (weakref.ref(self.loader), name, code)
        template = self.cache.get(cache_key)
        if template is not None and (not self.auto_reload or template.is_up_to_date):
            if globals:
                template.globals.update(globals)
            return template
        token = _compiling_with.set(translations)
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            _compiling_with.reset(token)
        self.cache[cache_key] = template
        return template

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        translations = _compiling_with.get()
        if translations is not None:
            translate_fixed_strings(tree, translations)
        return tree


def translate_fixed_strings(tree: nodes.Template, translations) -> int:
    """Replace in `tree` each `_("literal")` with its translation; returns how many were replaced. A
    template that binds `_` or `gettext` itself (`{% set _ = … %}`, a loop or macro argument) is left as it
    is: its calls may not be the global's."""
    if any(node.name in GETTEXT_NAMES for node in tree.find_all(nodes.Name) if node.ctx != "load"):
        return 0
    replaced = 0
    for parent in tree.find_all(nodes.Node):
        for field, value in parent.iter_fields():
            if isinstance(value, list):
                for index, item in enumerate(value):
                    text = _fixed_text(item, translations)
                    if text is not None:
                        value[index] = _data(text, item)
                        replaced += 1
            else:
                text = _fixed_text(value, translations)
                if text is not None:
                    setattr(parent, field, _data(text, value))
                    replaced += 1
    return replaced


def _fixed_text(node, translations) -> str | None:
    """The translated text of a `_("literal")` call, or None for anything else. `%` with no values, as the
    template's `_()` applies it ("%%" is "%"); a text that then needs values stays a call."""
    if not (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in GETTEXT_NAMES
            and len(node.args) == 1 and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
            and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None):
        return None
    try:
        return translations.ugettext(node.args[0].value) % {}
    except (KeyError, TypeError, ValueError):
        return None


def _data(text: str, like: nodes.Node) -> nodes.TemplateData:
    """Markup under autoescape, plain text otherwise, as `_()` returns."""
    return nodes.TemplateData(text, lineno=like.lineno, environment=like.environment)
