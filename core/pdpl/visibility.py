"""Least privilege by role: which personal fields a role may see outside the file page itself.

Exports and the API leave these fields out for roles that do not work with the person's case
(a viewer, the referral role): they see that a file or request exists, not who the person is by ID,
how to reach them, or what they earn.
"""
from core.roles import Role

#: Roles that handle the person's case and may see their sensitive data.
CASE_ROLES = frozenset({Role.relations_officer, Role.social_researcher, Role.reviewer, Role.executive_director})

SENSITIVE = {
    "beneficiary": frozenset({"national_id", "birth_date", "mobile", "email", "address", "district",
                              "marital_status", "monthly_income"}),
    "household": frozenset({"national_id", "birth_date", "disability"}),
    "income": frozenset({"monthly_amount"}),
    "request": frozenset({"details", "decision_reason", "service_amount", "service_description"}),
    "referral": frozenset({"question", "answer"}),
}


#: Roles that see one resource's sensitive fields besides the case roles (the referral role answers referrals).
ALSO = {"referral": frozenset({Role.referral_officer})}


def may_see_sensitive(roles, resource: str = "beneficiary") -> bool:
    return bool((CASE_ROLES | ALSO.get(resource, frozenset())) & {str(r) for r in roles})


def hidden_fields(resource: str, roles) -> frozenset[str]:
    """The fields of `resource` these roles may not see (empty for case roles)."""
    return frozenset() if may_see_sensitive(roles, resource) else SENSITIVE.get(resource, frozenset())
