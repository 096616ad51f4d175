"""Forms for managing organisations and their users."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from forms.fields import country_choices, language_choices

KIND_LABELS = {"secretariat": _l("Secretariat"), "buyer": _l("Buyer"), "supplier": _l("Supplier")}


class OrganisationForm(FlaskForm):
    """Name, kind and country of an organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    country = SelectField(_l("Country"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class InviteUserForm(FlaskForm):
    """Invite a person into an organisation; they choose their own password."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language of the invitation"))
    is_org_admin = BooleanField(_l("Organisation administrator (may invite colleagues)"))
    submit = SubmitField(_l("Send invitation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices()


class MembershipForm(FlaskForm):
    """Administrator flag and active state of a user."""

    is_org_admin = BooleanField(_l("Organisation administrator"))
    active = BooleanField(_l("Active (may log in)"))
    submit = SubmitField(_l("Save"))
