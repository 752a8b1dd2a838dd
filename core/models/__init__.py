"""All models, imported here so Alembic and the app see the whole schema."""
from core.models.audit import AuditEntry
from core.models.tenant import Tenant, TenantStatus
from core.models.user import AuthSession, TenantRole, User

__all__ = ["AuditEntry", "AuthSession", "Tenant", "TenantRole", "TenantStatus", "User"]
