"""The application factory, made of small steps."""
import sqlalchemy as sa
from flask import Flask, abort, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from core import config as wasl_config
from core import observability, storage
from core.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = wasl_config.ROOT


def create_app(overrides: dict | None = None) -> Flask:
    from core.template_language import LanguageEnvironment

    app = Flask(
        "wasl",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    # Templates are compiled once per language, their fixed strings translated in (core.template_language):
    # room for every template in each language (Jinja keeps 400 by default).
    app.jinja_environment = LanguageEnvironment
    app.jinja_options = {**app.jinja_options, "cache_size": 2000}
    app.config.update(wasl_config.DEFAULTS)
    app.config.update(wasl_config.from_environment())
    app.config.update(overrides or {})
    _engine_options_for_pooler(app)
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        # A Redis that went away answers no connection: give up after a second, then use the fallback.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    if app.config.get("PROXY_FIX_X_FOR"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    register_domain_hooks(app)
    register_task_queue(app)
    observability.init_app(app)
    return app


def _engine_options_for_pooler(app: Flask) -> None:
    """Behind PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLING), psycopg must not prepare
    statements on the server: the next transaction may run on another server connection, which does not
    know them ("prepared statement _pg3_0 does not exist"). The tenant scope needs nothing else: it is
    written per transaction (set_config(…, true), core/tenancy.py), never left on a connection."""
    if not app.config.get("DATABASE_TRANSACTION_POOLING"):
        return
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_extensions(app: Flask) -> None:
    from core import accounts, i18n

    db.init_app(app)
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"):
        from core.extensions import ping_idle_connections

        with app.app_context():
            for engine in db.engines.values():
                ping_idle_connections(engine, app.config.get("DB_PING_AFTER_IDLE", 1.0))
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: "Asia/Riyadh")
    app.before_request(_limit_urlencoded_body)  # before the limiter, whose keys read the form
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    login_manager.request_loader(accounts.load_session_user)
    import core.models  # noqa: F401  (register the mappers)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_foreign_keys)
        elif db.engine.dialect.name == "postgresql":
            from core.lean_cursor import use_lean_cursors
            from core.statement_plans import plan_once_per_connection

            for engine in db.engines.values():
                use_lean_cursors(engine)
                if not app.config.get("DATABASE_TRANSACTION_POOLING"):
                    plan_once_per_connection(engine)


def _limit_urlencoded_body() -> None:
    """A url-encoded form is read whole at once (no per-field limit applies): cap its size. And no
    value anywhere may hold a NUL character: no database text column can store one (PostgreSQL
    refuses it), so a form or an address carrying one is a bad request before anything reads it."""
    if request.mimetype == "application/x-www-form-urlencoded":
        request.max_content_length = current_app.config["MAX_URLENCODED_LENGTH"]
    if "\x00" in request.path or any("\x00" in key + value for key, value in request.args.items(multi=True)) or (
            request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES
            and any("\x00" in value or "\x00" in key for key, value in request.form.items(multi=True))):
        abort(400)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite checks foreign keys only when asked, per connection; PostgreSQL always does.

    Only the app's engine asks: Alembic's batch migrations rebuild tables and need them off.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def register_converters(app: Flask) -> None:
    from core.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter


def register_blueprints(app: Flask) -> None:
    from blueprints.admin import bp as admin_bp
    from blueprints.api import register as register_api
    from blueprints.auth import bp as auth_bp
    from blueprints.invitations import bp as invitations_bp
    from blueprints.operator import bp as operator_bp
    from blueprints.platform import bp as platform_bp
    from blueprints.portal import bp as portal_bp
    from blueprints.staff import bp as staff_bp

    for bp in (platform_bp, auth_bp, invitations_bp, operator_bp, staff_bp, admin_bp, portal_bp):
        app.register_blueprint(bp)
    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def render_error(error):
        code = error.code if isinstance(error, HTTPException) else 500
        if code == 500:
            db.session.rollback()
        if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no link can be built for it
            return "Bad request: this host name is not served here.", code, {"Content-Type": "text/plain"}
        if request.path.startswith("/api/"):
            return {"error": {"code": code, "message": str(getattr(error, "description", error))}}, code
        return render_template("errors/error.html", code=code), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, lambda e: (render_template("errors/error.html", code=400,
                                                                       csrf_failed=True), 400))
    for unavailable in (sa.exc.OperationalError, sa.exc.InterfaceError):
        app.register_error_handler(unavailable, _database_unavailable)
    app.register_error_handler(storage.StorageError, _store_unavailable)


#: Seconds a client is asked to wait before it retries after a 503 (PostgreSQL restarting, failing over).
RETRY_AFTER_SECONDS = 5


def _store_unavailable(error: storage.StorageError):
    """The upload store cannot be reached while a file is read (the bucket's service is down): 503 with
    Retry-After, like the database. A refused write never gets here: it is a message on the form."""
    db.session.rollback()
    current_app.logger.warning("upload store unavailable: %s", error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith("/api/"):
        from flask_babel import gettext

        return {"error": {"code": 503, "message": gettext("The service is briefly unavailable. Try again in a "
                                                          "few seconds.")}}, 503, headers
    retry = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    return render_template("errors/unavailable.html", retry_url=retry, cause="files"), 503, headers


def _database_unavailable(error: sa.exc.DBAPIError):
    """The database cannot be reached (restarting, failing over, PgBouncer gone), or the transaction lost
    a serialisation or lock race: 503 with Retry-After, a page that offers to try again (JSON under
    /api/), never a 500. Nothing of the request was committed. A connection that failed is dropped with its
    pool, and idle connections are pinged before use (core.extensions.ping_idle_connections), so the next
    request reconnects by itself once the database is back."""
    # The request's tenant and user rows are about to be detached (and may be expired): what the rest of
    # the request reads of them (logs, headers) is copied now, from memory, never reloaded.
    from types import SimpleNamespace

    tenant, user = g.get("tenant"), g.get("_login_user")
    if tenant is not None:
        slug = observability._loaded(tenant, "slug") or (request.view_args or {}).get("tenant_slug")
        g.tenant = SimpleNamespace(id=observability._loaded(tenant, "id"), slug=slug)
    if user is not None and getattr(user, "is_authenticated", False):
        g._login_user = SimpleNamespace(id=observability._loaded(user, "id"), is_authenticated=True,
                                        is_active=True, is_anonymous=False)
    try:
        db.session.rollback()
    except sa.exc.DBAPIError:
        pass
    db.session.remove()
    observability.start_clock()  # failed in the tenant lookup, before the clock started: still logged
    if "_login_user" not in g:  # not loaded yet: rendering must not try (it needs the database)
        g._login_user = login_manager.anonymous_user()
    current_app.logger.warning("database unavailable: %s", type(error.orig).__name__ if error.orig else error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith("/api/"):
        from flask_babel import gettext

        return {"error": {"code": 503, "message": gettext("The service is briefly unavailable. Try again in a "
                                                          "few seconds.")}}, 503, headers
    retry = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
    # Rendered without the blueprints' context processors: they read the tenant's settings (a query).
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(retry_url=retry)
    return page, 503, headers



SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_request_hooks(app: Flask) -> None:
    from core import i18n

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not app.config.get("WASL_EMBEDDED") and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages for signed-in people carry personal data: never keep them in any cache.
        if g.get("personal_data") or (current_user and current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response

    app.after_request(i18n.remember_language)

    @app.teardown_appcontext
    def end_scope(_exc):
        g.pop("_wasl_scope", None)


def remembered_url_for(app: Flask):
    """Templates' `url_for`, remembering each address it built in this process: a page builds 25 to 50
    (the navigation, the stylesheets, a form's action) at ~15 µs each, and most are the same for every
    request of a tenant. The key holds everything the address depends on here: the endpoint, its values,
    the tenant (whose slug the staff and portal addresses take), the blueprint (for ".name" endpoints) and
    where the app is mounted. Anything unusual (an external address, an anchor) is built as usual."""
    from flask import has_request_context, url_for

    built: dict = {}

    def url_for_page(endpoint: str, **values) -> str:
        if not has_request_context() or any(name.startswith("_") for name in values):
            return url_for(endpoint, **values)
        tenant = g.get("tenant")
        key = (endpoint, request.blueprint if endpoint.startswith(".") else None, request.script_root,
               tenant.slug if tenant is not None else None, *sorted(values.items()))
        try:
            return built[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list of several values for one name)
            return url_for(endpoint, **values)
        address = url_for(endpoint, **values)
        if len(built) < 50_000:
            built[key] = address
        return address

    return url_for_page


def template_gettext():
    """Templates' `_()` and `gettext()`, as Jinja's i18n extension makes them ("newstyle": the result is
    escaped markup and `%(name)s` takes keyword values), in one call instead of four: Jinja's alias, its
    wrapper and Flask-Babel's lambda each went through Jinja's call machinery, and a file page says ~90
    strings."""
    from jinja2 import pass_context
    from markupsafe import Markup

    from core.extensions import babel

    @pass_context
    def gettext(context, string, **variables):
        translations = babel.domain_instance.get_translations()
        if not variables and context.eval_ctx.autoescape:
            # A plain string (most of them) as markup, remembered with its catalogue: Markup() and `%`
            # (which also turns "%%" into "%") are Python-level calls, ~90 of them on a file page.
            try:
                return translations.wasl_markup[string]
            except AttributeError:
                translations.wasl_markup = {}
            except KeyError:
                pass
            markup = Markup(translations.ugettext(string)) % variables
            if len(translations.wasl_markup) < 20_000:
                translations.wasl_markup[string] = markup
            return markup
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


def register_template_helpers(app: Flask) -> None:
    from core import bidi, dates, form_fields, i18n, navigation
    from core.roles import Role
    from core.workflow.states import RequestState
    from core.workflow.timeline import local_time

    app.jinja_env.globals.update(
        url_for=remembered_url_for(app),
        _=template_gettext(),
        gettext=template_gettext(),
        has_endpoint=lambda endpoint: endpoint in app.view_functions,
        locale_code=i18n.locale_code,
        text_direction=i18n.text_direction,
        lang_url=i18n.lang_url,
        page_path=i18n.page_path,
        understood_date=dates.understood,
        date_help=lambda: dates.FORMAT_HELP,
        form_fields=form_fields,
        tenant_name=i18n.tenant_name,
        nav_items=navigation.items,
        Role=Role,
        state_label=lambda state: i18n.enum_label(state, RequestState),
    )
    app.jinja_env.filters["dual_date"] = i18n.dual_date
    app.jinja_env.filters["num"] = bidi.num
    app.jinja_env.filters["isolated"] = bidi.isolated
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["dual_datetime"] = i18n.dual_datetime
    app.jinja_env.filters["role_label"] = lambda code: Role(code).label
    app.jinja_env.policies["ext.i18n.trimmed"] = True


#: Modules whose signal receivers and ORM events join other domains' work (imported once, at start).
DOMAIN_HOOKS = ("core.eligibility.hooks", "core.registry.hooks", "core.notifications.hooks", "core.workflow.hooks")


def register_domain_hooks(app: Flask) -> None:
    import importlib

    for name in DOMAIN_HOOKS:
        importlib.import_module(name)


def register_task_queue(app: Flask) -> None:
    from core.jobs import load_jobs
    from core.taskqueue.app import celery_init_app

    load_jobs()
    celery_init_app(app)


def register_commands(app: Flask) -> None:
    from core.cli import register

    register(app)
