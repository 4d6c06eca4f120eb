"""The warm worker's fork server: trusted code that stays alive inside one sandbox and never runs a plugin.

It runs as ``python -I -S -c BOOT <this file's bytecode> <the runner's bytecode>`` under the same sandbox
as a cold run (bubblewrap or the rlimit fallback), with a seccomp filter that still lets it fork and
signal its own children. It reads one header line on stdin, makes itself undumpable (so a child cannot
read or write its memory through ``/proc``), preloads the standard library plugins use, denies itself
``execve`` and then serves calls on a Unix socket, strictly one at a time:

* the host sends ``{nonce, cpu, mem, wall, budget}`` with three file descriptors: the input pipe's read
  end, the result channel's write end and a pipe for the child's stdout/stderr. The worker never reads
  a call's input or output; only the child does;
* the worker makes a fresh directory for the call and forks. The child takes the three descriptors,
  closes everything else (the control socket above all), sets the call's CPU and memory limits, reads
  its input, locks itself down (the runner's ``_lockdown``: no ``execve``, no new processes, no signals,
  no sockets, no SysV/POSIX IPC, no chmod, and a Landlock fence that leaves only the call directory writable —
  under bwrap, whose ``/tmp`` is size-capped; the fallback's is on the host's disk and stays read-only)
  and only then imports ``plugin.py`` and runs it, answering on the result channel exactly like the
  cold runner (same messages, same nonce rule);
* the worker waits for the child (killing it at the wall-clock limit), removes everything the call
  could have written (restoring modes the call set first) and reports ``{rc, timeout, clean}`` on the
  socket; a worker that could not remove everything says so and exits, and the host starts a fresh one.

Calls therefore share nothing: each child is a fresh copy of a worker no plugin has touched, and the
call's files are gone before the next call starts.
"""

from __future__ import annotations

import os
import sys

MYPY = False
if MYPY:  # type-only imports (the sandboxed interpreter has the standard library only)
    from typing import Any

PRELOAD = ("typing", "json", "math", "statistics", "datetime", "re", "collections", "itertools", "functools",
           "decimal", "fractions", "dataclasses", "enum", "string", "operator", "copy", "bisect", "heapq",
           "traceback", "ctypes", "struct")
_PR_SET_DUMPABLE = 4


def _runner() -> dict[str, Any]:
    """The cold runner's functions (sender, lockdown, loader, case loop), from the bytecode in argv."""
    import marshal

    namespace: dict[str, Any] = {"__name__": "plugsmith_runner"}
    exec(marshal.loads(bytes.fromhex(sys.argv.pop(1))), namespace)  # plugsmith's own runner, not plugin code
    return namespace


def _prepare(header: dict[str, Any]) -> None:
    """Preload, become undumpable, deny ourselves execve; nothing here runs plugin code."""
    import ctypes
    import gc

    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            continue
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    RUNNER["_lockdown"](header.get("self_filter"), None)
    gc.collect()
    gc.freeze()  # children fork from here: keep their pages shared


def _sweep(roots: list[str], baseline: dict[str, set[str]]) -> bool:
    """Remove whatever a call left under the writable roots (everything not there at start); whether
    nothing is left.

    A call can create directories it cannot list or enter itself (``mkdir(d, 0o300)``, a file inside);
    their modes are restored first, or ``rmtree`` would leave them for the next call to find by name.
    """
    import contextlib
    import shutil

    clean = True
    for root in roots:
        try:
            entries = os.listdir(root)
        except OSError:
            continue
        for entry in entries:
            if entry in baseline.get(root, set()):
                continue
            path = os.path.join(root, entry)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    _open_up(path)
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
            except Exception:  # noqa: BLE001 - whatever stops the removal, the worker must not go on
                clean = False
        with contextlib.suppress(OSError):
            clean = clean and set(os.listdir(root)) <= baseline.get(root, set())
    return clean


def _open_up(top: str) -> None:
    """Give every directory below ``top`` (ours: same uid) owner rwx, without recursion (a call may nest
    directories thousands deep)."""
    todo = [top]
    while todo:
        path = todo.pop()
        os.chmod(path, 0o700)  # a directory (never a link: see below)
        with os.scandir(path) as entries:
            todo += [e.path for e in entries if e.is_dir(follow_symlinks=False)]


def _close_others(keep: set[int]) -> None:
    import resource

    top = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    top = 1024 if top < 0 or top > 65536 else top
    low = 3
    for fd in sorted(k for k in keep if k >= 3) + [top]:
        os.closerange(low, fd)
        low = fd + 1


def _limit(which: int, soft: int, hard: int) -> None:
    """Lower a limit for this call (never above what the worker itself was started with)."""
    import resource

    ceiling = resource.getrlimit(which)[1]
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(which, (soft, hard))


def _child(call: dict[str, Any], fds: list[int], calldir: str, header: dict[str, Any]) -> None:
    """One call: take the pipes, drop everything else, lock down, then (only then) load the plugin."""
    import resource

    in_r, res_w, log_w = fds
    os.dup2(log_w, 1)
    os.dup2(log_w, 2)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    _close_others({in_r, res_w})
    _limit(resource.RLIMIT_CPU, int(call["cpu"]), int(call["cpu"]) + 1)
    _limit(resource.RLIMIT_AS, int(call["mem"]), int(call["mem"]))
    os.chdir(calldir)
    os.environ["HOME"] = os.environ["TMPDIR"] = calldir
    send = RUNNER["_make_sender"](res_w, call["nonce"], int(call["budget"]))
    chunks = []
    while True:
        chunk = os.read(in_r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(in_r)
    inputs = RUNNER["_loads"](b"".join(chunks).decode("utf-8"))
    del call["nonce"]
    send("hello")
    try:
        fence = ({"ro": header["ro"], "rw": [calldir]} if header.get("writable")
                 else {"ro": [*header["ro"], calldir], "rw": []})
        RUNNER["_lockdown"](header.get("child_filter"), fence)
        run = RUNNER["_load"](header["plugin"])
    except MemoryError:
        send("limit", reason="memory")
        return
    except BaseException as exc:  # any failure to load is reported, never raised
        send("load_error", error=RUNNER["_one_line"](exc))
        return
    RUNNER["_run_cases"](run, [inputs], send)


def _wait(pid: int, wall: float) -> tuple[int, bool]:
    """(exit code or -signal, killed at the wall-clock limit)."""
    import select
    import signal
    import time

    killed = False
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = -1
    if pidfd >= 0:
        if not select.select([pidfd], [], [], wall)[0]:
            os.kill(pid, signal.SIGKILL)
            killed = True
        os.close(pidfd)
    else:  # no pidfd: poll
        end = time.monotonic() + wall
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > end:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.001)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), killed


def _serve_one(call: dict[str, Any], fds: list[int], number: int, header: dict[str, Any]) -> dict[str, Any]:
    calldir = os.path.join(header["scratch"], f"call-{number}")
    os.mkdir(calldir, 0o700)
    pid = os.fork()
    if pid == 0:
        _run_then_exit(_child, call, fds, calldir, header)
    for fd in fds:
        os.close(fd)
    rc, killed = _wait(pid, float(call["wall"]))
    return {"t": "exit", "rc": rc, "timeout": killed}


def _run_then_exit(function: Any, *args: Any) -> None:
    """Run ``function`` and end the process: status 0, or 1 with the traceback on stderr (which, for a
    call's child, is the call's log pipe)."""
    status = 0
    try:
        function(*args)
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(status)


def _main() -> None:
    import socket

    header = RUNNER["_loads"](sys.stdin.buffer.readline().decode("utf-8"))
    assert isinstance(header, dict), "malformed zygote header"
    sys.stdin.close()
    ctl = socket.socket(fileno=int(header["ctl"]))
    _prepare(header)
    roots = [header["scratch"], *header.get("sweep", [])]
    baseline = {root: set(os.listdir(root)) if os.path.isdir(root) else set() for root in roots}
    ctl.send(RUNNER["_dumps"]({"t": "ready", "pid": os.getpid()}).encode())
    number = 0
    while True:
        message, fds, _flags, _addr = socket.recv_fds(ctl, 65536, 3)
        if not message:
            return  # the host closed the socket: shut down
        number += 1
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            ctl.send(RUNNER["_dumps"]({"t": "error", "error": "expected three descriptors"}).encode())
            continue
        call = RUNNER["_loads"](message.decode("utf-8"))
        report = _serve_one(call, fds, number, header)
        report["clean"] = _sweep(roots, baseline)  # the child is gone; its files go before the reply
        ctl.send(RUNNER["_dumps"](report).encode())
        if not report["clean"]:
            return  # something stayed behind: the host replaces this worker


RUNNER: dict[str, Any] = {}  # filled from argv when this runs as the worker, never on import

def _serve() -> None:
    RUNNER.update(_runner())
    _main()


if __name__ == "__main__":
    _run_then_exit(_serve)
