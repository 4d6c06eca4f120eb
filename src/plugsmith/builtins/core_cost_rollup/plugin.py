"""Cost rollup by task kind: each task's own cost plus its labour (hours x rate), summed per kind."""

from typing import Any


def task_cost(task: dict[str, Any]) -> float:
    """A task's full cost: its direct ``cost`` plus every booked resource's hours x rate."""
    labour = sum(float(r.get("hours", 0)) * float(r.get("rate", 0)) for r in task.get("resources") or [])
    return float(task.get("cost", 0)) + labour


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"cost_breakdown": {kind: total}}`` with kinds in first-seen order, rounded to cents."""
    totals: dict[str, float] = {}
    for task in inputs["plan_json"].get("tasks") or []:
        kind = task.get("kind") or "general"
        totals[kind] = totals.get(kind, 0.0) + task_cost(task)
    return {"cost_breakdown": {kind: round(total, 2) for kind, total in totals.items()}}
