"""Labour cost per role: hours x rate of every resource booking, summed per role."""

from typing import Any


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"labour_cost": {role: cost}}`` with roles in first-seen order, rounded to cents."""
    totals: dict[str, float] = {}
    for task in inputs["plan_json"].get("tasks") or []:
        for res in task.get("resources") or []:
            role = res.get("role") or "unspecified"
            totals[role] = totals.get(role, 0.0) + float(res.get("hours", 0)) * float(res.get("rate", 0))
    return {"labour_cost": {role: round(total, 2) for role, total in totals.items()}}
