"""The run directory: numbered stage files, written atomically so a killed run never leaves half a file.

``001-plan.json`` … ``005-governance.json`` are fixed; capability stages follow from ``006`` in the
order of ``002-requirements.json``; the report and metrics stages come right after them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from plugsmith.atomic import write_text

FIXED = {"plan": 1, "requirements": 2, "resolution": 3, "synthesis": 4, "governance": 5}
FIRST_CAPABILITY = 6
STAGE_FILE = re.compile(r"^(\d{3})-([a-z0-9_]+)\.json$")
ERRORS_FILE = ".stage-errors.jsonl"


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically: a temp file in the same directory, then ``os.replace``."""
    write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def stage_path(run_dir: Path, number: int, slug: str) -> Path:
    return run_dir / f"{number:03d}-{slug}.json"


def capability_count(run_dir: Path) -> int | None:
    """How many capability stages this run has, once the requirements stage has written its file."""
    path = stage_path(run_dir, FIXED["requirements"], "requirements")
    return len(read_json(path)["requirements"]) if path.is_file() else None


def tail_number(run_dir: Path, offset: int) -> int | None:
    """Number of the report (offset 0) or metrics (offset 1) stage; None before requirements exist."""
    n = capability_count(run_dir)
    return None if n is None else FIRST_CAPABILITY + n + offset


def stage_files(run_dir: Path) -> list[Path]:
    """The numbered stage files present, in order."""
    if not run_dir.is_dir():
        return []
    return sorted(p for p in run_dir.iterdir() if STAGE_FILE.match(p.name))


def record_stage_error(run_dir: Path, stage: str, message: str) -> None:
    """Append one failing stage's message (one JSON line; appends are atomic at this size)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"stage": stage, "error": message}) + "\n"
    fd = os.open(run_dir / ERRORS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def stage_errors(run_dir: Path) -> list[dict[str, str]]:
    path = run_dir / ERRORS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


__all__ = ["ERRORS_FILE", "FIRST_CAPABILITY", "FIXED", "STAGE_FILE", "capability_count", "read_json",
           "record_stage_error", "stage_errors", "stage_files", "stage_path", "tail_number", "write_json",
           "write_text"]
