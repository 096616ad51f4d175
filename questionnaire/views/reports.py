"""Downloads of the PDF documents and publication of the participants' summary.

Building a PDF happens in `reports` (HTML + print CSS, converted behind a static-files-only URL
fetcher); these handlers only authorise, pick the cached or freshly built bytes and send them.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.reports import PublishForm
from questionnaire import permissions
from questionnaire.extensions import db
from questionnaire.models import DialogueRound, Response, RoundStatus
from questionnaire.services import publication, rounds
from questionnaire.services.errors import DomainError
from questionnaire.views.helpers import authorise, client_ip, flash
from reports import documents
from reports.disclosure import Audience

bp = Blueprint("reports", __name__)

AUDIENCES = [audience.value for audience in Audience]


def receipt_copy(submission: Any, user: Any) -> list[tuple[str, bytes, str]]:
    """The supplier's copy of its answers, attached to the submission receipt (nothing if it fails)."""
    response = submission.response
    try:
        data = documents.response_copy_pdf(response, user.language or response.round.languages[0])
    except Exception:  # the receipt matters more than its attachment
        current_app.logger.exception("could not build the response copy for the receipt")
        return []
    return [(f"our-response-{_slug(response.round.title)}.pdf", data, "application/pdf")]


@bp.record_once
def _attach_copy_to_receipts(state: Any) -> None:
    state.app.extensions.setdefault("receipt_attachments", []).append(receipt_copy)


def _round_or_404(round_id: int) -> DialogueRound:
    dialogue_round = rounds.get_round(round_id)
    if dialogue_round is None or not permissions.can_view_round(current_user, dialogue_round):
        abort(404)
    return dialogue_round


def _language(dialogue_round: DialogueRound, requested: str | None) -> str:
    """The requested language if the round has it, else the viewer's, else the round's first."""
    languages = dialogue_round.languages or dialogue_round.questionnaire_version.languages
    for candidate in (requested, str(get_locale() or ""), current_user.language):
        if candidate in languages:
            return candidate
    return languages[0]


def _own_response(dialogue_round: DialogueRound) -> Response | None:
    if not permissions.is_supplier(current_user):
        return None
    return db.session.scalar(select(Response).where(Response.round_id == dialogue_round.id,
                                                    Response.organisation_id == current_user.organisation_id))


def _send_pdf(data: bytes, filename: str) -> Any:
    response = send_file(BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=filename,
                         max_age=0)
    # Confidential documents: never kept by shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _slug(text: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in cleaned.split("-") if part)[:60] or "round"


@bp.app_template_global("supplier_documents")
def supplier_documents() -> list[dict[str, Any]]:
    """The current supplier's rounds with the documents it may download (for the dashboard)."""
    if not permissions.is_supplier(current_user):
        return []
    found = [r for r in rounds.rounds_for(current_user) if r.status != RoundStatus.DRAFT]
    own = {response.round_id: response for response in db.session.scalars(
        select(Response).where(Response.organisation_id == current_user.organisation_id,
                               Response.round_id.in_([r.id for r in found])))} if found else {}
    return [{
        "round": r,
        "published": permissions.can_download_summary(current_user, r, Audience.PARTICIPANTS.value),
        "copy": r.id in own and permissions.can_download_response_copy(current_user, own[r.id]),
        "feedback": r.id in own and permissions.can_download_feedback(current_user, own[r.id]),
    } for r in found]


@bp.app_template_global("summary_rounds")
def summary_rounds(limit: int = 5) -> list[DialogueRound]:
    """The latest rounds with answers (open ones give an interim summary), for one-click summary links."""
    if not (permissions.is_secretariat(current_user) or permissions.is_buyer(current_user)):
        return []
    found = [r for r in rounds.rounds_for(current_user) if r.status != RoundStatus.DRAFT]
    return found[:limit]


@bp.app_template_global("summary_audiences")
def summary_audiences(dialogue_round: DialogueRound) -> list[str]:
    """The editions of a round's summary the current user may download."""
    return [a for a in AUDIENCES if permissions.can_download_summary(current_user, dialogue_round, a)]


@bp.route("/reports/")
@login_required
def index() -> Any:
    """Every round the user may see, with links to its documents."""
    return render_template("reports/index.html", rounds=rounds.rounds_for(current_user))


@bp.route("/rounds/<int:round_id>/reports")
@login_required
def round_reports(round_id: int) -> Any:
    """The documents of one round the user may download, and publication for the secretariat."""
    dialogue_round = _round_or_404(round_id)
    own = _own_response(dialogue_round)
    return render_template(
        "reports/round.html", round=dialogue_round, audiences=summary_audiences(dialogue_round),
        languages=dialogue_round.languages, own_response=own, publish_form=PublishForm(),
        can_publish=permissions.can_publish_summary(current_user, dialogue_round),
        can_copy=own is not None and permissions.can_download_response_copy(current_user, own),
        can_feedback=own is not None and permissions.can_download_feedback(current_user, own))


@bp.route("/rounds/<int:round_id>/reports/summary/<audience>/<lang>.pdf")
@login_required
def summary(round_id: int, audience: str, lang: str) -> Any:
    """The dialogue summary for an audience in a language (from the cache when it is current)."""
    from reports.summary import cached_summary_pdf

    dialogue_round = _round_or_404(round_id)
    if audience not in AUDIENCES or lang not in dialogue_round.languages:
        abort(404)
    authorise(permissions.can_download_summary(current_user, dialogue_round, audience))
    data, _hit = cached_summary_pdf(dialogue_round, audience, lang)
    return _send_pdf(data, f"summary-{_slug(dialogue_round.title)}-{audience}-{lang}.pdf")


@bp.route("/rounds/<int:round_id>/reports/questionnaire/<lang>.pdf")
@login_required
def blank(round_id: int, lang: str) -> Any:
    """The round's questionnaire, blank, in a language, for circulating internally."""
    dialogue_round = _round_or_404(round_id)
    if lang not in dialogue_round.questionnaire_version.languages:
        abort(404)
    data = documents.blank_questionnaire_pdf(dialogue_round.questionnaire_version, lang, dialogue_round)
    return _send_pdf(data, f"questionnaire-{_slug(dialogue_round.title)}-{lang}.pdf")


def _own_document(round_id: int, allowed: Callable[[Any, Response], bool],
                  build: Callable[[Response, str], bytes], name: str) -> Any:
    """A PDF about the user's own organisation's response: 404 without one, refused unless `allowed`."""
    dialogue_round = _round_or_404(round_id)
    own = _own_response(dialogue_round)
    if own is None:
        abort(404)
    authorise(allowed(current_user, own))
    data = build(own, _language(dialogue_round, request.args.get("lang")))
    return _send_pdf(data, f"{name}-{_slug(dialogue_round.title)}.pdf")


@bp.route("/rounds/<int:round_id>/reports/our-response.pdf")
@login_required
def response_copy(round_id: int) -> Any:
    """The supplier's copy of its own answers."""
    return _own_document(round_id, permissions.can_download_response_copy, documents.response_copy_pdf,
                         "our-response")


@bp.route("/rounds/<int:round_id>/reports/our-feedback.pdf")
@login_required
def feedback(round_id: int) -> Any:
    """The supplier's section scores against its peers."""
    from reports.summary import feedback_pdf

    return _own_document(round_id, permissions.can_download_feedback, feedback_pdf, "our-feedback")


@bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
@login_required
def publish(round_id: int) -> Any:
    """Publish the participants' summary: every invited supplier finds it on its dashboard and is told by e-mail."""
    dialogue_round = _round_or_404(round_id)
    authorise(permissions.is_secretariat(current_user))
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        publication.publish_summary(dialogue_round, actor=current_user, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("reports.round_reports", round_id=round_id))
    db.session.commit()
    try:
        sent = publication.send_publication_mail(dialogue_round)
    except Exception:  # the publication stands; say that some mail failed
        current_app.logger.exception("publication mail for round %s failed", round_id)
        flash(_("The summary is published, but the e-mails to the suppliers could not all be sent."), "warning")
    else:
        flash(ngettext("The participants' summary is published; %(num)d person was told by e-mail.",
                       "The participants' summary is published; %(num)d people were told by e-mail.", sent),
              "success")
    return redirect(url_for("reports.round_reports", round_id=round_id))
