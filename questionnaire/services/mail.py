"""Composing and sending e-mail in the recipient's language.

E-mails go out only once the transaction that caused them has committed: send_mail() renders the
message and queues it on the database session; the commit sends everything queued, through one
connection; a rollback (of the transaction, or of the savepoint the message was queued in) drops it.
Code that runs after its commit (receipts, publication notices) sends at once with batch().
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from questionnaire.extensions import db, mail

# session.info keys: the messages waiting for the commit, those whose transaction has committed, and the
# addresses the last commit failed to reach.
_QUEUE = "mail_queue"
_UNDELIVERED = "mail_undelivered"
_COMMITTED = "mail_committed"

# The messages of the innermost batch() block, when one is open.
_batch: ContextVar[list[EmailMultiAlternatives] | None] = ContextVar("mail_batch", default=None)


class MailNotSent(OSError):
    """Some e-mails of a batch could not be sent (an OSError, as smtplib's own errors are)."""

    def __init__(self, addresses: list[str]) -> None:
        super().__init__(f"{len(addresses)} e-mail(s) could not be sent")
        self.addresses = addresses


def send_mail(
    to: str,
    template: str,
    *,
    language: str | None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    **context: Any,
) -> None:
    """Render templates/email/<template>.txt (first line is the subject); send it once the transaction commits.

    The text is rendered now, in the recipient's language, whatever language the sender uses.
    """
    languages = current_app.config["LANGUAGES"]
    locale = language if language in languages else languages[0]
    with force_locale(locale):
        rendered = render_template(f"email/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    message = EmailMultiAlternatives(subject=subject.strip(), body=body.strip() + "\n", to=[to])
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    batch = _batch.get()
    if batch is not None:
        batch.append(message)
        return
    session = db.session()
    # The innermost transaction (a savepoint while one is open), so rolling that back drops the message.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_QUEUE, []).append((transaction, message))


@contextmanager
def batch() -> Iterator[None]:
    """Send the e-mails of this block together, in one connection, as the block ends; for code after its commit.

    Raises MailNotSent after trying every message when some could not be sent.
    """
    messages: list[EmailMultiAlternatives] = []
    token = _batch.set(messages)
    try:
        yield
    finally:
        _batch.reset(token)
    undelivered = deliver(messages)
    if undelivered:
        raise MailNotSent(undelivered)


def deliver(messages: list[EmailMultiAlternatives]) -> list[str]:
    """Send the messages through one connection; log each failure and return the addresses not reached."""
    if not messages:
        return []
    undelivered: list[str] = []
    connection = mail.get_connection()
    try:
        connection.open()
    except Exception:
        current_app.logger.exception("Cannot connect to send %d e-mail(s)", len(messages))
        return [address for message in messages for address in message.to]
    try:
        for index, message in enumerate(messages):
            try:
                connection.send_messages([message])
            except Exception:
                current_app.logger.exception("Sending an e-mail to %s failed", ", ".join(message.to))
                undelivered.extend(message.to)
                # The connection may be broken: go on with a fresh one.
                try:
                    connection.close()
                    connection.open()
                except Exception:
                    current_app.logger.exception("Cannot reconnect to send the remaining e-mails")
                    undelivered.extend(address for rest in messages[index + 1:] for address in rest.to)
                    break
    finally:
        try:
            connection.close()
        except Exception:  # the messages are out; a failed QUIT changes nothing for them
            current_app.logger.warning("Closing the mail connection failed", exc_info=True)
    return undelivered


def undelivered() -> list[str]:
    """The addresses that the e-mails of the session's last commit could not reach (logged already)."""
    return list(db.session().info.get(_UNDELIVERED, []))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether a message queued in `transaction` belongs to `ended` (it or one of its savepoints)."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its messages wait for the outer commit
    # Sent once the transaction has ended, so the database connection is back in the pool meanwhile.
    session.info[_COMMITTED] = [message for _transaction, message in session.info.pop(_QUEUE, [])]


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    queued = session.info.get(_QUEUE)
    if queued:
        session.info[_QUEUE] = [(t, m) for t, m in queued if not _within(t, previous_transaction)]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # What is still queued was never committed (the transaction was rolled back or closed).
    session.info.pop(_QUEUE, None)
    committed = session.info.pop(_COMMITTED, None)
    if committed is None:
        return
    # A failure after the commit must not undo or fail the action: it is logged and reported by undelivered().
    try:
        session.info[_UNDELIVERED] = deliver(committed)
    except Exception:
        current_app.logger.exception("Sending %d e-mail(s) after a commit failed", len(committed))
        session.info[_UNDELIVERED] = [address for message in committed for address in message.to]


def listen_for_commits() -> None:
    """Send queued e-mails after each commit and drop them on rollback (idempotent)."""
    for name, listener in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
