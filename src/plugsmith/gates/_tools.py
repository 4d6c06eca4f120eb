"""bandit and ruff as subprocesses, started early and collected by their gates.

Both tools take a few hundred milliseconds to start. ``validate`` starts them together before the first
gate runs, so they overlap each other and the manifest gate; a gate that finds no prefetched run starts
its own. Tool failures are reported as text, never raised.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOL_TIMEOUT_S = 60
LINT_SELECT = "E,F,W,B"
MAX_SOURCE_BYTES = 256_000  # the size gate's byte limit: no tool (nor our own parser) reads more


def tool_command(tool: str, files: list[Path]) -> list[str]:
    names = [str(f) for f in files]
    if tool == "bandit":
        return [sys.executable, "-m", "bandit", "-f", "json", "-q", *names]
    return [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--isolated", "--no-cache",
            "--select", LINT_SELECT, "--line-length", "110", "--target-version", "py311", *names]


MAX_DEPTH = 16       # directory levels a plugin may nest (the archive's limit)
MAX_ENTRIES = 1000   # files and directories a walk looks at (the archive's member limit)


def plugin_entries(plugin_dir: Path) -> tuple[list[Path], str | None]:
    """Every path below ``plugin_dir`` (links not followed), sorted, and why the walk stopped early.

    Iterative and bounded: a directory 1,200 levels deep made ``rglob`` (and ``validate`` with it) die of
    RecursionError, and a million files would be read one by one.
    """
    found: list[Path] = []
    todo = [(plugin_dir, 0)]
    while todo:
        directory, depth = todo.pop()
        try:
            children = sorted(directory.iterdir())
        except OSError:
            continue
        for child in children:
            if len(found) >= MAX_ENTRIES:
                return sorted(found), f"more than {MAX_ENTRIES} files and directories"
            found.append(child)
            if child.is_dir() and not child.is_symlink():
                if depth + 1 >= MAX_DEPTH:
                    return sorted(found), f"directories nested more than {MAX_DEPTH} levels deep"
                todo.append((child, depth + 1))
    return sorted(found), None


def python_files(plugin_dir: Path) -> list[Path]:
    """Regular .py files only: a link could point anywhere on this machine."""
    return [p for p in plugin_entries(plugin_dir)[0]
            if p.suffix == ".py" and p.is_file() and not p.is_symlink() and "__pycache__" not in p.parts]


def oversized(files: list[Path]) -> str | None:
    """Why ``files`` are too big to parse (over the size gate's limit), or None.

    A 14 MB plugin.py kept bandit and our AST policy busy for 110 s and 3.3 GB though the size gate
    rejects it anyway: nothing parses a plugin over the limit.
    """
    total = sum(f.stat().st_size for f in files)
    if total > MAX_SOURCE_BYTES:
        return (f"not checked: the plugin's Python files hold {total} bytes, over the {MAX_SOURCE_BYTES} "
                "byte limit")
    return None


def start(tool: str, files: list[Path]) -> subprocess.Popen[str] | None:
    """Start ``tool`` on ``files`` in the background; None when it cannot even start."""
    try:
        return subprocess.Popen(tool_command(tool, files), stdout=subprocess.PIPE,  # noqa: S603
                                stderr=subprocess.PIPE, text=True)
    except OSError:
        return None


def collect(tool: str, files: list[Path],
            proc: subprocess.Popen[str] | None = None) -> tuple[str, str | None]:
    """(stdout, error): the tool's JSON output, or why there is none."""
    proc = proc or start(tool, files)
    if proc is None:
        return "", f"{tool} could not start"
    try:
        out, _err = proc.communicate(timeout=TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "", f"{tool} timed out after {TOOL_TIMEOUT_S} s"
    return out, None


__all__ = ["LINT_SELECT", "MAX_DEPTH", "MAX_ENTRIES", "MAX_SOURCE_BYTES", "TOOL_TIMEOUT_S", "collect",
           "oversized", "plugin_entries", "python_files", "start", "tool_command"]
