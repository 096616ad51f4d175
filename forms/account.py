"""Forms for a user's own profile and the language switcher."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from forms.fields import language_choices, password_length, timezone_choices


class ProfileForm(FlaskForm):
    """Name and preferred language."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    language = SelectField(_l("Preferred language"), description=_l("Pages and e-mails use this language."))
    timezone = SelectField(_l("Time zone"), description=_l("Dates and deadlines are shown in this time zone."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()
        self.timezone.choices = timezone_choices()
        if not self.timezone.data:
            from flask import current_app

            self.timezone.data = current_app.config["DEFAULT_TIMEZONE"]


class ChangePasswordForm(FlaskForm):
    """Change one's password, confirming the current one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), password_length],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    """The language switcher in the page header."""

    lang = SelectField(_l("Language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = language_choices()
