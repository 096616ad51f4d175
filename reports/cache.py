"""Generated summaries kept on disk (instance/report_cache/), so a repeated download is immediate.

The file name is the key: round id, the round's data version (bumped by every submission and
reopening), audience, language, and a fingerprint of what else the document shows (title, dates, k,
co-owners) and of the layout version. A new submission changes the data version, so the old file is
never served again; it is deleted when the new one is written.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from questionnaire.models import DialogueRound

# Bump when templates/pdf or the figures they show change, so older files are not served.
# 2: a bounded selection of quotes per question, bars drawn in the tables, fixed table layout.
LAYOUT_VERSION = 2


def cache_dir() -> Path:
    """The directory of cached documents (created on first use)."""
    path = Path(current_app.instance_path) / "report_cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fingerprint(round_: DialogueRound) -> str:
    owners = ",".join(sorted(str(owner.organisation_id) for owner in round_.owners))
    quotes = str(current_app.config.get("SUMMARY_QUOTES_PER_QUESTION", ""))
    parts = [str(LAYOUT_VERSION), round_.title, round_.description or "", round_.opens_at.isoformat(),
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
