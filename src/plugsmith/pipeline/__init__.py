"""The plan pipeline: Luigi stages that declare capabilities, recover from gaps, and report.

    from plugsmith.pipeline import run_plan_pipeline
    result = run_plan_pipeline(Path("examples/renovation.json"), Path("out/renovation"))
    result.report_html, result.metrics["recovery_rate"], result.failed

Stages write ``001-plan.json`` … ``005-governance.json``, one ``NNN-<capability>.json`` per capability,
then the report and metrics stage files; ``report.html``, ``report.md`` and ``metrics.json`` sit beside
them. Re-running with the same output directory resumes.
"""

from plugsmith.pipeline._execute import Execution, Executor, output_problem, plan_inputs
from plugsmith.pipeline._progress import StageWatcher, console_progress
from plugsmith.pipeline._report import render_html, render_markdown
from plugsmith.pipeline._run import RunResult, run_plan_pipeline
from plugsmith.pipeline._stages import (
    CapabilityStage,
    GovernanceStage,
    MetricsStage,
    PlanStage,
    ReportStage,
    RequirementsStage,
    ResolutionStage,
    Stage,
    SynthesisStage,
    stage_specs,
)
from plugsmith.pipeline._view import RunView, load_view
from plugsmith.pipeline.metrics import aggregate, hub_metrics, run_metrics

__all__ = [
    "CapabilityStage",
    "Execution",
    "Executor",
    "GovernanceStage",
    "MetricsStage",
    "PlanStage",
    "ReportStage",
    "RequirementsStage",
    "ResolutionStage",
    "RunResult",
    "RunView",
    "Stage",
    "StageWatcher",
    "SynthesisStage",
    "aggregate",
    "console_progress",
    "hub_metrics",
    "load_view",
    "output_problem",
    "plan_inputs",
    "render_html",
    "render_markdown",
    "run_metrics",
    "run_plan_pipeline",
    "stage_specs",
]
