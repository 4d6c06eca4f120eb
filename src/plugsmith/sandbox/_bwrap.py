"""The bubblewrap backend: namespaces, a read-only view of the runtime, a private tmpfs, rlimits, seccomp.

The sandboxed interpreter sees only ``/usr`` (and the ``/lib``, ``/lib64``, ``/bin`` links), the Python
installation (``sys.base_prefix``; never the rest of the home directory), the plugin directory at
``/plugin`` and an empty private ``/tmp`` — the only writable place; the root itself is read-only. It
runs in new user, PID, network, IPC, UTS, mount and cgroup namespaces as ``nobody``, in a new session,
with an empty environment, dies with its parent, cannot create user namespaces, processes or sockets,
and cannot signal anything outside.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from plugsmith.errors import SandboxError
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

PLUGIN_MOUNT = "/plugin"


@cache
def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _system_mounts() -> list[str]:
    """/usr read-only, and /lib, /lib64, /bin, /sbin as on the host (links or read-only binds)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(top), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args


def _runtime_mounts() -> list[str]:
    """The Python installation, and the interpreter's directory if it lives elsewhere."""
    args: list[str] = []
    root = python_root()
    if not str(root).startswith("/usr/"):
        args += ["--ro-bind", str(root), str(root)]
    binary_dir = interpreter().parent
    if not binary_dir.is_relative_to(root) and not str(binary_dir).startswith("/usr/"):
        args += ["--ro-bind", str(binary_dir), str(binary_dir)]
    return args


def build_argv(plugin_dir: Path, limits: Limits, *, seccomp_fd: int | None, args: Sequence[str]) -> list[str]:
    """The full bwrap command line for one run; ``args`` follow ``python -I -S``."""
    exe = bwrap_path()
    if exe is None:
        raise SandboxError("bubblewrap (bwrap) is not installed", hint="apt-get install bubblewrap")
    tmp_size = max(limits.fsize_mb * 2, 4) * 1024 * 1024
    argv = [exe, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--clearenv", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            *_system_mounts(), *_runtime_mounts(),
            "--ro-bind", str(plugin_dir), PLUGIN_MOUNT,
            "--size", str(tmp_size), "--tmpfs", "/tmp",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/", "--chdir", "/tmp",
            "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8"]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    return [*argv, str(interpreter()), *PYTHON_FLAGS, *args]


def _seccomp_fd() -> int | None:
    """A memfd holding the launch filter, for ``bwrap --seccomp``."""
    program = launch_filter()
    if program is None:
        return None
    fd = os.memfd_create("plugsmith-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class BwrapSandbox:
    """The default backend. See the module docstring for what the plugin can and cannot see."""

    name = "bwrap"
    weaker = False

    def run(self, plugin_dir: Path, inputs: list[dict[str, Any]],
            limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run`` on every input in one fresh bubblewrap sandbox."""
        limits = limits or Limits()
        source = check_plugin_dir(plugin_dir)
        fd = _seccomp_fd()
        try:
            argv = build_argv(source, limits, seccomp_fd=fd, args=runner_args())
            outcome = run_batch(argv, inputs=inputs, plugin_path=f"{PLUGIN_MOUNT}/plugin.py", limits=limits,
                                backend=self.name, preexec=rlimit_hook(limits),
                                pass_fds=() if fd is None else (fd,), sweep=False)
        finally:
            if fd is not None:
                os.close(fd)
        _raise_if_setup_failed(outcome)
        return outcome

    def close(self) -> None:
        """Nothing to release: every run is its own process."""


def _raise_if_setup_failed(outcome: SandboxOutcome) -> None:
    """bwrap refusing to start is a sandbox failure, not the plugin's."""
    if not outcome.completed and not outcome.runs and outcome.stderr.startswith("bwrap:"):
        raise SandboxError(outcome.stderr.strip().splitlines()[0], subject="sandbox",
                           hint="run `plugsmith doctor`")


def probe(timeout: float = 10.0) -> tuple[bool, str]:
    """Try a trivial run of the real command line once; (works, why)."""
    if bwrap_path() is None:
        return False, "bwrap not found on PATH (install the Debian package bubblewrap)"
    limits = Limits()
    fd = _seccomp_fd()
    try:
        argv = build_argv(Path("/"), limits, seccomp_fd=fd, args=("-c", "print('ok')"))
        argv[argv.index(PLUGIN_MOUNT) - 2:argv.index(PLUGIN_MOUNT) + 1] = []
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              pass_fds=() if fd is None else (fd,), preexec_fn=rlimit_hook(limits))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap failed to start: {exc}"
    finally:
        if fd is not None:
            os.close(fd)
    if proc.returncode == 0 and proc.stdout.strip() == "ok":
        return True, f"bwrap works ({bwrap_path()}): user/pid/net/ipc/uts/mount namespaces, seccomp, rlimits"
    why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return False, f"bwrap is installed but does not work here: {why}"


__all__ = ["BwrapSandbox", "build_argv", "bwrap_path", "probe"]
