"""Per-tenant dense numbering: file numbers and request references."""
import sqlalchemy as sa

from core.beneficiaries.models import TenantCounter
from core.extensions import db
from core.tenancy import current_scope

#: One statement creates the counter or bumps it: two first files of a tenant saved at once cannot
#: both try to create it (the second waits for the first's row, then bumps it).
_BUMP = sa.text(
    "INSERT INTO tenant_counters (tenant_id, name, value) VALUES (:tenant_id, :name, 1) "
    "ON CONFLICT (tenant_id, name) DO UPDATE SET value = tenant_counters.value + 1 RETURNING value")


def next_number(name: str) -> int:
    """The next value of the tenant's counter `name` (1 for the first); locked until the transaction ends."""
    tenant_id = current_scope().tenant_id
    if tenant_id is None:
        raise RuntimeError("a tenant counter needs a tenant in scope")
    return db.session.execute(_BUMP, {"tenant_id": tenant_id, "name": name},
                              bind_arguments={"mapper": TenantCounter}).scalar_one()


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
