"""The seed's success metrics for the dashboard and ``/api/v1/metrics``, overall and per day.

When pipelines have recorded their runs (``run`` events, ``plugsmith.pipeline.metrics.record_run``),
the numbers are ``plugsmith.pipeline.metrics.aggregate`` over those runs — the same definitions as
``plugsmith metrics`` (docs/pipeline.md) — and the daily series aggregate each day's runs. A hub with no
recorded runs (e.g. fed only by telemetry from other tools) falls back to these event-based ones:

- recovery rate: capability gaps that ended in a working plugin (``recovery`` ok) per ``gap``;
- gate pass rate: ``gate`` events with outcome ok per gate event;
- reuse lift: needs served from the hub (``reuse``) per need that required a plugin (reuse + synthesis);
- coverage: distinct capabilities with a successful use, reuse or synthesis per capability asked for;
- time to add a capability: median duration of successful ``synthesis`` events, in seconds.

A rate with no denominator is ``None`` ("no data"), never 0, so an empty hub does not look broken.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from plugsmith.server._serialize import event_day

RATES = ("recovery_rate", "gate_pass_rate", "reuse_lift", "coverage")


def _ok(event: Mapping[str, Any]) -> bool:
    return bool(event.get("outcome", "ok") == "ok")


def summarize(events: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The five metrics over ``events`` plus the raw counts behind them."""
    by_kind: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        by_kind[str(event.get("kind"))].append(event)
    gaps, recoveries = by_kind["gap"], [e for e in by_kind["recovery"] if _ok(e)]
    gates = by_kind["gate"]
    reuse, synth = by_kind["reuse"], by_kind["synthesis"]
    asked = {e.get("capability") for e in events if e.get("capability")}
    served = {
        e.get("capability")
        for e in events
        if e.get("kind") in {"use", "reuse", "synthesis", "recovery"} and _ok(e) and e.get("capability")
    }
    durations = [
        float(e["duration_ms"]) for e in synth if _ok(e) and isinstance(e.get("duration_ms"), int | float)
    ]
    return {
        "recovery_rate": _rate(min(len(recoveries), len(gaps)), len(gaps)),
        "gate_pass_rate": _rate(sum(1 for e in gates if _ok(e)), len(gates)),
        "reuse_lift": _rate(len(reuse), len(reuse) + len(synth)),
        "coverage": _rate(len(served & asked), len(asked)),
        "time_to_add_capability_s": round(statistics.median(durations) / 1000, 3) if durations else None,
        "counts": {kind: len(items) for kind, items in sorted(by_kind.items()) if items},
        "events": len(events),
    }


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def daily(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Each metric per UTC day, for the dashboard's charts (days without data are left out)."""
    per_day: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for event in events:
        day = event_day(event)
        if day:
            per_day[day].append(event)
    days = sorted(per_day)
    series: dict[str, list[Any]] = {"days": days}
    for day in days:
        result = summarize(per_day[day])
        for name in (*RATES, "time_to_add_capability_s"):
            series.setdefault(name, []).append(result[name])
        series.setdefault("events", []).append(len(per_day[day]))
    return series


def runs_of(events: Iterable[Mapping[str, Any]]) -> list[tuple[str | None, dict[str, Any]]]:
    """(day, run metrics) of every recorded pipeline run, oldest first; the latest record per run id wins."""
    runs: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for event in events:
        detail = event.get("detail")
        if event.get("kind") == "run" and isinstance(detail, Mapping) and "run_id" in detail:
            runs.pop(str(detail["run_id"]), None)
            runs[str(detail["run_id"])] = (event_day(event), dict(detail))
    return list(runs.values())


def from_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's five numbers from the pipeline's own aggregate over runs."""
    from plugsmith.pipeline.metrics import aggregate

    agg = aggregate(runs)
    kinds = agg.get("task_coverage_by_plan_kind") or {}
    tasks = sum(int(k.get("tasks") or 0) for k in kinds.values())
    covered = sum(int(k.get("tasks_covered") or 0) for k in kinds.values())
    return {
        "recovery_rate": agg.get("recovery_rate"),
        "gate_pass_rate": agg.get("gate_pass_rate"),
        "reuse_lift": agg.get("reuse_lift")
        if len(runs) > 1
        else agg.get("first_run_met_without_synthesis"),
        "coverage": _rate(covered, tasks),
        "time_to_add_capability_s": (agg.get("time_to_add_capability_s") or {}).get("mean"),
        "runs": len(runs),
        "aggregate": agg,
    }


def compute(events: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The metrics document served at ``/api/v1/metrics`` and drawn on ``/dashboard``."""
    runs = runs_of(events)
    if not runs:
        return {"source": "events", "overall": summarize(events), "daily": daily(events)}
    overall = {**from_runs([r for _, r in runs]), "events": len(events)}
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for day, run in runs:
        if day:
            by_day[day].append(run)
    series: dict[str, list[Any]] = {"days": sorted(by_day)}
    for day in series["days"]:
        result = from_runs(by_day[day])
        for name in (*RATES, "time_to_add_capability_s"):
            series.setdefault(name, []).append(result[name])
        series.setdefault("events", []).append(len(by_day[day]))
    return {"source": "runs", "overall": overall, "daily": series}


__all__ = ["RATES", "compute", "daily", "summarize"]
