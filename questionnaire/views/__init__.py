"""Blueprints: thin handlers that load, authorise, validate, call a service, commit and redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint and the error pages."""
    from questionnaire.views import account, auth, errors, main

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    from questionnaire.views import admin

    app.register_blueprint(admin.bp)
    from questionnaire.views import rounds

    app.register_blueprint(rounds.bp)
    from questionnaire.views import answering

    app.register_blueprint(answering.bp)
    from questionnaire.views import designer

    app.register_blueprint(designer.bp)
    from questionnaire.views import results

    app.register_blueprint(results.bp)
    from questionnaire.views import reports

    app.register_blueprint(reports.bp)
    errors.register(app)
