"""Generated summaries kept on disk (instance/report_cache/), so a repeated download is immediate.

The file name is the key: round id, the round's data version (bumped by every submission and
reopening), audience, language, and a fingerprint of what else the document shows (title, dates, k,
co-owners) and of the files the summary is made with. A new submission changes the data version, so the old file is
never served again; it is deleted when the new one is written.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from flask import current_app

from questionnaire.models import DialogueRound

# What a summary is made with: its templates, style sheet, translations and the code that computes
# its figures. Their fingerprint is part of the key, so an upgrade never serves a document laid out
# or computed by the previous version.
ROOT = Path(__file__).resolve().parent.parent
LAYOUT_SOURCES = ("templates/pdf/*.html", "static/css/pdf.css", "reports/*.py",
                  "questionnaire/question_types.py", "questionnaire/translations/*/LC_MESSAGES/*.mo")


@lru_cache(maxsize=1)
def layout_fingerprint() -> str:
    """A digest of every file that shapes a summary (read once per process)."""
    digest = hashlib.sha256()
    for pattern in LAYOUT_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    """The directory of cached documents (created on first use)."""
    path = Path(current_app.instance_path) / "report_cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fingerprint(round_: DialogueRound) -> str:
    owners = ",".join(sorted(str(owner.organisation_id) for owner in round_.owners))
    quotes = str(current_app.config.get("SUMMARY_QUOTES_PER_QUESTION", ""))
    parts = [layout_fingerprint(), round_.title, round_.description or "", round_.opens_at.isoformat(),
             round_.closes_at.isoformat(), str(round_.k), owners, ",".join(round_.languages or []), quotes]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def summary_key(round_: DialogueRound, audience: str, language: str) -> str:
    """The cache file name of a round's summary for an audience and a language."""
    return f"summary-{round_.id}-{audience}-{language}-v{round_.data_version}-{_fingerprint(round_)}.pdf"


def _prefix(round_: DialogueRound, audience: str, language: str) -> str:
    return f"summary-{round_.id}-{audience}-{language}-v"


def cached_summary(round_: DialogueRound, audience: str, language: str,
                   build: Callable[[], bytes]) -> tuple[bytes, bool]:
    """The cached summary if it is current, else `build()` stored; returns (bytes, served_from_cache).

    One build at a time per round, audience and language (a lock file shared by every worker process):
    a download that arrives while the summary is being built waits for it and reads the file, rather
    than building the same document again on the other worker.
    """
    directory = cache_dir()
    name = summary_key(round_, audience, language)
    path = directory / name
    try:
        return path.read_bytes(), True
    except FileNotFoundError:
        pass
    lock_path = directory / f".lock-{_prefix(round_, audience, language)}"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                return path.read_bytes(), True
            except FileNotFoundError:
                pass
            return _build_and_keep(round_, audience, language, directory, name, build), False
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _build_and_keep(round_: DialogueRound, audience: str, language: str, directory: Path, name: str,
                    build: Callable[[], bytes]) -> bytes:
    """Build a summary and keep it under `name`, deleting the stale versions."""
    path = directory / name
    data = build()
    # Written to a temporary file and renamed: a reader never sees half a PDF.
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pdf")
    with os.fdopen(handle, "wb") as target:
        target.write(data)
    os.replace(temporary, path)
    for stale in directory.glob(_prefix(round_, audience, language) + "*.pdf"):
        if stale.name != name:
            stale.unlink(missing_ok=True)
    return data


def forget_round(round_id: int) -> None:
    """Delete every cached document of a round."""
    for path in cache_dir().glob(f"summary-{round_id}-*.pdf"):
        path.unlink(missing_ok=True)
