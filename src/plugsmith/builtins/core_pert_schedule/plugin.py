"""Three-point (PERT) schedule: expected durations, the critical path and P50/P80/P95 of the project.

Each task's expected duration is (min + 4 x realistic + max) / 6 and its standard deviation
(max - min) / 6, where min and max are ``days_min`` and ``days_max`` (a task without them counts as
certain: min = max = realistic). The critical path is the longest chain of expected durations (first in
document order on ties); the project's spread is the square root of the summed variances along it, and
the percentiles assume a normal distribution (the classic PERT approximation, which ignores that
near-critical paths can take over; the Monte Carlo capability ``schedule_simulation`` does not).
"""

import heapq
import math
from typing import Any

Z = {"p50": 0.0, "p80": 0.8416, "p95": 1.6449}
EPS = 1e-9


def three_points(task: dict[str, Any]) -> tuple[float, float, float]:
    """(min, realistic, max) with min <= realistic <= max; missing bounds equal the realistic days."""
    real = float(task.get("duration_days") or 0)
    low = task.get("days_min")
    high = task.get("days_max")
    low = real if low is None else min(float(low), real)
    high = real if high is None else max(float(high), real)
    return low, real, high


def order(tasks: list[dict[str, Any]]) -> list[str]:
    """Topological order, ties in document order; raises ValueError on a cycle or unknown id."""
    index = {t["id"]: i for i, t in enumerate(tasks)}
    waiting = {t["id"]: 0 for t in tasks}
    users: dict[str, list[str]] = {t["id"]: [] for t in tasks}
    for t in tasks:
        for dep in sorted(set(t.get("depends_on") or []), key=lambda d: index.get(d, -1)):
            if dep not in index:
                raise ValueError(f"task {t['id']!r} depends on unknown task {dep!r}")
            users[dep].append(t["id"])
            waiting[t["id"]] += 1
    ready = [(index[k], k) for k, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, tid = heapq.heappop(ready)
        out.append(tid)
        for user in users[tid]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (index[user], user))
    if len(out) != len(tasks):
        raise ValueError("the task dependencies form a cycle")
    return out


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"pert": {...}}``: per task expected days, sd, earliest start/finish, slack, critical."""
    tasks = inputs["plan_json"].get("tasks") or []
    by_id = {t["id"]: t for t in tasks}
    index = {t["id"]: i for i, t in enumerate(tasks)}
    expected: dict[str, float] = {}
    variance: dict[str, float] = {}
    ranged = 0
    for t in tasks:
        low, real, high = three_points(t)
        expected[t["id"]] = (low + 4 * real + high) / 6
        variance[t["id"]] = ((high - low) / 6) ** 2
        ranged += 1 if high > low else 0
    topo = order(tasks)
    es: dict[str, float] = {}
    for tid in topo:
        es[tid] = max([0.0] + [es[d] + expected[d] for d in by_id[tid].get("depends_on") or []])
    end = max((es[t] + expected[t] for t in topo), default=0.0)
    successors: dict[str, list[str]] = {t: [] for t in topo}
    for tid in topo:
        for dep in by_id[tid].get("depends_on") or []:
            successors[dep].append(tid)
    lf: dict[str, float] = {}
    for tid in reversed(topo):
        lf[tid] = min([end] + [lf[s] - expected[s] for s in successors[tid]])
    path = longest_chain(tasks, es, expected, end, index)
    sd = math.sqrt(sum(variance[t] for t in path))
    rows = {}
    for t in tasks:
        tid = t["id"]
        slack = lf[tid] - expected[tid] - es[tid]
        rows[tid] = {"expected_days": _r(expected[tid]), "sd_days": _r(math.sqrt(variance[tid])),
                     "earliest_start": _r(es[tid]), "earliest_finish": _r(es[tid] + expected[tid]),
                     "slack": _r(max(slack, 0.0)), "critical": abs(slack) < EPS}
    return {"pert": {"tasks": rows, "critical_path": path, "expected_days": _r(end), "sd_days": _r(sd),
                     "percentiles": {k: _r(end + z * sd) for k, z in Z.items()},
                     "tasks_with_range": ranged, "tasks_without_range": len(tasks) - ranged}}


def longest_chain(tasks: list[dict[str, Any]], es: dict[str, float], dur: dict[str, float], end: float,
                  index: dict[str, int]) -> list[str]:
    """The chain that sets the project end, walked back from the first task to finish last."""
    if not tasks:
        return []
    last = next(t["id"] for t in tasks if abs(es[t["id"]] + dur[t["id"]] - end) < EPS)
    path = [last]
    while True:
        deps = sorted(tasks[index[path[-1]]].get("depends_on") or [], key=lambda d: index[d])
        feeding = [d for d in deps if abs(es[d] + dur[d] - es[path[-1]]) < EPS]
        if not feeding:
            break
        path.append(feeding[0])
    return list(reversed(path))


def _r(x: float) -> float:
    return round(x, 2)
