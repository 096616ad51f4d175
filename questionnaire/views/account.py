"""A user's own profile: name, language, password."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from forms.account import ChangePasswordForm, ProfileForm
from questionnaire.extensions import db
from questionnaire.services import accounts
from questionnaire.services.errors import DomainError
from questionnaire.views.helpers import client_ip, flash

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    """Edit one's name and preferred language."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user, prefix="profile")
    password_form = ChangePasswordForm(prefix="password")
    if form.submit.data and form.validate_on_submit():
        accounts.update_profile(user, name=form.name.data, language=form.language.data,
                                timezone=form.timezone.data, ip=client_ip())
        session["lang"] = form.language.data
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("account.profile"))
    status = 400 if form.errors else 200
    return render_template("account/profile.html", form=form, password_form=password_form), status


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    """Change one's password; other sessions of the user end."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=user, prefix="profile")
    password_form = ChangePasswordForm(prefix="password")
    if password_form.validate_on_submit():
        try:
            accounts.change_password(user, password_form.current.data, password_form.password.data,
                                     ip=client_ip())
        except DomainError as exc:
            password_form.current.errors.append(str(exc))
        else:
            login_user(user)  # the session id carries the new stamp; other sessions end
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form, password_form=password_form), 400
