"""``run_plan_pipeline``: check the inputs, prepare the run directory, build the Luigi graph, report.

Exit semantics (the CLI maps them): bad plan/catalog/database URL → ``BadInput`` before anything runs;
a stage that raised → ``WorkFailed`` naming the stage; otherwise a ``RunResult`` — even when some
capabilities failed (the report says which).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith import config
from plugsmith.errors import BadInput, WorkFailed
from plugsmith.pipeline import _files as files
from plugsmith.pipeline._progress import Progress, StageWatcher


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced: paths, metrics, failed capabilities, stages run and skipped."""

    run_dir: Path
    report_html: Path
    report_md: Path
    metrics_path: Path
    metrics: dict[str, Any]
    failed: list[dict[str, Any]] = field(default_factory=list)
    stages_run: list[str] = field(default_factory=list)
    stages_skipped: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    data_quality: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every capability was computed (or said that the plan lacks its data)."""
        return not self.failed

    @property
    def serious_data_problems(self) -> list[dict[str, Any]]:
        """Data-quality findings that make a figure wrong (``--strict`` exits 1 on any)."""
        return [f for f in self.data_quality if f.get("severity") == "serious"]

    def to_json(self) -> dict[str, Any]:
        return {"run_dir": str(self.run_dir), "report_html": str(self.report_html),
                "report_md": str(self.report_md), "metrics_path": str(self.metrics_path), "ok": self.ok,
                "failed": self.failed, "stages_run": self.stages_run, "stages_skipped": self.stages_skipped,
                "duration_s": self.duration_s, "data_quality": self.data_quality, "metrics": self.metrics}


def _precheck(plan_path: Path, catalog: Path | None) -> tuple[str, int]:
    """Validate plan, catalog and requirements up front so bad input exits 2 before any stage runs.

    Returns the plan id and the number of stage files the run will have (for the progress line)."""
    from plugsmith.pipeline._stage import plan_hash
    from plugsmith.pipeline._stages import stage_specs
    from plugsmith.plan import extract_requirements, load_catalog, load_plan

    plan = load_plan(plan_path)
    reqs = extract_requirements(plan, stage_specs(), catalog=load_catalog(catalog), source=str(plan_path))
    return plan_hash(plan.model_dump(mode="json")), files.FIRST_CAPABILITY + len(reqs) + 1


def _prepare(run_dir: Path, plan_id: str) -> None:
    """Refuse a run directory of another plan; drop failed capability stages so a re-run retries them."""
    first = files.stage_path(run_dir, files.FIXED["plan"], "plan")
    if first.is_file() and files.read_json(first).get("plan_id") != plan_id:
        raise BadInput("the run directory holds a run of a different plan", subject=str(run_dir),
                       hint="use another --out directory, or delete this one to start over")
    retry = [p for p in files.stage_files(run_dir) if int(p.name[:3]) >= files.FIRST_CAPABILITY
             and files.read_json(p).get("status") == "failed"]
    if retry:
        tail = [n for n in (files.tail_number(run_dir, 0), files.tail_number(run_dir, 1)) if n is not None]
        retry += [p for p in files.stage_files(run_dir) if int(p.name[:3]) in tail]
    for path in retry:
        path.unlink()
    (run_dir / files.ERRORS_FILE).unlink(missing_ok=True)


def _quiet_luigi() -> None:
    """Luigi logs failed tasks' tracebacks; plugsmith reports one line itself (PLUGSMITH_DEBUG=1: all)."""
    level = logging.DEBUG if os.environ.get("PLUGSMITH_DEBUG") else logging.CRITICAL
    for name in ("luigi", "luigi-interface", "luigi.scheduler", "luigi.worker"):
        logging.getLogger(name).setLevel(level)


def _build(root: Any, workers: int, scheduler_url: str | None) -> bool:
    import luigi.configuration

    from plugsmith.pipeline._luigi import luigi

    cfg = luigi.configuration.get_config()  # type: ignore[no-untyped-call]
    cfg.set("core", "no_configure_logging", "true")  # plugsmith owns the console
    if threading.current_thread() is not threading.main_thread():
        cfg.set("worker", "no_install_shutdown_handler", "true")  # signals only work in the main thread
    params: dict[str, Any] = {"workers": max(1, workers)}
    if scheduler_url:
        params["scheduler_url"] = scheduler_url
    else:
        params["local_scheduler"] = True
    return bool(luigi.build([root], detailed_summary=False, **params))  # type: ignore[no-untyped-call]


def run_plan_pipeline(plan_path: Path, out_dir: Path, *, db: str | None = None, workers: int = 1,
                      scheduler_url: str | None = None, synthesize: bool = True,
                      progress: Progress | None = None, catalog: Path | None = None) -> RunResult:
    """Run the plan pipeline on ``plan_path`` into ``out_dir``; resumes when ``out_dir`` has stage files.

    ``db`` is the hub URL (default: ``PLUGSMITH_DB`` or SQLite in ``PLUGSMITH_HOME``); ``workers`` runs
    independent stages in parallel; ``scheduler_url`` uses a central ``luigid`` instead of the local
    scheduler; ``synthesize=False`` leaves gaps open instead of synthesizing plugins.
    """
    from plugsmith.pipeline._stage import make
    from plugsmith.pipeline._stages import MetricsStage

    t0 = time.perf_counter()
    plan_path, out_dir = Path(plan_path).resolve(), Path(out_dir).resolve()
    plan_id, total = _precheck(plan_path, catalog)
    db_url = config.db_url(db)
    out_dir.mkdir(parents=True, exist_ok=True)
    _prepare(out_dir, plan_id)
    before = {p.name for p in files.stage_files(out_dir)}
    root = make(MetricsStage, run_dir=str(out_dir), plan_path=str(plan_path), db_url=db_url,
                catalog=str(Path(catalog).resolve()) if catalog else "", synthesize=synthesize)
    watcher = StageWatcher(out_dir, progress, total=total) if progress else None
    if progress:
        progress(f"run directory {out_dir}" + (f" (resuming: {len(before)} stage(s) done)" if before else ""))
    if watcher:
        watcher.start()
    _quiet_luigi()
    try:
        succeeded = _build(root, workers, scheduler_url)
    finally:
        if watcher:
            watcher.stop()
    metrics_path = out_dir / "metrics.json"
    if not succeeded or not metrics_path.is_file():
        errors = files.stage_errors(out_dir)
        why = "; ".join(f"stage {e['stage']}: {e['error']}" for e in errors) or "a stage failed"
        raise WorkFailed(f"the run failed: {why}", subject=str(plan_path),
                         hint="fix the cause and run again with the same --out to resume")
    after = [p.name for p in files.stage_files(out_dir)]
    report_stage = files.read_json(files.stage_path(out_dir, files.tail_number(out_dir, 0) or 0, "report"))
    quality = files.read_json(files.stage_path(out_dir, files.FIXED["plan"], "plan")).get("data_quality", [])
    return RunResult(out_dir, out_dir / "report.html", out_dir / "report.md", metrics_path,
                     files.read_json(metrics_path), list(report_stage.get("failed", [])),
                     [n for n in after if n not in before], sorted(before),
                     round(time.perf_counter() - t0, 3), list(quality))


__all__ = ["RunResult", "run_plan_pipeline"]
