"""Forms of the charity admin's settings and users pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from core.roles import ROLE_LABELS, Role
from core.tenant_forms import MultiCheckboxField, TenantSettingsForm

__all__ = ["AddMemberForm", "RemoveMemberForm", "RolesForm", "SettingsForm"]


class SettingsForm(TenantSettingsForm):
    """The association's settings, as its admin may change them."""


def _role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices,
                               invalid_choice_message=_l("'%(value)s' is not a role."),
                               validators=[DataRequired(_l("Choose at least one role."))])


class AddMemberForm(RolesForm):
    email = EmailField(_l("E-mail"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter the person's e-mail address.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This is not a valid e-mail address.")),
        Length(max=254)])
    name = StringField(_l("Full name"), filters=[lambda v: v.strip() if v else v],
                       validators=[Optional(), Length(max=200, message=_l("At most 200 characters."))])
    password = PasswordField(_l("Initial password"), validators=[
        Optional(), Length(min=10, max=1024, message=_l("The password must be at least 10 characters long."))])


class RemoveMemberForm(FlaskForm):
    """Only the CSRF token: the confirmation page's button."""
