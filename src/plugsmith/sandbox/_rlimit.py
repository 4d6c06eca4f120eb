"""The fallback backend, for machines where bubblewrap does not work. Weaker, and says so.

A plain child process: clean environment, ``python -I -S``, rlimits, a private temporary directory as its
working directory, its own process group (killed as a whole), and the same seccomp filters as the
bubblewrap backend when the kernel allows (no new processes, no signals to others, no sockets, no
``execve``). What it cannot give: a private file-system view (the plugin could read what the user can
read) and its own PID and network namespaces. Callers announce it as weaker.
"""

from __future__ import annotations

import ctypes
import shutil
import tempfile
from collections.abc import Callable
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
from plugsmith.sandbox._process import rlimit_hook

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def seccomp_installer(program: bytes | None) -> Callable[[], None] | None:
    """A pre-exec callable installing ``program``; everything is allocated before the fork."""
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
        prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)

    return install


def _fence(plugin_dir: Path, workdir: str) -> dict[str, list[str]]:
    """Landlock paths: the runtime and the plugin read-only, the private work dir writable."""
    ro = sorted({"/usr", "/lib", "/lib64", str(python_root()), str(interpreter().parent), str(plugin_dir),
                 "/dev/null", "/dev/urandom"})
    return {"ro": ro, "rw": [workdir]}


class RlimitSandbox:
    """The fallback backend. See the module docstring for what it does not protect."""

    name = "rlimit"
    weaker = True

    def run(self, plugin_dir: Path, inputs: list[dict[str, Any]],
            limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run`` on every input in one fresh, rlimited child process."""
        limits = limits or Limits()
        source = check_plugin_dir(plugin_dir)
        workdir = tempfile.mkdtemp(prefix="plugsmith-run-")
        env = {"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"}
        argv = [str(interpreter()), *PYTHON_FLAGS, *runner_args()]
        installer = seccomp_installer(launch_filter())
        try:
            # with the seccomp filter no process can be created or leave the group, so no sweep is needed
            return run_batch(argv, inputs=inputs, plugin_path=str(source / "plugin.py"), limits=limits,
                             backend=self.name, preexec=rlimit_hook(limits, installer), cwd=workdir,
                             env=env, landlock=_fence(source, workdir), sweep=installer is None)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def close(self) -> None:
        """Nothing to release: every run is its own process."""


__all__ = ["RlimitSandbox", "seccomp_installer"]
