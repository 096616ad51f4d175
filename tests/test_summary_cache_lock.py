"""A summary is built once even when two downloads ask for it at the same time (two gunicorn workers)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from reports.cache import cached_summary


def _round() -> SimpleNamespace:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    return SimpleNamespace(id=41, data_version=3, title="Round", description="", opens_at=when, closes_at=when, k=3,
                           owners=[], languages=["en"])


def test_a_download_during_the_build_waits_for_it_and_reads_the_file(app):
    builds = []

    def build() -> bytes:
        builds.append(1)
        time.sleep(0.5)
        return b"%PDF-built"

    results: list[tuple[bytes, bool]] = []

    def download() -> None:
        with app.app_context():
            results.append(cached_summary(_round(), "participants", "en", build))

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert sorted(results, key=lambda r: r[1]) == [(b"%PDF-built", False), (b"%PDF-built", True)]


def test_a_failed_build_releases_the_lock(app):
    def failing() -> bytes:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cached_summary(_round(), "buyers", "en", failing)
    assert cached_summary(_round(), "buyers", "en", lambda: b"%PDF-second") == (b"%PDF-second", False)
