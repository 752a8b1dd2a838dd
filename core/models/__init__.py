"""All models, imported here so Alembic and the app see the whole schema."""
import core.apitokens.models  # noqa: F401
import core.beneficiaries.models  # noqa: F401  (module imports: they may be first to load core.models)
import core.changes.models  # noqa: F401
import core.eligibility.models  # noqa: F401
import core.grievances.models  # noqa: F401
import core.imports.models  # noqa: F401
import core.invitations.models  # noqa: F401
import core.lifecycle.models  # noqa: F401
import core.messaging.models  # noqa: F401
import core.notifications.models  # noqa: F401
import core.pdpl.models  # noqa: F401
import core.portal.models  # noqa: F401
import core.programs.models  # noqa: F401
import core.registry.models  # noqa: F401
import core.rights.models  # noqa: F401
import core.surveys.models  # noqa: F401
import core.taskqueue.models  # noqa: F401
import core.workflow.models  # noqa: F401
from core.models.audit import AuditEntry, PlatformAuditEntry
from core.models.keys import IdSequence  # noqa: F401
from core.models.policy import BoardApproval, PolicyStatus, PolicyVersion  # noqa: F401
from core.models.tenant import Tenant, TenantStatus
from core.models.user import AuthSession, TenantRole, User

__all__ = ["AuditEntry", "AuthSession", "PlatformAuditEntry", "Tenant", "TenantRole", "TenantStatus", "User"]
