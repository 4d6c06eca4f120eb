"""The port catalog: named port types that list-form capability specs resolve against.

A spec may say ``"inputs": ["plan_json"]``; the catalog supplies the JSON Schema for ``plan_json``. A
port name that is not in the catalog gets the permissive schema ``{}`` (any JSON) unless the spec gives
one, which keeps the seed's template (``"outputs": ["cost_breakdown"]``) valid as written.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from plugsmith.spec._plan import plan_schema

JsonSchema = dict[str, Any]

_NUMBER_MAP: JsonSchema = {"type": "object", "additionalProperties": {"type": "number"}}


@cache
def port_catalog() -> dict[str, JsonSchema]:
    """Known port names and their schemas. Built once; treat the result as read-only."""
    return {
        "plan_json": plan_schema(),
        "tasks": plan_schema()["properties"]["tasks"] | {"$defs": plan_schema()["$defs"]},
        "cost_breakdown": _NUMBER_MAP,
        "labour_cost": _NUMBER_MAP,
        "resource_load": {"type": "object", "additionalProperties": _NUMBER_MAP},
        "risk_matrix": {"type": "object"},
        "schedule": {"type": "object"},
        "critical_path": {"type": "array", "items": {"type": "string"}},
        "budget_check": {"type": "object"},
        "result": {},
    }


def resolve_port(name: str, ref_or_schema: Any = None) -> JsonSchema:
    """The schema of a port: an explicit schema, a ``{"$ref": "plugsmith:NAME"}``, or the catalog entry."""
    if isinstance(ref_or_schema, dict) and set(ref_or_schema) == {"$ref"}:
        ref = str(ref_or_schema["$ref"])
        if ref.startswith("plugsmith:"):
            target = ref.split(":", 1)[1]
            if target == "plan":
                target = "plan_json"
            return dict(port_catalog().get(target, {}))
    if isinstance(ref_or_schema, dict):
        return ref_or_schema
    return dict(port_catalog().get(name, {}))


__all__ = ["JsonSchema", "port_catalog", "resolve_port"]
