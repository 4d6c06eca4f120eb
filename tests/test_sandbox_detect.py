"""Backend detection, forcing, the seccomp filter builder, and the bwrap command line."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from plugsmith.errors import ConfigError
from plugsmith.sandbox import Limits, RlimitSandbox, detect, get_sandbox
from plugsmith.sandbox._bwrap import build_argv
from plugsmith.sandbox._seccomp import LAUNCH_DENY, build_filter


def test_detect_prefers_working_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLUGSMITH_SANDBOX", raising=False)
    name, why = detect()
    assert name == "bwrap", why  # bubblewrap is installed on this machine and in CI
    assert "works" in why


def test_forcing_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_SANDBOX", "rlimit")
    assert detect() == ("rlimit", "forced by PLUGSMITH_SANDBOX=rlimit")
    box = get_sandbox()
    assert isinstance(box, RlimitSandbox) and box.weaker


def test_unknown_backend_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_SANDBOX", "docker")
    with pytest.raises(ConfigError):
        detect()
    with pytest.raises(ConfigError):
        get_sandbox("docker")


def test_bwrap_argv_binds_only_what_python_needs(tmp_path: Path) -> None:
    argv = build_argv(tmp_path, Limits(), seccomp_fd=None, args=("-c", "pass"))
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"]
    assert "/usr" in binds and str(tmp_path) in binds
    assert not any(b in {"/", "/root", str(Path.home()), "/home", "/etc"} for b in binds)
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv", "--disable-userns"):
        assert flag in argv
    assert argv[-4:-1] == ["-I", "-S", "-c"]
    assert "/tmp" in [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]


def test_filter_denies_listed_syscalls_and_kills_other_arches() -> None:
    program = build_filter(LAUNCH_DENY, "x86_64")
    assert program is not None and len(program) % 8 == 0
    insns = [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    assert insns[-1] == (0x06, 0, 0, 0x80000000)        # last: kill the process (wrong arch)
    assert (0x15, len(LAUNCH_DENY), 0, 57) in insns     # fork(57) jumps to its errno return
    assert build_filter(LAUNCH_DENY, "sparc") is None


def test_sweep_kills_what_is_left_in_the_session() -> None:
    import subprocess
    import time

    from plugsmith.sandbox._process import sweep

    leader = subprocess.Popen(["/bin/sh", "-c", "sleep 30 & sleep 30 & wait"], start_new_session=True)
    time.sleep(0.3)
    assert sweep(leader.pid) == 2  # the two sleeps (the leader itself is left to its owner)
    leader.kill()
    leader.wait()
    time.sleep(0.1)
    assert sweep(leader.pid) == 0


def test_a_backend_that_cannot_start_is_a_sandbox_error(tmp_path: Path) -> None:
    import os

    from plugsmith.errors import SandboxError
    from plugsmith.sandbox._process import execute, rlimit_hook

    with pytest.raises(SandboxError):
        execute([str(tmp_path / "no-such-binary")], payload=b"", channel=os.pipe(), limits=Limits(),
                preexec=rlimit_hook(Limits()))


def test_interpret_reasons() -> None:
    from plugsmith.sandbox._process import RawRun
    from plugsmith.sandbox._protocol import interpret

    def raw(channel: bytes, code: int = 0, **kw: bool) -> RawRun:
        return RawRun(code, channel, kw.get("overflow", False), b"", b"", kw.get("timed_out", False), 1.0)

    case = b'{"n":"N","t":"case","ok":true,"ms":1,"output":{"a":1}}\n'
    done = b'{"n":"N","t":"done"}\n'
    assert interpret(raw(case + done), "N", 1, "x").completed
    assert interpret(raw(case + done), "N", 2, "x").reason == "protocol"          # a case went missing
    assert interpret(raw(case.replace(b'"N"', b'"M"') + done), "N", 1, "x").reason == "protocol"
    assert interpret(raw(case + b'{"n":"N","t":"ca', code=128 + 24), "N", 2, "x").reason == "timeout"
    assert interpret(raw(case, code=128 + 11), "N", 2, "x").reason == "crashed"
    assert interpret(raw(case, timed_out=True), "N", 2, "x").reason == "timeout"
    limited = interpret(raw(case + b'{"n":"N","t":"limit","reason":"memory"}\n'), "N", 2, "x")
    assert limited.reason == "memory" and len(limited.runs) == 1 and limited.runs[0].output == {"a": 1}
