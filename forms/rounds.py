"""Forms for dialogue rounds: creating, deadlines, invitations, reminders and clarifications."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms.fields import country_choices

# Browsers send minutes, some with seconds; the first format is the one written into the field.
DATETIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(FlaskForm):
    """Set up a dialogue round; times are local to the viewer's time zone."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)],
                                description=_l("What the dialogue is about; every invited supplier sees it."))
    version_id = SelectField(_l("Questionnaire version"), coerce=int, validators=[InputRequired()],
                             description=_l("Only approved and published versions can be used."))
    owner_ids = CheckboxListField(_l("Co-owning buyer organisations"), coerce=int,
                                  description=_l("Each one accepts the round before it opens."))
    opens_at = DateTimeLocalField(_l("Opens at"), format=DATETIME_FORMAT, validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Closes at (deadline)"), format=DATETIME_FORMAT,
                                   validators=[InputRequired()])
    k = IntegerField(_l("Minimum group size (k)"), default=3,
                     validators=[InputRequired(), NumberRange(min=2, max=100)],
                     description=_l("No result shown outside the secretariat reveals a group smaller than this."))
    languages = CheckboxListField(_l("Languages offered"), validators=[DataRequired()])
    submit = SubmitField(_l("Create the round"))

    def validate_closes_at(self, field: DateTimeLocalField) -> None:
        """The deadline comes after the opening."""
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The closing time must come after the opening time."))


class DeadlineForm(FlaskForm):
    """Move a round's deadline later."""

    closes_at = DateTimeLocalField(_l("New closing time"), format=DATETIME_FORMAT, validators=[InputRequired()])
    submit = SubmitField(_l("Change the deadline"))


class InviteForm(FlaskForm):
    """Invite one supplier organisation."""

    organisation_name = StringField(_l("Supplier organisation"), validators=[DataRequired(), Length(max=200)],
                                    description=_l("An existing supplier organisation is reused."))
    country = SelectField(_l("Country"), validators=[DataRequired()])
    contact_email = EmailField(_l("Contact e-mail address"),
                               validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Contact's language"), validators=[DataRequired()])
    submit = SubmitField(_l("Invite"))

    def __init__(self, *args: object, languages: list[SelectChoice] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", _l("Choose a country")), *country_choices()]
        self.language.choices = languages or []


class ImportForm(FlaskForm):
    """Upload a CSV list of suppliers to invite."""

    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("One row per supplier, with the columns: organisation name, country, "
                                    "contact e-mail, language. The first row names the columns."))
    submit = SubmitField(_l("Invite from the file"))


class RemindForm(FlaskForm):
    """Send reminders to suppliers that have not submitted."""

    force = BooleanField(_l("Also remind those already reminded today"))
    submit = SubmitField(_l("Send reminders"))


class ActionForm(FlaskForm):
    """A bare CSRF-protected button (open, close, accept)."""

    submit = SubmitField()


class AskForm(FlaskForm):
    """An invited supplier asks a question about the questionnaire."""

    question = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=5000)],
                             description=_l("The answer is published to every invited supplier, "
                                            "without your name."))
    submit = SubmitField(_l("Send the question"))


class AnswerForm(FlaskForm):
    """Owners answer a clarification question and publish it to every invited supplier."""

    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Publish the answer to all invited suppliers"))
