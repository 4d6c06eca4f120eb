"""The fallback backend, for machines where bubblewrap does not work. Weaker, and says so.

A plain child process: clean environment, ``python -I -S``, rlimits, its own process group (killed as a
whole), and the same seccomp filters as the bubblewrap backend (no new processes, no signals to others, no
sockets, no io_uring, no kernel surface, no ``execve``). A root caller's child becomes uid/gid 65534
with no capabilities and ``no_new_privs`` before it starts (``_privileges``), runs a copy of the plugin
and a runtime that uid can read (``_runtime``), in a private (empty) work directory it owns. Where the
kernel has Landlock, the runner fences the file system (read-only runtime, plugin and work directory,
nothing else: no file can be created, since nothing could cap their size on the host's disk) and, from
Landlock ABI 4, denies TCP bind and connect.

What it cannot give: PID, network and mount namespaces. ``_protections`` measures what it does give;
below the stated minimum (docs/sandbox.md) it refuses to run anything but the built-ins unless
``policy.toml`` allows it (``allow_weak_fallback = true``). Callers announce it as weaker.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from plugsmith.sandbox._launch import (
    PYTHON_FLAGS,
    check_plugin_dir,
    interpreter,
    launch_filter,
    python_root,
    run_batch,
    runner_args,
)
from plugsmith.sandbox._model import Limits, SandboxOutcome
from plugsmith.sandbox._privileges import SANDBOX_GID, SANDBOX_UID, drop_hook
from plugsmith.sandbox._process import rlimit_hook
from plugsmith.sandbox._runtime import Runtime, runtime_for_other_uid

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def seccomp_installer(program: bytes | None) -> Callable[[], None] | None:
    """A pre-exec callable setting ``no_new_privs`` and installing ``program``; allocated before the fork.

    A filter the kernel refuses raises, so the sandbox never starts without it.
    """
    if program is None:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_char_p))
    prctl = libc.prctl

    def install() -> None:
        _keep = (buf, prog)  # noqa: F841 - keep the buffers alive until exec
        prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "the seccomp filter was refused")

    return install


def _fence(plugin_dir: Path, workdir: str, runtime: Runtime | None = None, *,
           writable: bool = False) -> dict[str, list[str]]:
    """Landlock paths: the runtime and the plugin read-only; the private work dir read-only too unless
    ``writable`` (a size-capped tmpfs under bwrap). The fallback's work dir is a directory on the
    host's disk, whose size nothing can cap without a mount namespace: a plugin allowed to create
    files there writes gigabytes within its CPU limit, so it may not."""
    runtime = runtime or Runtime(interpreter(), python_root())
    ro = sorted({"/usr", "/lib", "/lib64", str(python_root()), str(runtime.root),
                 str(runtime.interpreter.parent), str(plugin_dir), "/dev/null", "/dev/urandom"})
    return {"ro": ro, "rw": [workdir]} if writable else {"ro": sorted({*ro, workdir}), "rw": []}


def _stage_plugin(source: Path, into: Path) -> Path:
    """A root-owned, world-readable copy of the plugin's regular files and directories (no links)."""

    def skip(directory: str, names: list[str]) -> list[str]:
        modes = {n: os.lstat(os.path.join(directory, n)).st_mode for n in names}
        return [n for n, mode in modes.items() if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))]

    shutil.copytree(source, into, ignore=skip)
    for root, _dirs, files in os.walk(into):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    return into


@dataclass(frozen=True)
class _Hooks:
    runtime: Runtime
    preexec: Callable[[], None]
    sweep: bool


def _hooks(limits: Limits, drop: bool, program: Callable[[], bytes | None] = launch_filter) -> _Hooks:
    """``program``: the seccomp filter to start under (the warm worker's still lets it fork)."""
    runtime = runtime_for_other_uid() if drop else Runtime(interpreter(), python_root())
    installer = seccomp_installer(program())
    dropper = drop_hook(drop)

    def extra() -> None:
        dropper()
        if installer is not None:
            installer()

    # with the seccomp filter no process can be created or leave the group, so no sweep is needed
    return _Hooks(runtime, rlimit_hook(limits, extra, uid=SANDBOX_UID if drop else None), installer is None)


def run_fallback(source: Path, inputs: list[dict[str, Any]], limits: Limits, *, drop: bool,
                 check: Callable[[Path], None] | None = None) -> SandboxOutcome:
    """One fallback run of the plugin in ``source``; ``drop``: become nobody first (root callers).

    ``check`` sees the plugin directory that will really run (the staged copy when dropping) first.
    """
    base = Path(tempfile.mkdtemp(prefix="plugsmith-run-"))
    try:
        hooks = _hooks(limits, drop)
        plugin, work = source, base
        if drop:
            base.chmod(0o711)
            plugin = _stage_plugin(source, base / "plugin")
            work = base / "work"
            work.mkdir(mode=0o700)
            os.chown(work, SANDBOX_UID, SANDBOX_GID)
        if check is not None:
            check(plugin)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work), "LANG": "C.UTF-8",
               **hooks.runtime.env}
        argv = [str(hooks.runtime.interpreter), *PYTHON_FLAGS, *runner_args()]
        return run_batch(argv, inputs=inputs, plugin_path=str(plugin / "plugin.py"), limits=limits,
                         backend=RlimitSandbox.name, preexec=hooks.preexec, cwd=str(work), env=env,
                         landlock=_fence(plugin, str(work), hooks.runtime), sweep=hooks.sweep)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@cache
def _builtin_digests() -> frozenset[str]:
    """sha256 of every built-in plugin's code as shipped with plugsmith (Tier 0)."""
    import plugsmith

    root = Path(plugsmith.__file__).parent / "builtins"
    return frozenset(hashlib.sha256(p.read_bytes()).hexdigest() for p in root.glob("*/plugin.py"))


def is_builtin(plugin_dir: Path) -> bool:
    """Whether ``plugin_dir`` runs exactly the code of a shipped built-in plugin."""
    try:
        return hashlib.sha256((plugin_dir / "plugin.py").read_bytes()).hexdigest() in _builtin_digests()
    except OSError:
        return False


class RlimitSandbox:
    """The fallback backend. See the module docstring for what it does not protect.

    ``allow_below_minimum``: run non-built-in code even when the fallback lacks a protection of the
    minimum; None reads ``allow_weak_fallback`` from policy.toml.
    """

    name = "rlimit"
    weaker = True

    def __init__(self, *, allow_below_minimum: bool | None = None) -> None:
        self.allow_below_minimum = allow_below_minimum

    def run(self, plugin_dir: Path, inputs: list[dict[str, Any]],
            limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run`` on every input in one fresh, unprivileged, rlimited child process."""
        from plugsmith.sandbox._protections import fallback_plan, refuse_below_minimum

        limits = limits or Limits()
        source = check_plugin_dir(plugin_dir)
        plan = fallback_plan()

        def check(plugin: Path) -> None:
            if plan.missing and not is_builtin(plugin):
                refuse_below_minimum(plan, self.allow_below_minimum)

        return run_fallback(source, inputs, limits, drop=plan.drop, check=check)

    def close(self) -> None:
        """Nothing to release: every run is its own process."""


__all__ = ["RlimitSandbox", "is_builtin", "run_fallback", "seccomp_installer"]
