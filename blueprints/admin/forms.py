"""Forms of the charity admin's settings and users pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from core.roles import ROLE_LABELS, Role
from core.tenant_forms import MultiCheckboxField, TenantSettingsForm
from core.text import forbidden_character, is_blank

__all__ = ["InviteForm", "MemberRolesForm", "RemoveMemberForm", "RolesForm", "SettingsForm", "Storable"]


class Storable:
    """Text that reads as what it is (core/text.py's rules): no control or bidi-override characters
    (line breaks allowed in `multiline` text), and not only invisible characters."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if forbidden_character(field.data, self.multiline) is not None:
            raise ValidationError(_l("Remove the control or text-direction characters from this text."))
        if is_blank(field.data):
            raise ValidationError(_l("Enter visible text, not only spaces or invisible characters."))


class SettingsForm(TenantSettingsForm):
    """The association's settings, as its admin may change them."""


def _role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=_role_choices,
                               invalid_choice_message=_l("'%(value)s' is not a role."),
                               validators=[DataRequired(_l("Choose at least one role."))])


class MemberRolesForm(RolesForm):
    """A member's roles, with the version of the membership the page was read at."""

    version = HiddenField()


class InviteForm(RolesForm):
    """An invitation: the e-mail and the roles. The person sets their own password when accepting."""

    email = EmailField(_l("E-mail"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter the person's e-mail address.")),
        Length(max=254, message=_l("At most 254 characters.")),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This is not a valid e-mail address."))])


class RevokeInvitationForm(FlaskForm):
    """Only the CSRF token: the withdraw button."""


class RemoveMemberForm(FlaskForm):
    """Only the CSRF token: the confirmation page's button."""
