"""Forms for managing organisations and their users."""

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SearchField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from forms.fields import country_choices, language_choices
from questionnaire.services.audit import action_label

KIND_LABELS = {"secretariat": _l("Secretariat"), "buyer": _l("Buyer"), "supplier": _l("Supplier")}
KIND_CHOICES = [SelectChoice(kind, label) for kind, label in KIND_LABELS.items()]


class OrganisationForm(FlaskForm):
    """Name, kind and country of an organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
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


class NewOrganisationForm(OrganisationForm):
    """A new organisation and, optionally, the first user invited into it."""

    first_name = StringField(_l("Name of the first user"), validators=[Optional(), Length(max=200)])
    first_email = EmailField(
        _l("E-mail address of the first user"),
        validators=[Optional(), Email(), Length(max=254)],
        description=_l("Leave empty to invite someone later. The first user becomes the organisation's "
                       "administrator and can invite colleagues."),
    )
    first_language = SelectField(_l("Language of the invitation"))
    submit = SubmitField(_l("Create the organisation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.first_language.choices = language_choices()

    def validate(self, extra_validators=None) -> bool:
        """A first user needs both a name and an e-mail address."""
        valid = super().validate(extra_validators)
        if self.first_email.data and not (self.first_name.data or "").strip():
            self.first_name.errors.append(_l("Give the name of the person to invite."))
            valid = False
        return valid


class EditOrganisationForm(OrganisationForm):
    """Name and country; the kind of an organisation with members is not changed here."""

    kind = None


class OrganisationFilterForm(FlaskForm):
    """Filters of the organisation list (a GET form, so without CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name contains"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES], default="")
    submit = SubmitField(_l("Filter"))


class AuditFilterForm(FlaskForm):
    """Filter of the audit log (a GET form, so without CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), default="")
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, actions: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _l("All actions")),
                               *(SelectChoice(a, f"{action_label(a)} ({a})") for a in actions)]
