"""Resource load: booked hours per role and per task owner (tasks without an owner count as unassigned)."""

from typing import Any


def run(inputs: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"resource_load": {"by_role": {role: hours}, "by_owner": {owner: hours}}}``."""
    by_role: dict[str, float] = {}
    by_owner: dict[str, float] = {}
    for task in inputs["plan_json"].get("tasks") or []:
        owner = task.get("owner") or "unassigned"
        for res in task.get("resources") or []:
            hours = float(res.get("hours", 0))
            role = res.get("role") or "unspecified"
            by_role[role] = by_role.get(role, 0.0) + hours
            by_owner[owner] = by_owner.get(owner, 0.0) + hours
    return {"resource_load": {
        "by_role": {k: round(v, 2) for k, v in by_role.items()},
        "by_owner": {k: round(v, 2) for k, v in by_owner.items()},
    }}
