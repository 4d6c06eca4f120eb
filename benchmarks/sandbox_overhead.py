"""Sandbox launch overhead and gate latency.

Measures, in the same run:
  * a bare ``python -I -S -c pass`` started plainly, and started the same way as a sandboxed run (the same
    bwrap command line, rlimits and seccomp filter) — the baseline;
  * a full sandboxed run of a trivial plugin (runner, protocol, one input) with each backend;
  * one process running 10 inputs versus 10 processes running one each;
  * ``validate`` of a small plugin with 10 cases through every gate.
Targets: sandboxed run / bare python started the same way <= 1.5x; validate < 2 s.
PLUGSMITH_BENCH_SMOKE=1 uses fewer repetitions.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from plugsmith.gates import validate
from plugsmith.sandbox import BwrapSandbox, Limits, RlimitSandbox
from plugsmith.sandbox._bwrap import _seccomp_fd, build_argv
from plugsmith.sandbox._launch import interpreter
from plugsmith.sandbox._process import rlimit_hook
from plugsmith.sandbox._protections import fallback_plan
from plugsmith.sandbox._rlimit import _hooks

SMOKE = os.environ.get("PLUGSMITH_BENCH_SMOKE") == "1"
REPS = 5 if SMOKE else 40
PLUGIN = '''"""Mean of xs."""
import statistics


def run(inputs: dict) -> dict:
    return {"result": statistics.fmean(inputs["xs"])}
'''


def _plugin(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "plugin.json").write_text(json.dumps({
        "name": "bench_mean", "capability": "bench_mean", "inputs": {"xs": {"type": "array"}},
        "outputs": {"result": {"type": "number"}}, "constraints": ["deterministic"],
        "origin": "synthesized"}))
    (root / "plugin.py").write_text(PLUGIN)
    cases = [{"name": f"c{i}", "input": {"xs": list(range(i + 1))}, "expected": {"result": i / 2}}
             for i in range(10)]
    (root / "tests" / "cases.json").write_text(json.dumps(cases))
    (root / "README.md").write_text("# bench_mean\n")
    return root


def _time(fn: Callable[[], object], reps: int = REPS) -> list[float]:
    fn()  # warm caches (the bwrap probe, the runner source, page cache)
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _interleaved(variants: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Round-robin timing: each round runs every variant once, so a load spike hits all of them."""
    for fn in variants.values():
        fn()  # warm up
    out: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(REPS):
        for label, fn in variants.items():
            start = time.perf_counter()
            fn()
            out[label].append((time.perf_counter() - start) * 1000)
    return out


def _row(label: str, samples: list[float]) -> float:
    med = statistics.median(samples)
    p95 = sorted(samples)[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(f"  {label:50} median {med:8.1f} ms   p95 {p95:8.1f} ms")
    return med


def _bare() -> None:
    subprocess.run([str(interpreter()), "-I", "-S", "-c", "pass"], check=True, env={})


def _bare_like_fallback() -> None:
    """Started exactly as the fallback starts its runner: rlimits, the uid drop (as root) and seccomp in
    a pre-exec hook, the runtime that uid can read."""
    hooks = _hooks(Limits(), fallback_plan().drop)
    with tempfile.TemporaryDirectory() as cwd:
        os.chmod(cwd, 0o755)
        subprocess.run([str(hooks.runtime.interpreter), "-I", "-S", "-c", "pass"], check=True,  # noqa: S603
                       env=dict(hooks.runtime.env), cwd=cwd, preexec_fn=hooks.preexec, start_new_session=True)


def _bare_in_bwrap(plugin: Path) -> None:
    limits = Limits()
    fd = _seccomp_fd()
    try:
        argv = build_argv(plugin, limits, seccomp_fd=fd, args=("-c", "pass"))
        subprocess.run(argv, check=True, env={}, pass_fds=() if fd is None else (fd,),  # noqa: S603
                       preexec_fn=rlimit_hook(limits), start_new_session=True)
    finally:
        if fd is not None:
            os.close(fd)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        plugin = _plugin(Path(tmp) / "bench_mean")
        trivial = Path(tmp) / "trivial"
        trivial.mkdir()
        (trivial / "plugin.py").write_text("def run(inputs):\n    return {'ok': True}\n")
        bwrap, fallback = BwrapSandbox(), RlimitSandbox()
        one = [{"xs": [1, 2, 3]}]
        ten = [{"xs": list(range(i + 1))} for i in range(10)]
        print(f"sandbox launch overhead ({REPS} rounds, variants interleaved to share the load)")
        variants: dict[str, Callable[[], object]] = {
            "bare python -I -S -c pass (plain)": _bare,
            "bare python -I -S -c pass (same bwrap launch)": lambda: _bare_in_bwrap(plugin),
            "bare python -I -S -c pass (same fallback launch)": _bare_like_fallback,
            "sandboxed run, 1 input (bwrap)": lambda: bwrap.run(trivial, one),
            "sandboxed run, 1 input (rlimit fallback)": lambda: fallback.run(trivial, one),
            "sandboxed run, 1 input, statistics plugin (bwrap)": lambda: bwrap.run(plugin, one),
            "sandboxed run, 10 inputs in one process (bwrap)": lambda: bwrap.run(plugin, ten),
        }
        samples = _interleaved(variants)
        bare, bare_bwrap, bare_fallback, run_bwrap, run_rlimit, single, batch = (
            _row(k, v) for k, v in samples.items())
        target = "(target <= 1.5x)"
        print(f"  ratio bwrap run / bare started the same way:  {run_bwrap / bare_bwrap:4.2f}x {target}")
        print(f"  ratio rlimit run / bare started the same way: {run_rlimit / bare_fallback:4.2f}x {target}")
        print(f"  ratio bwrap run / bare plain python:          {run_bwrap / bare:4.2f}x (cost of isolation)")
        print(f"  10 inputs: one process {batch:.1f} ms vs ten processes ~{10 * single:.1f} ms")
        gate_reps = 2 if SMOKE else 5
        reports = []
        samples = _time(lambda: reports.append(validate(plugin)), gate_reps)
        print(f"validate, small plugin with 10 cases through every gate ({gate_reps} repetitions)")
        med = _row("validate (all gates)", samples)
        report = reports[-1]
        for g in report.gates:
            print(f"    {g.name:12} {g.status.value:5} {g.duration_ms:7.1f} ms")
        print(f"  verdict {report.verdict}, {report.tier.value if report.tier else 'no tier'}; "
              f"target < 2000 ms: {'met' if med < 2000 else 'MISSED'}")
        return 0 if report.verdict == "approved" else 1


if __name__ == "__main__":
    sys.exit(main())
