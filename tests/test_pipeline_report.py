"""Report rendering from a run directory: HTML Gantt and SVG risk matrix, self-contained HTML, Markdown."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from plugsmith.pipeline import load_view, render_html, render_markdown, run_metrics
from plugsmith.pipeline._files import write_json

PLAN = {"title": "Tiny <plan> & co", "goal": "Check the report", "kind": "demo", "budget": 100.0,
        "currency": "EUR", "tasks": [
            {"id": "a", "name": "Dig", "kind": "construction", "duration_days": 2, "depends_on": []},
            {"id": "b", "name": "Pour", "kind": "construction", "duration_days": 3, "depends_on": ["a"]},
            {"id": "c", "name": "Paint", "kind": "odd", "duration_days": 1, "depends_on": ["a"]}]}
SCHEDULE = {"schedule": {"project_duration_days": 5.0, "critical_path": ["a", "b"], "tasks": {
    "a": {"earliest_start": 0.0, "earliest_finish": 2.0, "latest_start": 0.0, "latest_finish": 2.0,
          "slack": 0.0, "critical": True},
    "b": {"earliest_start": 2.0, "earliest_finish": 5.0, "latest_start": 2.0, "latest_finish": 5.0,
          "slack": 0.0, "critical": True},
    "c": {"earliest_start": 2.0, "earliest_finish": 3.0, "latest_start": 4.0, "latest_finish": 5.0,
          "slack": 2.0, "critical": False}}}}
MATRIX = [[0] * 5 for _ in range(5)]
MATRIX[3][4] = 2
RISKS = {"risk_matrix": {"matrix": MATRIX, "bands": {"low": 0, "medium": 0, "high": 2}, "count": 2,
                         "top_risks": [{"id": "r1", "task": "a", "description": "Rain <heavy>",
                                        "likelihood": 4, "impact": 5, "score": 20}]}}
RELEASE = {"plugin_id": "plug_x", "name": "core_schedule", "version": "1.0.0", "ref": "core_schedule@1.0.0",
           "tier": "Tier 0", "origin": "builtin", "status": "approved", "checksum": "sha256:0"}


def _execution(cap: str, output: dict[str, Any] | None, *, error: str | None = None) -> dict[str, Any]:
    ok = output is not None
    return {"capability": cap, "status": "ok" if ok else "failed", "recovered": False,
            "release": RELEASE if ok else None, "output": output, "replacement": None, "error": error,
            "attempts": [{"ref": "x@1", "ok": ok, "reason": "ok" if ok else "crashed", "duration_ms": 1.0}]}


def _run_dir(tmp_path: Path, *, failed: bool = False) -> Path:
    caps = ["critical_path", "risk_matrix", "cost_per_owner"]
    write_json(tmp_path / "001-plan.json", {"plan": PLAN, "plan_id": "plan_1", "run_id": "run_1"})
    write_json(tmp_path / "002-requirements.json", {"requirements": [
        {"capability": c, "sources": ["kind:construction (2 tasks)"] if c == "critical_path" else ["stage"],
         "spec": {}} for c in caps]})
    write_json(tmp_path / "003-resolution.json", {"resolutions": [
        {"capability": c, "status": "resolved", "how": "exact", "release": RELEASE} for c in caps[:2]]
        + [{"capability": "cost_per_owner", "status": "gap", "candidates": []}]})
    outcome = {"status": "approved", "strategy": "enumerate", "candidates_tried": 2, "duration_s": 1.5}
    write_json(tmp_path / "004-synthesis.json", {"syntheses": [
        {"capability": "cost_per_owner", "status": "approved", "outcome": outcome, "ref": "cpo@1.0.0"}]})
    write_json(tmp_path / "005-governance.json", {"decisions": []})
    write_json(tmp_path / "006-critical_path.json", _execution("critical_path", SCHEDULE))
    write_json(tmp_path / "007-risk_matrix.json", _execution("risk_matrix", RISKS))
    cpo = None if failed else {"cost_per_owner": {"Ann": 10.0, "Bob": 2.5}}
    write_json(tmp_path / "008-cost_per_owner.json",
               _execution("cost_per_owner", cpo, error="capability 'cost_per_owner' could not be computed"))
    return tmp_path


def test_html_is_self_contained_with_gantt_and_risk_matrix(tmp_path: Path) -> None:
    view = load_view(_run_dir(tmp_path))
    html = render_html(view, run_metrics(view))
    assert html.count("<svg") == 1  # the risk matrix; the Gantt chart is HTML and CSS
    assert len(re.findall(r'<div class="row task', html)) == 3
    assert len(re.findall(r'<span class="bar crit"', html)) == 2  # a and b are critical
    labels = re.findall(r'<div class="row task[^"]*"><span class="label" title="([^"]*)">([^<]*)</span>',
                        html)
    assert labels == [("Dig", "Dig"), ("Pour", "Pour"), ("Paint", "Paint")]  # names, no id run into them
    assert len(re.findall(r'<rect class="cell"', html)) == 25
    assert re.search(r'font-weight="bold">2</text>', html)  # the likelihood 4 x impact 5 cell
    for fetch in ("<script", "<link", "src=", "url(", "@import"):
        assert fetch not in html
    assert "Tiny &lt;plan&gt; &amp; co" in html and "Rain &lt;heavy&gt;" in html  # escaped, not injected
    assert "synthesized (enumerate)" in html and "hub (exact)" in html
    assert "<td>Ann</td>" in html and "Some capabilities failed" not in html
    # the risk table names the task once, by name: no id column repeating the task column
    row = re.search(r"<tr><td[^>]*>Rain &lt;heavy&gt;</td>(.*?)</tr>", html)
    assert row is not None and re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1)) == ["Dig", "4", "5", "20"]


def test_failed_capability_is_announced_and_the_rest_still_rendered(tmp_path: Path) -> None:
    view = load_view(_run_dir(tmp_path, failed=True))
    metrics = run_metrics(view)
    html, md = render_html(view, metrics), render_markdown(view, metrics)
    assert "Some capabilities failed" in html and "could not be computed" in html
    assert html.count("<svg") == 1 and html.count('class="row task') == 3
    assert "**Some capabilities failed; the rest of the report is complete.**" in md
    assert "| cost_per_owner | failed |" in md
    assert metrics["failed"] == 1 and metrics["recovery_rate"] == 0.0


def test_markdown_holds_schedule_risks_and_capabilities(tmp_path: Path) -> None:
    view = load_view(_run_dir(tmp_path))
    md = render_markdown(view, run_metrics(view))
    assert md.startswith("# Tiny <plan> & co\n")
    assert "Project duration: 5 days." in md
    assert "1. Dig: 2 days, day 0 to 2\n2. Pour: 3 days, day 2 to 5\n" in md  # the critical path, by name
    assert "| Paint | 1 | — | day 2 to 3 | 2 |  |" in md
    assert "| Rain <heavy> | Dig | 4 | 5 | 20 |" in md
    row = "| cost_per_owner | ok | core_schedule | 1.0.0 | Tier 0 | builtin | synthesized (enumerate) |"
    assert row in md


def _no_data_run(tmp_path: Path) -> Path:
    """The tiny run, plus a cost capability that was not run because the plan has no cost data."""
    run = _run_dir(tmp_path)
    reqs = json.loads((run / "002-requirements.json").read_text())
    reqs["requirements"].append({"capability": "cost_estimation", "sources": ["stage"], "spec": {}})
    write_json(run / "002-requirements.json", reqs)
    write_json(run / "009-cost_estimation.json", {
        "capability": "cost_estimation", "status": "no_data", "recovered": False, "release": None,
        "output": None, "attempts": [], "replacement": None, "error": None,
        "note": "no cost data in this plan (no task costs, no resource hours at a rate)"})
    plan = json.loads((run / "001-plan.json").read_text())
    plan["data_quality"] = [{"code": "no_estimate", "severity": "serious",
                             "summary": "1 task has no duration estimate; PlanExe's minimum of 1 day is used",
                             "items": [{"subject": "c", "message": "no estimate"}]}]
    write_json(run / "001-plan.json", plan)
    return run


def test_capability_without_data_says_so_instead_of_printing_zeros(tmp_path: Path) -> None:
    view = load_view(_no_data_run(tmp_path))
    metrics = run_metrics(view)
    html, md = render_html(view, metrics), render_markdown(view, metrics)
    assert metrics["failed"] == 0 and metrics["without_data"] == ["cost_estimation"]
    assert "<code>cost_estimation</code>: no cost data in this plan" in html
    assert "- `cost_estimation`: no cost data in this plan" in md
    assert "| cost_estimation | no data |" in md and "Some capabilities failed" not in md
    costs = md.split("## Costs")[1].split("\n## ")[0]
    assert "0.00" not in costs and "no cost data in this plan" in costs


def test_data_quality_names_the_tasks(tmp_path: Path) -> None:
    view = load_view(_no_data_run(tmp_path))
    html, md = render_html(view, run_metrics(view)), render_markdown(view, run_metrics(view))
    assert "- **Serious:** 1 task has no duration estimate" in md
    assert "  - Paint (`c`): no estimate" in md
    assert re.search(r'<details class="serious"><summary><b>Serious:</b> 1 task has no duration', html)
    assert '<li>Paint<span class="id">c</span> — no estimate</li>' in html


def test_phases_group_the_gantt_chart_and_the_task_tables(tmp_path: Path) -> None:
    run = _run_dir(tmp_path)
    stage = json.loads((run / "001-plan.json").read_text())
    stage["plan"]["phases"] = [{"id": "p", "name": "Ground works", "parent": None},
                               {"id": "q", "name": "Finish", "parent": None}]
    for task, phase in zip(stage["plan"]["tasks"], ["p", "p", "q"], strict=True):
        task["phase"] = phase
    write_json(run / "001-plan.json", stage)
    view = load_view(run)
    html, md = render_html(view, run_metrics(view)), render_markdown(view, run_metrics(view))
    phases = re.findall(r'<details class="phase" open><summary class="row"><span class="label" '
                        r'title="([^"]*)">', html)
    assert phases == ["Ground works (2 tasks, 2 critical)", "Finish (1 task)"]
    assert html.count('<span class="bar phase"') == 2  # a summary bar per phase
    assert re.search(r"<summary><b>Ground works</b> — 2 tasks, 2 critical, days 0–5</summary>", html)
    assert "### Ground works\n\n| task |" in md and "### Finish\n" in md
    assert "1. Dig (Ground works): 2 days" in md


def test_run_metrics_count_gaps_synthesis_and_coverage(tmp_path: Path) -> None:
    metrics = run_metrics(load_view(_run_dir(tmp_path)))
    assert metrics["capabilities_required"] == 3
    assert (metrics["resolved_from_hub"], metrics["synthesized"], metrics["failed"]) == (2, 1, 0)
    assert metrics["missing_capability_failures"] == 1 and metrics["recovery_rate"] == 1.0
    assert metrics["gate_pass_rate"] == 0.5  # one approved out of two candidates tried
    assert metrics["time_to_add_capability_s"] == {"cost_per_owner": 1.5}
    # tasks a and b are of kind construction (mapped, computed); c's kind maps to nothing
    assert (metrics["tasks"], metrics["tasks_covered"]) == (3, 2)


@pytest.mark.parametrize("span,step", [(5.0, 1), (47.0, 5), (400.0, 50), (1000.0, 100)])
def test_gantt_ticks_stay_readable(span: float, step: int) -> None:
    from plugsmith.pipeline._gantt import tick_step

    assert tick_step(span) == step


def test_histogram_marks_that_coincide_share_one_label() -> None:
    """A plan without spread puts P50, P80 and P95 on one day: one readable label, not three on top."""
    from plugsmith.pipeline._svg import histogram_svg

    same = histogram_svg(146.0, 1.0, [1000], {"P50": 146.0, "P80": 146.0, "P95": 146.0})
    assert re.findall(r">(P[^<]*)</text>", same) == ["P50/P80/P95"] and same.count("<line ") == 3
    apart = histogram_svg(500.0, 10.0, [1] * 20, {"P50": 600.0, "P80": 650.0, "P95": 690.0})
    assert re.findall(r">(P[^<]*)</text>", apart) == ["P50", "P80", "P95"]


def test_counts_read_as_words() -> None:
    from plugsmith.pipeline._report import _keep
    from plugsmith.pipeline._report_data import day_count, plural

    assert (day_count(1.0), day_count(2.0), day_count(2.5), plural(1, "task"), plural(0, "task")) == \
        ("1 day", "2 days", "2.5 days", "1 task", "0 tasks")
    # dates and ranges never break at their hyphens; the rest is escaped as usual
    assert _keep("2025-09-25 to 2026-02-18 <b>") == ('<span class="nw">2025-09-25</span> to '
                                                    '<span class="nw">2026-02-18</span> &lt;b&gt;')
