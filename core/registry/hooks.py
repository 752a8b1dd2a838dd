"""Keep the registry in step with the files: every flush that adds, changes or removes a file updates its
row (a live file is listed under its ID's hash; any other file is not)."""
import sqlalchemy as sa
from sqlalchemy import event, orm

from core.beneficiaries.models import Beneficiary
from core.lifecycle.states import LIVE
from core.registry.keys import id_hash
from core.registry.models import RegistryEntry

_table = RegistryEntry.__table__


@event.listens_for(orm.Session, "after_flush")
def _sync(session, flush_context) -> None:
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, Beneficiary)]
    gone = [o for o in session.deleted if isinstance(o, Beneficiary)]
    if not touched and not gone:
        return
    connection = session.connection()
    for b in (*touched, *gone):
        connection.execute(sa.delete(_table).where(_table.c.association_id == b.tenant_id,
                                                   _table.c.beneficiary_id == b.id))
    rows = [{"association_id": b.tenant_id, "beneficiary_id": b.id, "id_hash": id_hash(b.national_id)}
            for b in touched if b.status in LIVE and b.national_id]
    if rows:
        connection.execute(sa.insert(_table), rows)
