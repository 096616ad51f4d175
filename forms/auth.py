"""Log-in, password reset and account activation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from forms.fields import password_length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """Choose a new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), password_length],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least 10 characters. A short sentence is easy to remember."))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save the password"))


class ActivateForm(NewPasswordForm):
    """An invited person confirms their name and chooses a password."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    submit = SubmitField(_l("Activate my account"))
