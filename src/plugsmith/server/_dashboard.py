"""The dashboard page (``/dashboard``): the seed's success metrics, readable with little data.

Per-day lines need days: with fewer than ``MIN_DAYS`` days of data a line is a single dot. So the page
always leads with counts (what happened, in numbers), then the overall rates; below ``MIN_DAYS`` days
it draws one bar per recorded pipeline run (what each run needed, got from the hub, synthesized or
failed) and a table of the runs, and switches to per-day charts only once there are enough days. A
hub fed only by telemetry events (no runs) shows its events by kind instead.
"""

from __future__ import annotations

from typing import Any

from plugsmith.server import _svg
from plugsmith.server._html import e, table

MIN_DAYS = 4
MAX_RUNS = 30
RATES = {
    "recovery_rate": "Recovery rate",
    "gate_pass_rate": "Gate pass rate",
    "reuse_lift": "Reuse lift",
    "coverage": "Coverage",
}


def _tiles(items: list[tuple[str, Any]]) -> str:
    cells = "".join(f'<div class="tile"><b>{e(value)}</b>{e(label)}</div>' for label, value in items)
    return f'<div class="tiles" id="counts">{cells}</div>'


def _counts(m: dict[str, Any], runs: list[dict[str, Any]], pending: int) -> str:
    overall = m["overall"]
    if m.get("source") == "runs":
        agg = overall.get("aggregate") or {}
        items: list[tuple[str, Any]] = [
            ("pipeline runs", len(runs)),
            ("capabilities needed", agg.get("capabilities_required", 0)),
            ("served from the hub", agg.get("resolved_from_hub", 0)),
            ("synthesized", agg.get("synthesized", 0)),
            ("recovered gaps", f"{agg.get('recovered', 0)} of {agg.get('missing_capability_failures', 0)}"),
            ("failed", agg.get("failed", 0)),
        ]
    else:
        counts = overall.get("counts") or {}
        items = [("events", overall.get("events", 0))] + [(f"{k} events", v) for k, v in counts.items()]
    return _tiles([*items, ("pending review", pending)])


def _rates(overall: dict[str, Any]) -> str:
    gauges = "".join(_svg.gauge(label, overall.get(key)) for key, label in RATES.items())
    tta = overall.get("time_to_add_capability_s")
    tta_text = f"{tta:.1f} s" if isinstance(tta, int | float) else "no data"
    return (
        f'<div class="charts" id="gauges">{gauges}</div>'
        f"<p>Time to add a capability: {e(tta_text)} (mean over the capabilities synthesized).</p>"
    )


def _figure(caption: str, svg: str) -> str:
    return f"<figure>{svg}<figcaption>{e(caption)}</figcaption></figure>"


def _series(days: list[str], values: list[Any]) -> tuple[list[str], list[float]]:
    pairs = [(d, float(v)) for d, v in zip(days, values, strict=False) if v is not None]
    return [d for d, _ in pairs], [v for _, v in pairs]


def _per_day(m: dict[str, Any]) -> str:
    daily = m["daily"]
    days = daily.get("days", [])
    charts = [
        _figure(label, _svg.line_chart(label, *_series(days, daily.get(key, [])), ymax=1.0))
        for key, label in RATES.items()
    ]
    tta = "Time to add a capability (s)"
    charts.append(
        _figure(
            tta,
            _svg.line_chart(tta, *_series(days, daily.get("time_to_add_capability_s", [])), fmt="{:.1f}s"),
        )
    )
    per_day = "Pipeline runs per day" if m.get("source") == "runs" else "Events per day"
    charts.append(_figure(per_day, _svg.bar_chart(per_day, days, daily.get("events", []))))
    return f'<h2>Per day</h2><div class="charts" id="charts">{"".join(charts)}</div>'


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "—"


def _per_run(runs: list[tuple[str | None, dict[str, Any]]]) -> str:
    shown = runs[-MAX_RUNS:]
    first = len(runs) - len(shown) + 1
    labels = [f"run {first + i}" for i in range(len(shown))]
    hub = [float(r.get("resolved_from_hub") or 0) for _, r in shown]
    synth = [float(r.get("synthesized") or 0) for _, r in shown]
    failed = [float(r.get("failed") or 0) for _, r in shown]
    chart = _svg.stacked_bar_chart(
        "Capabilities per run",
        labels,
        [("from the hub", "#73a657", hub), ("synthesized", "#3465a4", synth), ("failed", "#c0392b", failed)],
    )
    rows = [
        [
            e(label),
            e(day or "—"),
            e(r.get("plan_title") or r.get("plan_id")),
            e(r.get("plan_kind") or "—"),
            e(r.get("capabilities_required", 0)),
            e(r.get("resolved_from_hub", 0)),
            e(r.get("synthesized", 0)),
            e(r.get("failed", 0)),
            e(_pct(r.get("task_coverage"))),
        ]
        for label, (day, r) in zip(labels, shown, strict=True)
    ]
    runs_table = table(
        ["run", "day", "plan", "kind", "needed", "from hub", "synthesized", "failed", "task coverage"],
        list(reversed(rows)),
        narrow=(1, 3),
    )
    return (
        f'<h2>Per run</h2><div class="charts" id="run-charts">{_figure("Capabilities per run", chart)}</div>'
        f"{runs_table}"
    )


def _by_kind(m: dict[str, Any]) -> str:
    counts = m["overall"].get("counts") or {}
    if not counts:
        return (
            '<p class="muted">No telemetry yet: run a plan (<code>plugsmith run PLAN</code>) against '
            "this hub.</p>"
        )
    chart = _svg.hbar_chart("Events by kind", list(counts), [float(v) for v in counts.values()])
    return f'<h2>Events by kind</h2><div class="charts" id="charts">{_figure("Events by kind", chart)}</div>'


def dashboard_body(m: dict[str, Any], runs: list[tuple[str | None, dict[str, Any]]], pending: int) -> str:
    """The whole page body for the metrics document ``m`` and the recorded runs."""
    days = m["daily"].get("days", [])
    body = _counts(m, [r for _, r in runs], pending) + _rates(m["overall"])
    if len(days) >= MIN_DAYS:
        body += _per_day(m)
        if runs:
            body += _per_run(runs)
        return body
    note = (
        f'<p class="muted" id="few-days">{len(days)} day(s) of data: per-day charts start at {MIN_DAYS} '
        "days.</p>"
    )
    return body + note + (_per_run(runs) if runs else _by_kind(m))


__all__ = ["MIN_DAYS", "dashboard_body"]
