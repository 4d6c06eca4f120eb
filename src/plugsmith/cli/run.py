"""``plugsmith run PLAN --out DIR`` and ``plugsmith metrics``: the plan pipeline and its success metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def run(
    plan: Annotated[Path, typer.Argument(help="Plan document (JSON/YAML) or a PlanExe run directory.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run directory (re-use it to resume).")],
    workers: Annotated[int, typer.Option("--workers", min=1, help="Run independent stages in parallel.")] = 1,
    scheduler_url: Annotated[str | None, typer.Option("--scheduler-url",
                                                      help="Central luigid scheduler URL.")] = None,
    no_synth: Annotated[bool, typer.Option("--no-synth", help="Leave gaps open; do not synthesize.")] = False,
    catalog: Annotated[Path | None, typer.Option("--catalog", help="Extra catalog file (JSON).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the run result as JSON.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the plan has serious data problems "
                                         "(made-up durations, lost dependencies, …).")] = False,
) -> None:
    """Run the plan pipeline: requirements, hub resolution, synthesis of gaps, execution, report."""
    from plugsmith.cli._common import OPTIONS, err, print_json
    from plugsmith.config import check_directory
    from plugsmith.errors import WorkFailed
    from plugsmith.pipeline import console_progress, run_plan_pipeline

    check_directory(out, "--out")  # a file (or a path below one) is bad input, not a traceback
    with console_progress(enabled=not json_out) as progress:
        result = run_plan_pipeline(plan, out, db=OPTIONS.db, workers=workers, scheduler_url=scheduler_url,
                                   synthesize=not no_synth, progress=progress, catalog=catalog)
    if json_out:
        print_json(result.to_json())
    else:
        m = result.metrics
        rate = "n/a" if m["recovery_rate"] is None else f"{m['recovery_rate']:.2f}"
        typer.echo(f"report: {result.report_html}\n        {result.report_md}")
        typer.echo(f"metrics: {result.metrics_path}")
        lacking = len(m.get("without_data") or [])
        typer.echo(f"capabilities: {m['capabilities_required']} required, {m['resolved_from_hub']} from the "
                   f"hub, {m['synthesized']} synthesized, {m['failed']} failed"
                   + (f", {lacking} without data in the plan" if lacking else "") + f"; recovery rate {rate}")
        if result.stages_skipped:
            typer.echo(f"resumed: {len(result.stages_skipped)} stage(s) already done were skipped")
    for failure in result.failed:
        err(f"warning: capability {failure['capability']} failed: {failure['error']}")
    from plugsmith.pipeline._quality import Finding

    problems = result.serious_data_problems
    for finding in problems:
        err(f"warning: data: {Finding.from_json(finding).line()}")
    if problems:
        err(f"data quality: {len(problems)} serious problem(s); see 'Data quality' in {result.report_md}")
    if strict and problems:
        raise WorkFailed(f"{len(problems)} serious data problem(s) in the plan (--strict)", subject=str(plan),
                         hint="fix the inputs the warnings name, or run without --strict")


def metrics(
    json_out: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Success metrics across every run recorded in the hub (reuse lift, recovery, coverage, …)."""
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.pipeline.metrics import hub_metrics

    hub = open_hub()
    try:
        data = hub_metrics(hub)
    finally:
        hub.close()
    if json_out:
        print_json(data)
        return
    for key, value in data.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for sub, val in value.items():
                typer.echo(f"  {sub}: {val}")
        else:
            typer.echo(f"{key}: {'n/a' if value is None else value}")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("metrics")(metrics)
