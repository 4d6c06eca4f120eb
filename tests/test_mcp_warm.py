"""The warm path, run for real under both backends: a fresh locked-down child per call, nothing shared."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from plugsmith.sandbox import Limits, get_sandbox
from plugsmith.sandbox import _warm as warm
from plugsmith.sandbox._warm import WarmPool, WarmWorker
from test_sandbox_helpers import make_plugin

FAST = Limits(cpu_s=1, wall_s=1.2, memory_mb=256, output_bytes=100_000)

HOSTILE = '''
import os, sys
CALLS = []
try:
    os.kill(os.getppid(), 9)          # an import-time attack on whoever imports us
    AT_IMPORT = "killed the parent"
except OSError as exc:
    AT_IMPORT = type(exc).__name__


def run(inputs):
    CALLS.append(1)
    what = inputs["what"]
    if what == "loop":
        while True:
            pass
    if what == "sleep":
        import time
        time.sleep(60)
    if what == "crash":
        os._exit(3)
    if what == "segv":
        import ctypes
        ctypes.string_at(0)
    if what == "garbage":
        sys.stdout.write("\\x00\\xff garbage " * 5000)
        sys.stderr.write("{not json\\n")
        return {"result": "after garbage"}
    if what == "memory":
        return {"result": len(bytearray(1 << 31))}
    if what == "huge":
        return {"result": "x" * 1_000_000}
    if what == "leave":
        global LEFT
        LEFT = "secret"
        os.environ["LEFT"] = "secret"
        for path in ("left.txt", "/tmp/left.txt", "/dev/shm/left"):  # the first: the call's own dir
            try:
                with open(path, "w") as handle:
                    handle.write("secret")
            except OSError:
                pass
        return {"result": "left"}
    if what == "look":
        found = [p for p in ("left.txt", "/tmp/left.txt", "/dev/shm/left") if os.path.exists(p)]
        return {"result": {"global": globals().get("LEFT"), "env": os.environ.get("LEFT"), "files": found,
                           "calls": len(CALLS), "import": AT_IMPORT}}
    if what == "escape":
        tries = {}
        for name, attempt in (("fork", os.fork), ("kill", lambda: os.kill(os.getppid(), 9)),
                              ("exec", lambda: os.execv("/bin/sh", ["sh"]))):
            try:
                attempt()
                tries[name] = "allowed"
            except OSError as exc:
                tries[name] = exc.errno
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        tries["shmget"] = libc.shmget(0, 4096, 0o1000 | 0o600)
        try:
            with open(f"/proc/{os.getppid()}/mem", "rb"):
                tries["worker_memory"] = "readable"
        except OSError as exc:
            tries["worker_memory"] = exc.errno
        return {"result": tries}
    return {"result": what, "pid": os.getpid(), "ppid": os.getppid(), "uid": os.getuid()}
'''


@pytest.fixture(params=["bwrap", "rlimit"])
def worker(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    plugin = make_plugin(tmp_path / "hostile", HOSTILE, inputs={"what": {"type": "string"}})
    found = WarmWorker(plugin, FAST, request.param)
    yield found
    found.close()


def _tree(root: int) -> list[int]:
    """``root`` and every descendant, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _call(worker: WarmWorker, what: str) -> Any:
    return worker.call({"what": what}, FAST)


def test_warm_calls_answer_like_cold_runs(worker: WarmWorker, tmp_path: Path) -> None:
    cold = get_sandbox(worker.backend)
    for what in ("ok", "crash", "garbage", "huge"):
        hot, ref = _call(worker, what), cold.run(worker.source, [{"what": what}], FAST)
        assert (hot.completed, hot.reason) == (ref.completed, ref.reason), what
        assert [(r.ok, r.error) for r in hot.runs] == [(r.ok, r.error) for r in ref.runs], what
        if hot.completed:
            assert hot.runs[0].output["result"] == ref.runs[0].output["result"]


def test_hostile_calls_end_in_one_reason_and_the_worker_keeps_serving(worker: WarmWorker) -> None:
    expected = {"loop": "timeout", "sleep": "timeout", "crash": "crashed", "segv": "crashed",
                "memory": "memory", "huge": "output_too_large"}
    for what, reason in expected.items():
        outcome = _call(worker, what)
        assert not outcome.completed and outcome.reason == reason, (what, outcome.stderr[-99:])
        after = _call(worker, "ok")
        assert after.completed and after.runs[0].output["result"] == "ok", what
    noisy = _call(worker, "garbage")
    assert noisy.completed and noisy.runs[0].output == {"result": "after garbage"}
    assert "garbage" in noisy.stderr and len(noisy.stderr) < 70_000  # captured, capped, not parsed
    assert worker.starts == 1  # not one of them needed a new worker


def test_a_child_cannot_fork_signal_exec_share_memory_or_read_the_worker(worker: WarmWorker) -> None:
    tries = _call(worker, "escape").runs[0].output["result"]
    assert tries["fork"] == tries["kill"] == tries["exec"] == 1  # EPERM from the seccomp filter
    assert tries["shmget"] == -1
    assert tries["worker_memory"] in (1, 13)  # EPERM or EACCES: undumpable worker, Landlock fence


def test_nothing_leaks_from_one_call_into_the_next(worker: WarmWorker) -> None:
    assert _call(worker, "leave").runs[0].output["result"] == "left"
    seen = _call(worker, "look").runs[0].output["result"]
    assert seen == {"global": None, "env": None, "files": [], "calls": 1, "import": "PermissionError"}
    first, second = (_call(worker, "ok").runs[0].output for _ in range(2))
    assert first["pid"] != second["pid"] and first["ppid"] == second["ppid"]  # fresh child, same worker
    if os.getuid() == 0 or worker.backend == "bwrap":
        assert first["uid"] == 65534  # never root: bwrap's user namespace, or the fallback's uid drop


def test_the_plugin_is_only_ever_imported_by_the_locked_down_child(worker: WarmWorker) -> None:
    # the module kills its importer's parent at import time: in the worker that would end the sandbox
    for _ in range(3):
        assert _call(worker, "look").runs[0].output["result"]["import"] == "PermissionError"
    assert worker.alive and worker.starts == 1


def test_a_dead_worker_is_replaced(worker: WarmWorker) -> None:
    assert _call(worker, "ok").completed
    assert worker._proc is not None
    os.killpg(worker._proc.pid, signal.SIGKILL)
    worker._proc.wait()
    again = _call(worker, "ok")
    assert again.completed and worker.starts == 2


def test_a_hung_worker_is_killed_and_replaced(worker: WarmWorker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warm, "GRACE_S", 0.3)
    assert _call(worker, "ok").completed
    assert worker._proc is not None
    for pid in _tree(worker._proc.pid):  # the worker (under bwrap: inside its namespace) stops answering
        os.kill(pid, signal.SIGSTOP)
    stuck = worker.call({"what": "ok"}, Limits(cpu_s=1, wall_s=0.5))
    assert not stuck.completed and stuck.reason == "timeout" and not worker.alive
    assert _call(worker, "ok").completed and worker.starts == 2


def test_the_pool_keeps_one_worker_per_plugin_and_retires_the_rest(tmp_path: Path) -> None:
    one = make_plugin(tmp_path / "one", "def run(inputs):\n    return {'result': 1}\n")
    two = make_plugin(tmp_path / "two", "def run(inputs):\n    return {'result': 2}\n")
    pool = WarmPool("rlimit")
    try:
        assert pool.run(one, {}, FAST, key="a").runs[0].output == {"result": 1}
        assert pool.run(two, {}, FAST, key="b").runs[0].output == {"result": 2}
        assert pool.worker(one, FAST, "a") is pool.worker(one, FAST, "a")
        pool.retire({"b"})
        assert pool.worker(two, FAST, "b").alive and pool.run(one, {}, FAST, key="a").completed
    finally:
        pool.close()


HIDER = '''
import os


def run(inputs):
    what = inputs["what"]
    if what == "hide":  # a directory the call itself can no longer list, and its own directory locked
        os.mkdir("locked", 0o300)
        with open("locked/secret", "w") as handle:
            handle.write("the first caller's data")
        try:
            os.chmod(".", 0o300)
        except OSError:
            pass
        return {"result": os.getcwd()}
    if what == "deep":  # deeper than any recursive removal can go
        for _ in range(1500):
            os.mkdir("d", 0o700)
            os.chdir("d")
        return {"result": "deep"}
    return {"result": os.path.exists(what + "/locked/secret") or os.path.exists(what + "/d")}
'''


@pytest.mark.parametrize("backend", ["bwrap", "rlimit"])
def test_a_call_cannot_hide_files_from_the_sweep(backend: str, tmp_path: Path) -> None:
    """A call that locks what it wrote (modes it sets itself) must not leave it for the next call, who
    could find it by name (Landlock does not stop ``stat``); what cannot be removed retires the worker."""
    plugin = make_plugin(tmp_path / "hider", HIDER, inputs={"what": {"type": "string"}})
    worker = WarmWorker(plugin, FAST, backend)
    try:
        hid = worker.call({"what": "hide"}, FAST)
        where = hid.runs[0].output["result"] if hid.runs[0].ok else "/nowhere"
        assert backend == "rlimit" or where.startswith("/tmp/call-")  # the fallback's call dir is read-only
        assert worker.call({"what": where}, FAST).runs[0].output == {"result": False}
        deep = worker.call({"what": "deep"}, FAST)
        assert worker.call({"what": where.rsplit("-", 1)[0] + "-3"}, FAST).runs[0].output == {"result": False}
        if backend == "bwrap":
            assert deep.completed and worker.starts == 2  # the worker that could not sweep was replaced
    finally:
        worker.close()
