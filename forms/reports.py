"""Forms of the reports pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class PublishForm(FlaskForm):
    """Publish the participants' summary of a closed round (a CSRF-protected button)."""

    submit = SubmitField(_l("Publish the participants' summary"))
