"""Composing and sending e-mail in the recipient's language."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives


def send_mail(
    to: str,
    template: str,
    *,
    language: str | None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    **context: Any,
) -> None:
    """Render templates/email/<template>.txt (first line is the subject) and send it.

    The text is rendered in the recipient's language, whatever language the sender uses.
    """
    languages = current_app.config["LANGUAGES"]
    locale = language if language in languages else languages[0]
    with force_locale(locale):
        rendered = render_template(f"email/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    message = EmailMultiAlternatives(subject=subject.strip(), body=body.strip() + "\n", to=[to])
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
