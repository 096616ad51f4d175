"""Organisation and user management, the outbox and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from forms.admin import (
    KIND_LABELS,
    AuditFilterForm,
    EditOrganisationForm,
    InviteUserForm,
    MembershipForm,
    NewOrganisationForm,
    OrganisationFilterForm,
)
from questionnaire import permissions
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, Organisation, OrganisationKind, User
from questionnaire.services import accounts, audit, outbox
from questionnaire.services.errors import DomainError
from questionnaire.services.mail import undelivered
from questionnaire.views.helpers import authorise, client_ip, flash, get_or_404

bp = Blueprint("admin", __name__)

AUDIT_PAGE_SIZE = 50

@bp.context_processor
def _labels() -> dict[str, object]:
    return {"kind_labels": KIND_LABELS}


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _load_organisation(org_id: int) -> Organisation:
    """The organisation, or 404 for anyone who may not know it exists."""
    organisation = get_or_404(Organisation, org_id)
    authorise(permissions.can_view_organisation(_me(), organisation), hide=True)
    return organisation


def _load_user(user_id: int) -> User:
    """The user, or 404 for anyone outside their organisation and the secretariat."""
    target = get_or_404(User, user_id)
    authorise(permissions.can_view_user(_me(), target), hide=True)
    return target


# --- organisations ------------------------------------------------------------------------------

# The field of the organisation forms each refusal is about; any other refusal shows above the form.
REFUSAL_FIELDS = (
    (accounts.OrganisationNameTaken, "name"),
    (accounts.InvalidCountry, "country"),
    (accounts.EmailTaken, "first_email"),
)


def _organisation_refused(form: FlaskForm, exc: DomainError) -> None:
    """Undo the half-done change and show the refusal on the field it is about."""
    db.session.rollback()
    name = next((name for error, name in REFUSAL_FIELDS if isinstance(exc, error)), None)
    field = form[name] if name is not None and name in form else None
    (field.errors if field is not None else form.form_errors).append(str(exc))


def _organisation_form_page(form: FlaskForm, organisation: Organisation | None, status: int | None = None):
    """The new or edit organisation page; 400 when the form shows errors."""
    if status is None:
        status = 400 if form.errors else 200
    return render_template("admin/organisation_form.html", form=form, organisation=organisation), status


@bp.route("/organisations/")
@login_required
def organisations():
    """All member organisations, filtered by kind and searched by name."""
    authorise(permissions.can_manage_organisations(_me()))
    form = OrganisationFilterForm(request.args)
    if not form.validate():
        return render_template("admin/organisations.html", form=form, rows=[]), 400
    members = func.count(User.id)
    stmt = (
        select(Organisation, members)
        .outerjoin(User, User.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(func.lower(Organisation.name))
    )
    if form.kind.data:
        stmt = stmt.where(Organisation.kind == OrganisationKind(form.kind.data))
    if form.q.data and form.q.data.strip():
        stmt = stmt.where(func.lower(Organisation.name).contains(form.q.data.strip().lower(), autoescape=True))
    rows = db.session.execute(stmt).all()
    return render_template("admin/organisations.html", form=form, rows=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
def create_organisation():
    """Add an organisation and, in the same step, invite its first user."""
    me = _me()
    authorise(permissions.can_manage_organisations(me))
    form = NewOrganisationForm()
    if request.method == "GET":
        form.first_language.data = str(get_locale() or "en")
    if form.validate_on_submit():
        invited = None
        try:
            organisation = accounts.create_organisation(
                form.name.data, OrganisationKind(form.kind.data), form.country.data, actor=me, ip=client_ip()
            )
            if form.first_email.data:
                invited = accounts.invite_user(
                    form.first_email.data, form.first_name.data, organisation, is_org_admin=True,
                    language=form.first_language.data, actor=me, ip=client_ip(),
                )
        except DomainError as exc:
            _organisation_refused(form, exc)
        else:
            db.session.commit()  # sends the invitation, if any
            if invited is None:
                flash(_("The organisation %(name)s is created. Now invite its first user.",
                        name=organisation.name), "success")
                return redirect(url_for("admin.invite_user", org_id=organisation.id))
            if undelivered():
                flash(_("The organisation %(name)s is created, but the invitation e-mail to %(email)s could not "
                        "be sent. Send it again from this page in a few minutes.",
                        name=organisation.name, email=invited.email), "warning")
            else:
                flash(_("The organisation %(name)s is created and %(email)s is invited.",
                        name=organisation.name, email=invited.email), "success")
            return redirect(url_for("admin.organisation", org_id=organisation.id))
    return _organisation_form_page(form, None)


@bp.route("/organisations/<int:org_id>")
@login_required
def organisation(org_id: int):
    """An organisation and its members."""
    organisation = _load_organisation(org_id)
    members = db.session.scalars(
        select(User).where(User.organisation_id == organisation.id).order_by(func.lower(User.name), User.id)
    ).all()
    return render_template("admin/organisation.html", organisation=organisation, members=members)


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(org_id: int):
    """Rename an organisation or correct its country."""
    organisation = _load_organisation(org_id)
    me = _me()
    authorise(permissions.can_edit_organisation(me, organisation))
    form = EditOrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            accounts.update_organisation(organisation, name=form.name.data, country=form.country.data,
                                         actor=me, ip=client_ip())
        except (accounts.OrganisationNameTaken, accounts.InvalidCountry) as exc:
            _organisation_refused(form, exc)
        else:
            db.session.commit()
            flash(_("The organisation %(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("admin.organisation", org_id=organisation.id))
    return _organisation_form_page(form, organisation)


# --- users --------------------------------------------------------------------------------------


@bp.route("/organisations/<int:org_id>/invite", methods=["GET", "POST"])
@login_required
def invite_user(org_id: int):
    """Invite a person into an organisation; they receive a link to choose their password."""
    organisation = _load_organisation(org_id)
    me = _me()
    authorise(permissions.can_invite_user(me, organisation))
    form = InviteUserForm()
    if request.method == "GET":
        form.language.data = str(get_locale() or "en")
        # The first person of an organisation manages it.
        form.is_org_admin.data = not organisation.users
    if form.validate_on_submit():
        try:
            invited = accounts.invite_user(
                form.email.data, form.name.data, organisation, is_org_admin=form.is_org_admin.data,
                language=form.language.data, actor=me, ip=client_ip(),
            )
        except accounts.EmailTaken as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()  # sends the invitation
            if undelivered():
                flash(_("%(email)s is added, but the invitation e-mail could not be sent. Send it again from "
                        "this page in a few minutes.", email=invited.email), "warning")
            else:
                flash(_("%(email)s is invited. The invitation link works for a limited time.",
                        email=invited.email), "success")
            return redirect(url_for("admin.organisation", org_id=organisation.id))
    status = 400 if form.errors else 200
    return render_template("admin/invite.html", form=form, organisation=organisation), status


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@login_required
def resend_invitation(user_id: int):
    """Send the activation link again to someone who has not activated their account."""
    target = _load_user(user_id)
    me = _me()
    authorise(permissions.can_invite_user(me, target.organisation))
    back = redirect(url_for("admin.organisation", org_id=target.organisation_id))
    try:
        accounts.send_invitation(target, actor=me, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return back
    db.session.commit()  # sends the invitation; a failure is logged and told here
    if undelivered():
        flash(_("The e-mail could not be sent. Try again in a few minutes."), "error")
    else:
        flash(_("The invitation is sent to %(email)s again.", email=target.email), "success")
    return back


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def membership(user_id: int):
    """A member's administrator flag and active state."""
    target = _load_user(user_id)
    me = _me()
    authorise(permissions.can_manage_user(me, target))
    form = MembershipForm(obj=target)
    if form.validate_on_submit():
        try:
            accounts.update_membership(target, is_org_admin=form.is_org_admin.data, active=form.active.data,
                                       actor=me, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            # The only refusal is about one's own account: show it on the box that was unticked.
            field = form.active if not form.active.data else form.is_org_admin
            field.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The account of %(name)s is saved.", name=target.name), "success")
            return redirect(url_for("admin.organisation", org_id=target.organisation_id))
    status = 400 if form.errors else 200
    return render_template("admin/membership.html", form=form, target=target), status


# --- outbox and audit log -----------------------------------------------------------------------


def _outbox_in_use() -> bool:
    return current_app.config["MAIL_BACKEND"] == outbox.BACKEND_PATH


@bp.route("/outbox/")
@login_required
def outbox_list():
    """The e-mails written to the outbox folder, newest first."""
    authorise(permissions.can_view_outbox(_me()))
    in_use = _outbox_in_use()
    messages = outbox.list_messages(current_app.config["OUTBOX_DIR"]) if in_use else []
    return render_template("admin/outbox.html", in_use=in_use, messages=messages)


@bp.route("/outbox/<name>")
@login_required
def outbox_message(name: str):
    """One e-mail from the outbox, as its recipient would read it."""
    authorise(permissions.can_view_outbox(_me()))
    if not _outbox_in_use():
        abort(404)
    message = outbox.read_message(current_app.config["OUTBOX_DIR"], name)
    if message is None:
        abort(404)
    body_part = message.get_body(preferencelist=("plain",))
    body = body_part.get_content() if body_part is not None else ""
    attachments = [part.get_filename() or _("(unnamed)") for part in message.iter_attachments()]
    return render_template("admin/outbox_message.html", name=name, message=message, body=body,
                           attachments=attachments)


@bp.route("/audit/")
@login_required
def audit_log():
    """Every recorded action, newest first, page by page."""
    authorise(permissions.can_view_audit_log(_me()))
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    form = AuditFilterForm(request.args, actions=actions)
    if not form.validate():
        return render_template("admin/audit.html", form=form, page=None), 400
    stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if form.action.data:
        stmt = stmt.where(AuditEvent.action == form.action.data)
    page = db.paginate(stmt, per_page=AUDIT_PAGE_SIZE, max_per_page=AUDIT_PAGE_SIZE)
    return render_template("admin/audit.html", form=form, page=page, targets=audit.describe_targets(page.items),
                           action_label=audit.action_label)
