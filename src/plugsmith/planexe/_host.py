"""Capability tasks made from the host pipeline's own base class: the drop-in for ``run_plan_pipeline.py``.

PlanExe's tasks derive from ``PlanTask`` (parameters ``run_id_dir``, ``speedvsdetail``,
``llm_models``) and require each other with ``self.clone(...)``. A plugsmith task that lists a PlanExe
task upstream must pass on the values the pipeline runs with: a stand-alone task knows only
``run_id_dir``, so its clone of, say, ``EstimateTaskDurationsTask`` would have the default
``speedvsdetail`` and ``llm_models`` — another task id, which Luigi schedules a second time (with other
LLMs). ``derive_tasks(PlanTask, upstream=[...])`` builds the plugsmith tasks *from* ``PlanTask``
instead, so they have exactly PlanExe's parameters and their clones are PlanExe's own tasks::

    from plugsmith.planexe import derive_tasks

    PLUGSMITH = derive_tasks(PlanTask, upstream=[WBSProjectLevel1AndLevel2AndLevel3Task,
                                                 IdentifyTaskDependenciesTask, EstimateTaskDurationsTask,
                                                 IdentifyRisksTask, CreateWBSLevel1Task])

    class FullPlanPipeline(PlanTask):
        def requires(self):
            return {..., "plugsmith": self.clone(PLUGSMITH.report)}

The tasks read PlanExe's files from the run directory by name (upstream tasks only guarantee they
exist) and write ``1000-plugsmith_plan.json``, ``1001-<capability>.json``/``.md`` and
``1002-plugsmith_report.html``/``.md``: four-digit numbers, which PlanExe's three-digit ones never equal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from plugsmith.pipeline._luigi import luigi
from plugsmith.planexe._output import write_atomic
from plugsmith.planexe._task import FIRST_NUMBER, CapabilityMixin, PlanExeImportMixin, PlugsmithMixin

# what fits a PlanExe plan: a schedule, its risk, the risk register, demand per role (no costs)
DEFAULT_CAPABILITIES = ("critical_path", "pert_schedule", "schedule_simulation", "resource_demand",
                        "risk_matrix")
_LocalTarget: Any = luigi.LocalTarget


class ReportMixin(PlugsmithMixin):
    """Render plugsmith's report (HTML and Markdown) from the import and capability tasks' files."""

    importer: ClassVar[type[luigi.Task] | None] = None

    def stem(self) -> str:
        return "plugsmith_report"

    def output(self) -> dict[str, luigi.LocalTarget]:
        return {"html": _LocalTarget(str(self.path(".html"))),
                "markdown": _LocalTarget(str(self.path(".md")))}

    def ports(self) -> dict[str, Any]:
        return {}

    def run(self) -> None:
        from plugsmith.pipeline._report import render_html, render_markdown
        from plugsmith.pipeline.metrics import run_metrics

        tasks = [t for t in self.requires() if isinstance(t, PlugsmithMixin)]
        plan_task = next(t for t in tasks if isinstance(t, PlanExeImportMixin))
        view = host_view(self.run_dir(), plan_task.path(".json"),
                         [t.path(".json") for t in tasks if isinstance(t, CapabilityMixin)])
        metrics = run_metrics(view)
        write_atomic(self.path(".md"), render_markdown(view, metrics))
        write_atomic(self.path(".html"), render_html(view, metrics))


def host_view(run_dir: Path, plan_file: Path, capability_files: list[Path]) -> Any:
    """A ``RunView`` (what the report renders) from the files the derived tasks wrote."""
    from plugsmith.pipeline._quality import assess
    from plugsmith.pipeline._view import RunView

    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in capability_files]
    plan_stage = {"plan": plan, "plan_id": run_dir.name, "run_id": run_dir.name, "source": str(run_dir),
                  "data_quality": [f.to_json() for f in assess(plan)]}
    reqs, resolutions, syntheses, executions = [], [], [], []
    for doc in docs:
        cap = doc["capability"]
        reqs.append({"capability": cap, "sources": ["PlanExe pipeline"]})
        plugin = doc.get("plugin") or {}
        release = {"name": plugin.get("name"), "version": plugin.get("version"), "tier": plugin.get("tier"),
                   "origin": plugin.get("origin"), "plugin_id": plugin.get("id")} if plugin else None
        if doc.get("resolved_by") == "synthesized":
            resolutions.append({"capability": cap, "status": "gap"})
            syntheses.append({"capability": cap, "status": "approved",
                              "outcome": {"status": "approved", "strategy": doc.get("strategy")}})
        else:
            resolutions.append({"capability": cap, "status": "resolved", "how": "exact", "release": release})
        status = doc.get("status") or "ok"
        executions.append({"capability": cap, "status": status, "output": doc.get("outputs") or None,
                           "release": release, "attempts": [], "note": doc.get("note"), "error": None})
    return RunView(run_dir, plan_stage, {"requirements": reqs}, {"resolutions": resolutions},
                   {"syntheses": syntheses}, {"decisions": []}, executions)


@dataclass(frozen=True)
class DerivedTasks:
    """The task classes ``derive_tasks`` made: require ``report`` to run them all."""

    importer: type[luigi.Task]
    capabilities: dict[str, type[luigi.Task]]
    report: type[luigi.Task]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def _extra_params(base: type[luigi.Task]) -> dict[str, Any]:
    """The hub URL, unless the host already has such a parameter (a fresh object per class)."""
    if hasattr(base, "db_url"):
        return {}
    return {"db_url": luigi.OptionalParameter(default=None, significant=False,
                                              description="plugsmith hub URL (default: PLUGSMITH_DB or "
                                              "SQLite in PLUGSMITH_HOME)")}


def derive_tasks(base: type[luigi.Task], *, upstream: Sequence[type[luigi.Task]] = (),
                 capabilities: Sequence[str] = DEFAULT_CAPABILITIES, prefix: str = "Plugsmith",
                 first_number: int = FIRST_NUMBER) -> DerivedTasks:
    """Import, capability and report tasks derived from the host's task base class.

    ``upstream``: the host tasks whose files the import reads (they run first; their parameters are
    passed on unchanged). ``capabilities``: built-in capability names (or spec file paths) to compute.
    ``prefix`` names the classes (``PlugsmithImportPlan``, ``PlugsmithCriticalPath``, …).
    """
    if first_number < FIRST_NUMBER:
        raise ValueError(f"first_number must be at least {FIRST_NUMBER}: smaller numbers can be PlanExe's")
    importer = _make(f"{prefix}ImportPlan", (PlanExeImportMixin, base),
                     {"upstream": tuple(upstream), "number": first_number, **_extra_params(base)})
    made: dict[str, type[luigi.Task]] = {}
    for cap in capabilities:
        stem = Path(cap).stem if cap.endswith((".json", ".yaml", ".yml")) else cap
        made[stem] = _make(f"{prefix}{_camel(stem)}", (CapabilityMixin, base),
                           {"capability": cap, "upstream": (importer,), **_extra_params(base)})
    report = _make(f"{prefix}Report", (ReportMixin, base),
                   {"upstream": (importer, *made.values()), "importer": importer, **_extra_params(base)})
    return DerivedTasks(importer, made, report)


def _make(name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type[luigi.Task]:
    """A derived task class, findable by its name in this module so that its tasks pickle.

    PlanExe runs its pipeline with ``luigi_workers`` from ``llm_config.json`` (4 for its hosted models);
    with more than one worker Luigi runs each task in a child process, and where processes are spawned
    (macOS, Windows) the task is pickled, which looks its class up by module and name. The child imports
    the pipeline's module again, so ``derive_tasks`` runs there too and makes the same classes under the
    same names. The prefix keeps names apart; a name already taken by an earlier derivation gets a number
    (``PlugsmithReport2``), in the order of the calls, so parent and child agree.
    """
    module = sys.modules[__name__]
    free, n = name, 1
    while hasattr(module, free):
        n += 1
        free = f"{name}{n}"
    cls: type[luigi.Task] = type(free, bases, {**namespace, "__module__": __name__, "__qualname__": free})
    setattr(module, free, cls)
    return cls


__all__ = ["DEFAULT_CAPABILITIES", "DerivedTasks", "ReportMixin", "derive_tasks", "host_view"]
