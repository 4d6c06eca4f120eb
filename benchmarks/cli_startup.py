"""How fast does the command line start? Target: `plugsmith --help` and `--version` under 0.2 s of CPU.

CPU time (user + system of the child process, from ``getrusage(RUSAGE_CHILDREN)``) is the figure the
target is about: it is what the start-up costs whatever else the machine is doing, while wall time on
a shared, loaded machine also counts the time spent waiting for a core. Both are printed.

Each command runs as ``python -m plugsmith …`` (what the ``plugsmith`` script does too), after one
warm-up run so the file cache holds the modules. ``PLUGSMITH_BENCH_SMOKE=1`` does 3 runs instead of 15
and only warns when a median misses the target (three runs on a busy CI machine are too few to fail
a build on); a full run exits 1 then.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

TARGET_CPU_S = 0.2
COMMANDS = (["--help"], ["--version"])
# for reference, no target: a sub-command's help runs Typer's parameter coercion for the root options,
# which imports pydantic (as every real command does anyway)
REFERENCE = (["hub", "--help"],)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """(CPU seconds, wall seconds) of ``runs`` fresh processes running ``plugsmith ARGS``."""
    cmd = [sys.executable, "-m", "plugsmith", *args]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    cpu, wall = [], []
    for _ in range(runs):
        cpu_before, start = _children_cpu(), time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - cpu_before)
    return cpu, wall


def main() -> int:
    smoke = bool(os.environ.get("PLUGSMITH_BENCH_SMOKE"))
    runs = 3 if smoke else 15
    baseline_cpu, _ = measure_python(runs)
    print(f"python -c pass: median CPU {statistics.median(baseline_cpu) * 1000:.0f} ms "
          "(the interpreter alone)")
    missed = []
    for args in (*COMMANDS, *REFERENCE):
        cpu, wall = measure(args, runs)
        label = "plugsmith " + " ".join(args)
        cpu_median = statistics.median(cpu)
        target = f"target CPU < {TARGET_CPU_S * 1000:.0f} ms" if args in COMMANDS else "no target"
        print(f"{label}: CPU median {cpu_median * 1000:.0f} ms (max {max(cpu) * 1000:.0f}), "
              f"wall median {statistics.median(wall) * 1000:.0f} ms (max {max(wall) * 1000:.0f}) "
              f"over {runs} runs; {target}")
        if args in COMMANDS and cpu_median >= TARGET_CPU_S:
            missed.append(label)
    if missed:
        print(f"over the CPU target: {', '.join(missed)}", file=sys.stderr)
        return 0 if smoke else 1
    return 0


def measure_python(runs: int) -> tuple[list[float], list[float]]:
    """The same measurement for a bare interpreter, so the figures can be read against it."""
    cpu, wall = [], []
    for _ in range(runs):
        cpu_before, start = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - cpu_before)
    return cpu, wall


if __name__ == "__main__":
    sys.exit(main())
