"""Forms of the invitation page: a new account's name and password, or the accept button."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class NewAccountForm(FlaskForm):
    name = StringField(_l("Full name"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter your full name.")),
        Length(min=2, max=200, message=_l("Enter between {min} and {max} characters.").format(min=2, max=200))])
    password = PasswordField(_l("Choose a password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=10, max=1024, message=_l("The password must be at least 10 characters long."))])
    confirm = PasswordField(_l("The password again"), validators=[
        DataRequired(_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords differ."))])


class AcceptForm(FlaskForm):
    """Only the CSRF token: the accept button of a logged-in person."""
