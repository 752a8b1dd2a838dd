"""Roles a user can hold in a tenant. The codes are a contract (demo accounts, CLI, API)."""
from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    tenant_admin = "tenant_admin"
    relations_officer = "relations_officer"
    social_researcher = "social_researcher"
    referral_officer = "referral_officer"
    reviewer = "reviewer"
    executive_director = "executive_director"
    viewer = "viewer"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.tenant_admin: _l("Association administrator"),
    Role.relations_officer: _l("Beneficiary relations officer"),
    Role.social_researcher: _l("Social researcher"),
    Role.referral_officer: _l("Referral officer"),
    Role.reviewer: _l("Reviewer"),
    Role.executive_director: _l("Executive director"),
    Role.viewer: _l("Viewer"),
}

#: Roles that work in the staff area (everyone but a pure admin sees it).
STAFF_ROLES = frozenset(Role) - {Role.tenant_admin}
