"""Forms of the operator console: a tenant file upload, and the same settings as a form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField

from core.digits import ascii_digits
from core.tenant_forms import TenantSettingsForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class UploadForm(FlaskForm):
    tenant_file = FileField(_l("Tenant file (.toml)"),
                            validators=[FileRequired(_l("Choose a tenant file to upload."))])


class ProvisionForm(TenantSettingsForm):
    """A whole tenant file as a form: identity and licence on top of what a charity admin may change."""

    slug = StringField(_l("Slug (the address: /slug/)"), filters=[_strip])
    name_ar = StringField(_l("Name in Arabic"), filters=[_strip])
    name_en = StringField(_l("Name in English"), filters=[_strip])
    sample = BooleanField(_l("A sample association for demonstration, not a real organisation"))
    license_number = StringField(_l("Licence number"), filters=[_strip])
    license_date_hijri = StringField(_l("Licence date (Hijri, YYYY-MM-DD)"), filters=[_strip])
    policy_title_ar = StringField(_l("Policy title in Arabic (if not the usual one)"), filters=[_strip])
    policy_title_en = StringField(_l("Policy title in English (if not the usual one)"), filters=[_strip])
    #: Only when creating: invited (core/invitations) as the association's first administrator.
    first_admin_email = StringField(_l("First administrator's e-mail"), filters=[_strip])

    IDENTITY = ("slug", "name_ar", "name_en", "sample", "license_number", "license_date_hijri",
                "policy_title_ar", "policy_title_en")

    @classmethod
    def initial_data(cls, settings: dict) -> dict:
        data = super().initial_data(settings)
        data.update({key: settings.get(key) for key in cls.IDENTITY if settings.get(key) is not None})
        return data

    def to_changes(self) -> dict:
        changes = super().to_changes()
        for key in self.IDENTITY:
            value = self[key].data
            if key == "sample":
                changes[key] = bool(value)
            elif key in ("slug", "name_ar", "name_en"):
                changes[key] = value or ""  # required: an empty one gets the schema's message on its field
            elif key == "license_date_hijri":
                changes[key] = ascii_digits(value) or None  # typed in Arabic-Indic digits as often as not
            else:
                changes[key] = value or None  # cleared: the schema's default applies
        return changes
