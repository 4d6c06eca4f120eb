"""Schedule by the critical path method: earliest/latest start and finish, slack, the critical path.

Times are in days from the plan start. A task with its own ``start`` date (and a plan ``start``) cannot
begin before that date. Zero-slack tasks are critical; the critical path follows zero-slack tasks from a
task starting at its earliest possible time to the task that ends the project, first in document order
on ties, so the result is deterministic.
"""

import datetime as dt
import heapq
from typing import Any

EPS = 1e-9


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


def release_day(plan: dict[str, Any], task: dict[str, Any]) -> float:
    """Days from the plan start before which the task may not begin (0 without dates)."""
    if not plan.get("start") or not task.get("start"):
        return 0.0
    delta = dt.date.fromisoformat(task["start"]) - dt.date.fromisoformat(plan["start"])
    return float(max(delta.days, 0))


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"schedule": {"tasks": {...}, "critical_path": [...], "project_duration_days": n}}``."""
    plan = inputs["plan_json"]
    tasks = plan.get("tasks") or []
    by_id = {t["id"]: t for t in tasks}
    topo = order(tasks)
    dur = {t["id"]: float(t.get("duration_days", 0)) for t in tasks}
    es: dict[str, float] = {}
    for tid in topo:
        deps = by_id[tid].get("depends_on") or []
        es[tid] = max([release_day(plan, by_id[tid])] + [es[d] + dur[d] for d in deps])
    end = max((es[t] + dur[t] for t in topo), default=0.0)
    successors: dict[str, list[str]] = {t: [] for t in topo}
    for tid in topo:
        for dep in by_id[tid].get("depends_on") or []:
            successors[dep].append(tid)
    lf: dict[str, float] = {}
    for tid in reversed(topo):
        lf[tid] = min([end] + [lf[s] - dur[s] for s in successors[tid]])
    rows: dict[str, dict[str, Any]] = {}
    for t in tasks:
        tid = t["id"]
        slack = lf[tid] - dur[tid] - es[tid]
        rows[tid] = {"earliest_start": _r(es[tid]), "earliest_finish": _r(es[tid] + dur[tid]),
                     "latest_start": _r(lf[tid] - dur[tid]), "latest_finish": _r(lf[tid]),
                     "slack": _r(max(slack, 0.0)), "critical": abs(slack) < EPS}
    if plan.get("start"):
        day0 = dt.date.fromisoformat(plan["start"])
        for tid, row in rows.items():
            row["start_date"] = (day0 + dt.timedelta(days=round(es[tid]))).isoformat()
            row["finish_date"] = (day0 + dt.timedelta(days=round(es[tid] + dur[tid]))).isoformat()
    path = critical_path(tasks, rows, successors, es, dur, end)
    return {"schedule": {"tasks": rows, "critical_path": path, "project_duration_days": _r(end)}}


def critical_path(tasks: list[dict[str, Any]], rows: dict[str, dict[str, Any]],
                  successors: dict[str, list[str]], es: dict[str, float], dur: dict[str, float],
                  end: float) -> list[str]:
    """Walk zero-slack tasks from a critical task with no critical predecessor to the project end."""
    index = {t["id"]: i for i, t in enumerate(tasks)}
    critical = [t["id"] for t in tasks if rows[t["id"]]["critical"]]
    if not critical:
        return []
    fed = {s for c in critical for s in successors[c] if rows[s]["critical"]
           and abs(es[c] + dur[c] - es[s]) < EPS}
    starts = [c for c in critical if c not in fed]
    for start in starts:
        path = [start]
        while abs(es[path[-1]] + dur[path[-1]] - end) >= EPS:
            nxt = sorted((s for s in successors[path[-1]] if rows[s]["critical"]
                          and abs(es[path[-1]] + dur[path[-1]] - es[s]) < EPS), key=lambda s: index[s])
            if not nxt:
                break
            path.append(nxt[0])
        if abs(es[path[-1]] + dur[path[-1]] - end) < EPS:
            return path
    return [starts[0]] if starts else []


def _r(x: float) -> float:
    return round(x, 6)
