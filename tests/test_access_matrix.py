"""Who reaches what: every route of the app, for every role, with the status each must get.

HOW TO ADD YOUR ROUTES
    Add an entry to ROUTES keyed by the endpoint name (what `url_for` takes), with one row per method
    the route accepts (GET and/or POST; `test_every_route_has_a_row` fails until you do):

        "rounds.detail": [
            get("/rounds/{round}", anonymous=LOGIN, supplier=404, buyer=200, secretariat=200),
        ],

    Paths may name placeholders in braces. `own_org` is the requesting user's organisation; the others
    come from PLACEHOLDERS, builders that create an object on demand (add one for your objects, e.g.
    `"round": lambda world, role: make_round(world).id`). World users and organisations:

        secretariat   (secretariat org, org admin)
        buyer         (buyer org, not admin)
        supplier      (supplier org, not admin)
        org_admin     (the supplier org's admin)
        colleague     (supplier org, invited, never activated)
        competitor    (another supplier org; nobody in the roles belongs to it)

    Expected values: an HTTP status (200, 302, 400, 403, 404, 405, ...) or LOGIN (302 to the log-in
    page). `org_admin` may be left out where it does not matter: it then expects what `supplier` does.
    POST rows send `data` (the test client adds the CSRF token); pick data that shows the role got in
    (400 for an empty form, 302 for a done action) without needing anything else.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from questionnaire.models import Organisation, OrganisationKind, User
from questionnaire.services.outbox import BACKEND_PATH

ROLES = ("anonymous", "supplier", "buyer", "secretariat", "org_admin")
LOGIN = "302 to log-in"
Expected = int | str


@dataclass(frozen=True)
class Case:
    """One request and the status each role must get."""

    method: str
    path: str
    expect: dict[str, Expected]
    data: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


def case(method: str, path: str, *, anonymous: Expected, supplier: Expected, buyer: Expected,
         secretariat: Expected, org_admin: Expected | None = None, data: dict[str, str] | None = None,
         config: dict[str, Any] | None = None) -> Case:
    """A row of the matrix; org_admin expects what supplier does unless told otherwise."""
    expect = {"anonymous": anonymous, "supplier": supplier, "buyer": buyer, "secretariat": secretariat,
              "org_admin": supplier if org_admin is None else org_admin}
    return Case(method, path, expect, data or {}, config or {})


def get(path: str, **expect: Any) -> Case:
    """A GET row."""
    return case("GET", path, **expect)


def post(path: str, data: dict[str, str] | None = None, **expect: Any) -> Case:
    """A POST row."""
    return case("POST", path, data=data, **expect)


# Configuration for rows that need mail kept in the outbox (as without MAIL_SERVER).
OUTBOX = {"MAIL_BACKEND": BACKEND_PATH}
EVERYONE_LOGGED_IN = {"supplier": 200, "buyer": 200, "secretariat": 200}
SECRETARIAT_ONLY = {"anonymous": LOGIN, "supplier": 403, "buyer": 403, "secretariat": 200}

# The matrix buyer's organisation owns {questionnaire}; the secretariat reads it but does not edit it.
DESIGNER_EDIT = {"anonymous": LOGIN, "supplier": 404, "buyer": 200, "secretariat": 403}


def designer_read(path: str) -> list[Case]:
    """A designer page every editing organisation and the secretariat may read."""
    return [get(path, anonymous=LOGIN, supplier=404, buyer=200, secretariat=200)]


ROUTES: dict[str, list[Case]] = {
    "static": [get("/static/css/app.css", anonymous=200, **EVERYONE_LOGGED_IN)],
    # --- main ---
    "main.index": [get("/", anonymous=LOGIN, supplier=302, buyer=302, secretariat=302)],
    "main.healthz": [get("/healthz", anonymous=200, **EVERYONE_LOGGED_IN)],
    "main.dashboard": [get("/dashboard", anonymous=LOGIN, **EVERYONE_LOGGED_IN)],
    "main.set_language": [post("/language", {"lang": "fr"}, anonymous=302, supplier=302, buyer=302,
                               secretariat=302)],
    # --- auth ---
    "auth.login": [
        get("/login", anonymous=200, supplier=302, buyer=302, secretariat=302),
        post("/login", {}, anonymous=400, supplier=400, buyer=400, secretariat=400),
    ],
    "auth.logout": [post("/logout", {}, anonymous=LOGIN, supplier=302, buyer=302, secretariat=302)],
    "auth.forgot_password": [
        get("/password/forgot", anonymous=200, **EVERYONE_LOGGED_IN),
        post("/password/forgot", {}, anonymous=400, supplier=400, buyer=400, secretariat=400),
    ],
    "auth.reset_password": [
        get("/password/reset/{bad_token}", anonymous=400, supplier=400, buyer=400, secretariat=400),
        post("/password/reset/{bad_token}", {}, anonymous=400, supplier=400, buyer=400, secretariat=400),
    ],
    "auth.activate": [
        get("/activate/{bad_token}", anonymous=400, supplier=400, buyer=400, secretariat=400),
        post("/activate/{bad_token}", {}, anonymous=400, supplier=400, buyer=400, secretariat=400),
    ],
    # --- account ---
    "account.profile": [
        get("/account/", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        post("/account/", {"profile-submit": "Save"}, anonymous=LOGIN, supplier=400, buyer=400,
             secretariat=400),
    ],
    "account.change_password": [
        post("/account/password", {}, anonymous=LOGIN, supplier=400, buyer=400, secretariat=400),
    ],
    # --- admin: organisations ---
    "admin.organisations": [get("/organisations/", **SECRETARIAT_ONLY)],
    "admin.create_organisation": [
        get("/organisations/new", **SECRETARIAT_ONLY),
        post("/organisations/new", {}, anonymous=LOGIN, supplier=403, buyer=403, secretariat=400),
    ],
    "admin.organisation": [
        get("/organisations/{own_org}", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        get("/organisations/{competitor_org}", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
        get("/organisations/{missing}", anonymous=LOGIN, supplier=404, buyer=404, secretariat=404),
    ],
    "admin.edit_organisation": [
        get("/organisations/{own_org}/edit", anonymous=LOGIN, supplier=403, buyer=403, secretariat=200),
        get("/organisations/{competitor_org}/edit", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
        post("/organisations/{competitor_org}/edit", {"name": ""}, anonymous=LOGIN, supplier=404, buyer=404,
             secretariat=400),
    ],
    "admin.invite_user": [
        get("/organisations/{own_org}/invite", anonymous=LOGIN, supplier=403, buyer=403, secretariat=200,
            org_admin=200),
        get("/organisations/{competitor_org}/invite", anonymous=LOGIN, supplier=404, buyer=404,
            secretariat=200, org_admin=404),
        post("/organisations/{own_org}/invite", {}, anonymous=LOGIN, supplier=403, buyer=403,
             secretariat=400, org_admin=400),
    ],
    # --- admin: users ---
    "admin.membership": [
        get("/users/{colleague}", anonymous=LOGIN, supplier=403, buyer=404, secretariat=200, org_admin=200),
        get("/users/{competitor}", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200, org_admin=404),
        # An empty form unticks both boxes: the colleague is deactivated.
        post("/users/{colleague}", {}, anonymous=LOGIN, supplier=403, buyer=404, secretariat=302,
             org_admin=302),
    ],
    "admin.resend_invitation": [
        post("/users/{colleague}/invitation", {}, anonymous=LOGIN, supplier=403, buyer=404, secretariat=302,
             org_admin=302),
        post("/users/{competitor}/invitation", {}, anonymous=LOGIN, supplier=404, buyer=404,
             secretariat=302, org_admin=404),
    ],
    # --- admin: outbox and audit log ---
    "admin.outbox_list": [get("/outbox/", **SECRETARIAT_ONLY), get("/outbox/", config=OUTBOX, **SECRETARIAT_ONLY)],
    "admin.outbox_message": [
        get("/outbox/{outbox_message}", config=OUTBOX, **SECRETARIAT_ONLY),
        get("/outbox/missing.eml", config=OUTBOX, anonymous=LOGIN, supplier=403, buyer=403, secretariat=404),
        # Mail goes out by SMTP: there is no outbox to read.
        get("/outbox/missing.eml", anonymous=LOGIN, supplier=403, buyer=403, secretariat=404),
    ],
    "admin.audit_log": [get("/audit/", **SECRETARIAT_ONLY)],
    # --- questionnaire designer ---
    "designer.index": [get("/questionnaires/", anonymous=LOGIN, supplier=403, buyer=200, secretariat=200)],
    "designer.new": [
        get("/questionnaires/new", anonymous=LOGIN, supplier=403, buyer=200, secretariat=200),
        post("/questionnaires/new", {}, anonymous=LOGIN, supplier=403, buyer=400, secretariat=400),
    ],
    "designer.from_template": [post("/questionnaires/from-template", {}, anonymous=LOGIN, supplier=403,
                                    buyer=400, secretariat=400)],
    "designer.upload": [post("/questionnaires/upload", {}, anonymous=LOGIN, supplier=403, buyer=400,
                             secretariat=400)],
    "designer.questionnaire": designer_read("/questionnaires/{questionnaire}"),
    "designer.version": designer_read("/questionnaires/{questionnaire}/versions/1"),
    "designer.download": designer_read("/questionnaires/{questionnaire}/versions/1/download"),
    "designer.preview": designer_read("/questionnaires/{questionnaire}/versions/1/preview?lang=en"),
    "designer.details": [
        get("/questionnaires/{questionnaire}/details", **DESIGNER_EDIT),
        post("/questionnaires/{questionnaire}/details", {}, **(DESIGNER_EDIT | {"buyer": 400})),
    ],
    "designer.share": [post("/questionnaires/{questionnaire}/co-editors", {}, **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.unshare": [post("/questionnaires/{questionnaire}/co-editors/{missing}/remove", {},
                              **(DESIGNER_EDIT | {"buyer": 404}))],
    "designer.section_new": [
        get("/questionnaires/{questionnaire}/sections/new", **DESIGNER_EDIT),
        post("/questionnaires/{questionnaire}/sections/new", {}, **(DESIGNER_EDIT | {"buyer": 400})),
    ],
    "designer.section_edit": [
        get("/questionnaires/{questionnaire}/sections/{q_section}/edit", **DESIGNER_EDIT),
        post("/questionnaires/{questionnaire}/sections/{q_section}/edit", {}, **(DESIGNER_EDIT | {"buyer": 400})),
    ],
    "designer.section_delete": [post("/questionnaires/{questionnaire}/sections/{q_section}/delete", {},
                                     **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.section_move": [post("/questionnaires/{questionnaire}/sections/{q_section}/move",
                                   {"direction": "up"}, **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.question_new": [
        get("/questionnaires/{questionnaire}/sections/{q_section}/questions/new?type=text", **DESIGNER_EDIT),
        post("/questionnaires/{questionnaire}/sections/{q_section}/questions/new", {},
             **(DESIGNER_EDIT | {"buyer": 400})),
    ],
    "designer.question_edit": [
        get("/questionnaires/{questionnaire}/questions/{q_question}/edit", **DESIGNER_EDIT),
        post("/questionnaires/{questionnaire}/questions/{q_question}/edit", {}, **(DESIGNER_EDIT | {"buyer": 400})),
    ],
    "designer.question_delete": [post("/questionnaires/{questionnaire}/questions/{q_question}/delete", {},
                                      **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.question_move": [post("/questionnaires/{questionnaire}/questions/{q_question}/move",
                                    {"direction": "down"}, **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.approve": [post("/questionnaires/{questionnaire}/versions/1/approve", {},
                              **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.publish": [post("/questionnaires/{questionnaire}/versions/1/publish", {},
                              **(DESIGNER_EDIT | {"buyer": 302}))],
    "designer.upload_version": [post("/questionnaires/{questionnaire}/upload-version", {},
                                     **(DESIGNER_EDIT | {"buyer": 400}))],
    "designer.new_version": [post("/questionnaires/{questionnaire}/new-version", {},
                                  **(DESIGNER_EDIT | {"buyer": 302}))],
    # --- dialogue rounds ({round}: open, owned by the matrix buyer, the matrix supplier invited) ---
    "rounds.index": [get("/rounds", anonymous=LOGIN, **EVERYONE_LOGGED_IN)],
    "rounds.create": [
        get("/rounds/new", anonymous=LOGIN, supplier=403, buyer=200, secretariat=200),
        post("/rounds/new", {}, anonymous=LOGIN, supplier=403, buyer=400, secretariat=400),
    ],
    "rounds.detail": [
        get("/rounds/{round}", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        get("/rounds/{other_round}", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
        get("/rounds/{missing}", anonymous=LOGIN, supplier=404, buyer=404, secretariat=404),
    ],
    # {draft_round}: co-owned by the matrix buyer, which has not accepted yet; nobody invited.
    "rounds.accept": [post("/rounds/{draft_round}/accept", {}, anonymous=LOGIN, supplier=404, buyer=302,
                           secretariat=403)],
    "rounds.open_round": [post("/rounds/{draft_round}/open", {}, anonymous=LOGIN, supplier=404, buyer=403,
                               secretariat=302)],
    "rounds.close_round": [
        post("/rounds/{round}/close", {}, anonymous=LOGIN, supplier=403, buyer=302, secretariat=302),
        post("/rounds/{other_round}/close", {}, anonymous=LOGIN, supplier=404, buyer=404, secretariat=302),
    ],
    "rounds.deadline": [post("/rounds/{round}/deadline", {}, anonymous=LOGIN, supplier=403, buyer=400,
                             secretariat=400)],
    "rounds.invite": [post("/rounds/{round}/invite", {}, anonymous=LOGIN, supplier=403, buyer=400,
                           secretariat=400)],
    "rounds.import_invitations": [post("/rounds/{round}/import", {}, anonymous=LOGIN, supplier=403, buyer=400,
                                       secretariat=400)],
    "rounds.remind": [post("/rounds/{round}/remind", {}, anonymous=LOGIN, supplier=403, buyer=302,
                           secretariat=302)],
    "rounds.clarifications": [
        get("/rounds/{round}/clarifications", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        get("/rounds/{other_round}/clarifications", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
        post("/rounds/{round}/clarifications", {}, anonymous=LOGIN, supplier=400, buyer=403, secretariat=403),
    ],
    "rounds.answer_clarification": [
        post("/rounds/{round}/clarifications/{clarification}/answer", {}, anonymous=LOGIN, supplier=403,
             buyer=302, secretariat=302),
        post("/rounds/{other_round}/clarifications/{clarification}/answer", {}, anonymous=LOGIN, supplier=404,
             buyer=404, secretariat=404),
    ],
    # {invitation_token}: the competitor's personal link to {round}; only its (new) contact may use it.
    "rounds.invitation_landing": [
        get("/i/{bad_token}", anonymous=404, supplier=404, buyer=404, secretariat=404),
        post("/i/{bad_token}", {}, anonymous=404, supplier=404, buyer=404, secretariat=404),
        get("/i/{invitation_token}", anonymous=200, supplier=403, buyer=403, secretariat=403),
        post("/i/{invitation_token}", {}, anonymous=400, supplier=403, buyer=403, secretariat=403),
    ],
    # --- online results ({round}: owned by the matrix buyer; {other_round}: not) ---
    "results.index": [
        get("/rounds/{round}/results", anonymous=LOGIN, supplier=404, buyer=200, secretariat=200),
        get("/rounds/{round}/results?audience=secretariat", anonymous=LOGIN, supplier=404, buyer=403,
            secretariat=200),
        get("/rounds/{other_round}/results", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
    ],
    "results.supplier": [get("/rounds/{round}/results/suppliers/{missing}", anonymous=LOGIN, supplier=404,
                             buyer=404, secretariat=404)],
    "results.export": [
        get("/rounds/{round}/results/export.csv", anonymous=LOGIN, supplier=404, buyer=200, secretariat=200),
        get("/rounds/{round}/results/export.xlsx?audience=participants", anonymous=LOGIN, supplier=404,
            buyer=403, secretariat=403),
    ],
    # --- reports ({report_round}: closed, owned by the matrix buyer, the matrix supplier invited and
    # submitted; {published_round}: the same, published; {other_round}: neither owned nor invited) ---
    "reports.index": [get("/reports/", anonymous=LOGIN, **EVERYONE_LOGGED_IN)],
    "reports.round_reports": [
        get("/rounds/{report_round}/reports", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        get("/rounds/{other_round}/reports", anonymous=LOGIN, supplier=404, buyer=404, secretariat=200),
    ],
    "reports.summary": [
        get("/rounds/{report_round}/reports/summary/participants/en.pdf", anonymous=LOGIN, supplier=403,
            buyer=200, secretariat=200),
        get("/rounds/{report_round}/reports/summary/secretariat/en.pdf", anonymous=LOGIN, supplier=403,
            buyer=403, secretariat=200),
        get("/rounds/{published_round}/reports/summary/participants/en.pdf", anonymous=LOGIN,
            **EVERYONE_LOGGED_IN),
        get("/rounds/{other_round}/reports/summary/participants/en.pdf", anonymous=LOGIN, supplier=404,
            buyer=404, secretariat=200),
        get("/rounds/{report_round}/reports/summary/everyone/en.pdf", anonymous=LOGIN, supplier=404,
            buyer=404, secretariat=404),
        get("/rounds/{report_round}/reports/summary/participants/de.pdf", anonymous=LOGIN, supplier=404,
            buyer=404, secretariat=404),
    ],
    "reports.blank": [
        get("/rounds/{report_round}/reports/questionnaire/fr.pdf", anonymous=LOGIN, **EVERYONE_LOGGED_IN),
        get("/rounds/{other_round}/reports/questionnaire/en.pdf", anonymous=LOGIN, supplier=404, buyer=404,
            secretariat=200),
    ],
    "reports.response_copy": [get("/rounds/{report_round}/reports/our-response.pdf", anonymous=LOGIN,
                                  supplier=200, buyer=404, secretariat=404)],
    "reports.feedback": [
        get("/rounds/{report_round}/reports/our-feedback.pdf", anonymous=LOGIN, supplier=200, buyer=404,
            secretariat=404),
        # Still open: no feedback yet.
        get("/rounds/{round}/reports/our-feedback.pdf", anonymous=LOGIN, supplier=404, buyer=404,
            secretariat=404),
    ],
    "reports.publish": [
        post("/rounds/{report_round}/publish", {}, anonymous=LOGIN, supplier=403, buyer=403, secretariat=302),
        post("/rounds/{other_round}/publish", {}, anonymous=LOGIN, supplier=404, buyer=404, secretariat=302),
    ],
    # --- answering ({round}: the matrix supplier is invited; owners and the secretariat do not answer) ---
    "answering.overview": [
        get("/rounds/{round}/answer", anonymous=LOGIN, supplier=200, buyer=404, secretariat=404),
        get("/rounds/{other_round}/answer", anonymous=LOGIN, supplier=404, buyer=404, secretariat=404),
        get("/rounds/{draft_round}/answer", anonymous=LOGIN, supplier=404, buyer=404, secretariat=404),
    ],
    "answering.section": [
        get("/rounds/{round}/answer/section/policy", anonymous=LOGIN, supplier=200, buyer=404, secretariat=404),
        get("/rounds/{round}/answer/section/missing", anonymous=LOGIN, supplier=404, buyer=404,
            secretariat=404),
        get("/rounds/{other_round}/answer/section/policy", anonymous=LOGIN, supplier=404, buyer=404,
            secretariat=404),
        # An anonymous post is kept for after the log-in; an empty form is a 400 for the supplier.
        post("/rounds/{round}/answer/section/policy", {}, anonymous=LOGIN, supplier=400, buyer=404,
             secretariat=404),
        post("/rounds/{other_round}/answer/section/policy", {}, anonymous=LOGIN, supplier=404, buyer=404,
             secretariat=404),
    ],
    "answering.resume": [get("/rounds/{round}/answer/resume/{bad_token}", anonymous=LOGIN, supplier=404,
                             buyer=404, secretariat=404)],
    "answering.review": [
        get("/rounds/{round}/answer/review", anonymous=LOGIN, supplier=200, buyer=404, secretariat=404),
        get("/rounds/{other_round}/answer/review", anonymous=LOGIN, supplier=404, buyer=404, secretariat=404),
    ],
    "answering.submit": [
        post("/rounds/{round}/answer/submit", {}, anonymous=LOGIN, supplier=400, buyer=404, secretariat=404),
        post("/rounds/{other_round}/answer/submit", {}, anonymous=LOGIN, supplier=404, buyer=404,
             secretariat=404),
    ],
    "answering.submitted": [get("/rounds/{round}/answer/submitted/1", anonymous=LOGIN, supplier=404, buyer=404,
                                secretariat=404)],
    "answering.reopen": [
        # Nothing submitted yet: the supplier is told so on the overview.
        post("/rounds/{round}/answer/reopen", {}, anonymous=LOGIN, supplier=302, buyer=404, secretariat=404),
    ],
    "answering.evidence_download": [get("/rounds/{round}/answer/evidence/{missing}", anonymous=LOGIN,
                                        supplier=404, buyer=404, secretariat=404)],
    "answering.evidence_remove": [post("/rounds/{round}/answer/evidence/{missing}/remove", {}, anonymous=LOGIN,
                                       supplier=404, buyer=404, secretariat=404)],
}


# --- the world every request runs against ----------------------------------------------------


@dataclass
class World:
    """The organisations and users of the matrix, and the app that serves it."""

    app: Flask
    orgs: dict[str, Organisation]
    users: dict[str, User]


def _own_org(world: World, role: str) -> int:
    user = world.users["supplier" if role == "anonymous" else role]
    return user.organisation_id


def _outbox_message(world: World, role: str) -> str:
    from pathlib import Path

    from questionnaire.services.mail import batch, send_mail

    assert world.app.config["MAIL_BACKEND"] == BACKEND_PATH, "use config=OUTBOX on this row"
    with world.app.test_request_context(), batch():  # written at once, not at a commit
        send_mail("someone@example.org", "password_reset", language="en", user=world.users["supplier"],
                  link="http://localhost/", minutes=60)
    (written,) = Path(world.app.config["OUTBOX_DIR"]).glob("*.eml")
    return written.name


def _questionnaire(world: World, role: str) -> Any:
    """A draft owned by the matrix buyer: one section with one question (made once per world)."""
    made = getattr(world, "_designer_questionnaire", None)
    if made is None:
        from questionnaire import interchange
        from questionnaire.extensions import db
        from questionnaire.services import questionnaires

        document = {"format": "questionnaire/1", "title": "Matrix", "languages": ["en"], "sections": [
            {"key": "s", "title": "S", "questions": [{"key": "q", "type": "yes_no", "text": "Q?"}]}]}
        made = questionnaires.import_document(interchange.parse_document(document), owner=world.orgs["buyer"],
                                              actor=world.users["buyer"])
        db.session.commit()
        world._designer_questionnaire = made  # type: ignore[attr-defined]
    return made


def _rounds(world: World) -> dict[str, Any]:
    """Rounds of the matrix (made once per world): see the comments on the rounds rows."""
    made = getattr(world, "_rounds", None)
    if made is None:
        from datetime import timedelta

        from rounds_support import make_round, published_version

        from questionnaire.extensions import db
        from questionnaire.models import Clarification, Invitation, RoundStatus, utcnow
        from questionnaire.services.invitations import new_token

        buyer, supplier = world.orgs["buyer"], world.orgs["supplier"]
        version = published_version(buyer)
        open_round = make_round([buyer], version=version, title="Matrix round")
        other_buyer = Organisation(name="Matrix other buyer", kind=OrganisationKind.BUYER, country="NL")
        db.session.add(other_buyer)
        other_round = make_round([other_buyer], version=version, title="Matrix other round")
        draft_round = make_round([buyer], version=version, status=RoundStatus.DRAFT, accepted=False,
                                 opens_at=utcnow() + timedelta(days=1), title="Matrix draft round")
        token, token_hash = new_token()
        db.session.add_all([
            Invitation(round=open_round, organisation=supplier, contact_email="supplier@matrix.example",
                       language="en", token_hash=new_token()[1]),
            Invitation(round=open_round, organisation=world.orgs["competitor"], language="en",
                       contact_email="new-contact@competitor.example", token_hash=token_hash),
        ])
        clarification = Clarification(round=open_round, question="Matrix question?",
                                      asked_by_organisation=supplier, asked_by=world.users["supplier"])
        db.session.add(clarification)
        db.session.commit()
        made = {"round": open_round.id, "other_round": other_round.id, "draft_round": draft_round.id,
                "clarification": clarification.id, "invitation_token": token}
        world._rounds = made  # type: ignore[attr-defined]
    return made


def _report_rounds(world: World) -> dict[str, Any]:
    """A closed and a published round owned by the matrix buyer; the matrix supplier submitted to both."""
    made = getattr(world, "_report_rounds", None)
    if made is None:
        from rounds_support import make_round, published_version

        from questionnaire.extensions import db
        from questionnaire.models import Answer, Invitation, Response, ResponseStatus, RoundStatus, Submission, utcnow
        from questionnaire.services.invitations import new_token

        buyer, supplier = world.orgs["buyer"], world.orgs["supplier"]
        version = published_version(buyer)
        made = {}
        for name, status in (("report_round", RoundStatus.CLOSED), ("published_round", RoundStatus.PUBLISHED)):
            round_ = make_round([buyer], version=version, status=status, title=f"Matrix {name}")
            db.session.add(Invitation(round=round_, organisation=supplier, contact_email="supplier@matrix.example",
                                      language="en", token_hash=new_token()[1]))
            answers = {"has_policy": {"value": "yes"}, "policy_url": {"value": "https://matrix.example/policy"}}
            response = Response(round=round_, organisation=supplier, status=ResponseStatus.SUBMITTED,
                                submitted_at=utcnow(), answers=[Answer(question_key=key, value=entry["value"])
                                                                for key, entry in answers.items()])
            db.session.add(Submission(response=response, number=1, response_version=1, snapshot=answers))
            db.session.commit()
            made[name] = round_.id
        world._report_rounds = made  # type: ignore[attr-defined]
    return made


PLACEHOLDERS: dict[str, Callable[[World, str], object]] = {
    "own_org": _own_org,
    "competitor_org": lambda world, role: world.orgs["competitor"].id,
    "colleague": lambda world, role: world.users["colleague"].id,
    "competitor": lambda world, role: world.users["competitor"].id,
    "missing": lambda world, role: 987654,
    "bad_token": lambda world, role: "not-a-valid-token",
    "outbox_message": _outbox_message,
    "questionnaire": lambda world, role: _questionnaire(world, role).id,
    "q_section": lambda world, role: _questionnaire(world, role).versions[0].sections[0].id,
    "q_question": lambda world, role: _questionnaire(world, role).versions[0].sections[0].questions[0].id,
    "round": lambda world, role: _rounds(world)["round"],
    "other_round": lambda world, role: _rounds(world)["other_round"],
    "draft_round": lambda world, role: _rounds(world)["draft_round"],
    "clarification": lambda world, role: _rounds(world)["clarification"],
    "invitation_token": lambda world, role: _rounds(world)["invitation_token"],
    "report_round": lambda world, role: _report_rounds(world)["report_round"],
    "published_round": lambda world, role: _report_rounds(world)["published_round"],
}


@pytest.fixture
def build_world(app, app_factory) -> Callable[..., World]:
    """Create the matrix's people; rows with a `config` get an app built with it."""

    def build(config: dict[str, Any] | None = None) -> World:
        from questionnaire.extensions import db
        from questionnaire.services.accounts import hash_password

        serving = app_factory(**config) if config else app
        orgs = {
            "secretariat": Organisation(name="Matrix secretariat", kind=OrganisationKind.SECRETARIAT, country="BE"),
            "buyer": Organisation(name="Matrix buyer", kind=OrganisationKind.BUYER, country="FR"),
            "supplier": Organisation(name="Matrix supplier", kind=OrganisationKind.SUPPLIER, country="DE"),
            "competitor": Organisation(name="Matrix competitor", kind=OrganisationKind.SUPPLIER, country="IE"),
        }
        password = hash_password("pw")  # one hash for everyone keeps the matrix fast
        people = {  # role: (organisation, organisation admin, activated)
            "secretariat": ("secretariat", True, True),
            "buyer": ("buyer", False, True),
            "supplier": ("supplier", False, True),
            "org_admin": ("supplier", True, True),
            "colleague": ("supplier", False, False),
            "competitor": ("competitor", False, True),
        }
        users = {
            role: User(email=f"{role}@matrix.example", name=f"Matrix {role}", organisation=orgs[org],
                       is_org_admin=admin, password_hash=password if activated else None)
            for role, (org, admin, activated) in people.items()
        }
        db.session.add_all([*orgs.values(), *users.values()])
        db.session.commit()
        return World(serving, orgs, users)

    return build


def _fill(path: str, world: World, role: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(path) if name}
    unknown = names - set(PLACEHOLDERS)
    assert not unknown, f"no PLACEHOLDERS builder for {sorted(unknown)} in {path}"
    return path.format(**{name: PLACEHOLDERS[name](world, role) for name in names})


def _status_matches(response: Any, expected: Expected) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.headers["Location"].startswith("/login")
    return response.status_code == expected


MATRIX = [
    pytest.param(endpoint, row, role,
                 id=f"{endpoint}-{row.method}-{row.path}{'-' + ','.join(row.config) if row.config else ''}-{role}")
    for endpoint, rows in ROUTES.items()
    for row in rows
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint", "row", "role"), MATRIX)
def test_route_answers_each_role_as_the_matrix_says(build_world, login, endpoint, row, role):
    world = build_world(row.config)
    client = world.app.test_client()
    if role != "anonymous":
        login(client, world.users[role])
    path = _fill(row.path, world, role)
    response = client.open(path, method=row.method, data=dict(row.data))
    response.close()  # file responses (static) hold an open file until closed
    expected = row.expect[role]
    assert _status_matches(response, expected), (
        f"{role} {row.method} {path}: expected {expected}, got {response.status_code} "
        f"{response.headers.get('Location', '')}"
    )


# --- the matrix covers the whole app ------------------------------------------------------------


def _methods(rule: Any) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def test_every_route_has_a_row(app):
    """A route added without rows here fails, naming what to add."""
    problems = []
    endpoints = set()
    for rule in app.url_map.iter_rules():
        endpoints.add(rule.endpoint)
        rows = ROUTES.get(rule.endpoint)
        if rows is None:
            methods = " and ".join(sorted(_methods(rule)))
            helper = "get" if "GET" in rule.methods else "post"
            problems.append(f"{rule.endpoint} ({methods} {rule.rule}) has no row in ROUTES, e.g. "
                            f'"{rule.endpoint}": [{helper}("{rule.rule}", anonymous=LOGIN, supplier=..., '
                            f"buyer=..., secretariat=...)],")
            continue
        missing = _methods(rule) - {row.method for row in rows}
        if missing:
            problems.append(f"{rule.endpoint} accepts {sorted(missing)} but ROUTES has no row for it")
        extra = {row.method for row in rows} - _methods(rule)
        if extra:
            problems.append(f"{rule.endpoint} has rows for {sorted(extra)}, which it does not accept")
    for stale in sorted(set(ROUTES) - endpoints):
        problems.append(f"ROUTES has rows for {stale}, which is not a route any more")
    assert not problems, "\n".join(problems)


def test_every_row_expects_a_status_for_every_role():
    for endpoint, rows in ROUTES.items():
        for row in rows:
            assert set(row.expect) == set(ROLES), endpoint
            assert all(v == LOGIN or isinstance(v, int) for v in row.expect.values()), endpoint


def test_post_only_routes_answer_get_with_405(build_world, login):
    """Whatever the role, a GET on an address that only takes POST is 405 (and a readable page)."""
    world = build_world()
    clients = {"anonymous": world.app.test_client(), "supplier": world.app.test_client()}
    login(clients["supplier"], world.users["supplier"])
    adapter = world.app.url_map.bind("localhost")
    checked = 0
    for rule in world.app.url_map.iter_rules():
        if "GET" in rule.methods:
            continue
        values = {arg: 1 if isinstance(rule._converters[arg], IntegerConverter) else "x" for arg in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        for role, client in clients.items():
            response = client.get(path)
            assert response.status_code == 405, f"{role} GET {path}: {response.status_code}"
            assert "<h1>" in response.text
        checked += 1
    assert checked > 0
