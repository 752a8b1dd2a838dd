"""The embedded default: every tenant file provisioned and one demo user per role per tenant."""
import secrets

import sqlalchemy as sa
from flask import current_app

from core import accounts, tenant_files, tenants
from core.extensions import db
from core.models import User
from core.passwords import hash_password
from core.roles import Role
from core.tenancy import cross_tenant_scope

OPERATOR_EMAIL = "operator@wasl.example"

ROLE_NAMES_AR = {
    Role.tenant_admin: "مسؤول الجمعية",
    Role.relations_officer: "موظف علاقات المستفيدين",
    Role.social_researcher: "الباحث الاجتماعي",
    Role.referral_officer: "مسؤول الإحالة",
    Role.reviewer: "عضو لجنة المراجعة",
    Role.executive_director: "المدير التنفيذي",
    Role.viewer: "مطّلع",
}


def demo_email(role: str, slug: str) -> str:
    return f"{role}@{slug}.example"


def provision_directory(directory: str, only_new: bool = False) -> list[tenants.ProvisionResult]:
    """Provision every tenant file in the directory; stops at the first bad file, writing nothing.

    With `only_new`, tenants that already exist are left as they are ("kept"), so a restart of the
    demo does not undo what a charity admin changed in the settings pages; their policy gets a draft if
    the shared wording it uses changed since (the approved version stays published).
    """
    from core.policy import versions

    files = [tenant_files.load(path) for path in tenant_files.in_directory(directory)]
    with cross_tenant_scope():
        results = []
        for tenant_file in files:
            existing = tenants.by_slug(tenant_file.slug) if only_new else None
            if existing is not None:
                versions.sync(existing)
                results.append(tenants.ProvisionResult(existing, "kept", []))
            else:
                results.append(tenants.provision(tenant_file))
        db.session.commit()
    return results


def ensure_demo_users(password: str | None = None) -> tuple[str, list[tuple[str, str, str]]]:
    """Create (or reset the password of) the demo users; returns the password and (email, tenant, role) rows."""
    password = password or current_app.config.get("WASL_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    password_hash = hash_password(password)
    rows = []
    with cross_tenant_scope():
        from core.models import Tenant

        def user_for(email: str, name: str, operator: bool = False) -> User:
            user = db.session.scalar(sa.select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=name, is_operator=operator, password_hash=password_hash)
                db.session.add(user)
                db.session.flush()
            user.password_hash = password_hash
            user.disabled_at = None
            return user

        user_for(OPERATOR_EMAIL, "مشغل المنصة", operator=True)
        rows.append((OPERATOR_EMAIL, "—", "platform operator"))
        for tenant in db.session.scalars(sa.select(Tenant).order_by(Tenant.slug)):
            for role in Role:
                email = demo_email(role.value, tenant.slug)
                user = user_for(email, f"{ROLE_NAMES_AR[role]} ({tenant.name_ar})")
                accounts.grant_roles(user, tenant, [role])
                rows.append((email, tenant.slug, role.value))
        db.session.commit()
    return password, rows
