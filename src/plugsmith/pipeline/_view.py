"""The run as the report and the metrics see it: every stage file read back into one structure.

Both are pure functions of the run directory, so a resumed run renders exactly like an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.pipeline._files import FIRST_CAPABILITY, FIXED, read_json, stage_path


@dataclass(frozen=True)
class RunView:
    """Stage files of one run, read back."""

    run_dir: Path
    plan_stage: dict[str, Any]
    requirements: dict[str, Any]
    resolution: dict[str, Any]
    synthesis: dict[str, Any]
    governance: dict[str, Any]
    executions: list[dict[str, Any]]

    @property
    def plan(self) -> dict[str, Any]:
        return dict(self.plan_stage["plan"])

    def output(self, capability: str) -> dict[str, Any] | None:
        """The output of a capability that ran successfully, else None."""
        for ex in self.executions:
            if ex["capability"] == capability and ex["status"] == "ok":
                return dict(ex["output"] or {})
        return None

    def capability_rows(self) -> list[dict[str, Any]]:
        """One row per required capability: status, plugin, version, tier, origin, how it was resolved."""
        res = {r["capability"]: r for r in self.resolution["resolutions"]}
        syn = {s["capability"]: s for s in self.synthesis["syntheses"]}
        ex = {e["capability"]: e for e in self.executions}
        rows = []
        for req in self.requirements["requirements"]:
            name = req["capability"]
            execution = ex.get(name, {})
            release = execution.get("release") or (res.get(name) or {}).get("release") or {}
            rows.append({"capability": name, "status": execution.get("status", "not run"),
                         "plugin": release.get("name"), "version": release.get("version"),
                         "tier": release.get("tier"), "origin": release.get("origin"),
                         "how": how_resolved(res.get(name), syn.get(name), execution),
                         "sources": req["sources"], "error": execution.get("error"),
                         "note": execution.get("note")})
        return rows


def how_resolved(res: dict[str, Any] | None, syn: dict[str, Any] | None, ex: dict[str, Any]) -> str:
    """A short phrase: hub (exact) / hub (near match 0.82) / synthesized (enumerate) / reused …"""
    if ex.get("status") == "no_data":
        return f"not run: {ex.get('note')}"
    if res and res["status"] == "resolved":
        how = "hub (exact)" if res["how"] == "exact" else f"hub (near match {res.get('score', 0):.2f})"
    elif syn and syn.get("outcome"):
        outcome = syn["outcome"]
        how = {"approved": f"synthesized ({outcome.get('strategy')})",
               "reused": "reused (adequate plugin)"}.get(outcome["status"], f"gap: {outcome['status']}")
    elif syn:
        how = f"gap: {syn.get('status', 'not synthesized')}"
    else:
        how = "gap"
    replacement = ex.get("replacement") or {}
    if ex.get("status") == "ok" and replacement.get("status") == "approved":
        how = f"{how}; synthesized at run time ({replacement.get('strategy')})"
    failures = sum(1 for a in ex.get("attempts", []) if not a["ok"])
    if ex.get("recovered"):
        how += f", recovered after {failures} failure{'s' if failures != 1 else ''}"
    return how


def load_view(run_dir: Path) -> RunView:
    """Read the stage files 001–005 and every capability stage file of a run."""
    def fixed(slug: str) -> dict[str, Any]:
        return dict(read_json(stage_path(run_dir, FIXED[slug], slug)))

    requirements = fixed("requirements")
    executions = [read_json(stage_path(run_dir, FIRST_CAPABILITY + i, r["capability"]))
                  for i, r in enumerate(requirements["requirements"])]
    return RunView(run_dir, fixed("plan"), requirements, fixed("resolution"), fixed("synthesis"),
                   fixed("governance"), executions)


__all__ = ["RunView", "how_resolved", "load_view"]
