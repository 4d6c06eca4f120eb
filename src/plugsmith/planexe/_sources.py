"""Finding PlanExe's files: in a run directory, among loose files, or as one whole-tree file.

PlanExe numbers its files (``023-3-wbs_project_level1_and_level2_and_level3.json``) and the numbers
have changed between versions, so files are matched on the name after the number; PlanExe's own test
data adds a prefix instead (``solarfarm_task_durations.json``), so a name also matches by its ending.
A loose file whose name says nothing is recognised by its content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith.errors import NotFound, PlanError
from plugsmith.planexe._json import read_json, read_text
from plugsmith.planexe._report import ImportReport

# role -> accepted names, best first
ROLES: dict[str, tuple[str, ...]] = {
    "project": ("wbs_project_level1_and_level2_and_level3.json", "wbs_project.json"),
    "project12": ("wbs_project_level1_and_level2.json",),
    "level1": ("wbs_level1.json",),
    "level2": ("wbs_level2.json",),
    "level3": ("wbs_level3.json",),
    "dependencies": ("task_dependencies_raw.json", "task_dependencies.json"),
    "durations": ("task_durations.json",),
    "risks": ("identify_risks_raw.json", "identify_risks.json"),
    "title": ("wbs_level1_project_title.json",),
    "start": ("start_time.json",),
    "prompt": ("plan.txt",),
}
# roles whose files are text, not JSON (PlanExe writes the project title as bare text in a .json file)
TEXT_ROLES = frozenset({"prompt", "title"})
_NUMBER = re.compile(r"^\d{3}(?:-\d+)*-")


def role_by_name(name: str) -> str | None:
    """The role of a file from its name, or None."""
    bare = _NUMBER.sub("", name)
    for role, names in ROLES.items():
        if any(bare == n or bare.endswith("_" + n) for n in names):
            return role
    return None


def role_by_content(data: Any) -> str | None:
    """The role of an already-parsed JSON document from its shape, or None."""
    if isinstance(data, dict):
        for key, role in (("wbs_project", "project"), ("project_title", "level1"),
                          ("task_dependency_details", "dependencies"), ("risks", "risks")):
            if key in data:
                return role
    if isinstance(data, list) and data and isinstance(data[0], dict):
        for key, role in (("major_phase_title", "level2"), ("parent_id", "level3"), ("task_id", "durations")):
            if key in data[0]:
                return role
    return None


@dataclass
class Sources:
    """The files found for each role, parsed."""

    files: dict[str, Path] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    directory: bool = False  # a whole run directory (not loose files): a missing file means something
    runs_below: list[str] = field(default_factory=list)  # subdirectories that look like run directories


def _assign(found: Sources, role: str, path: Path, report: ImportReport) -> None:
    current = found.files.get(role)
    if current is not None:
        better = ROLES[role].index(_best_name(path.name, role)) < ROLES[role].index(
            _best_name(current.name, role))
        keep, drop = (path, current) if better else (current, path)
        if _same_bytes(keep, drop):
            report.add("note", drop.name, f"another file for {role} ({keep.name}) is used instead")
        else:  # e.g. a run resumed by another PlanExe version, which numbers its files differently
            report.add("unmapped", drop.name, f"another file for {role} ({keep.name}) is used instead, and "
                       "the two differ: remove the one that is not this run's", "ambiguous_file")
        found.ignored.append(drop.name)
        found.files[role] = keep
        return
    found.files[role] = path


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _best_name(name: str, role: str) -> str:
    bare = _NUMBER.sub("", name)
    return next((n for n in ROLES[role] if bare == n or bare.endswith("_" + n)), ROLES[role][-1])


def _holds_wbs(directory: Path) -> bool:
    """Whether a directory holds a WBS file (the folder a run archive unpacks into holds the run)."""
    try:
        return any(role_by_name(p.name) in ("project", "project12", "level1") for p in directory.iterdir())
    except OSError:
        return False


def collect(path: Path | Sequence[Path], report: ImportReport) -> Sources:
    """Find and parse the PlanExe files under ``path`` (a directory, a file, or several files)."""
    found = Sources()
    paths = [Path(path)] if isinstance(path, (str, Path)) else [Path(p) for p in path]
    for p in paths:
        if not p.exists():
            raise NotFound("no such file or directory", subject=str(p), hint="check the path")
    if len(paths) == 1 and paths[0].is_dir():
        found.directory = True
        for child in sorted(paths[0].iterdir()):
            if child.name.startswith("."):  # hidden files, and macOS's "._<name>" copies of resource forks
                continue
            role = role_by_name(child.name) if child.is_file() else None
            if role is None:
                if child.is_file():
                    found.ignored.append(child.name)  # listed in the report, never dropped silently
                elif child.is_dir() and child.name != "__MACOSX" and _holds_wbs(child):
                    found.runs_below.append(child.name)
                continue
            _assign(found, role, child, report)
    else:
        for p in sorted(paths):
            if p.is_dir():
                raise PlanError("give one run directory, or files only", subject=str(p))
            role = role_by_name(p.name)
            if role is None and p.suffix.lower() == ".json":
                role = role_by_content(read_json(p))
            if role is None:
                raise PlanError("not a PlanExe file this importer knows", subject=str(p),
                                hint="expected WBS level 1/2/3, task dependencies, task durations, "
                                "the whole WBS project tree or the risk register")
            _assign(found, role, p, report)
    for role, file in found.files.items():
        found.data[role] = read_text(file) if role in TEXT_ROLES else read_json(file)
    return found


__all__ = ["ROLES", "TEXT_ROLES", "Sources", "collect", "read_json", "role_by_content", "role_by_name"]
