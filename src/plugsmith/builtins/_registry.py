"""Where the built-in plugins live in the package, and the capability specs they implement.

The spec of a built-in capability is derived from its plugin directory (manifest ports and constraints,
golden cases from ``tests/cases.json``), so the plugin and the spec that stages declare cannot drift.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from plugsmith.spec import CASES_FILE, CapabilitySpec, TestCase, load_manifest

ROOT = Path(__file__).resolve().parent

# Built-in plugin directories in a fixed order (the order the report presents them).
NAMES = ("core_cost_rollup", "core_labour_cost", "core_schedule", "core_risk_matrix", "core_resource_load",
         "core_budget_check")


def builtin_dirs() -> list[Path]:
    """The built-in plugin directories shipped inside the package."""
    return [ROOT / name for name in NAMES]


def spec_for(plugin_dir: Path) -> CapabilitySpec:
    """The capability spec a plugin directory implements, with its golden cases inline."""
    manifest = load_manifest(plugin_dir)
    raw = json.loads((plugin_dir / CASES_FILE).read_text(encoding="utf-8"))
    return CapabilitySpec(
        name=manifest.capability, description=manifest.description, inputs=dict(manifest.inputs),
        outputs=dict(manifest.outputs), constraints=list(manifest.constraints),
        tests=[TestCase.model_validate(c) for c in raw], keywords=list(manifest.keywords),
    )


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
