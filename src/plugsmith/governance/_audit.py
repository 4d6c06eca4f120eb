"""The audit log: one JSON line per allow/deny decision, in ``$PLUGSMITH_HOME/audit.log``.

Each line is written with a single ``O_APPEND`` write, so concurrent writers never interleave within a
line and a crash never leaves half a record behind except, at worst, a torn last line that readers skip.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plugsmith import config

AUDIT_FILE = "audit.log"


def audit_path() -> Path:
    """``$PLUGSMITH_HOME/audit.log``: one place for every decision, whoever made it."""
    return config.home() / AUDIT_FILE


def append(record: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """Append ``record`` (stamped with ``at``) as one JSON line; returns what was written."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="milliseconds"), **record}
    line = (json.dumps(entry, sort_keys=True, default=str) + "\n").encode()
    fd = os.open(path or audit_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def read(path: Path | None = None) -> list[dict[str, Any]]:
    """Every intact record, oldest first."""
    target = path or audit_path()
    if not target.is_file():
        return []
    out = []
    for raw in target.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue
    return out


__all__ = ["AUDIT_FILE", "append", "audit_path", "read"]
