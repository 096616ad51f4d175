"""Home, dashboards and the language switcher."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from forms.account import LanguageForm
from questionnaire import permissions
from questionnaire.extensions import db
from questionnaire.models import AuditEvent, Organisation, User
from questionnaire.services import audit
from questionnaire.views.helpers import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Send visitors to their dashboard, or to the log-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
def healthz():
    """A trivial page for load balancers and the benchmark's baseline: the app answers."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/dashboard")
@login_required
def dashboard():
    """The start page of each role."""
    user = current_user
    context: dict[str, object] = {}
    if permissions.is_secretariat(user):
        counts = dict(
            db.session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all()
        )
        context["organisation_counts"] = {str(kind): n for kind, n in counts.items()}
        context["user_count"] = db.session.scalar(select(func.count()).select_from(User))
        context["recent_events"] = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(10)
        ).all()
        context["targets"] = audit.describe_targets(context["recent_events"])
        context["action_label"] = audit.action_label
    context["colleagues"] = db.session.scalars(
        select(User).where(User.organisation_id == user.organisation_id).order_by(User.name)
    ).all()
    return render_template(f"dashboard/{user.organisation.kind}.html", **context)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; a logged-in user keeps it as their preference."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.language = form.lang.data
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
