"""What the fallback's Landlock fence does not cover, under every backend: IPC objects, file metadata,
file-system watches, and the host-wide AIO budget. Without an IPC namespace a System V segment is the
host's and outlives the run; Landlock guards a file's contents, not its mode, owner, times or extended
attributes; an inotify watch reports the names of files created in a directory the plugin could never
open; and Linux AIO events are counted for the whole machine, namespaces or not.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugsmith.sandbox import BwrapSandbox, Limits, Sandbox, get_sandbox
from test_sandbox_helpers import bundled_bwrap_path, make_plugin

FAST = Limits(cpu_s=2, wall_s=6, memory_mb=256)
SANDBOX_UID = 65534


@pytest.fixture(params=["bwrap", "bwrap-bundled", "rlimit"])
def box(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "bwrap-bundled":
        return BwrapSandbox(bundled_bwrap_path())
    return get_sandbox(request.param)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory every uid may enter (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="plugsmith-host-state-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for child in path.iterdir():
            child.unlink()
        path.rmdir()


IPC = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def run(inputs):
    key, got = inputs["key"], {}
    shmid = libc.shmget(key, 1 << 20, 0o1666)  # IPC_CREAT | 0666
    got["shm"] = shmid if shmid >= 0 else ctypes.get_errno()
    if shmid >= 0:
        addr = libc.shmat(shmid, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(addr, 0x41, 1 << 20)  # real pages of the host's memory, kept after the run
    got["msg"] = libc.msgget(key, 0o1666)
    got["sem"] = libc.semget(key, 1, 0o1666)
    got["mq"] = libc.mq_open(inputs["mq"].encode(), 0o100 | 0o2, 0o666, None)  # O_CREAT | O_RDWR
    return got
'''


def _ipc_keys() -> set[int]:
    keys = set()
    for kind in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        keys |= {int(line.split()[0]) for line in lines if line.split()}
    return keys


def _remove_ipc(key: int, mq: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for get, ctl, args in ((libc.shmget, libc.shmctl, (0, 0)), (libc.msgget, libc.msgctl, (0,)),
                           (libc.semget, libc.semctl, (0, 0))):
        ident = get(key, *args)
        if ident >= 0:
            ctl(ident, *([0, 0] if ctl is libc.semctl else [0]), None)  # IPC_RMID
    libc.mq_unlink(mq.encode())


def test_no_ipc_object_outlives_the_run(box: Sandbox, tmp_path: Path) -> None:
    """Under the fallback (no IPC namespace) these were the host's: 1 MiB per run kept until reboot."""
    key, mq = 0x50000000 + secrets.randbelow(1 << 24), f"/plugsmith-{secrets.token_hex(6)}"
    try:
        outcome = box.run(make_plugin(tmp_path / "p", IPC), [{"key": key, "mq": mq}], FAST)
        assert outcome.completed, outcome.stderr
        assert key not in _ipc_keys(), outcome.runs[0].output
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.mq_unlink(mq.encode()) == -1, outcome.runs[0].output  # there was no such queue
    finally:
        _remove_ipc(key, mq)


METADATA = '''
import os


def run(inputs):
    path, got = inputs["path"], {}
    for name, change in (("chmod", lambda: os.chmod(path, 0o777)), ("utime", lambda: os.utime(path, (0, 0))),
                         ("xattr", lambda: os.setxattr(path, "user.plugsmith", b"1")),
                         ("truncate", lambda: os.truncate(path, 0))):
        try:
            change()
            got[name] = "changed"
        except OSError as exc:
            got[name] = exc.errno
    return got
'''


def _metadata(path: Path) -> tuple[int, int, int, list[str]]:
    info = path.stat()
    try:
        names = os.listxattr(path)
    except OSError:
        names = []
    return info.st_mode, info.st_mtime_ns, info.st_size, names


def test_no_metadata_change_outside_the_sandbox(box: Sandbox, tmp_path: Path, shared_dir: Path) -> None:
    """A file outside the fence owned by the sandbox's uid (as root: 65534, shared by every fallback
    sandbox; otherwise: the caller's own files, the hub's included) keeps its mode, times, size and
    extended attributes."""
    victim = shared_dir / "owned.txt"
    victim.write_text("contents")
    victim.chmod(0o600)
    if os.getuid() == 0:
        os.chown(victim, SANDBOX_UID, SANDBOX_UID)
    before = _metadata(victim)
    outcome = box.run(make_plugin(tmp_path / "p", METADATA), [{"path": str(victim)}], FAST)
    assert outcome.completed, outcome.stderr
    assert _metadata(victim) == before, outcome.runs[0].output
    assert "changed" not in outcome.runs[0].output.values(), outcome.runs[0].output


WATCH = '''
import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)


def run(inputs):
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0:
        return {"names": [], "init": ctypes.get_errno()}
    watch = libc.inotify_add_watch(fd, inputs["dir"].encode(), 0x100)  # IN_CREATE
    names, end = [], time.monotonic() + inputs["seconds"]
    while watch >= 0 and time.monotonic() < end:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        at = 0
        while at < len(data):
            size = int.from_bytes(data[at + 12:at + 16], "little")
            names.append(data[at + 16:at + 16 + size].rstrip(b"\\0").decode())
            at += 16 + size
    return {"names": names, "watch": watch}
'''


def test_no_watch_on_a_host_directory(box: Sandbox, tmp_path: Path, shared_dir: Path) -> None:
    """The names of files the host creates in a directory the plugin cannot open stay unknown to it."""
    token = secrets.token_hex(8)
    stop = threading.Event()

    def host_activity() -> None:
        n = 0
        while not stop.is_set():
            (shared_dir / f"{token}-{n}").write_text("")
            n += 1
            time.sleep(0.05)

    plugin = make_plugin(tmp_path / "p", WATCH)
    writer = threading.Thread(target=host_activity)
    writer.start()
    try:
        outcome = box.run(plugin, [{"dir": str(shared_dir), "seconds": 1.0}], FAST)
    finally:
        stop.set()
        writer.join()
    assert outcome.completed, outcome.stderr
    assert [n for n in outcome.runs[0].output["names"] if token in n] == [], outcome.runs[0].output


AIO = '''
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def run(inputs):
    context = ctypes.c_ulong(0)
    got = libc.syscall(206, inputs["events"], ctypes.byref(context))  # io_setup
    errno = ctypes.get_errno() if got < 0 else 0
    time.sleep(inputs["hold"])
    return {"io_setup": got, "errno": errno}
'''


def test_no_host_wide_aio_budget(box: Sandbox, tmp_path: Path) -> None:
    """Linux AIO events are counted host-wide (fs.aio-max-nr): a plugin that reserves what is left must not
    stop every other process on the machine from starting asynchronous I/O while it runs."""
    left = int(Path("/proc/sys/fs/aio-max-nr").read_text()) - int(Path("/proc/sys/fs/aio-nr").read_text())
    plugin = make_plugin(tmp_path / "p", AIO)
    host: list[int] = []

    def host_io_setup() -> None:
        time.sleep(0.6)  # the sandbox has started and reserved by now
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        context = ctypes.c_ulong(0)
        got = libc.syscall(206, 1, ctypes.byref(context))
        host.append(got if got < 0 else 0)
        if got == 0:
            libc.syscall(207, context)  # io_destroy

    other = threading.Thread(target=host_io_setup)
    other.start()
    outcome = box.run(plugin, [{"events": left, "hold": 1.2}], FAST)
    other.join()
    assert outcome.completed, outcome.stderr
    assert host == [0], (host, outcome.runs[0].output)
