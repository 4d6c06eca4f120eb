"""Launching one sandboxed process and talking to it, shared by every backend.

The process starts in a new session (its own process group) with rlimits set in a pre-exec hook. Its
stdin gets the payload; stdout and stderr are captured and truncated; the result channel is a pipe whose
write end the child inherits. A wall-clock deadline, or a result channel over budget, kills the whole
process group. Whatever happens, the group is killed before the leader is reaped, so no child survives
and no pid can be reused under our feet.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from plugsmith.errors import SandboxError
from plugsmith.sandbox._model import Limits

_CHUNK = 65536


@dataclass
class RawRun:
    """What came out of one process, before the protocol is interpreted."""

    returncode: int
    channel: bytes
    channel_overflow: bool
    stdout: bytes
    stderr: bytes
    timed_out: bool
    duration_ms: float


def rlimit_hook(limits: Limits, extra: Callable[[], None] | None = None, *,
                uid: int | None = None) -> Callable[[], None]:
    """A pre-exec hook setting CPU, address space, process, file size, open files and core limits.

    ``uid``: the uid the child will run as, when ``extra`` switches to another one.
    """
    cpu = max(1, int(limits.cpu_s + 0.999))
    memory = limits.memory_mb * 1024 * 1024
    fsize = limits.fsize_mb * 1024 * 1024
    # RLIMIT_NPROC counts every process of the real uid (root is exempt): leave room for the user's own
    owner = os.getuid() if uid is None else uid
    nproc = limits.nproc + (_processes_of(owner) if owner else 0)

    def hook() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if extra is not None:
            extra()

    return hook


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                count += os.stat(f"/proc/{entry}").st_uid == uid
    return count


def sweep(leader: int) -> int:
    """Kill any process still in the run's session or process group; how many there were.

    The group is killed first; this catches what left the group but not the session. With bubblewrap the
    PID namespace already guarantees it; the check is for the fallback.
    """
    found = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == leader:
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and leader in (int(fields[3]), int(fields[4])):  # pgrp, session
            with contextlib.suppress(OSError):
                os.kill(int(entry), signal.SIGKILL)
            found += 1
    return found


class _Capture:
    """Keeps the first ``limit`` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += chunk[:max(room, 0)]
        self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> bytes:
        note = f"\n[... {self.dropped} bytes truncated]".encode() if self.dropped else b""
        return bytes(self.data) + note


def execute(argv: Sequence[str], *, payload: bytes, channel: tuple[int, int], limits: Limits,
            preexec: Callable[[], None], pass_fds: Sequence[int] = (), cwd: str | None = None,
            env: dict[str, str] | None = None, sweep: bool = True) -> RawRun:
    """Run ``argv`` to completion or until a limit is hit; always kill its process group afterwards.

    ``channel`` is the result pipe ``(read_fd, write_fd)``; the child inherits the write end.
    """
    channel_r, channel_w = channel
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv is built by the backend, never by the plugin
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(channel_w, *pass_fds), preexec_fn=preexec, start_new_session=True, cwd=cwd,
            env=env if env is not None else {}, close_fds=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        os.close(channel_r)
        os.close(channel_w)
        raise SandboxError(f"could not start the sandbox: {exc}", subject=argv[0],
                           hint="run `plugsmith doctor`") from None
    os.close(channel_w)
    try:
        return _pump(proc, channel_r, payload, limits, start)
    finally:
        _kill_group(proc, sweep)
        with contextlib.suppress(OSError):
            os.close(channel_r)


def _pump(proc: subprocess.Popen[bytes], channel_r: int, payload: bytes, limits: Limits,
          start: float) -> RawRun:
    assert proc.stdin and proc.stdout and proc.stderr
    sel = selectors.DefaultSelector()
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    outs = {out_fd: _Capture(limits.stdout_bytes), err_fd: _Capture(limits.stdout_bytes)}
    channel = bytearray()
    budget = limits.output_bytes + _CHUNK
    for fd in (*outs, channel_r):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ)
    stdin_fd = proc.stdin.fileno()
    os.set_blocking(stdin_fd, False)
    sel.register(stdin_fd, selectors.EVENT_WRITE)
    pending = memoryview(payload)
    deadline = start + limits.wall_s
    timed_out = overflow = False
    open_reads = len(outs) + 1
    while open_reads:
        left = deadline - time.perf_counter()
        if left <= 0:
            timed_out = True
            break
        for key, _ in sel.select(timeout=left):
            fd = int(key.fd)
            if fd == stdin_fd:
                try:
                    pending = pending[os.write(fd, pending[:_CHUNK]):]
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # the child stopped reading; it will report what it got
                    pending = pending[:0]
                if not pending:
                    sel.unregister(fd)
                    proc.stdin.close()
                continue
            try:
                chunk = os.read(fd, _CHUNK)
            except BlockingIOError:
                continue
            if not chunk:
                sel.unregister(fd)
                open_reads -= 1
            elif fd == channel_r:
                channel += chunk
                if len(channel) > budget:
                    overflow = True
                    open_reads = 0
                    break
            else:
                outs[fd].feed(chunk)
    sel.close()
    grace = None if (timed_out or overflow) else max(deadline - time.perf_counter(), 0.05)
    returncode = _finish(proc, grace)
    return RawRun(returncode, bytes(channel), overflow, outs[out_fd].text(), outs[err_fd].text(),
                  timed_out or returncode == _TIMEOUT, (time.perf_counter() - start) * 1000)


_TIMEOUT = -10_000


def _finish(proc: subprocess.Popen[bytes], grace: float | None) -> int:
    """Wait (without reaping) for a natural exit within ``grace``; then kill the group; then reap."""
    if grace is not None and not _exited_within(proc.pid, grace):
        _killpg(proc)
        proc.wait()
        return _TIMEOUT
    _killpg(proc)
    return proc.wait()


def _exited_within(pid: int, timeout: float) -> bool:
    """Whether ``pid`` exits within ``timeout``; it stays a zombie (unreaped) so its pgid stays valid."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    if pidfd is not None:
        try:
            return bool(select.select([pidfd], [], [], timeout)[0])
        finally:
            os.close(pidfd)
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            return True
        time.sleep(0.002)
    return False


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _kill_group(proc: subprocess.Popen[bytes], strays: bool) -> None:
    """Kill the group, sweep the session for strays (if asked), close our ends of the pipes."""
    _killpg(proc)
    if strays:
        sweep(proc.pid)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


__all__ = ["RawRun", "execute", "rlimit_hook"]
