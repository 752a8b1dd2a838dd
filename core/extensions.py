"""Flask extensions, created unbound; `core.app.register_extensions` binds them."""
from flask_babel import Babel
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


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"class_": ScopeBoundSession})
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
#: Compresses the stylesheets and scripts (a slow rural connection); pages with CSRF tokens are left as they
#: are, so a secret is never compressed next to what a visitor typed (BREACH).
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
