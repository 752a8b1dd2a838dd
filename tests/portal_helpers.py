"""Shared steps for the portal tests (no tests here): an association that takes requests online."""
import re

import sqlalchemy as sa

from core.extensions import db
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import VALID_IDS

PORTAL_TOML = """
slug = "{slug}"
name_ar = "جمعية {slug}"
name_en = "{slug} association"
channels = ["office_interview", "phone", "website"]
modules = {modules}
holidays = ["2026-12-02"]
[review]
body = "committee"
label_ar = "لجنة البحث"
label_en = "Research committee"
decision_sla_days = 14
[referral]
label_ar = "مسؤول العلاقات العامة"
label_en = "Public relations officer"
"""


def portal_tenant(app, slug="alpha", modules=("grievances",)) -> int:
    from core import tenant_files, tenants
    from core.tenancy import cross_tenant_scope

    text = PORTAL_TOML.format(slug=slug, modules="[" + ", ".join(f'"{m}"' for m in modules) + "]")
    with app_ctx(app), cross_tenant_scope():
        result = tenants.provision(tenant_files.parse(text))
        db.session.commit()
        return result.tenant.id


APPLICATION = {"name": "فاطمة علي الزهراني", "national_id": VALID_IDS[1], "nationality": "SA", "gender": "female",
               "mobile": "0551234567", "email": "", "city": "جدة", "district": "الصفا", "service": "in_kind_aid",
               "details": "أسرة من خمسة أفراد", "declaration": "1", "signature": "فاطمة علي الزهراني"}


def apply(client, slug="alpha", **overrides):
    return post_form(client, f"/{slug}/apply", {**APPLICATION, **overrides})


def reference_of(app, tenant_id) -> str:
    from core.tenancy import tenant_scope
    from core.workflow.models import SupportRequest

    with app_ctx(app), tenant_scope(tenant_id):
        return db.session.scalars(sa.select(SupportRequest.reference).order_by(SupportRequest.id.desc())).first()


def lookup(client, slug, reference, national_id=VALID_IDS[1], mobile="0551234567", **extra):
    return post_form(client, f"/{slug}/status", {"reference": reference, "national_id": national_id,
                                                  "mobile": mobile, "mode": "mobile", **extra},
                     form_page=f"/{slug}/status?other=1")


CODE_RE = re.compile(r"(\d{6})")
