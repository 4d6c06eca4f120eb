"""Success metrics: for one run (``metrics.json``) and across every run a hub has recorded.

Definitions (documented in docs/pipeline.md):

- *missing-capability failures*: capabilities with no adequate plugin at resolution (gaps) plus those
  whose plugin failed at run time; *recovery rate* = share of them that were computed in the end.
- *gate pass rate*: approved candidates / candidates tried by synthesis in the run.
- *time to add a capability*: synthesis time of each newly published capability.
- *met without synthesis*: requirements computed by a plugin the hub already had.
- *task coverage*: share of tasks whose kind maps (through the catalog) to capabilities that were all
  computed.
- *reuse lift* (across runs): share of later runs' requirements met without synthesis.

The hub server imports ``aggregate`` from here, so keep it free of pipeline-only imports.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.pipeline._view import RunView

RUN_EVENT = "run"
_KIND_SOURCE = re.compile(r"^kind:(\S+) ")


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _synth_outcomes(view: RunView) -> list[tuple[str, dict[str, Any]]]:
    found = [(s["capability"], s["outcome"]) for s in view.synthesis["syntheses"] if s.get("outcome")]
    found += [(e["capability"], e["replacement"]) for e in view.executions if e.get("replacement")]
    return found


def _coverage(view: RunView) -> tuple[int, int]:
    """(tasks, covered tasks) — covered when every capability its kind maps to was computed."""
    ok = {e["capability"] for e in view.executions if e["status"] == "ok"}
    per_kind: dict[str, list[str]] = defaultdict(list)
    for req in view.requirements["requirements"]:
        for source in req["sources"]:
            match = _KIND_SOURCE.match(source + " ")
            if match:
                per_kind[match.group(1)].append(req["capability"])
    tasks = view.plan.get("tasks") or []
    covered = sum(1 for t in tasks if per_kind.get(t["kind"]) and set(per_kind[t["kind"]]) <= ok)
    return len(tasks), covered


def run_metrics(view: RunView) -> dict[str, Any]:
    """The seed's success metrics for one run, from its stage files."""
    rows = view.capability_rows()
    status = {r["capability"]: r["status"] for r in rows}
    resolved = [r for r in view.resolution["resolutions"] if r["status"] == "resolved"]
    gaps = {r["capability"] for r in view.resolution["resolutions"] if r["status"] == "gap"}
    runtime = {e["capability"] for e in view.executions if any(not a["ok"] for a in e["attempts"])}
    missing = gaps | runtime
    outcomes = _synth_outcomes(view)
    new = {cap: o for cap, o in outcomes if o["status"] == "approved"}
    tried = sum(int(o.get("candidates_tried") or 0) for _, o in outcomes)
    tasks, covered = _coverage(view)
    # a capability the plan has no data for was still met by the hub: it needed no synthesis
    met_without = [c for c, s in status.items() if s in ("ok", "no_data") and c not in new]
    return {
        "run_id": view.plan_stage["run_id"], "plan_id": view.plan_stage["plan_id"],
        "plan_title": view.plan["title"], "plan_kind": view.plan.get("kind", "general"),
        "capabilities_required": len(rows),
        "resolved_from_hub": len(resolved),
        "synthesized": len(new),
        "reused_by_synthesis": sum(1 for _, o in outcomes if o["status"] == "reused"),
        "failed": sum(1 for s in status.values() if s not in ("ok", "no_data")),
        "failed_capabilities": sorted(c for c, s in status.items() if s not in ("ok", "no_data")),
        "without_data": sorted(c for c, s in status.items() if s == "no_data"),
        "missing_capability_failures": len(missing),
        "recovered": sum(1 for c in missing if status.get(c) == "ok"),
        "recovery_rate": _ratio(sum(1 for c in missing if status.get(c) == "ok"), len(missing)),
        "candidates_tried": tried, "candidates_approved": len(new),
        "gate_pass_rate": _ratio(len(new), tried),
        "time_to_add_capability_s": {c: round(float(o.get("duration_s") or 0), 3) for c, o in new.items()},
        "met_without_synthesis": len(met_without),
        "reuse": {"from_hub": len(resolved),
                  "previously_synthesized": sum(1 for r in resolved if not _builtin(r["release"])),
                  "builtin": sum(1 for r in resolved if _builtin(r["release"]))},
        "tasks": tasks, "tasks_covered": covered, "task_coverage": _ratio(covered, tasks),
    }


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over many runs' metrics (oldest first), with reuse lift and task coverage per plan kind."""
    def total(key: str) -> int:
        return sum(int(r.get(key) or 0) for r in runs)

    later = runs[1:]
    times = [t for r in runs for t in (r.get("time_to_add_capability_s") or {}).values()]
    kinds: dict[str, dict[str, Any]] = {}
    for r in runs:
        k = kinds.setdefault(r.get("plan_kind") or "general", {"runs": 0, "tasks": 0, "tasks_covered": 0})
        k["runs"] += 1
        k["tasks"] += int(r.get("tasks") or 0)
        k["tasks_covered"] += int(r.get("tasks_covered") or 0)
    for k in kinds.values():
        k["coverage"] = _ratio(k["tasks_covered"], k["tasks"])
    return {
        "runs": len(runs),
        "capabilities_required": total("capabilities_required"),
        "resolved_from_hub": total("resolved_from_hub"),
        "synthesized": total("synthesized"),
        "failed": total("failed"),
        "missing_capability_failures": total("missing_capability_failures"),
        "recovered": total("recovered"),
        "recovery_rate": _ratio(total("recovered"), total("missing_capability_failures")),
        "gate_pass_rate": _ratio(total("candidates_approved"), total("candidates_tried")),
        "time_to_add_capability_s": {"count": len(times), "mean": _ratio(sum(times), len(times)),
                                     "max": max(times, default=None)},
        "reuse_lift": _ratio(sum(int(r.get("met_without_synthesis") or 0) for r in later),
                             sum(int(r.get("capabilities_required") or 0) for r in later)),
        "first_run_met_without_synthesis": _ratio(
            int(runs[0].get("met_without_synthesis") or 0),
            int(runs[0].get("capabilities_required") or 0)) if runs else None,
        "previously_synthesized_reused": sum(int((r.get("reuse") or {}).get("previously_synthesized") or 0)
                                             for r in runs),
        "task_coverage_by_plan_kind": kinds,
    }


def record_run(hub: Hub, metrics: dict[str, Any]) -> None:
    """Store one run's metrics in the hub as a ``run`` telemetry event (what ``aggregate`` reads back)."""
    hub.record_event(RUN_EVENT, capability="plan_pipeline", plan_id=metrics["plan_id"],
                     outcome="failed" if metrics["failed"] else "ok", detail=metrics)


def hub_runs(hub: Hub) -> list[dict[str, Any]]:
    """Every run's metrics recorded in the hub, oldest first (one per run id: the latest wins)."""
    runs: dict[str, dict[str, Any]] = {}
    for event in hub.events(kind=RUN_EVENT):
        detail = event.get("detail") or {}
        if "run_id" in detail:
            runs.pop(detail["run_id"], None)
            runs[detail["run_id"]] = detail
    return list(runs.values())


def hub_metrics(hub: Hub) -> dict[str, Any]:
    """``plugsmith metrics``: the aggregate over every run the hub has recorded."""
    return aggregate(hub_runs(hub))


def _builtin(release: dict[str, Any]) -> bool:
    """A built-in by the hub's judgement (Tier 0: exactly the bytes shipped with plugsmith), not by the
    ``origin`` its manifest claims — an upload may say ``"origin": "builtin"``."""
    return bool(release.get("tier") == "Tier 0")


__all__ = ["RUN_EVENT", "aggregate", "hub_metrics", "hub_runs", "record_run", "run_metrics"]

