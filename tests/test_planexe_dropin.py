"""The drop-in for PlanExe's ``run_plan_pipeline.py``, against the stand-in in ``planexe_standin.py``.

What must hold: plugsmith's tasks carry PlanExe's parameters, so a PlanExe task they require is the very
task the pipeline schedules (each runs once, with the pipeline's ``speedvsdetail`` and ``llm_models``);
they read PlanExe's files by name; their file numbers are never PlanExe's; ``llm_config.json`` is found
through ``PLANEXE_CONFIG_PATH``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import luigi
import pytest

import planexe_standin as pe
from plugsmith.planexe import PlanExeImportTask, derive_tasks
from test_pipeline_helpers import builtin_home_template, seeded_home  # noqa: F401

RUNS = Path(__file__).parent / "data" / "planexe" / "runs"
EXPECTED = {r["run"]: r for r in map(json.loads, (RUNS / "expected.jsonl").read_text().splitlines())}
PLUGSMITH = derive_tasks(pe.PlanTask, upstream=pe.SCHEDULE_INPUTS, prefix="StandinPlugsmith")
PIPELINE_ARGS = {"speedvsdetail": pe.SpeedVsDetailEnum.FAST_BUT_SKIP_DETAILS, "llm_models": ["openrouter-x"]}


class StandaloneImport(PlanExeImportTask):
    """What a maintainer might write without derive_tasks: a plugsmith task listing a PlanExe task."""

    upstream = (pe.EstimateTaskDurationsTask,)


def test_derived_tasks_clone_planexes_tasks_with_the_pipelines_parameters(tmp_path: Path) -> None:
    pipeline_task = pe.EstimateTaskDurationsTask(run_id_dir=tmp_path, **PIPELINE_ARGS)
    derived = PLUGSMITH.importer(run_id_dir=tmp_path, **PIPELINE_ARGS)
    cloned = {type(t).__name__: t for t in derived.requires()}
    assert cloned["EstimateTaskDurationsTask"].task_id == pipeline_task.task_id
    # the stand-alone task does not know speedvsdetail and llm_models: its clone is another task, which
    # Luigi would schedule a second time with PlanExe's default LLM
    standalone = StandaloneImport(run_id_dir=tmp_path).requires()[0]
    assert standalone.task_id != pipeline_task.task_id
    assert list(standalone.llm_models) == [pe.DEFAULT_LLM_MODEL]
    for cls in (PLUGSMITH.importer, *PLUGSMITH.capabilities.values(), PLUGSMITH.report):
        assert issubclass(cls, pe.PlanTask)
        assert {"run_id_dir", "speedvsdetail", "llm_models"} <= {name for name, _ in cls.get_params()}


def test_file_numbers_cannot_be_planexes() -> None:
    planexe = {v.value.split("-")[0] for v in pe.FilenameEnum}
    assert all(re.fullmatch(r"\d{3}", n) for n in planexe)  # PlanExe numbers its files with three digits
    ours = {PLUGSMITH.importer(run_id_dir=Path("r")).path(".json").name,
            PLUGSMITH.report(run_id_dir=Path("r")).path(".html").name}
    ours |= {cls(run_id_dir=Path("r")).path(".json").name for cls in PLUGSMITH.capabilities.values()}
    assert {n.split("-")[0] for n in ours} == {"1000", "1001", "1002"}
    with pytest.raises(ValueError, match="at least 1000"):
        derive_tasks(pe.PlanTask, first_number=100)


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_home")
@pytest.mark.parametrize("workers", [1, 2])  # PlanExe takes its worker count from llm_config.json
def test_the_pipeline_with_plugsmiths_report_runs_each_planexe_task_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(pe.FullPlanPipeline, "extra", {"plugsmith": PLUGSMITH.report})
    run = pe.new_run_dir(tmp_path)
    assert luigi.build([pe.FullPlanPipeline(run_id_dir=run, **PIPELINE_ARGS)], local_scheduler=True,
                       workers=workers, log_level="ERROR")
    calls = pe.runs(run)
    assert Counter(c["task"] for c in calls) == Counter(
        {"IdentifyRisksTask": 1, "CreateWBSLevel1Task": 1, "CreateWBSLevel2Task": 1,
         "WBSProjectLevel1AndLevel2Task": 1, "IdentifyTaskDependenciesTask": 1,
         "EstimateTaskDurationsTask": 1, "CreateWBSLevel3Task": 1,
         "WBSProjectLevel1AndLevel2AndLevel3Task": 1,
         "CreateScheduleTask": 1})
    assert all(c["speedvsdetail"] == "fast_but_skip_details" and c["llm_models"] == ["openrouter-x"]
               for c in calls)
    ours = sorted(p.name for p in run.iterdir() if p.name.startswith("1"))
    assert ours == ["1000-plugsmith_plan.json", "1000-plugsmith_plan_import_report.md",
                    "1001-critical_path.json", "1001-critical_path.md", "1001-pert_schedule.json",
                    "1001-pert_schedule.md", "1001-resource_demand.json", "1001-resource_demand.md",
                    "1001-risk_matrix.json", "1001-risk_matrix.md", "1001-schedule_simulation.json",
                    "1001-schedule_simulation.md", "1002-plugsmith_report.html", "1002-plugsmith_report.md"]
    schedule = json.loads((run / "1001-critical_path.json").read_text())["outputs"]["schedule"]
    assert schedule["project_duration_days"] == EXPECTED["20250321_silo"]["critical_path_days"]
    report = (run / "1002-plugsmith_report.md").read_text()
    assert report.startswith("# Silo Construction\n") and "Project duration: 931 days" in report
    assert "Negotiate Land Acquisition Agreements" in report and "## Data quality" in report
    assert "Silo Construction" in (run / "1002-plugsmith_report.html").read_text()

    # resuming the finished pipeline runs nothing again
    before = {p.name: p.stat().st_mtime_ns for p in run.iterdir()}
    assert luigi.build([pe.FullPlanPipeline(run_id_dir=run, **PIPELINE_ARGS)], local_scheduler=True,
                       log_level="ERROR")
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir()} == before


@pytest.mark.usefixtures("seeded_home")
def test_a_capability_the_plan_has_no_data_for_says_so(tmp_path: Path) -> None:
    cost = derive_tasks(pe.PlanTask, capabilities=["cost_estimation"], prefix="StandinCost")
    run = tmp_path / "run"
    run.mkdir()
    for name in ("023-3-wbs_project_level1_and_level2_and_level3.json", "022-2-task_durations.json"):
        (run / name).write_bytes((pe.SAMPLE_RUN / name).read_bytes())
    task = cost.capabilities["cost_estimation"]
    assert luigi.build([task(run_id_dir=run)], local_scheduler=True, log_level="ERROR")
    doc = json.loads((run / "1001-cost_estimation.json").read_text())
    assert doc == {"capability": "cost_estimation", "status": "no_data", "outputs": {},
                   "note": "no cost data in this plan (no task costs, no resource hours at a rate)"}
    notes = (run / "1000-plugsmith_plan_import_report.md").read_text()
    assert "021-task_dependencies_raw.json" in notes and "serious: no dependencies" not in notes
    assert "- serious: an input file a schedule needs is missing or empty" in notes


def test_planexe_config_path_finds_llm_config_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from plugsmith.synth._llm_config import config_path, load_llm_config

    config = tmp_path / "planexe-config"
    config.mkdir()
    (config / "llm_config.json").write_text(json.dumps({"my-model": {
        "class": "OpenAILike", "arguments": {"api_base": "http://127.0.0.1:9/v1", "model": "m",
                                             "api_key": "${MY_KEY}"}, "priority": 1}}))
    (config / ".env").write_text("MY_KEY=from-dotenv\n")
    monkeypatch.chdir(tmp_path)  # no ./llm_config.json here
    env = {"PLANEXE_CONFIG_PATH": str(config), "PLUGSMITH_HOME": str(tmp_path / "home")}
    assert config_path(None, env) == config / "llm_config.json"
    endpoints = load_llm_config(env=env)
    assert [(e.base_url, e.model) for e in endpoints] == [("http://127.0.0.1:9/v1", "m")]
    # an explicit PLUGSMITH_LLM_CONFIG still wins; a relative PLANEXE_CONFIG_PATH is ignored, as in PlanExe
    other = tmp_path / "other.json"
    other.write_text("{}")
    assert config_path(None, {**env, "PLUGSMITH_LLM_CONFIG": str(other)}) == other
    assert config_path(None, {"PLANEXE_CONFIG_PATH": "relative/dir", "PLUGSMITH_HOME": str(tmp_path)}) is None


def test_derived_tasks_pickle_as_luigi_needs_with_several_workers_on_spawn(tmp_path: Path) -> None:
    """PlanExe runs ``luigi_workers`` (4 for its hosted models) workers; on macOS and Windows Luigi then
    pickles each task into a spawned process, which must find its class again by module and name."""
    import pickle

    again = derive_tasks(pe.PlanTask, upstream=pe.SCHEDULE_INPUTS, prefix="StandinPlugsmith")
    assert again.report is not PLUGSMITH.report and again.report.__name__ == "StandinPlugsmithReport2"
    for derived in (PLUGSMITH, again):
        for cls in (derived.importer, *derived.capabilities.values(), derived.report):
            task = cls(run_id_dir=tmp_path, **PIPELINE_ARGS)
            copy = pickle.loads(pickle.dumps(task))
            assert type(copy) is cls and copy.task_id == task.task_id
            assert [t.task_id for t in copy.requires()] == [t.task_id for t in task.requires()]
