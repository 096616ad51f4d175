"""Log-in, log-out, password reset and account activation."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import ActivateForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from questionnaire.extensions import db, limiter
from questionnaire.services import accounts, audit
from questionnaire.services.errors import DomainError
from questionnaire.views.helpers import client_ip, flash, safe_next

bp = Blueprint("auth", __name__)


def _login_failed(response) -> bool:  # type: ignore[no-untyped-def]
    # Only failed attempts count towards the limit: a successful log-in redirects.
    return request.method == "POST" and response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def start_session(user, remember: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Log the user in with a brand-new session, keeping only the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
def login():
    """Show the log-in form and log the user in."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("main.dashboard")))
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data, ip=client_ip())
        if user is not None:
            start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(form.next.data, url_for("main.dashboard")))
        db.session.commit()  # keep the audit event of the failure
        form.password.errors.append(_("The e-mail address or the password is not correct."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and forget the session (the language choice stays)."""
    audit.record("logout", actor=current_user._get_current_object(), ip=client_ip())
    db.session.commit()
    lang = current_user.language or session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data, ip=client_ip())
        db.session.commit()
        flash(_("If an account exists for %(email)s, a link to choose a new password is on its way. "
                "It works once, for a limited time.", email=form.email.data), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link."""
    try:
        user = accounts.user_from_token(token, accounts.RESET)
    except accounts.TokenError as exc:
        return render_template("auth/bad_link.html", message=str(exc)), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(token, form.password.data, ip=client_ip())
        start_session(user)
        db.session.commit()
        flash(_("Your new password is saved."), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/reset_password.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def activate(token: str):
    """An invited person chooses their password and is logged in."""
    try:
        user = accounts.user_from_token(token, accounts.ACTIVATION)
    except accounts.TokenError as exc:
        return render_template("auth/bad_link.html", message=str(exc)), 400
    form = ActivateForm()
    if request.method == "GET":
        form.name.data = user.name
    if form.validate_on_submit():
        try:
            accounts.activate_account(token, form.name.data, form.password.data, ip=client_ip())
        except DomainError as exc:
            return render_template("auth/bad_link.html", message=str(exc)), 400
        start_session(user)
        db.session.commit()
        flash(_("Welcome, %(name)s. Your account is active.", name=user.name), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/activate.html", form=form, user=user), 400 if form.errors else 200
