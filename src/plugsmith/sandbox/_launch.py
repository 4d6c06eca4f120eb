"""What every backend needs to start the runner: the interpreter, the runner source, the filters."""

from __future__ import annotations

import marshal
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

from plugsmith.errors import NotFound
from plugsmith.sandbox._model import Limits, SandboxOutcome
from plugsmith.sandbox._process import execute
from plugsmith.sandbox._protocol import interpret, make_payload
from plugsmith.sandbox._seccomp import LAUNCH_DENY, LAUNCH_GUARDED, LOCKDOWN_DENY, build_filter

PYTHON_FLAGS = ("-I", "-S")  # isolated mode, no site-packages: plugins get the standard library only


@cache
def interpreter() -> Path:
    """The real Python binary of this installation (a venv's ``python`` resolves to it)."""
    return Path(os.path.realpath(sys.executable))


@cache
def python_root() -> Path:
    """The Python installation to expose read-only: ``sys.base_prefix``, never the user's home."""
    return Path(os.path.realpath(sys.base_prefix))


@cache
def runner_source() -> str:
    """The runner script, passed with ``-c`` so nothing needs to be copied into the sandbox."""
    return (Path(__file__).with_name("_runner.py")).read_text(encoding="utf-8")


_BOOT = "import marshal,sys;exec(marshal.loads(bytes.fromhex(sys.argv.pop(1))))"


@cache
def runner_args() -> tuple[str, ...]:
    """``-c BOOT HEX``: the runner's bytecode, compiled once here instead of in every sandbox.

    The sandboxed interpreter is this very binary, so the marshal format matches; ``sys.argv`` is left
    as ``['-c']`` before the runner starts.
    """
    code = compile(runner_source(), "<plugsmith-runner>", "exec")
    return ("-c", _BOOT, marshal.dumps(code).hex())


@cache
def launch_filter() -> bytes | None:
    return build_filter(LAUNCH_DENY, guarded=LAUNCH_GUARDED)


@cache
def lockdown_filter() -> bytes | None:
    return build_filter(LOCKDOWN_DENY)


def check_plugin_dir(plugin_dir: Path) -> Path:
    """The resolved plugin directory; a missing one is the caller's mistake, not the plugin's."""
    resolved = Path(plugin_dir).resolve()
    if not resolved.is_dir():
        raise NotFound("plugin directory not found", subject=str(plugin_dir), hint="check the path")
    return resolved


def run_batch(argv: list[str], *, inputs: list[dict[str, Any]], plugin_path: str, limits: Limits,
              backend: str, preexec: Any, pass_fds: tuple[int, ...] = (), cwd: str | None = None,
              env: dict[str, str] | None = None, landlock: dict[str, list[str]] | None = None,
              lockdown: bool = True, sweep: bool = True) -> SandboxOutcome:
    """Start ``argv`` (which ends in the runner), feed it the batch and interpret the answer.

    ``lockdown``: the runner also denies itself ``execve``; ``sweep``: look for stray processes after the
    run (needless where a PID namespace already guarantees none survive).
    """
    channel_r, channel_w = os.pipe()
    payload, nonce = make_payload(inputs, fd=channel_w, plugin=plugin_path, limits=limits,
                                  lockdown=lockdown_filter() if lockdown else None, landlock=landlock)
    raw = execute(argv, payload=payload, channel=(channel_r, channel_w), limits=limits, preexec=preexec,
                  pass_fds=pass_fds, cwd=cwd, env=env, sweep=sweep)
    return interpret(raw, nonce, len(inputs), backend)


__all__ = ["PYTHON_FLAGS", "check_plugin_dir", "interpreter", "launch_filter", "lockdown_filter",
           "python_root", "run_batch", "runner_args", "runner_source"]
