"""Budget check: the plan's total cost (direct + labour) against its budget."""

from typing import Any


def task_cost(task: dict[str, Any]) -> float:
    """A task's full cost: its direct ``cost`` plus every booked resource's hours x rate."""
    labour = sum(float(r.get("hours", 0)) * float(r.get("rate", 0)) for r in task.get("resources") or [])
    return float(task.get("cost", 0)) + labour


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return total, budget, variance (budget - total), variance as % of budget and over/under/on.

    A plan without a budget gets status ``no_budget`` and null variance: there is nothing to compare.
    """
    plan = inputs["plan_json"]
    total = round(sum(task_cost(t) for t in plan.get("tasks") or []), 2)
    budget = plan.get("budget")
    result: dict[str, Any] = {"currency": plan.get("currency") or "USD", "total": total, "budget": budget,
                              "variance": None, "variance_pct": None, "status": "no_budget"}
    if budget is not None:
        variance = round(float(budget) - total, 2)
        result["variance"] = variance
        result["variance_pct"] = round(100.0 * variance / float(budget), 2) if budget else None
        result["status"] = "over" if variance < 0 else "under" if variance > 0 else "on"
    return {"budget_check": result}
