"""The form fields every staff and admin form shows (label, control, help, the field's error), in Python.

They were Jinja macros in templates/staff/_macros.html, which still exports them under the same names, so
templates import them as before. A macro call costs more than the field's own markup (Jinja builds a
frame, a context and a caller for each), and the file page alone shows a dozen fields and a CSRF field per
row's button; the markup is the same. Values go through `escape` (C) into f-strings: `Markup.format`
parses its format string in Python on every call and cost more than the macros did.
"""
from flask import url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from core import dates, i18n

_REQUIRED = ' <span class="text-danger" aria-hidden="true">*</span>'


def csrf() -> Markup:
    """The CSRF token and the page the form was on (a refused form comes back to it)."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
                  f'<input type="hidden" name="_page" value="{escape(i18n.page_path())}">')


def error_text(name: str, errors) -> Markup:
    message = errors.get(name)
    if not message:
        return Markup("")
    return Markup(f'<div class="invalid-feedback d-block" id="{escape(name)}-error">{escape(message)}</div>')


def date_echo(id: str, value) -> Markup:
    """What the server read in a typed date, in both calendars (the JS preview updates it as one types)."""
    seen = dates.understood(value)
    said = f"{escape(_('Understood as'))} {escape(i18n.dual_date(seen['day']))}" if seen and seen["ok"] else ""
    return Markup(f'<div class="form-text date-understood" id="{escape(id)}-understood" aria-live="polite">'
                  f'{said}</div>')


def _start(id: str, label, required: bool) -> str:
    """The field's wrapper opened, and its label."""
    return (f'<div class="mb-3"><label class="form-label" for="{escape(id)}">{escape(label)}'
            f'{_REQUIRED if required else ""}</label>')


def _invalid(name: str, errors) -> tuple[str, str]:
    """The control's extra class and attributes when its field has an error."""
    if errors.get(name):
        return " is-invalid", f' aria-invalid="true" aria-describedby="{escape(name)}-error"'
    return "", ""


def input(name, label, values, errors, type="text", required=False, help=None, dir=None, prefix="",
          inputmode=None, autocomplete="off", date=False) -> Markup:
    id = prefix + name
    if date:
        dir = "ltr"
        help = help or dates.FORMAT_HELP
    value = values.get(name)
    invalid_class, invalid_attrs = _invalid(name, errors)
    html = [_start(id, label, required),
            f'<input type="{escape(type)}" class="form-control{invalid_class}" id="{escape(id)}" name="{escape(name)}"'
            f' value="{"" if value is None else escape(value)}"{" required" if required else ""}']
    if dir:
        html.append(f' dir="{escape(dir)}"')
    if inputmode:
        html.append(f' inputmode="{escape(inputmode)}"')
    html.append(f' autocomplete="{escape(autocomplete)}"')
    if date:
        html.append(f' data-date="{escape(url_for("platform.understand_date"))}"')
    html.append(f"{invalid_attrs}>")
    if help:
        html.append(f'<div class="form-text">{escape(help)}</div>')
    if date:
        html.append(date_echo(id, value))
    html.append(error_text(name, errors))
    html.append("</div>")
    return Markup("".join(html))


def textarea(name, label, values, errors, required=False, rows=3, prefix="") -> Markup:
    id = prefix + name
    invalid_class, invalid_attrs = _invalid(name, errors)
    return Markup(f'{_start(id, label, required)}<textarea class="form-control{invalid_class}" id="{escape(id)}"'
                  f' name="{escape(name)}" rows="{escape(rows)}"{" required" if required else ""}{invalid_attrs}>'
                  f'{escape(values.get(name) or "")}</textarea>{error_text(name, errors)}</div>')


def select(name, label, options, values, errors, required=False, blank=True, prefix="") -> Markup:
    id = prefix + name
    invalid_class, invalid_attrs = _invalid(name, errors)
    chosen = str(values.get(name))
    html = [_start(id, label, required),
            f'<select class="form-select{invalid_class}" id="{escape(id)}" name="{escape(name)}"'
            f'{" required" if required else ""}{invalid_attrs}>']
    if blank:
        html.append(f'<option value="">{escape(_("— choose —"))}</option>')
    html.extend(f'<option value="{escape(value)}"{" selected" if chosen == str(value) else ""}>{escape(text)}</option>'
                for value, text in options)
    html.append(f"</select>{error_text(name, errors)}</div>")
    return Markup("".join(html))
