"""The warm path: one long-lived sandboxed worker per release, one fresh forked child per call.

A cold run starts a whole sandbox (bubblewrap or the rlimit fallback) and an interpreter for every
batch; that start is most of a small call's cost. A :class:`WarmWorker` starts the same sandbox once —
same launch code, mounts, rlimits and seccomp layers, except that its filter still allows ``fork`` and
signalling its own children — around a fork server (``_zygote.py``) that never imports the plugin. Each
call forks a child of that pristine worker; the child closes everything but its own pipes, applies the
call's CPU and memory limits, locks itself down like the cold runner (plus a Landlock fence around a
per-call directory), and only then imports ``plugin.py``. The worker removes the call's files afterwards
(restoring the modes a call gave them first); a worker that cannot remove everything is replaced, so no
call sees what an earlier one left. The host passes each call's pipes over a Unix socket, so the worker never
sees a call's input or output, and reads the answer itself with the cold path's protocol rules
(``interpret``: nonce, limits, reasons).

A worker that stops answering, dies or breaks the control protocol is killed (its whole process group)
and started again on the next call. :class:`WarmPool` keeps one worker per (plugin directory, limits,
backend) and closes them all at the end::

    pool = WarmPool("bwrap")
    outcome = pool.run(plugin_dir, {"xs": [1, 2]}, Limits(wall_s=5))   # a SandboxOutcome, as cold runs give
    pool.close()
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from plugsmith.errors import BadInput, SandboxError
from plugsmith.sandbox._bwrap import PLUGIN_MOUNT, build_argv
from plugsmith.sandbox._launch import PYTHON_FLAGS, check_plugin_dir, runner_source
from plugsmith.sandbox._model import Limits, SandboxOutcome
from plugsmith.sandbox._privileges import SANDBOX_GID, SANDBOX_UID
from plugsmith.sandbox._process import RawRun, _Capture, rlimit_hook
from plugsmith.sandbox._protections import fallback_plan, refuse_below_minimum
from plugsmith.sandbox._protocol import interpret
from plugsmith.sandbox._rlimit import _fence, _hooks, _stage_plugin, is_builtin
from plugsmith.sandbox._seccomp import LAUNCH_DENY, LAUNCH_GUARDED, LOCKDOWN_DENY, build_filter

# the worker forks and reaps its children, and restores the modes of what a call left (to remove it)
ZYGOTE_ALLOWS = ("clone", "fork", "vfork", "kill", "pidfd_open", "chmod", "fchmod", "fchmodat", "fchmodat2")
WORKER_CPU_S = 600.0     # the worker's own CPU budget (forking costs ~1 ms a call); recycled long before
MAX_CALLS = 5000         # calls per worker before it is replaced by a fresh one
START_TIMEOUT_S = 15.0
GRACE_S = 2.0            # beyond a call's wall limit before the host gives up on the worker itself
_BOOT = "import marshal,sys;exec(marshal.loads(bytes.fromhex(sys.argv.pop(1))))"


@cache
def zygote_args() -> tuple[str, ...]:
    """``-c BOOT ZYGOTE RUNNER``: both compiled here once, as for the cold runner."""
    zygote = (Path(__file__).with_name("_zygote.py")).read_text(encoding="utf-8")
    return ("-c", _BOOT, marshal.dumps(compile(zygote, "<plugsmith-zygote>", "exec")).hex(),
            marshal.dumps(compile(runner_source(), "<plugsmith-runner>", "exec")).hex())


@cache
def zygote_filter() -> bytes | None:
    """The launch filter minus what a fork server needs (fork, kill and wait for its own children)."""
    return build_filter(tuple(n for n in LAUNCH_DENY if n not in ZYGOTE_ALLOWS), guarded=LAUNCH_GUARDED)


@cache
def child_filter() -> bytes | None:
    """What each call's child adds before importing the plugin: the full launch and lockdown filters."""
    return build_filter((*LAUNCH_DENY, *LOCKDOWN_DENY), guarded=LAUNCH_GUARDED)


@cache
def self_filter() -> bytes | None:
    return build_filter(LOCKDOWN_DENY)


def _hex(program: bytes | None) -> str | None:
    return program.hex() if program else None


_Spec = tuple[list[str], dict[str, Any], dict[str, Any], tuple[int, ...]]  # argv, Popen keywords, header, fds


def _identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_dev, stat.st_ino


def _message(sock: socket.socket) -> dict[str, Any] | None:
    """The next control message (a JSON object), or None: the worker is gone or sent garbage."""
    try:
        data = sock.recv(65536)
        message = json.loads(data) if data else None
    except (OSError, ValueError):
        return None
    return message if isinstance(message, dict) else None


def _memfd(program: bytes) -> int:
    fd = os.memfd_create("plugsmith-zygote-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


class WarmWorker:
    """One sandboxed fork server for one plugin directory. Thread-safe: calls run one at a time."""

    def __init__(self, plugin_dir: Path, limits: Limits, backend: str, binary: str | None = None) -> None:
        if backend not in ("bwrap", "rlimit"):
            raise SandboxError(f"no warm worker for backend {backend!r}", subject="sandbox")
        self.source = check_plugin_dir(plugin_dir)
        self._identity = _identity(self.source)
        self.limits = limits
        self.backend, self.binary = backend, binary
        self.calls = 0
        self.starts = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._workdir: str | None = None

    def follow(self, plugin_dir: Path) -> None:
        """Serve ``plugin_dir`` from now on; a different directory (or one rebuilt in place, e.g. a
        checkout re-made after tampering) replaces the worker, whose mount still shows the old one."""
        source = check_plugin_dir(plugin_dir)
        identity = _identity(source)
        if source != self.source or identity != self._identity:
            with self._lock:
                self.source, self._identity = source, identity
                self.close()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------------ launching
    def _launch_spec(self) -> _Spec:
        """(argv, Popen keywords, zygote header, extra fds) for this backend."""
        own = replace(self.limits, cpu_s=WORKER_CPU_S, wall_s=WORKER_CPU_S)
        header: dict[str, Any] = {"self_filter": _hex(self_filter()), "child_filter": _hex(child_filter())}
        if self.backend == "bwrap":
            program = zygote_filter()
            fd = _memfd(program) if program else None
            argv = build_argv(self.source, own, seccomp_fd=fd, args=zygote_args(), binary=self.binary)
            ro = sorted(_fence(Path(PLUGIN_MOUNT), "/tmp", writable=True)["ro"])
            header.update(plugin=f"{PLUGIN_MOUNT}/plugin.py", scratch="/tmp", sweep=["/dev/shm", "/dev"],
                          ro=ro, writable=True)  # each call's directory, on bwrap's size-capped /tmp
            return argv, {"preexec_fn": rlimit_hook(own), "env": {}}, header, (() if fd is None else (fd,))
        return self._fallback_spec(own, header)

    def _fallback_spec(self, own: Limits, header: dict[str, Any]) -> _Spec:
        """The rlimit fallback exactly as a cold run starts it (the same minimum, uid drop, staged copies),
        except for the fork server's seccomp filter."""
        plan = fallback_plan()
        if plan.missing and not is_builtin(self.source):
            refuse_below_minimum(plan, None)
        base = Path(tempfile.mkdtemp(prefix="plugsmith-warm-"))
        self._workdir = str(base)
        plugin, work = self.source, base
        if plan.drop:
            base.chmod(0o711)
            plugin = _stage_plugin(self.source, base / "plugin")
            work = base / "work"
            work.mkdir(mode=0o700)
            os.chown(work, SANDBOX_UID, SANDBOX_GID)
        hooks = _hooks(own, plan.drop, zygote_filter)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work), "LANG": "C.UTF-8",
               **hooks.runtime.env}
        argv = [str(hooks.runtime.interpreter), *PYTHON_FLAGS, *zygote_args()]
        header.update(plugin=str(plugin / "plugin.py"), scratch=str(work), sweep=[],
                      ro=_fence(plugin, str(work), hooks.runtime)["ro"], writable=False)  # host disk
        return argv, {"preexec_fn": hooks.preexec, "env": env, "cwd": str(work)}, header, ()

    def _start(self) -> None:
        self.close()
        host, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv, options, header, extra = self._launch_spec()
        header["ctl"] = child.fileno()
        try:
            proc = subprocess.Popen(  # noqa: S603 - argv is built here, never by the plugin
                argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                pass_fds=(child.fileno(), *extra), start_new_session=True, close_fds=True,
                preexec_fn=options["preexec_fn"], env=options["env"], cwd=options.get("cwd"))
        except (OSError, subprocess.SubprocessError) as exc:
            host.close()
            raise SandboxError(f"could not start the warm worker: {exc}", subject=argv[0],
                               hint="run `plugsmith doctor`") from None
        finally:
            child.close()
            for fd in extra:
                os.close(fd)
        self._proc, self._sock = proc, host
        self.starts += 1
        self.calls = 0
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(header).encode() + b"\n")
            proc.stdin.close()
        except OSError:
            pass
        ready = self._receive(time.monotonic() + START_TIMEOUT_S)
        if ready is None or ready.get("t") != "ready":
            why = self._stderr_tail() or "no answer"
            self.close()
            raise SandboxError(f"the warm worker did not start: {why}", subject="sandbox",
                               hint="run `plugsmith doctor`; `plugsmith mcp --cold` avoids the warm path")

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        """One control message, or None (timeout, closed, garbage)."""
        assert self._sock is not None
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self._sock], [], [], left)[0]:
            return None
        return _message(self._sock)

    def _stderr_tail(self) -> str:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            os.set_blocking(proc.stderr.fileno(), False)
            data = proc.stderr.read(16000) or b""
            lines = data.decode("utf-8", "replace").strip().splitlines()
            return lines[-1][:300] if lines else ""
        return ""

    # ------------------------------------------------------------------ calling
    def call(self, inputs: dict[str, Any], limits: Limits | None = None) -> SandboxOutcome:
        """Run ``plugin.run(inputs)`` in a fresh child of the worker; the outcome of a cold run."""
        limits = limits or self.limits
        try:
            payload = json.dumps(inputs, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise BadInput(f"inputs are not JSON: {exc}", subject="sandbox") from None
        with self._lock:
            if not self.alive or self.calls >= MAX_CALLS:
                self._start()
            self.calls += 1
            return self._call(payload, limits)

    def _call(self, payload: bytes, limits: Limits) -> SandboxOutcome:
        assert self._sock is not None
        in_r, in_w = os.pipe()
        res_r, res_w = os.pipe()
        log_r, log_w = os.pipe()
        nonce = secrets.token_hex(16)
        request = {"nonce": nonce, "cpu": max(1, int(limits.cpu_s + 0.999)), "mem": limits.memory_mb << 20,
                   "wall": limits.wall_s, "budget": limits.output_bytes}
        start = time.perf_counter()
        try:
            socket.send_fds(self._sock, [json.dumps(request).encode()], [in_r, res_w, log_w])
        except OSError:
            for fd in (in_r, in_w, res_r, res_w, log_r, log_w):
                os.close(fd)
            self.close()
            return SandboxOutcome(False, "crashed", stderr="the warm worker is gone", backend=self.backend)
        for fd in (in_r, res_w, log_w):
            os.close(fd)
        pump = _CallPump(self._sock, payload, in_w, res_r, log_r, limits)
        try:
            status = pump.run(start + limits.wall_s + GRACE_S)
        finally:
            pump.close()
        if status is None or status.get("t") != "exit" or status.get("clean") is not True:
            self.close()  # hung, dead, confused, or left files behind: never trust it with another call
        rc = int(status["rc"]) if status and status.get("t") == "exit" else -signal.SIGKILL
        timed_out = status is None or bool(status.get("timeout"))
        raw = RawRun(rc, bytes(pump.channel), pump.overflow, b"", pump.log.text(), timed_out,
                     (time.perf_counter() - start) * 1000)
        return interpret(raw, nonce, 1, self.backend)

    def close(self) -> None:
        """Kill the worker's whole process group and release its socket and scratch directory."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            if proc.stderr is not None:
                proc.stderr.close()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


class _CallPump:
    """Feeds one call's input and collects its result channel, its log and the worker's exit report."""

    def __init__(self, sock: socket.socket, payload: bytes, in_w: int, res_r: int, log_r: int,
                 limits: Limits) -> None:
        self.sock, self.in_w, self.res_r, self.log_r = sock, in_w, res_r, log_r
        self.pending = memoryview(payload)
        self.channel = bytearray()
        self.budget = limits.output_bytes + 65536
        self.overflow = False
        self.log = _Capture(limits.stdout_bytes)
        self._open = {in_w, res_r, log_r}

    def _drop(self, fd: int) -> None:
        if fd in self._open:
            self._open.discard(fd)
            os.close(fd)

    def run(self, deadline: float) -> dict[str, Any] | None:
        """The worker's ``exit`` report once the child's pipes are drained; None on timeout or loss."""
        os.set_blocking(self.in_w, False)
        status: dict[str, Any] | None = None
        while True:
            readers = [fd for fd in (self.res_r, self.log_r) if fd in self._open]
            if status is not None and not readers:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            writers = [self.in_w] if self.in_w in self._open else []
            control = [] if status else [self.sock.fileno()]
            ready_r, ready_w, _ = select.select([*readers, *control], writers, [], left)
            if ready_w:
                self._feed()
            for fd in ready_r:
                if fd in control:
                    status = _message(self.sock)
                    if status is None:
                        return None
                else:
                    self._read(fd)

    def _feed(self) -> None:
        try:
            self.pending = self.pending[os.write(self.in_w, self.pending[:65536]):]
        except BlockingIOError:
            return
        except BrokenPipeError:
            self.pending = self.pending[:0]
        if not self.pending:
            self._drop(self.in_w)

    def _read(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(fd)
        elif fd == self.res_r:
            self.channel += chunk
            if len(self.channel) > self.budget:
                self.overflow = True
                self._drop(fd)
        else:
            self.log.feed(chunk)

    def close(self) -> None:
        for fd in list(self._open):
            self._drop(fd)


class WarmPool:
    """Warm workers by (key, limits) — the key names the plugin (a checksum; by default its directory)."""

    def __init__(self, backend: str, binary: str | None = None) -> None:
        self.backend, self.binary = backend, binary
        self._workers: dict[tuple[str, Limits], WarmWorker] = {}
        self._lock = threading.Lock()

    def worker(self, plugin_dir: Path, limits: Limits, key: str | None = None) -> WarmWorker:
        index = (key or str(Path(plugin_dir).resolve()), limits)
        with self._lock:
            found = self._workers.get(index)
            if found is None:
                found = self._workers[index] = WarmWorker(plugin_dir, limits, self.backend, self.binary)
        found.follow(plugin_dir)
        return found

    def run(self, plugin_dir: Path, inputs: dict[str, Any], limits: Limits,
            key: str | None = None) -> SandboxOutcome:
        """One call on the plugin's warm worker (started on first use, restarted after misbehaviour)."""
        return self.worker(plugin_dir, limits, key).call(inputs, limits)

    def retire(self, keep: set[str]) -> None:
        """Close the workers whose key is not in ``keep`` (plugins no longer served)."""
        with self._lock:
            gone = [k for k in self._workers if k[0] not in keep]
            workers = [self._workers.pop(k) for k in gone]
        for worker in workers:
            worker.close()

    def close(self) -> None:
        with self._lock:
            workers, self._workers = list(self._workers.values()), {}
        for worker in workers:
            worker.close()


__all__ = ["MAX_CALLS", "ZYGOTE_ALLOWS", "WarmPool", "WarmWorker", "child_filter",
           "zygote_args", "zygote_filter"]
