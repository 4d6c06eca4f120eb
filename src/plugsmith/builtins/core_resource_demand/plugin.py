"""Resource demand per role over time: how many tasks need each role at once, across the schedule.

Tasks are placed at their earliest start (dependencies, and a task's own ``start`` date when the plan
has a ``start``), with their realistic days. Each task needs every role it lists once for as long as it
runs (PlanExe names roles, not head counts; a booking's ``hours`` do not change the count). Per role:
the tasks and task-days that need it, the peak number of tasks at once and the first day it occurs,
and a series of the average number of tasks at once per period (one day for short plans, whole weeks
when that keeps the series at 52 periods or fewer). Roles come out busiest first (task-days, then
name), so a reader sees where the people are needed.
"""

import datetime as dt
import heapq
import math
from typing import Any

MAX_PERIODS = 52


def order(tasks: list[dict[str, Any]]) -> list[str]:
    """Topological order, ties in document order; raises ValueError on a cycle or unknown id."""
    index = {t["id"]: i for i, t in enumerate(tasks)}
    waiting = {t["id"]: 0 for t in tasks}
    users: dict[str, list[str]] = {t["id"]: [] for t in tasks}
    for t in tasks:
        for dep in set(t.get("depends_on") or []):
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


def earliest(plan: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """task id -> (earliest start, earliest finish) in days from the plan start."""
    tasks = plan.get("tasks") or []
    by_id = {t["id"]: t for t in tasks}
    span: dict[str, tuple[float, float]] = {}
    for tid in order(tasks):
        task = by_id[tid]
        start = max([release_day(plan, task)] + [span[d][1] for d in task.get("depends_on") or []])
        span[tid] = (start, start + float(task.get("duration_days") or 0))
    return span


def roles_of(task: dict[str, Any]) -> list[str]:
    """The distinct roles a task lists, in its order."""
    out: list[str] = []
    for res in task.get("resources") or []:
        role = " ".join(str(res.get("role") or "").split())
        if role and role not in out:
            out.append(role)
    return out


def peak(spans: list[tuple[float, float]]) -> tuple[int, float]:
    """Most spans open at once, and the first day that happens (a span ending at d frees d)."""
    events = sorted([(s, 1) for s, e in spans if e > s] + [(e, -1) for s, e in spans if e > s])
    best, when, now = 0, 0.0, 0
    for day, step in events:
        now += step
        if now > best:
            best, when = now, day
    return best, when


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"resource_demand": {"period_days", "periods", "start", "roles": {...}, ...}}``."""
    plan = inputs["plan_json"]
    tasks = plan.get("tasks") or []
    span = earliest(plan)
    horizon = max((e for _, e in span.values()), default=0.0)
    period = 1 if horizon <= MAX_PERIODS else 7 * math.ceil(horizon / (7 * MAX_PERIODS))
    periods = max(1, math.ceil(horizon / period))
    booked: dict[str, list[tuple[float, float]]] = {}
    for task in tasks:
        for role in roles_of(task):
            booked.setdefault(role, []).append(span[task["id"]])
    roles: dict[str, dict[str, Any]] = {}
    for role, spans in booked.items():
        series = [0.0] * periods
        for s, e in spans:
            for p in range(int(s // period), min(periods, math.ceil(e / period))):
                overlap = min(e, (p + 1) * period) - max(s, p * period)
                series[p] += max(overlap, 0.0) / period
        most, when = peak(spans)
        roles[role] = {"tasks": len(spans), "task_days": _r(sum(e - s for s, e in spans)), "peak": most,
                       "peak_day": _r(when), "series": [_r(v) for v in series]}
    ranked = sorted(roles, key=lambda r: (-roles[r]["task_days"], r))
    return {"resource_demand": {
        "period_days": period, "periods": periods, "horizon_days": _r(horizon), "start": plan.get("start"),
        "roles": {r: roles[r] for r in ranked},
        "tasks_without_roles": sum(1 for t in tasks if not roles_of(t))}}


def _r(x: float) -> float:
    return round(x, 2)
