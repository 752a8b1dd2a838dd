"""The navigation bar: what the current person may reach from here."""
from flask import g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.roles import STAFF_ROLES, Role


def items() -> list[tuple[str, str]]:
    """(label, endpoint) pairs for the current tenant and the current person's roles."""
    entries = []
    tenant = g.get("tenant")
    roles = g.get("roles", frozenset())
    if tenant is not None:
        entries.append((_l("Home"), "portal.home"))
        entries.append((_l("Policy"), "portal.policy"))
        if roles & STAFF_ROLES:
            entries.append((_l("Staff"), "staff.home"))
        if Role.tenant_admin in roles:
            entries.append((_l("Administration"), "admin.home"))
    if current_user.is_authenticated and current_user.is_operator:
        entries.append((_l("Operator console"), "operator.index"))
    return entries
