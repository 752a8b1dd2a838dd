"""Language choice and the Jinja helpers that show dates and names in the visitor's language."""
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel.dates import format_date
from flask import current_app, g, has_app_context, request, session
from flask_babel import format_time, get_locale
from markupsafe import Markup, escape

from core.calendar import RIYADH, CalendarError, hijri_iso, hijri_long, local_date

LANG_COOKIE = "wasl_lang"


def select_locale() -> str:
    """`?lang=` wins and is remembered; then the remembered choice; then Arabic."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        g.remember_lang = asked
        return asked
    remembered = request.cookies.get(LANG_COOKIE) or session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language(response):
    lang = g.get("remember_lang")
    if lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
    return response


def locale_code() -> str:
    """The page's language code. Read straight from where Flask-Babel keeps the request's locale once it has
    worked it out (lists ask for it once a date, hundreds of times a page); otherwise Flask-Babel works it out."""
    babel_state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(babel_state, "babel_locale", None) or get_locale()
    if locale is None:
        return "ar"
    # str() of a Babel locale joins its parts in Python each time (a list asks ~100 times a page): the code
    # is kept beside the request's locale, and recomputed when the locale changes (force_locale).
    memo = getattr(babel_state, "wasl_locale_code", None)
    if memo is not None and memo[0] is locale:
        return memo[1]
    code = str(locale)
    if babel_state is not None:
        babel_state.wasl_locale_code = (locale, code)
    return code


@lru_cache(maxsize=64)
def _labels(enum_class, locale: str) -> dict:
    return {member: str(member.label) for member in enum_class}


def enum_label(member, enum_class) -> str:
    """The translated label of an enum member (`.label`, a lazy string), worked out once per language:
    a list shows it on every row, and each lazy string finds its catalogue again."""
    return _labels(enum_class, locale_code())[enum_class(member)]


def text_direction() -> str:
    return "rtl" if locale_code() == "ar" else "ltr"


def page_path() -> str:
    """The page the person is looking at, as a GET path with its query: the current URL for a GET, or for a
    form sent to a POST-only address (an action shown again with its errors) the page the form was on."""
    rule = request.url_rule
    if request.method == "GET" or (rule is not None and "GET" in (rule.methods or ())):
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return f"{request.script_root}{request.path}" + (f"?{urlencode(query)}" if query else "")
    for candidate in (request.form.get("_page"), request.referrer):
        path = _local_path(candidate)
        if path and urlsplit(path).path != f"{request.script_root}{request.path}":
            return path
    tenant = g.get("tenant")
    return f"{request.script_root}/{tenant.slug}/" if tenant is not None else f"{request.script_root}/"


def _local_path(url: str | None) -> str | None:
    """`url` as a path on this site (scheme and host dropped when they are ours), or None if it is elsewhere."""
    if not url or len(url) > 2000:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return parts.path + (f"?{urlencode(query)}" if query else "")


def lang_url(lang: str) -> str:
    """The current page (same path and query) in another language; works on error pages too, and after a
    form sent to a POST-only address it points at the page the form was on (never a 405)."""
    path = page_path()
    return f"{path}{'&' if '?' in path else '?'}{urlencode([('lang', lang)])}"


def dual_date(value: date | datetime | None) -> Markup:
    """Gregorian and Hijri side by side, each in `<bdi dir="ltr">` so bidi cannot reverse its digits.

    Arabic pages show the numeric forms Saudi documents use (2024-08-07م · 1446-02-03هـ) with the
    month names in a tooltip; English pages show the month names (7 August 2024 · 3 Safar 1446 AH).
    """
    if value is None:
        return Markup("")
    return Markup(_dual_day(local_date(value), locale_code()))


@lru_cache(maxsize=8192)
def _dual_day(day: date, locale: str) -> str:
    """The markup of one day in one language: lists show dozens of dates a page and the Hijri conversion
    and Babel's formatting cost ~80 µs each time, so each (day, language) is worked out once."""
    long_gregorian = format_date(day, "d MMMM y", locale=locale)
    try:
        hijri_text, long_hijri = hijri_iso(day), hijri_long(day, locale)
    except CalendarError:
        hijri_text = long_hijri = None
    if locale == "ar":
        parts = [f'<bdi dir="ltr" class="date-g" data-iso="{day.isoformat()}" title="{escape(long_gregorian)}">'
                 f"{day.isoformat()}</bdi>م"]
        if hijri_text:
            parts.append(f'<bdi dir="ltr" class="date-h" title="{escape(long_hijri)}">{hijri_text}</bdi>هـ')
    else:
        parts = [f'<bdi dir="ltr" class="date-g" data-iso="{day.isoformat()}">{escape(long_gregorian)}</bdi>']
        if hijri_text:
            parts.append(f'<bdi dir="ltr" class="date-h" data-iso="{hijri_text}">{escape(long_hijri)} AH</bdi>')
    return '<span class="dual-date">' + " · ".join(parts) + "</span>"


def dual_datetime(value: datetime | None) -> Markup:
    if value is None:
        return Markup("")
    local = value.astimezone(RIYADH) if value.tzinfo else value
    time = format_time(local.time(), "HH:mm")
    return Markup(f'{dual_date(local)} <bdi dir="ltr" class="time">{escape(time)}</bdi>')


def tenant_name(tenant) -> str:
    return tenant.name(locale_code())
