"""Where the built-in plugins live in the package, and the capability specs they implement.

The spec of a built-in capability is derived from its plugin directory (manifest ports and constraints,
golden cases from ``tests/cases.json``), so the plugin and the spec that stages declare cannot drift.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from plugsmith.plan._specs import parse_spec_cached
from plugsmith.spec import CASES_FILE, MANIFEST_FILE, CapabilitySpec

ROOT = Path(__file__).resolve().parent

# Built-in plugin directories in a fixed order (the order the report presents them).
NAMES = ("core_cost_rollup", "core_labour_cost", "core_schedule", "core_risk_matrix", "core_resource_load",
         "core_budget_check", "core_pert_schedule", "core_schedule_simulation", "core_resource_demand")


def builtin_dirs() -> list[Path]:
    """The built-in plugin directories shipped inside the package."""
    return [ROOT / name for name in NAMES]


def spec_for(plugin_dir: Path) -> CapabilitySpec:
    """The capability spec a plugin directory implements, with its golden cases inline.

    Built from the manifest's raw ports (not from a validated ``PluginManifest``) so each port schema
    is checked once, by the spec; the gates validate the manifest itself.
    """
    manifest = json.loads((plugin_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    cases = json.loads((plugin_dir / CASES_FILE).read_text(encoding="utf-8"))
    return parse_spec_cached({
        "name": manifest["capability"], "description": manifest.get("description", ""),
        "inputs": manifest.get("inputs", {}), "outputs": manifest["outputs"],
        "constraints": manifest.get("constraints", []), "tests": cases,
        "keywords": manifest.get("keywords", []),
    })


@cache
def _specs() -> tuple[CapabilitySpec, ...]:
    return tuple(spec_for(d) for d in builtin_dirs())


def builtin_specs() -> list[CapabilitySpec]:
    """Specs of every built-in capability (cost_estimation, labour_cost, critical_path, …)."""
    return list(_specs())


def builtin_spec(capability: str) -> CapabilitySpec:
    """The spec of one built-in capability; KeyError when there is no such built-in."""
    for spec in _specs():
        if spec.name == capability:
            return spec
    raise KeyError(capability)


__all__ = ["NAMES", "ROOT", "builtin_dirs", "builtin_spec", "builtin_specs", "spec_for"]
