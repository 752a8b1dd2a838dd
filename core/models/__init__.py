"""All models, imported here so Alembic and the app see the whole schema."""
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember, IncomeSource  # noqa: F401
from core.messaging.models import OutboxMessage  # noqa: F401
from core.models.audit import AuditEntry
from core.models.tenant import Tenant, TenantStatus
from core.models.user import AuthSession, TenantRole, User
from core.workflow.models import Attachment, Interaction, Referral, RequestDocument, SupportRequest  # noqa: F401

__all__ = ["AuditEntry", "AuthSession", "Tenant", "TenantRole", "TenantStatus", "User"]
