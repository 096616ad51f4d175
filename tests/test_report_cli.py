"""The `flask report` commands: summaries, supplier copies, feedback and blank questionnaires as PDF."""

from __future__ import annotations

import pytest
from reports_support import build_known_round, pdf_text


@pytest.fixture
def known(app, make_org, make_user):
    """The closed round of reports_support: six of seven invited suppliers submitted."""
    return build_known_round(make_org, make_user)


def test_report_summary_writes_the_edition_asked_for(known, runner, tmp_path):
    target = tmp_path / "summary.pdf"
    result = runner.invoke(args=["report", "summary", str(known.round.id), "--audience", "buyers", "--lang", "fr",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert "Chaque année" in text
    assert "Alpha Devices" in text


def test_report_summary_for_participants_is_anonymised(known, runner, tmp_path):
    target = tmp_path / "participants.pdf"
    result = runner.invoke(args=["report", "summary", str(known.round.id), "--audience", "participants",
                                 "--lang", "en", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = pdf_text(target.read_bytes())
    assert "Environment fewer than 3" in text
    assert "Alpha Devices" not in text


@pytest.mark.parametrize(("args", "message"), [
    (["report", "summary", "999", "--audience", "participants", "--lang", "en", "-o", "x.pdf"], "no round 999"),
    (["report", "summary", "{round}", "--audience", "participants", "--lang", "de", "-o", "x.pdf"],
     "not available in 'de'"),
    (["report", "summary", "{round}", "--audience", "everyone", "--lang", "en", "-o", "x.pdf"], "everyone"),
    (["report", "response", "999", "-o", "x.pdf"], "no response 999"),
    (["report", "response", "{response}", "--lang", "xx", "-o", "x.pdf"], "not available in 'xx'"),
    (["report", "feedback", "999", "-o", "x.pdf"], "no response 999"),
    (["report", "feedback", "{draft}", "-o", "x.pdf"], "is not submitted"),
    (["report", "blank", "999", "--lang", "en", "-o", "x.pdf"], "no questionnaire 999"),
    (["report", "blank", "{questionnaire}", "--lang", "de", "-o", "x.pdf"], "not available in 'de'"),
    (["report", "blank", "{questionnaire}", "--version", "7", "-o", "x.pdf"], "has no version 7"),
])
def test_report_commands_refuse_bad_input_with_status_2(known, runner, tmp_path, db, args, message):
    from questionnaire.models import Response, ResponseStatus

    draft = db.session.scalar(db.select(Response).where(Response.status == ResponseStatus.DRAFT))
    values = {"round": known.round.id, "response": known.responses[0].id, "draft": draft.id,
              "questionnaire": known.round.questionnaire_version.questionnaire_id}
    args = [a.format(**values) if "{" in a else a for a in args]
    args = [str(tmp_path / a) if a == "x.pdf" else a for a in args]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_report_response_feedback_and_blank_write_pdfs(known, runner, tmp_path):
    response = known.responses[0]
    for args, expected in (
        (["report", "response", str(response.id)], "Audits alone do not find forced labour."),
        (["report", "feedback", str(response.id)], "Your score"),
        (["report", "blank", str(known.round.questionnaire_version.questionnaire_id), "--lang", "fr"],
         "Avez-vous une politique des droits humains ?"),
    ):
        target = tmp_path / f"{args[1]}.pdf"
        result = runner.invoke(args=[*args, "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert expected in pdf_text(target.read_bytes())


def test_report_help_lists_the_commands(runner):
    result = runner.invoke(args=["report", "--help"])
    assert result.exit_code == 0
    for command in ("summary", "response", "feedback", "blank"):
        assert command in result.output
