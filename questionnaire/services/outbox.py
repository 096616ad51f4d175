"""A mail backend that keeps messages as .eml files, so the platform works without an SMTP server."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

# The MAIL_BACKEND value that selects this backend (config.py uses it when MAIL_SERVER is unset).
BACKEND_PATH = f"{__name__}.EmailBackend"


class EmailBackend(BaseEmailBackend):
    """Write each message to OUTBOX_DIR/<timestamp>-<random>.eml."""

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or self.mailman.file_path)

    def send_messages(self, email_messages: list[Any]) -> int:
        """Write the messages; return how many were written."""
        if not email_messages:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            path = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
            path.write_bytes(message.message().as_bytes())
            sent += 1
        return sent


def list_messages(directory: str, limit: int = 200) -> list[dict[str, Any]]:
    """The newest messages in the outbox: file name, date, recipients and subject."""
    from email import policy
    from email.parser import BytesParser

    folder = Path(directory)
    if not folder.is_dir():
        return []
    items = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        with path.open("rb") as handle:
            headers = BytesParser(policy=policy.default).parse(handle, headersonly=True)
        items.append(
            {"name": path.name, "to": str(headers["To"] or ""), "subject": str(headers["Subject"] or ""),
             "date": str(headers["Date"] or "")}
        )
    return items


def read_message(directory: str, name: str) -> Any | None:
    """Parse one outbox message by file name; None for anything that is not a plain outbox file."""
    from email import policy
    from email.parser import BytesParser

    if "/" in name or "\\" in name or not name.endswith(".eml") or name.startswith("."):
        return None
    path = Path(directory) / name
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)
