"""Generated summaries are kept: a repeated download is served from the cache until the data changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from reports_support import build_known_round, pdf_text, submitted_response

from reports import summary
from reports.cache import cache_dir


@pytest.fixture
def known(app, make_org, make_user):
    """The round of reports_support with six submitted responses."""
    return build_known_round(make_org, make_user)


@pytest.fixture
def builds(monkeypatch):
    """Count the summaries actually rendered."""
    calls = []
    real = summary.summary_pdf

    def counting(*args, **kwargs):
        calls.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(summary, "summary_pdf", counting)
    return calls


def test_a_repeated_summary_is_served_from_the_cache(known, builds, app):
    first, hit = summary.cached_summary_pdf(known.round, "participants", "en")
    assert not hit
    second, hit = summary.cached_summary_pdf(known.round, "participants", "en")
    assert hit
    assert first == second
    assert len(builds) == 1
    (cached,) = Path(app.instance_path, "report_cache").glob("summary-*.pdf")
    assert cached.name.startswith(f"summary-{known.round.id}-participants-en-v6-")


def test_each_audience_and_language_is_cached_on_its_own(known, builds):
    summary.cached_summary_pdf(known.round, "participants", "en")
    summary.cached_summary_pdf(known.round, "participants", "fr")
    summary.cached_summary_pdf(known.round, "buyers", "en")
    summary.cached_summary_pdf(known.round, "buyers", "en")
    assert [(str(audience), language) for audience, language in builds] == [
        ("participants", "en"), ("participants", "fr"), ("buyers", "en")]
    assert len(list(cache_dir().glob("summary-*.pdf"))) == 3


def test_a_new_submission_makes_the_cached_summary_stale(known, builds, make_org, make_user, db):
    before, _ = summary.cached_summary_pdf(known.round, "participants", "en")
    assert "6 of 7 invited suppliers" in pdf_text(before)
    # The late supplier submits: a new organisation response and the data version moves on, as submit() does.
    late = known.late_supplier
    db.session.delete(next(r for r in db.session.query(type(known.responses[0])).all()
                           if r.organisation_id == late.organisation_id))
    db.session.flush()
    submitted_response(known.round, late.organisation, late, {"has_policy": {"value": "no"}, "maturity": {"value": 0},
                                                              "audit_frequency": {"value": "never"}})
    known.round.data_version += 1
    db.session.commit()
    after, hit = summary.cached_summary_pdf(known.round, "participants", "en")
    assert not hit
    assert "7 of 7 invited suppliers" in pdf_text(after)
    # The stale file is gone; only the current one is kept.
    assert [p.name.split("-v")[1].split("-")[0] for p in cache_dir().glob("summary-*.pdf")] == ["7"]
    assert len(builds) == 2


def test_changing_k_makes_the_cached_summary_stale(known, builds, db):
    summary.cached_summary_pdf(known.round, "participants", "en")
    known.round.k = 5
    db.session.commit()
    data, hit = summary.cached_summary_pdf(known.round, "participants", "en")
    assert not hit
    assert "no figure in this summary describes fewer than 5 suppliers" in pdf_text(data)


def test_a_repeated_download_is_served_from_the_cache(known, builds, client, login):
    login(client, known.secretariat)
    url = f"/rounds/{known.round.id}/reports/summary/participants/en.pdf"
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/pdf"
    assert first.data == second.data
    assert len(builds) == 1
    assert "no-store" in first.headers["Cache-Control"]


def test_the_cache_lives_in_the_instance_folder(known, app):
    summary.cached_summary_pdf(known.round, "secretariat", "en")
    assert cache_dir() == Path(app.instance_path) / "report_cache"


def test_a_new_layout_makes_the_cached_summary_stale(known, builds, monkeypatch, tmp_path):
    """After an upgrade that changes a PDF template (or the code behind the figures), nothing old is served."""
    from reports import cache

    summary.cached_summary_pdf(known.round, "participants", "en")
    assert summary.cached_summary_pdf(known.round, "participants", "en")[1]
    changed = tmp_path / "templates" / "pdf"
    changed.mkdir(parents=True)
    (changed / "summary.html").write_text("a changed template")
    monkeypatch.setattr(cache, "ROOT", tmp_path)
    monkeypatch.setattr(cache, "LAYOUT_SOURCES", ("templates/pdf/*.html",))
    cache.layout_fingerprint.cache_clear()
    try:
        assert not summary.cached_summary_pdf(known.round, "participants", "en")[1]
    finally:
        cache.layout_fingerprint.cache_clear()
    assert len(builds) == 2
    assert len(list(cache_dir().glob("summary-*.pdf"))) == 1  # the stale one is gone


def test_the_layout_fingerprint_covers_the_pdf_templates_and_translations():
    from reports.cache import LAYOUT_SOURCES, ROOT

    covered = {path.relative_to(ROOT).as_posix() for pattern in LAYOUT_SOURCES for path in ROOT.glob(pattern)}
    assert "templates/pdf/summary.html" in covered and "static/css/pdf.css" in covered
    assert "reports/aggregation.py" in covered
    assert any(name.endswith("fr/LC_MESSAGES/messages.mo") for name in covered)
