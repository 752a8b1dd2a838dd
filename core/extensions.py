"""Flask extensions, created unbound; `core.app.register_extensions` binds them."""
from functools import cached_property

from flask import g, has_app_context
from flask_babel import Babel, Domain
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The bind (SQLALCHEMY_BINDS key) of the operator's database role, for cross-tenant work.
OPERATOR_BIND = "operator"


class ScopeBoundSession(Session):
    """Queries and flushes inside `cross_tenant_scope()` go to the operator's connection when one is
    configured (PostgreSQL); everything else to the app's, whose RLS policy sees one tenant only."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and OPERATOR_BIND in self._db.engines:
            from core.tenancy import current_scope

            if current_scope().operator_connection:
                return self._db.engines[OPERATOR_BIND]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def ping_idle_connections(engine, after_seconds: float) -> None:
    """Before a pooled connection that sat idle for `after_seconds` is used, check it with `SELECT 1`
    (outside a transaction); a dead one is replaced, as pool_pre_ping would, but a connection in steady
    use costs no extra round trip."""
    import time

    from sqlalchemy import event, exc

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["wasl_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        since = record.info.get("wasl_idle_since")
        if since is None or time.monotonic() - since < after_seconds:
            return
        autocommit = getattr(dbapi_connection, "autocommit", None)
        try:
            if autocommit is False:
                dbapi_connection.autocommit = True
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if autocommit is False:
                dbapi_connection.autocommit = False
        except Exception as error:  # noqa: BLE001 - any failure means the connection is gone
            raise exc.DisconnectionError(str(error)) from error


class RequestMemoDomain(Domain):
    """Flask-Babel's message domain, remembering for the rest of the request the translations it found.

    A page translates a hundred strings or more; each lookup otherwise walks the app context several times
    to find the locale and then the catalogue (~8 µs, a tenth of a page's own work). The memo is kept with
    the locale it was found for: `force_locale` (a letter in the beneficiary's language) changes the
    locale, and the next lookup then finds that locale's catalogue."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        babel_state = g.get("_flask_babel")
        memo = getattr(babel_state, "wasl_memo", None)
        if memo is not None and memo[0] is getattr(babel_state, "babel_locale", None):
            return memo[1]
        translations = super().get_translations()
        babel_state = g.get("_flask_babel")
        if babel_state is not None:
            babel_state.wasl_memo = (getattr(babel_state, "babel_locale", None), translations)
        return translations


class WaslBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestMemoDomain(domain=self.domain)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": ScopeBoundSession})
migrate = Migrate()
login_manager = LoginManager()
babel = WaslBabel()
csrf = CSRFProtect()
#: Compresses the stylesheets and scripts (a slow rural connection); pages with CSRF tokens are left as they
#: are, so a secret is never compressed next to what a visitor typed (BREACH).
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
