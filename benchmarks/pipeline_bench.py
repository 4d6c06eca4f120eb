"""End-to-end pipeline timings: the examples cold (fresh hub: built-ins + synthesis) and warm (reuse).

Each run is a real ``python -m plugsmith run`` subprocess against a throw-away PLUGSMITH_HOME, so the
figures include start-up, the hub, the sandbox and Luigi. Prints the cold/warm ratio and the time of a
warm run of a generated 50-task plan (target < 5 s). PLUGSMITH_BENCH_SMOKE=1 runs one example and one
warm 50-task run.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KINDS = ["construction", "procurement", "design", "engineering", "testing", "labour", "marketing", "general"]
ROLES = [("engineer", 90.0), ("designer", 75.0), ("builder", 45.0), ("analyst", 70.0)]


def generated_plan(n: int, seed: int = 7) -> dict[str, object]:
    """A deterministic plan of ``n`` tasks with dependencies, resources and risks."""
    rng = random.Random(seed)
    tasks = []
    for i in range(n):
        deps = sorted(rng.sample(range(i), k=min(i, rng.randint(0, 3))))
        role, rate = ROLES[i % len(ROLES)]
        task = {"id": f"t{i:03d}", "name": f"Task {i}", "kind": KINDS[i % len(KINDS)],
                "owner": f"owner{i % 6}", "phase": f"phase{i // 10}", "duration_days": rng.randint(1, 15),
                "cost": rng.randint(0, 40) * 250, "depends_on": [f"t{d:03d}" for d in deps],
                "resources": [{"role": role, "hours": rng.randint(4, 80), "rate": rate}]}
        if i % 4 == 0:
            task["risk"] = {"likelihood": rng.randint(1, 5), "impact": rng.randint(1, 5),
                            "description": f"risk {i}"}
        tasks.append(task)
    return {"title": f"Generated plan of {n} tasks", "kind": "generated", "budget": 2_000_000,
            "start": "2026-01-05", "tasks": tasks}


def run(plan: Path, out: Path, home: Path) -> float:
    env = {**os.environ, "PLUGSMITH_HOME": str(home)}
    env.pop("PLUGSMITH_DB", None)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "plugsmith", "run", str(plan), "--out", str(out), "--json"],
                          capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"run of {plan.name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed


def main() -> int:
    smoke = bool(os.environ.get("PLUGSMITH_BENCH_SMOKE"))
    plans = [EXAMPLES / "renovation.json"] if smoke else sorted(
        p for p in EXAMPLES.iterdir() if p.suffix in {".json", ".yaml"})
    with tempfile.TemporaryDirectory(prefix="plugsmith-bench-") as tmp:
        work, home = Path(tmp), Path(tmp) / "home"
        cold = {p.name: run(p, work / "cold" / p.stem, home) for p in plans}
        warm = {p.name: run(p, work / "warm" / p.stem, home) for p in plans}
        synthesized = sum(json.loads((work / "cold" / p.stem / "metrics.json").read_text())["synthesized"]
                          for p in plans)
        for name in cold:
            print(f"{name:28s} cold {cold[name]:6.2f} s   warm {warm[name]:6.2f} s")
        total_cold, total_warm = sum(cold.values()), sum(warm.values())
        print(f"examples: cold {total_cold:.2f} s (built-ins installed, {synthesized} capabilities "
              f"synthesized), warm {total_warm:.2f} s, cold/warm ratio {total_cold / total_warm:.2f}")
        big = work / "plan50.json"
        big.write_text(json.dumps(generated_plan(50)))
        first = run(big, work / "big-1", home)
        times = [run(big, work / f"big-{i}", home) for i in range(2, 3 if smoke else 5)]
        best = min(times)
        print(f"50-task plan: first {first:.2f} s, warm best {best:.2f} s over {len(times)} run(s) "
              f"(target < 5 s: {'met' if best < 5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
