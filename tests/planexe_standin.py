"""A faithful stand-in for PlanExe's ``run_plan_pipeline.py`` (PlanExe is not installable from a registry).

It mirrors what plugsmith's drop-in relies on, as PlanExe writes it (PlanExeOrg/PlanExe,
``worker_plan/worker_plan_internal/plan/run_plan_pipeline.py`` and ``worker_plan_api/filenames.py``):

- ``PlanTask(luigi.Task)`` with ``run_id_dir`` (a plain ``luigi.Parameter`` whose default is a
  timestamped ``Path``), ``speedvsdetail`` (``EnumParameter`` of ``SpeedVsDetailEnum``), ``llm_models``
  (``ListParameter``) and the private ``_pipeline_executor_callback``; ``file_path``/``local_target``
  by ``FilenameEnum``; ``run()`` calls ``run_inner()``.
- ``FilenameEnum`` values exactly as PlanExe names the files the schedule needs (three-digit numbers,
  ``999-pipeline_complete.txt`` last), with the raw per-chunk templates (``022-1-{}-…``, ``023-1-{}-…``)
  whose files sit beside the inputs in a real run directory.
- The tasks that write those files, with PlanExe's ``requires()`` edges among them (as of commit
  fd5cd209: durations after the level 1 + 2 project ``019``, level 3 after the durations, the whole tree
  from ``019`` and level 3, ``CreateScheduleTask`` reading exactly start time, level 1, dependencies,
  durations and the whole tree) and PlanExe's output shapes (one target, or a dict with its keys). In
  place of an LLM each copies its file from a recorded real run (``SAMPLE_RUN``), and appends one line
  to ``standin-runs.jsonl`` so a test can see how often, and with which parameters, each task ran.
- ``FullPlanPipeline``, whose ``requires()`` is where a PlanExe maintainer adds plugsmith's report task.
  PlanExe runs it with ``luigi.build(..., workers=N)``, N from ``luigi_workers`` in ``llm_config.json``.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

import luigi

SAMPLE_RUN = Path(__file__).parent / "data" / "planexe" / "runs" / "20250321_silo"
DEFAULT_LLM_MODEL = "ollama-llama3.1"
RUNS_LOG = "standin-runs.jsonl"


class SpeedVsDetailEnum(str, Enum):  # noqa: UP042 - as PlanExe declares it
    ALL_DETAILS_BUT_SLOW = "all_details_but_slow"
    FAST_BUT_SKIP_DETAILS = "fast_but_skip_details"
    PING_LLM = "ping_llm"


class FilenameEnum(str, Enum):  # noqa: UP042 - as PlanExe declares it
    START_TIME = "001-1-start_time.json"
    INITIAL_PLAN = "001-2-plan.txt"
    IDENTIFY_RISKS_RAW = "003-1-identify_risks_raw.json"
    IDENTIFY_RISKS_MARKDOWN = "003-2-identify_risks.md"
    WBS_LEVEL1_RAW = "018-1-wbs_level1_raw.json"
    WBS_LEVEL1 = "018-2-wbs_level1.json"
    WBS_LEVEL1_PROJECT_TITLE = "018-3-wbs_level1_project_title.json"
    WBS_LEVEL2_RAW = "018-4-wbs_level2_raw.json"
    WBS_LEVEL2 = "018-5-wbs_level2.json"
    WBS_PROJECT_LEVEL1_AND_LEVEL2 = "019-wbs_project_level1_and_level2.json"
    TASK_DEPENDENCIES_RAW = "021-task_dependencies_raw.json"
    TASK_DURATIONS_RAW_TEMPLATE = "022-1-{}-task_durations_raw.json"
    TASK_DURATIONS = "022-2-task_durations.json"
    WBS_LEVEL3_RAW_TEMPLATE = "023-1-{}-wbs_level3_raw.json"
    WBS_LEVEL3 = "023-2-wbs_level3.json"
    WBS_PROJECT_LEVEL1_AND_LEVEL2_AND_LEVEL3_FULL = "023-3-wbs_project_level1_and_level2_and_level3.json"
    WBS_PROJECT_LEVEL1_AND_LEVEL2_AND_LEVEL3_CSV = "023-4-wbs_project_level1_and_level2_and_level3.csv"
    SCHEDULE_GANTT_MERMAID_HTML = "026-1-schedule_gantt_mermaid.html"
    SCHEDULE_GANTT_DHTMLX_HTML = "026-2-schedule_gantt_dhtmlx.html"
    SCHEDULE_GANTT_MACHAI_CSV = "026-3-schedule_gantt_machai.csv"
    REPORT = "030-report.html"
    PIPELINE_COMPLETE = "999-pipeline_complete.txt"


class PlanTask(luigi.Task):
    run_id_dir = luigi.Parameter(default=Path("run") / datetime.now().strftime("%Y%m%d_%H%M%S"))
    speedvsdetail = luigi.EnumParameter(enum=SpeedVsDetailEnum,
                                        default=SpeedVsDetailEnum.ALL_DETAILS_BUT_SLOW)
    llm_models = luigi.ListParameter(default=[DEFAULT_LLM_MODEL])
    _pipeline_executor_callback = luigi.Parameter(default=None, significant=False,
                                                  visibility=luigi.parameter.ParameterVisibility.PRIVATE)

    def file_path(self, filename: FilenameEnum) -> Path:
        return self.run_id_dir / filename.value  # type: ignore[no-any-return]  # a Path, as PlanExe passes it

    def local_target(self, filename: FilenameEnum) -> luigi.LocalTarget:
        return luigi.LocalTarget(self.file_path(filename))

    def run(self) -> None:
        try:
            self.run_inner()
        except Exception as e:
            raise Exception(f"Failed to run {self.__class__.__name__} with any of the LLMs in the list: "
                            f"{self.llm_models!r} for run_id_dir: {self.run_id_dir!r}") from e

    def run_inner(self) -> None:
        """Stand-in for the LLM call: copy this task's files from the recorded run, log the call."""
        with (Path(self.run_id_dir) / RUNS_LOG).open("a", encoding="utf-8") as log:
            log.write(json.dumps({"task": type(self).__name__, "speedvsdetail": self.speedvsdetail.value,
                                  "llm_models": list(self.llm_models)}) + "\n")
        for name in self.produces.values():
            source = SAMPLE_RUN / name.value
            target = self.file_path(name)
            if source.is_file():
                shutil.copyfile(source, target)
            else:
                target.write_text("{}\n" if name.value.endswith(".json") else "\n", encoding="utf-8")
        for template in self.chunks:  # the raw per-chunk files PlanExe writes beside the aggregate
            for index in (1, 2):
                (Path(self.run_id_dir) / template.value.format(index)).write_text(
                    '{"task_details": [], "metadata": {}}\n', encoding="utf-8")

    # output key -> file, as PlanExe's output() names them; one entry under "" is a single target
    produces: ClassVar[dict[str, FilenameEnum]] = {}
    chunks: ClassVar[tuple[FilenameEnum, ...]] = ()

    def output(self) -> Any:
        if list(self.produces) == [""]:
            return self.local_target(self.produces[""])
        return {key: self.local_target(name) for key, name in self.produces.items()}


class StartTimeTask(PlanTask):
    """Written by the app before the pipeline starts, as in PlanExe."""

    def output(self) -> Any:
        return self.local_target(FilenameEnum.START_TIME)

    def run(self) -> None:
        raise AssertionError(f"'{FilenameEnum.START_TIME.value}' must exist before the pipeline runs")


class SetupTask(PlanTask):
    def output(self) -> Any:
        return self.local_target(FilenameEnum.INITIAL_PLAN)

    def run(self) -> None:
        raise AssertionError(f"'{FilenameEnum.INITIAL_PLAN.value}' must exist before the pipeline runs")


class IdentifyRisksTask(PlanTask):
    produces = {"raw": FilenameEnum.IDENTIFY_RISKS_RAW, "markdown": FilenameEnum.IDENTIFY_RISKS_MARKDOWN}

    def requires(self) -> Any:
        return {"setup": self.clone(SetupTask)}


class CreateWBSLevel1Task(PlanTask):
    produces = {"raw": FilenameEnum.WBS_LEVEL1_RAW, "clean": FilenameEnum.WBS_LEVEL1,
                "project_title": FilenameEnum.WBS_LEVEL1_PROJECT_TITLE}

    def requires(self) -> Any:
        return {"setup": self.clone(SetupTask)}


class CreateWBSLevel2Task(PlanTask):
    produces = {"raw": FilenameEnum.WBS_LEVEL2_RAW, "clean": FilenameEnum.WBS_LEVEL2}

    def requires(self) -> Any:
        return {"wbs_level1": self.clone(CreateWBSLevel1Task)}


class WBSProjectLevel1AndLevel2Task(PlanTask):
    produces = {"": FilenameEnum.WBS_PROJECT_LEVEL1_AND_LEVEL2}

    def requires(self) -> Any:
        return {"wbs_level1": self.clone(CreateWBSLevel1Task), "wbs_level2": self.clone(CreateWBSLevel2Task)}


class IdentifyTaskDependenciesTask(PlanTask):
    produces = {"": FilenameEnum.TASK_DEPENDENCIES_RAW}

    def requires(self) -> Any:
        return {"wbs_level2": self.clone(CreateWBSLevel2Task)}


class EstimateTaskDurationsTask(PlanTask):
    produces = {"": FilenameEnum.TASK_DURATIONS}
    chunks = (FilenameEnum.TASK_DURATIONS_RAW_TEMPLATE,)

    def requires(self) -> Any:
        return {"wbs_project": self.clone(WBSProjectLevel1AndLevel2Task)}


class CreateWBSLevel3Task(PlanTask):
    produces = {"": FilenameEnum.WBS_LEVEL3}
    chunks = (FilenameEnum.WBS_LEVEL3_RAW_TEMPLATE,)

    def requires(self) -> Any:
        return {"wbs_project": self.clone(WBSProjectLevel1AndLevel2Task),
                "task_durations": self.clone(EstimateTaskDurationsTask)}


class WBSProjectLevel1AndLevel2AndLevel3Task(PlanTask):
    produces = {"full": FilenameEnum.WBS_PROJECT_LEVEL1_AND_LEVEL2_AND_LEVEL3_FULL,
                "csv": FilenameEnum.WBS_PROJECT_LEVEL1_AND_LEVEL2_AND_LEVEL3_CSV}

    def requires(self) -> Any:
        return {"wbs_project12": self.clone(WBSProjectLevel1AndLevel2Task),
                "wbs_level3": self.clone(CreateWBSLevel3Task)}


class CreateScheduleTask(PlanTask):
    """PlanExe's own schedule (its Gantt exports): reads exactly what plugsmith's import reads."""

    produces = {"mermaid_html": FilenameEnum.SCHEDULE_GANTT_MERMAID_HTML,
                "dhtmlx_html": FilenameEnum.SCHEDULE_GANTT_DHTMLX_HTML,
                "machai_csv": FilenameEnum.SCHEDULE_GANTT_MACHAI_CSV}

    def requires(self) -> Any:
        return {"start_time": self.clone(StartTimeTask), "wbs_level1": self.clone(CreateWBSLevel1Task),
                "dependencies": self.clone(IdentifyTaskDependenciesTask),
                "durations": self.clone(EstimateTaskDurationsTask),
                "wbs_project123": self.clone(WBSProjectLevel1AndLevel2AndLevel3Task)}


# What plugsmith's import task reads: PlanExe's files are found by name once these have run (the inputs
# of CreateScheduleTask, the prompt and the risk register).
SCHEDULE_INPUTS = (StartTimeTask, SetupTask, IdentifyRisksTask, CreateWBSLevel1Task,
                   WBSProjectLevel1AndLevel2AndLevel3Task, IdentifyTaskDependenciesTask,
                   EstimateTaskDurationsTask)
# The rest of what FullPlanPipeline requires among these tasks, in PlanExe's order
PIPELINE = (*SCHEDULE_INPUTS, WBSProjectLevel1AndLevel2Task, CreateWBSLevel3Task, CreateScheduleTask)


class FullPlanPipeline(PlanTask):
    """PlanExe's last task; ``extra`` stands for the lines a maintainer adds to its ``requires()``."""

    extra: ClassVar[dict[str, type[luigi.Task]]] = {}

    def requires(self) -> Any:
        needs = {cls.__name__: self.clone(cls) for cls in PIPELINE}
        needs.update({key: self.clone(cls) for key, cls in self.extra.items()})
        return needs

    def output(self) -> Any:
        return self.local_target(FilenameEnum.PIPELINE_COMPLETE)

    def run(self) -> None:
        self.file_path(FilenameEnum.PIPELINE_COMPLETE).write_text("done\n", encoding="utf-8")


def new_run_dir(root: Path) -> Path:
    """A run directory as PlanExe's app prepares it: the start time and the prompt, nothing else."""
    run = root / "PlanExe_20260312_100218"
    run.mkdir(parents=True)
    for name in (FilenameEnum.START_TIME, FilenameEnum.INITIAL_PLAN):
        shutil.copyfile(SAMPLE_RUN / name.value, run / name.value)
    return run


def runs(run_dir: Path) -> list[dict[str, Any]]:
    """What the stand-in tasks logged: one entry per run of a task."""
    log = run_dir / RUNS_LOG
    return [json.loads(line) for line in log.read_text().splitlines()] if log.is_file() else []
