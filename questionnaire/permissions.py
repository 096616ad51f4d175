"""Who may see or do what: pure predicates, the one place where access is decided.

Views call these for every object they load; a False answer becomes 404 when the user may not even
learn that the object exists, 403 otherwise.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import object_session

from questionnaire.models import Organisation, OrganisationKind, Questionnaire, QuestionnaireVersion, User
from questionnaire.models.dialogue import DialogueRound, Invitation, RoundStatus
from questionnaire.models.response import Evidence, Response, ResponseStatus
from questionnaire.question_types import condition_keys


def is_secretariat(user: User) -> bool:
    """The secretariat runs the working group and sees everything."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.SECRETARIAT


def is_buyer(user: User) -> bool:
    """A member of a public buyer organisation."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.BUYER


def is_supplier(user: User) -> bool:
    """A member of a supplier organisation."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.SUPPLIER


def can_manage_organisations(user: User) -> bool:
    """Creating organisations and listing them all is the secretariat's job."""
    return is_secretariat(user)


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    """Members see their own organisation; the secretariat sees all."""
    return is_secretariat(user) or (user.is_authenticated and user.organisation_id == organisation.id)


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    """Only the secretariat renames organisations or changes their kind or country."""
    return is_secretariat(user)


def can_invite_user(user: User, organisation: Organisation) -> bool:
    """The secretariat invites anyone's first users; an organisation admin invites colleagues only."""
    if is_secretariat(user):
        return True
    return user.is_authenticated and user.is_org_admin and user.organisation_id == organisation.id


def can_view_user(user: User, target: User) -> bool:
    """A user's account is known to their colleagues and the secretariat, nobody else."""
    return can_view_organisation(user, target.organisation)


def can_manage_user(user: User, target: User) -> bool:
    """Change another user's admin flag or deactivate them: secretariat, or their organisation's admin."""
    if is_secretariat(user):
        return True
    return (
        user.is_authenticated
        and user.is_org_admin
        and user.organisation_id == target.organisation_id
        and user.id != target.id
    )


def can_view_outbox(user: User) -> bool:
    """The outbox holds every e-mail the platform wrote, so only the secretariat reads it."""
    return is_secretariat(user)


def can_view_audit_log(user: User) -> bool:
    """The full audit trail is for the secretariat."""
    return is_secretariat(user)


# --- questionnaires ---------------------------------------------------------------------------


def can_create_questionnaire(user: User) -> bool:
    """Buyers design questionnaires; the secretariat may too (the template library, say)."""
    return is_buyer(user) or is_secretariat(user)


def can_view_questionnaire(user: User, questionnaire: Questionnaire) -> bool:
    """The owner's and co-editors' members see a questionnaire; the secretariat sees them all."""
    return is_secretariat(user) or (
        user.is_authenticated and questionnaire.is_editing_organisation(user.organisation_id)
    )


def can_edit_questionnaire(user: User, questionnaire: Questionnaire) -> bool:
    """Members of the owning or a co-editing organisation edit its drafts (the secretariat only views)."""
    return (
        user.is_authenticated
        and user.organisation.kind != OrganisationKind.SUPPLIER
        and questionnaire.is_editing_organisation(user.organisation_id)
    )


def can_share_questionnaire(user: User, questionnaire: Questionnaire) -> bool:
    """Only the owning organisation chooses its co-editors."""
    return user.is_authenticated and user.organisation_id == questionnaire.owner_id


def can_approve_version(user: User, version: QuestionnaireVersion) -> bool:
    """A member of an editing organisation approves a draft that organisation has not approved yet."""
    return (
        version.is_draft
        and can_edit_questionnaire(user, version.questionnaire)
        and all(approval.organisation_id != user.organisation_id for approval in version.approvals)
    )


def can_publish_version(user: User, version: QuestionnaireVersion) -> bool:
    """Any editing organisation may publish a draft (the service checks that everyone approved)."""
    return version.is_draft and can_edit_questionnaire(user, version.questionnaire)


# --- dialogue rounds ------------------------------------------------------------------------------


def can_create_round(user: User) -> bool:
    """The secretariat and buyers set up dialogue rounds."""
    return is_secretariat(user) or is_buyer(user)


def is_round_owner(user: User, dialogue_round: DialogueRound) -> bool:
    """A member of a buyer organisation co-owning the round (accepted or not)."""
    return is_buyer(user) and dialogue_round.is_owned_by(user.organisation_id)


def _has_invitation(dialogue_round: DialogueRound, organisation_id: int | None) -> bool:
    """Whether the organisation is invited: the loaded list when there is one, else one indexed lookup.

    Loading every invitation of a round of 1,000 suppliers on each of a supplier's requests cost more
    than the rest of the page (bench/: section GET and Save POST).
    """
    session = object_session(dialogue_round)
    if "invitations" in dialogue_round.__dict__ or session is None or dialogue_round.id is None:
        return any(invitation.organisation_id == organisation_id for invitation in dialogue_round.invitations)
    return bool(session.scalar(select(exists().where(Invitation.round_id == dialogue_round.id,
                                                     Invitation.organisation_id == organisation_id))))


def is_invited_to_round(user: User, dialogue_round: DialogueRound) -> bool:
    """A member of a supplier organisation invited to the round."""
    return is_supplier(user) and _has_invitation(dialogue_round, user.organisation_id)


def can_view_round(user: User, dialogue_round: DialogueRound) -> bool:
    """The secretariat, the co-owners' members and the invited suppliers know the round exists."""
    return is_secretariat(user) or is_round_owner(user, dialogue_round) or is_invited_to_round(user, dialogue_round)


def can_manage_round(user: User, dialogue_round: DialogueRound) -> bool:
    """Open, close, extend, invite, remind, answer questions: the secretariat or an accepted co-owner's member."""
    if is_secretariat(user):
        return True
    return is_buyer(user) and any(
        owner.organisation_id == user.organisation_id and owner.accepted_at is not None
        for owner in dialogue_round.owners
    )


def can_view_round_status(user: User, dialogue_round: DialogueRound) -> bool:
    """Who sees every invited supplier's progress: the secretariat and the co-owners, never a supplier."""
    return is_secretariat(user) or is_round_owner(user, dialogue_round)


def can_accept_round(user: User, dialogue_round: DialogueRound) -> bool:
    """A member of a co-owning buyer organisation that has not accepted yet, while the round is a draft."""
    return (
        is_buyer(user)
        and dialogue_round.status == RoundStatus.DRAFT
        and any(owner.organisation_id == user.organisation_id and owner.accepted_at is None
                for owner in dialogue_round.owners)
    )


def can_invite_to_round(user: User, dialogue_round: DialogueRound) -> bool:
    """Owners invite suppliers until the round closes."""
    return can_manage_round(user, dialogue_round) and dialogue_round.status in (RoundStatus.DRAFT, RoundStatus.OPEN)


def can_ask_clarification(user: User, dialogue_round: DialogueRound) -> bool:
    """Invited suppliers ask questions until the round closes."""
    return is_invited_to_round(user, dialogue_round) and dialogue_round.status in (RoundStatus.DRAFT,
                                                                                    RoundStatus.OPEN)


def can_answer_clarification(user: User, dialogue_round: DialogueRound) -> bool:
    """Owners and the secretariat answer and publish clarifications."""
    return can_manage_round(user, dialogue_round)


# --- answering (issue 4) ---


def can_answer_round(user: User, round_: DialogueRound, *, invited: bool | None = None) -> bool:
    """Members of an invited supplier answer a round once it has opened (read-only after the deadline).

    `invited` may pass whether the user's organisation is invited, read with the round
    (`responses.load_for_answering`); otherwise it is looked up.
    """
    return (
        is_supplier(user)
        and round_.status != RoundStatus.DRAFT
        and (invited if invited is not None else _has_invitation(round_, user.organisation_id))
    )


def can_edit_response(user: User, response: Response) -> bool:
    """Only the responding organisation's own members change its answers."""
    return is_supplier(user) and user.organisation_id == response.organisation_id


def can_download_evidence(user: User, evidence: Evidence) -> bool:
    """Whoever may see the answer: its organisation, the round's owners and the secretariat.

    Evidence of a confidential answer is for the secretariat only (and the supplier itself), and so is
    evidence for a question shown only through a condition on a confidential answer: that it exists
    would reveal the answer (the buyers' rule of `reports.disclosure.conditioned_on`).
    """
    if not user.is_authenticated:
        return False
    response = evidence.response
    if is_secretariat(user) or user.organisation_id == response.organisation_id:
        return True
    secret = {a.question_key for a in response.answers if a.confidential}
    if evidence.question_key in secret or _depends_on(response, evidence.question_key, secret):
        return False
    return is_buyer(user) and response.round.is_owned_by(user.organisation_id)


def _depends_on(response: Response, key: str, secret: set[str]) -> bool:
    """Whether question `key` is shown only through conditions (its own, its section's, in a chain) on `secret`."""
    if not secret:
        return False
    withheld = set(secret)
    for section in response.round.questionnaire_version.sections:
        section_sources = condition_keys(section.show_if)
        for question in section.questions:
            if (section_sources | condition_keys(question.show_if)) & withheld:
                if question.key == key:
                    return True
                withheld.add(question.key)
    return False


# --- results (issue 5) ---

RESULT_AUDIENCES = ("secretariat", "buyers", "participants")


def can_view_results(user: User, dialogue_round: DialogueRound, audience: str) -> bool:
    """The secretariat views results as any audience; members of co-owning buyers as buyers or participants."""
    if audience not in RESULT_AUDIENCES:
        return False
    if is_secretariat(user):
        return True
    return is_round_owner(user, dialogue_round) and audience in ("buyers", "participants")


def can_export_results(user: User, dialogue_round: DialogueRound, audience: str) -> bool:
    """Exports are named rows: only the named audiences, for those who may view them."""
    return audience != "participants" and can_view_results(user, dialogue_round, audience)


# --- reports (issue 5: PDFs, downloads, publication) ---


def can_download_summary(user: User, dialogue_round: DialogueRound, audience: str) -> bool:
    """Secretariat: every edition; co-owners: buyers' and participants'; invited suppliers: published participants'."""
    if is_secretariat(user):
        return True
    if is_round_owner(user, dialogue_round):
        return audience in ("buyers", "participants")
    return (audience == "participants" and dialogue_round.status == RoundStatus.PUBLISHED
            and is_invited_to_round(user, dialogue_round))


def can_publish_summary(user: User, dialogue_round: DialogueRound) -> bool:
    """Publishing the participants' summary of a closed round is the secretariat's call."""
    return is_secretariat(user) and dialogue_round.status == RoundStatus.CLOSED


def can_download_response_copy(user: User, response: Response) -> bool:
    """A supplier's copy of its own answers is for its own members."""
    return is_supplier(user) and user.organisation_id == response.organisation_id


def can_download_feedback(user: User, response: Response) -> bool:
    """A supplier's feedback is its own, once it has submitted and the round has closed."""
    return (
        can_download_response_copy(user, response)
        and response.status == ResponseStatus.SUBMITTED
        and response.round.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED)
    )
