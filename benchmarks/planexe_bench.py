"""PlanExe run directories: import time, a warm ``plugsmith run`` and the size of ``report.html``.

Targets (issue #10): importing plus a warm run of a 200-task run directory in under 5 s, ``report.html``
under 2 MB. The run directories are the four real ones in ``tests/data/planexe/runs`` (the silo run has
200 tasks). Each run is a real ``python -m plugsmith run`` subprocess against a throw-away
``PLUGSMITH_HOME`` whose hub already holds the built-ins (a first, cold run installs them; it is shown
but not counted), so the figures include start-up, the hub, the sandbox and Luigi. CPU time is the
children's user + system time. PLUGSMITH_BENCH_SMOKE=1: the silo run only, one warm run, fewer imports.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "tests" / "data" / "planexe" / "runs"
TARGET_S, TARGET_HTML = 5.0, 2_000_000


def import_ms(run: Path, repeat: int) -> float:
    """Median wall time of importing the run directory in this process, in milliseconds."""
    from plugsmith.planexe import import_planexe_with_report

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        import_planexe_with_report(run)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def plugsmith_run(run: Path, out: Path, home: Path) -> tuple[float, float, dict[str, object]]:
    """(wall s, CPU s of the subprocess and its children, metrics) of one ``plugsmith run``."""
    env = {**os.environ, "PLUGSMITH_HOME": str(home)}
    env.pop("PLUGSMITH_DB", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "run", str(run), "--out", str(out), "--json"],
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"run of {run.name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(proc.stdout)["metrics"]


def main() -> int:
    smoke = bool(os.environ.get("PLUGSMITH_BENCH_SMOKE"))
    runs = [RUNS / "20250321_silo"] if smoke else sorted(p for p in RUNS.iterdir() if p.is_dir())
    warm_runs = 1 if smoke else 3
    ok = True
    with tempfile.TemporaryDirectory(prefix="plugsmith-planexe-bench-") as tmp:
        work, home = Path(tmp), Path(tmp) / "home"
        cold, _, _ = plugsmith_run(runs[0], work / "cold", home)
        print(f"cold first run (installs the built-ins through the gates): {cold:.2f} s")
        for run in runs:
            imported = import_ms(run, 2 if smoke else 5)
            results = [plugsmith_run(run, work / f"{run.name}-{i}", home) for i in range(warm_runs)]
            best = min(results, key=lambda r: r[0])
            first = work / f"{run.name}-0"
            html = (first / "report.html").stat().st_size
            durations = json.loads((first / "metrics.json").read_text())["stage_durations_ms"]
            slowest = sorted(durations.items(), key=lambda kv: -(kv[1] or 0))[:3]
            met = best[0] < TARGET_S and html < TARGET_HTML
            ok = ok and met
            print(f"{run.name:32s} {best[2]['tasks']:4d} tasks: import {imported:6.1f} ms, "
                  f"warm run {best[0]:5.2f} s wall / {best[1]:5.2f} s CPU (best of {warm_runs}), "
                  f"report.html {html / 1e6:.2f} MB  [{'met' if met else 'NOT met'}]")
            print("    slowest stages: " + ", ".join(f"{name} {ms:.0f} ms" for name, ms in slowest))
    print(f"targets: warm run < {TARGET_S:.0f} s, report.html < {TARGET_HTML / 1e6:.0f} MB: "
          f"{'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
