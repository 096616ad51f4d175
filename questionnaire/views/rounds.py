"""Dialogue rounds: lists, creation, the owners' status page, invitations, reminders, clarifications.

Suppliers reach a round through their personal invitation link (`/i/<token>`); they only ever see
their own invitation status and the published clarifications, never another supplier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from forms.auth import ActivateForm
from forms.rounds import (
    ActionForm,
    AnswerForm,
    AskForm,
    DeadlineForm,
    ImportForm,
    InviteForm,
    RemindForm,
    RoundForm,
)
from questionnaire import permissions
from questionnaire.extensions import db, limiter
from questionnaire.models import Clarification, DialogueRound, Invitation, QuestionnaireVersion
from questionnaire.question_types import translate
from questionnaire.services import clarifications, invitations, rounds
from questionnaire.services.errors import DomainError
from questionnaire.views.auth import start_session
from questionnaire.views.helpers import authorise, client_ip, flash, warn_undelivered

bp = Blueprint("rounds", __name__)

# Endpoints the answering pages may offer for a supplier's start page, tried in this order.
_ANSWERING_ENDPOINTS = ("answering.start", "answering.index", "answering.overview", "answering.response")


# --- helpers -------------------------------------------------------------------------------------


def _timezone() -> ZoneInfo:
    """The viewer's time zone (Europe/Brussels unless configured otherwise)."""
    return ZoneInfo(str(get_timezone() or current_app.config["DEFAULT_TIMEZONE"]))


def to_utc(local: datetime) -> datetime:
    """A naive datetime typed in the viewer's time zone, as aware UTC."""
    return local.replace(tzinfo=_timezone()).astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An aware datetime as a naive one in the viewer's time zone, to fill a datetime-local field."""
    return moment.astimezone(_timezone()).replace(tzinfo=None, second=0, microsecond=0)


def _language_name(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (ValueError, TypeError):
        return code


def _language_choices(codes: list[str]) -> list[SelectChoice]:
    return [SelectChoice(code, f"{_language_name(code)} ({code})") for code in codes]


def _load_round(round_id: int) -> DialogueRound:
    """Load a round the user may know about, or 404 (the round's existence stays secret)."""
    dialogue_round = rounds.get_round(round_id)
    authorise(dialogue_round is not None and permissions.can_view_round(current_user, dialogue_round), hide=True)
    assert dialogue_round is not None
    return dialogue_round


def _refuse(exc: DomainError, round_id: int, endpoint: str = "rounds.detail") -> Any:
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for(endpoint, round_id=round_id))


def _owner_button(round_id: int, allowed: Callable[[Any, DialogueRound], bool],
                  act: Callable[[DialogueRound, Any], str], make_form: Callable[[], FlaskForm] = ActionForm,
                  undelivered: Callable[[DialogueRound, list[str]], Any] | None = None) -> Any:
    """A button of the owners' page: run `act`, commit and flash the message it returns, or flash the refusal.

    `undelivered` is told, after the commit, the addresses its e-mails could not reach (and committed).
    """
    dialogue_round = _load_round(round_id)
    authorise(allowed(current_user, dialogue_round))
    form = make_form()
    if not form.validate_on_submit():
        return redirect(url_for("rounds.detail", round_id=round_id))
    try:
        message = act(dialogue_round, form)
    except DomainError as exc:
        return _refuse(exc, round_id)
    db.session.commit()
    flash(message, "success")
    missed = warn_undelivered()
    if missed and undelivered is not None:
        undelivered(dialogue_round, missed)
        db.session.commit()
    return redirect(url_for("rounds.detail", round_id=round_id))


def _owner_form_post(round_id: int, allowed: Callable[[Any, DialogueRound], bool], form_name: str,
                     make_form: Callable[[DialogueRound], FlaskForm], act: Callable[[DialogueRound, Any], Any],
                     refusal_field: str | None, done: Callable[[DialogueRound, Any], Any]) -> Any:
    """A form of the owners' page: the page again (400) with its errors or the refusal, else commit and `done`."""
    dialogue_round = _load_round(round_id)
    authorise(allowed(current_user, dialogue_round))
    form = make_form(dialogue_round)
    if not form.validate_on_submit():
        return _render_owner_page(dialogue_round, 400, **{form_name: form})
    try:
        result = act(dialogue_round, form)
    except DomainError as exc:
        db.session.rollback()
        if refusal_field is None:
            form.form_errors.append(str(exc))
        else:
            form[refusal_field].errors = [str(exc)]
        # The rollback expired the round: the page shows it as stored.
        return _render_owner_page(rounds.get_round(round_id), 400, **{form_name: form})  # type: ignore[arg-type]
    db.session.commit()
    outcome = done(dialogue_round, result)
    warn_undelivered()
    return outcome


def answer_url(dialogue_round: DialogueRound) -> str | None:
    """Where a supplier answers the round's questionnaire, once the answering pages exist."""
    for endpoint in _ANSWERING_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, round_id=dialogue_round.id)
            except BuildError:
                continue
    return None


def version_label(version: QuestionnaireVersion) -> str:
    """A questionnaire version as people name it: its title and number."""
    title = translate(version.title, str(get_locale() or "en"))
    return _("%(title)s (version %(number)d)", title=title, number=version.number)


@bp.app_template_global("dashboard_rounds")
def dashboard_rounds() -> list[Any]:
    """The rounds for the dashboard: co-owned ones with counts for buyers, invitations for suppliers."""
    if permissions.is_supplier(current_user):
        return rounds.invitations_of(current_user.organisation)
    return rounds.rounds_with_counts(rounds.rounds_for(current_user))


def _owner_forms(dialogue_round: DialogueRound) -> dict[str, Any]:
    # Blank forms: the one that was posted (if any) replaces its blank twin, keeping the typed values.
    return {
        "deadline_form": DeadlineForm(prefix="deadline", formdata=None,
                                      closes_at=to_local(dialogue_round.closes_at)),
        "invite_form": InviteForm(prefix="invite", formdata=None,
                                  languages=_language_choices(dialogue_round.languages)),
        "import_form": ImportForm(prefix="import", formdata=None),
        "remind_form": RemindForm(prefix="remind", formdata=None),
        "action_form": ActionForm(formdata=None),
    }


def _render_owner_page(dialogue_round: DialogueRound, status: int = 200, **forms: Any) -> Any:
    context = _owner_forms(dialogue_round) | forms
    overview = rounds.round_overview(dialogue_round)
    open_questions = sum(1 for c in clarifications.for_owners(dialogue_round) if c.published_at is None)
    return render_template(
        "rounds/detail.html", round=dialogue_round, overview=overview, states=rounds.SupplierState,
        pending=rounds.pending_owners(dialogue_round), open_questions=open_questions,
        version_label=version_label(dialogue_round.questionnaire_version),
        timezone=str(_timezone()), language_name=_language_name, **context,
    ), status


# --- lists and creation --------------------------------------------------------------------------


@bp.route("/rounds")
@login_required
def index():
    """Rounds the user takes part in; suppliers see only their own invitations."""
    if permissions.is_supplier(current_user):
        return render_template("rounds/list_supplier.html",
                               invitations=rounds.invitations_of(current_user.organisation))
    return render_template("rounds/list.html", rounds=rounds.rounds_with_counts(rounds.rounds_for(current_user)))


@bp.route("/rounds/new", methods=["GET", "POST"])
@login_required
def create():
    """Set up a draft round on an approved, published questionnaire version."""
    authorise(permissions.can_create_round(current_user))
    versions = {v.id: v for v in rounds.usable_versions(current_user)}
    buyers = rounds.buyer_organisations()
    form = RoundForm()
    form.version_id.choices = [SelectChoice(v.id, version_label(v)) for v in versions.values()]
    form.owner_ids.choices = [SelectChoice(org.id, org.name) for org in buyers]
    languages = list(dict.fromkeys(code for v in versions.values() for code in v.languages))
    form.languages.choices = _language_choices(languages)
    if not form.is_submitted():
        start = to_local(datetime.now(UTC)).replace(minute=0) + timedelta(hours=1)
        form.opens_at.data = start
        form.closes_at.data = start + timedelta(days=28)
        form.languages.data = languages[:1]
        if permissions.is_buyer(current_user):
            form.owner_ids.data = [current_user.organisation_id]
    if form.validate_on_submit():
        owners = [org for org in buyers if org.id in set(form.owner_ids.data or [])]
        try:
            dialogue_round = rounds.create_round(
                form.title.data, form.description.data or "", versions[form.version_id.data], owners,
                to_utc(form.opens_at.data), to_utc(form.closes_at.data), k=form.k.data,
                languages=form.languages.data, actor=current_user, ip=client_ip(),
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The round is created as a draft. Co-owners accept it, then you can open it."), "success")
            return redirect(url_for("rounds.detail", round_id=dialogue_round.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("rounds/new.html", form=form, has_versions=bool(versions),
                           timezone=str(_timezone())), status


# --- one round -----------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>")
@login_required
def detail(round_id: int):
    """Owners see every supplier's status; an invited supplier sees its own invitation only."""
    dialogue_round = _load_round(round_id)
    if permissions.can_view_round_status(current_user, dialogue_round):
        return _render_owner_page(dialogue_round)
    status = rounds.supplier_status(dialogue_round, current_user.organisation_id)
    return render_template(
        "rounds/supplier.html", round=dialogue_round, status=status, states=rounds.SupplierState,
        answer_url=answer_url(dialogue_round), timezone=str(_timezone()),
        published=clarifications.published(dialogue_round),
        accepts_answers=dialogue_round.accepts_answers(),
    )


@bp.route("/rounds/<int:round_id>/accept", methods=["POST"])
@login_required
def accept(round_id: int):
    """A co-owning buyer organisation accepts the round."""
    def act(dialogue_round: DialogueRound, form: FlaskForm) -> str:
        rounds.accept_ownership(dialogue_round, current_user, ip=client_ip())
        return _("Your organisation now co-owns this round.")

    return _owner_button(round_id, permissions.can_accept_round, act)


def _transition(round_id: int, action: str) -> Any:
    def act(dialogue_round: DialogueRound, form: FlaskForm) -> str:
        if action == "open":
            rounds.open_round(dialogue_round, current_user, ip=client_ip())
            return _("The round is open: invited suppliers can answer until the deadline.")
        rounds.close_round(dialogue_round, current_user, ip=client_ip())
        return _("The round is closed: answers can no longer be changed.")

    return _owner_button(round_id, permissions.can_manage_round, act)


@bp.route("/rounds/<int:round_id>/open", methods=["POST"])
@login_required
def open_round(round_id: int):
    """Open a draft round once every co-owner has accepted."""
    return _transition(round_id, "open")


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@login_required
def close_round(round_id: int):
    """Close an open round."""
    return _transition(round_id, "close")


@bp.route("/rounds/<int:round_id>/deadline", methods=["POST"])
@login_required
def deadline(round_id: int):
    """Move the deadline later (reopening a closed round is the secretariat's call)."""
    def act(dialogue_round: DialogueRound, form: DeadlineForm) -> None:
        rounds.extend_deadline(dialogue_round, to_utc(form.closes_at.data), current_user, ip=client_ip())

    def done(dialogue_round: DialogueRound, result: None) -> Any:
        flash(_("The deadline is now %(when)s.", when=_local_text(dialogue_round.closes_at)), "success")
        return redirect(url_for("rounds.detail", round_id=round_id))

    return _owner_form_post(round_id, permissions.can_manage_round, "deadline_form",
                            lambda dialogue_round: DeadlineForm(prefix="deadline"), act, "closes_at", done)


def _local_text(moment: datetime) -> str:
    return format_datetime(moment, "medium")


@bp.route("/rounds/<int:round_id>/invite", methods=["POST"])
@login_required
def invite(round_id: int):
    """Invite one supplier organisation and e-mail its contact."""
    def act(dialogue_round: DialogueRound, form: InviteForm) -> Invitation:
        return invitations.invite_supplier(
            dialogue_round, form.organisation_name.data, form.country.data, form.contact_email.data,
            form.language.data, actor=current_user, ip=client_ip(),
        )

    def done(dialogue_round: DialogueRound, invitation: Invitation) -> Any:
        flash(_("%(name)s is invited; %(email)s has received the personal link.",
                name=invitation.organisation.name, email=invitation.contact_email), "success")
        return redirect(url_for("rounds.detail", round_id=round_id))

    return _owner_form_post(
        round_id, permissions.can_invite_to_round, "invite_form",
        lambda dialogue_round: InviteForm(prefix="invite", languages=_language_choices(dialogue_round.languages)),
        act, None, done)


@bp.route("/rounds/<int:round_id>/import", methods=["POST"])
@login_required
def import_invitations(round_id: int):
    """Invite every good row of a CSV file; bad rows are reported with their line numbers."""
    def act(dialogue_round: DialogueRound, form: ImportForm) -> tuple[list[tuple[str, str]], list[Any]]:
        invited, problems = invitations.import_csv(dialogue_round, form.file.data.read(), actor=current_user,
                                                   ip=client_ip())
        return [(i.organisation.name, i.contact_email) for i in invited], problems

    def done(dialogue_round: DialogueRound, imported: tuple[list[tuple[str, str]], list[Any]]) -> Any:
        invited, problems = imported
        return render_template("rounds/import_result.html", round=dialogue_round, invited=invited,
                               problems=problems), 200 if not problems else 422

    return _owner_form_post(round_id, permissions.can_invite_to_round, "import_form",
                            lambda dialogue_round: ImportForm(prefix="import"), act, "file", done)


@bp.route("/rounds/<int:round_id>/remind", methods=["POST"])
@login_required
def remind(round_id: int):
    """Remind suppliers that have not submitted (once a day each unless forced)."""
    sent: list[invitations.ReminderResult] = []

    def act(dialogue_round: DialogueRound, form: RemindForm) -> str:
        result = invitations.remind(dialogue_round, force=form.force.data, actor=current_user, ip=client_ip())
        sent.append(result)
        return _("Reminders sent: %(sent)d. Not reminded: %(submitted)d already submitted, %(today)d already "
                 "reminded today.", sent=result.sent, submitted=result.already_submitted,
                 today=result.reminded_today)

    def undelivered(dialogue_round: DialogueRound, addresses: list[str]) -> None:
        # Not counted as reminded: the next click sends them again without "force".
        invitations.reminders_undelivered(dialogue_round, sent[0], addresses, actor=current_user, ip=client_ip())

    return _owner_button(round_id, permissions.can_manage_round, act, lambda: RemindForm(prefix="remind"),
                         undelivered)


# --- clarifications ------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/clarifications", methods=["GET", "POST"], endpoint="clarifications")
@login_required
def clarifications_page(round_id: int):
    """Suppliers ask and read published answers; owners answer and publish."""
    dialogue_round = _load_round(round_id)
    manager = permissions.can_answer_clarification(current_user, dialogue_round)
    ask_form = AskForm(prefix="ask") if permissions.can_ask_clarification(current_user, dialogue_round) else None
    if request.method == "POST":
        authorise(ask_form is not None)
        assert ask_form is not None
        if ask_form.validate_on_submit():
            try:
                clarifications.ask(dialogue_round, ask_form.question.data, actor=current_user, ip=client_ip())
            except DomainError as exc:
                return _refuse(exc, round_id, "rounds.clarifications")
            db.session.commit()
            flash(_("Your question is sent. The answer will be published to every invited supplier, "
                    "without your name."), "success")
            return redirect(url_for("rounds.clarifications", round_id=round_id))
    context: dict[str, Any] = {"round": dialogue_round, "ask_form": ask_form, "manager": manager,
                               "published": clarifications.published(dialogue_round)}
    if manager:
        items = clarifications.for_owners(dialogue_round)
        context["items"] = items
        context["answer_forms"] = {c.id: AnswerForm(prefix=f"c{c.id}", formdata=None) for c in items
                                   if c.published_at is None}
    elif permissions.is_supplier(current_user):
        context["own_pending"] = clarifications.asked_by(dialogue_round, current_user.organisation_id)
    status = 400 if ask_form is not None and ask_form.errors else 200
    return render_template("rounds/clarifications.html", **context), status


@bp.route("/rounds/<int:round_id>/clarifications/<int:clarification_id>/answer", methods=["POST"])
@login_required
def answer_clarification(round_id: int, clarification_id: int):
    """Answer a question and publish it to every invited supplier."""
    dialogue_round = _load_round(round_id)
    authorise(permissions.can_answer_clarification(current_user, dialogue_round))
    clarification = db.session.get(Clarification, clarification_id)
    authorise(clarification is not None and clarification.round_id == dialogue_round.id, hide=True)
    assert clarification is not None
    form = AnswerForm(prefix=f"c{clarification.id}")
    if not form.validate_on_submit():
        flash(_("Write the answer before publishing it."), "error")
        return redirect(url_for("rounds.clarifications", round_id=round_id))
    try:
        sent = clarifications.answer_and_publish(clarification, form.answer.data, actor=current_user,
                                                 ip=client_ip())
    except DomainError as exc:
        return _refuse(exc, round_id, "rounds.clarifications")
    db.session.commit()
    flash(ngettext("The answer is published and e-mailed to %(n)d invited supplier.",
                   "The answer is published and e-mailed to %(n)d invited suppliers.", sent, n=sent), "success")
    warn_undelivered()
    return redirect(url_for("rounds.clarifications", round_id=round_id))


# --- the personal invitation link ----------------------------------------------------------------


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _bad_link(message: str) -> Any:
    return render_template("rounds/invitation_error.html", message=message), 404


@bp.route("/i/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def invitation_landing(token: str):
    """The link in the invitation e-mail: choose a password, or log in, and land on the round."""
    try:
        visit = invitations.open_invitation(token, ip=client_ip())
    except invitations.InvitationLinkError as exc:
        db.session.rollback()
        return _bad_link(str(exc))
    invitation = visit.invitation
    round_url = url_for("rounds.detail", round_id=invitation.round_id)
    if current_user.is_authenticated:
        if current_user.organisation_id != invitation.organisation_id:
            db.session.rollback()  # someone else's visit is not the contact's first visit
            return render_template("rounds/invitation_error.html", message=_(
                "This invitation is for another organisation's account. Log out, then open the link again."
            )), 403
        invitations.claim_for_user(invitation, current_user, ip=client_ip())
        db.session.commit()
        return redirect(round_url)
    if not visit.needs_password:
        db.session.commit()
        flash(_("You already have an account: log in to see the invitation."), "info")
        return redirect(url_for("auth.login", next=round_url))
    form = ActivateForm()
    if request.method == "GET":
        form.name.data = visit.user.name if visit.user else invitation.contact_name
    if form.validate_on_submit():
        try:
            user = invitations.accept_with_password(token, form.name.data, form.password.data, ip=client_ip())
        except invitations.InvitationLinkError as exc:
            db.session.rollback()
            return _bad_link(str(exc))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            start_session(user)
            db.session.commit()
            flash(_("Welcome, %(name)s. Your account is active.", name=user.name), "success")
            return redirect(round_url)
    db.session.commit()  # keep the first visit
    return render_template("rounds/invitation.html", form=form, invitation=invitation,
                           round=invitation.round, organisation=invitation.organisation), \
        400 if form.errors or form.form_errors else 200
