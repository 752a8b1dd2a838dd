"""Per-tenant dense numbering: file numbers and request references."""
import sqlalchemy as sa

from core.beneficiaries.models import TenantCounter
from core.extensions import db
from core.tenancy import current_scope


def next_number(name: str) -> int:
    """The next value of the tenant's counter `name` (1 for the first); locked until the transaction ends."""
    tenant_id = current_scope().tenant_id
    bump = (sa.update(TenantCounter)
            .where(TenantCounter.tenant_id == tenant_id, TenantCounter.name == name)
            .values(value=TenantCounter.value + 1)
            .returning(TenantCounter.value)
            .execution_options(synchronize_session=False))
    value = db.session.execute(bump).scalar()
    if value is None:
        db.session.add(TenantCounter(tenant_id=tenant_id, name=name, value=1))
        db.session.flush()
        value = 1
    return value


def next_numbers(name: str, count: int) -> range:
    """`count` consecutive values of the tenant's counter `name`, for a bulk insert (an import)."""
    if count <= 0:
        return range(0)
    first = next_number(name)
    if count > 1:
        db.session.execute(sa.update(TenantCounter)
                           .where(TenantCounter.tenant_id == current_scope().tenant_id, TenantCounter.name == name)
                           .values(value=TenantCounter.value + count - 1)
                           .execution_options(synchronize_session=False))
    return range(first, first + count)
