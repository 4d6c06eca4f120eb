"""Importing PlanExe plans: the two real samples, run directories, and what goes into the report.

Every expected value below was derived by hand from the sample files (see the comments), not by
running the importer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from plugsmith.errors import NotFound, PlanError
from plugsmith.planexe import ImportReport, import_planexe, import_planexe_with_report, parse_days
from plugsmith.spec import Plan

DATA = Path(__file__).parent / "data" / "planexe"
SOLAR = DATA / "solarfarm"
TV = DATA / "tv-remote"

# --- solar farm: level 1 (project), level 2 (7 phases x 2 subtasks), level 3 (6 tasks under 2 subtasks)
LAND, DESIGN = "303c1a0b-9609-4297-8862-5b42a6230b2b", "1d3a023b-9c92-401a-9010-70e08109b0a3"
FUNDING, TEAM = "44fd780c-3052-4323-94c7-bdd86ca6d12f", "74d93fb2-6d2d-4ef8-b91a-ce496860faae"
RISK_PHASE = "d5d79ebd-c7eb-47ed-b955-48c85541259d"
PROCURE, EIAS = "6e6e7e83-8db9-4ac9-88d3-0aeda252a19e", "7570b5c4-50bc-4ba8-bb80-db193521759a"
PERMIT, EIA, DELAYS = "2d6452f9-274f-4160-aca4-642e9b0c6446", "3f7c2b4a-16bb-4245-9073-c012b9ef2e24", \
    "61d1b93e-1c3c-4177-ada2-76d4697632f9"
EIA2, REPORT, SHARE = "aba85c55-284a-4905-84b8-e68682fbb7f1", "cd379b6c-925e-4ba9-955c-b0a4bec3aa07", \
    "19cfa8ce-1171-4157-828e-e1b900cb0ad4"
LAYOUT, PLANS = "9180ee65-d7cf-47fe-ad75-b4bf073b4a16", "73f16e9d-58f0-4447-b8e2-beb13eedc1e5"
FUND, ACQUIRE = "d82ca21a-e022-48b7-9376-9c9b0db5b812", "2a17a5b6-5730-4197-9d17-5dba2225de70"
STAFF, SAFETY = "27ae8461-08a1-4718-b450-c255a8e08866", "d394dea7-7104-4b8a-9d64-b16645f79c7e"
MITIGATE, COMMUNITY = "5ff82e11-0436-430c-9a2f-3482bb0e2a99", "0f9184fe-973b-4126-8ea3-09459614130e"
IMPLEMENT, PROGRESS = "3a3add9b-6edd-464b-970a-c4cab9a2b366", "c481a813-c4cc-44a2-81fc-e788e1e8c1b5"
COMPLY, FINALIZE = "ede79c1f-28b0-41f8-9821-f54c75aef546", "7d21ac90-9e16-4da0-bd14-bb7a17f9b471"

# leaves in document order: the 6 level-3 tasks take their subtask's place, the other 12 subtasks are leaves
SOLAR_TASKS = [PERMIT, EIA, DELAYS, EIA2, REPORT, SHARE, LAYOUT, PLANS, FUND, ACQUIRE, STAFF, SAFETY,
               MITIGATE, COMMUNITY, IMPLEMENT, PROGRESS, COMPLY, FINALIZE]
# durations file (PlanExe's HierarchyEstimatorWBS): 6e6e 30 (20-40) is shared by its 3 level-3 tasks ->
# ceil(30/3) = 10 each, range scaled by 20/30 and 40/30 -> 6.67-13.33; 7570 22 (15-30) over 3 -> ceil 8,
# range 8*15/22 = 5.45 to 8*30/22 = 10.91; 9180 and 73f1 keep their own estimates (their phase 1d3a, 45,
# is below their sum 52, so it hands nothing out); the rest have no estimate anywhere -> PlanExe's minimum
# of 1 day and no range
SOLAR_DAYS = {PERMIT: (10, 6.67, 13.33), EIA: (10, 6.67, 13.33), DELAYS: (10, 6.67, 13.33),
              EIA2: (8, 5.45, 10.91), REPORT: (8, 5.45, 10.91), SHARE: (8, 5.45, 10.91),
              LAYOUT: (30, 20, 40), PLANS: (22, 15, 30)}
# dependency file, a phase standing for its leaves; 4 edges onto a task's own phase are dropped
SOLAR_EDGES = {
    (LAYOUT, EIA2), (LAYOUT, REPORT), (LAYOUT, SHARE),                  # 9180 -> 7570
    (FUND, LAYOUT), (FUND, PLANS),                                     # d82c -> 1d3a
    (STAFF, FUND), (STAFF, ACQUIRE),                                   # 27ae -> 44fd
    (STAFF, PERMIT), (STAFF, EIA), (STAFF, DELAYS), (STAFF, EIA2), (STAFF, REPORT), (STAFF, SHARE),  # -> 303c
    (SAFETY, FUND), (SAFETY, ACQUIRE),                                 # d394 -> 44fd
    (IMPLEMENT, STAFF), (IMPLEMENT, SAFETY),                           # 3a3a -> 74d9
    (MITIGATE, LAYOUT),                                                # 5ff8 -> 9180
}


def edges(plan: Plan) -> set[tuple[str, str]]:
    return {(t.id, d) for t in plan.tasks for d in t.depends_on}


def test_solar_farm_tasks_phases_and_durations() -> None:
    plan = import_planexe(SOLAR)
    assert plan.title == "Denmark Solar Farm" and plan.goal == "Operational Solar Farm"
    assert [t.id for t in plan.tasks] == SOLAR_TASKS
    assert len(plan.phases) == 9  # 7 major phases + the 2 subtasks that level 3 decomposed
    parents = {p.id: p.parent for p in plan.phases}
    assert parents[PROCURE] == LAND and parents[EIAS] == LAND and parents[DESIGN] is None
    by_id = {t.id: t for t in plan.tasks}
    for tid in SOLAR_TASKS:
        expected = SOLAR_DAYS.get(tid)
        got = by_id[tid]
        if expected is None:
            assert (got.duration_days, got.days_min, got.days_max) == (1.0, None, None)
            assert got.attributes["duration_source"] == "minimum"
        else:
            assert (got.duration_days, got.days_min, got.days_max) == expected
    assert by_id[PERMIT].phase == PROCURE and by_id[FUND].phase == FUNDING
    assert by_id[PERMIT].attributes["duration_source"] == f"share of {PROCURE}"
    assert [r.role for r in by_id[EIA].resources] == ["Environmental experts", "Equipment for assessment"]
    assert by_id[LAYOUT].risk is not None and by_id[LAYOUT].risk.description.startswith("Design errors")
    assert by_id[LAYOUT].risk.mitigation.startswith("Conduct thorough design reviews")
    assert plan.meta["planexe"]["phases"][LAND]["days_realistic"] == 45


def test_solar_farm_dependencies_and_report() -> None:
    plan, report = import_planexe_with_report(SOLAR)
    assert edges(plan) == SOLAR_EDGES
    dropped = {item.subject for item in report.of_kind("dropped")}
    assert dropped == {PROCURE, LAYOUT, MITIGATE, COMMUNITY}  # each depended on the phase containing it
    missing = {i.subject for i in report.of_kind("unmapped")}
    assert missing == set(SOLAR_TASKS) - set(SOLAR_DAYS)  # the 10 leaves without any estimate
    assert {i.code for i in report.of_kind("unmapped")} == {"no_estimate"}
    assert plan.meta["import_report"] == report.to_dict()
    assert report.files == {"dependencies": "solarfarm_task_dependencies.json",
                            "durations": "solarfarm_task_durations.json",
                            "level1": "solorfarm_wbs_level1.json",
                            "level2": "solorfarm_wbs_level2.json", "level3": "solarfarm_wbs_level3.json"}
    notes = {t.id: t.attributes.get("dependency_notes") for t in plan.tasks}
    assert notes[LAYOUT] == [{"on": EIAS, "why": "Conduct Environmental Impact Assessments must be completed "
                              "before Design Solar Farm Layout starts."}]


def test_solar_farm_critical_path_by_the_builtin_schedule_plugin_in_the_sandbox() -> None:
    from plugsmith.sandbox import get_sandbox

    plugin = Path(__file__).parents[1] / "src" / "plugsmith" / "builtins" / "core_schedule"
    plan = import_planexe(SOLAR)
    sandbox = get_sandbox()
    try:
        outcome = sandbox.run(plugin, [{"plan_json": plan.model_dump(mode="json")}])
    finally:
        sandbox.close()
    assert outcome.completed and outcome.runs[0].ok, outcome.reason or outcome.runs[0].error
    schedule = outcome.runs[0].output["schedule"]  # type: ignore[index]
    # By hand: the 7570 tasks (8 d, no predecessors) feed 9180 (30 d), which ends at day 38; then the
    # 1-day tasks d82c (38-39), 27ae and d394 (39-40; 27ae first in document order) and 3a3a (40-41).
    # 5ff8 (after 9180, 38-39) has 2 days of slack; 73f1 ends at 22 and 6e6e's tasks at 10.
    assert schedule["project_duration_days"] == 41
    assert schedule["critical_path"] == [EIA2, LAYOUT, FUND, STAFF, IMPLEMENT]
    critical = {tid for tid, row in schedule["tasks"].items() if row["critical"]}
    assert critical == {EIA2, REPORT, SHARE, LAYOUT, FUND, STAFF, SAFETY, IMPLEMENT}
    assert schedule["tasks"][PLANS]["slack"] == 16 and schedule["tasks"][PERMIT]["slack"] == 29
    assert schedule["tasks"][MITIGATE]["slack"] == 2


# --- tv remote: one whole tree; 2 phases, 6 level-2 subtasks, 4 of which were decomposed (1 or 2 children)
INIT, SEARCH = "be38c44e-32c2-402b-b53c-cd80c7e82170", "d94e9340-d09a-476f-bba1-e67e56c1cbed"
SCOPE, STAKE, ASSESS = "53129dfa-f0c5-469f-be45-16663dfb40d1", "a6af23c3-12e0-43c3-96e1-cb2150d30fb3", \
    "35e979c9-3ea7-4ab1-989d-72c2aa175160"
ACCESS, EXPAND, CHECK = "70118361-cacc-4c97-a456-7633d05d9843", "8f49df0f-064e-4213-a16b-66e43d6ff91c", \
    "4ea89bdc-6772-4b4c-b3be-172ab4f2770f"
GATHER, CHANGE, FRIDGE = "d7567a02-b75c-4bc7-a349-a08a774c9c92", "12753361-bd0a-436c-bd2b-b0c596c63965", \
    "3c6dbc17-29bb-48af-9c36-934f682a6e14"
CONFIRM, LIVING = "dcd12504-4741-4e41-850e-eae7727068f3", "7ed1bb76-ca0a-4c8e-9475-f590ac39a509"


@pytest.mark.parametrize("path", [TV, TV / "wbs_project.json"])
def test_tv_remote_whole_tree(path: Path) -> None:
    plan, report = import_planexe_with_report(path)
    assert plan.title == "Find TV Remote" and plan.goal == "Functional Remote"
    assert [t.id for t in plan.tasks] == [GATHER, CHANGE, STAKE, FRIDGE, CONFIRM, LIVING, CHECK]
    assert {p.id: p.parent for p in plan.phases} == {INIT: None, SCOPE: INIT, ASSESS: INIT, SEARCH: None,
                                                    ACCESS: SEARCH, EXPAND: SEARCH}
    days = {t.id: (t.duration_days, t.days_min, t.days_max) for t in plan.tasks}
    # 5312 150 (100-200) shared by 2 -> 75 (50-100); a6af own 2 (1-3); 35e9 350 (300-400) over 1; 7011 and
    # 8f49 only give days_max 1 (no realistic estimate, so nothing to share or scale); 4ea8 has nothing:
    # those get PlanExe's minimum of 1 day
    assert days == {GATHER: (75, 50, 100), CHANGE: (75, 50, 100), STAKE: (2, 1, 3), FRIDGE: (350, 300, 400),
                    CONFIRM: (1, None, None), LIVING: (1, None, None), CHECK: (1, None, None)}
    assert edges(plan) == {(STAKE, GATHER), (STAKE, CHANGE), (FRIDGE, GATHER), (FRIDGE, CHANGE),
                           (CONFIRM, FRIDGE), (LIVING, CONFIRM), (CHECK, CONFIRM), (CHECK, LIVING)}
    assert {i.subject for i in report.of_kind("unmapped")} == {CONFIRM, LIVING, CHECK}
    assert report.of_kind("dropped") == []
    assert report.ignored_files == (["wbs_table.csv"] if path.is_dir() else [])
    by_id = {t.id: t for t in plan.tasks}
    assert [r.role for r in by_id[FRIDGE].resources] == ["Household members", "Fridge key or access code"]
    assert by_id[STAKE].risk is not None and "Stakeholders may not be" in by_id[STAKE].risk.description
    assert plan.meta["planexe"]["phases"][ACCESS]["delay_risks"].startswith("Fridge may be locked")


def test_loose_files_give_the_same_plan_as_their_directory() -> None:
    from_dir = import_planexe(SOLAR)
    from_files = import_planexe(sorted(SOLAR.iterdir()))
    strip = {"meta"}
    assert from_files.model_dump(exclude=strip) == from_dir.model_dump(exclude=strip)


def test_import_is_deterministic() -> None:
    a = import_planexe(SOLAR).model_dump_json()
    b = import_planexe(SOLAR).model_dump_json()
    assert a == b


RISKS = {"risks": [
    {"risk_area": "Regulatory", "risk_description": "Permit delays.", "potential_impact": "2-4 weeks",
     "likelihood": "high", "severity": "medium", "action": "Engage the municipality early."},
    {"risk_area": "Supply", "risk_description": "Panel shortage.", "potential_impact": "cost +10%",
     "likelihood": "sometimes", "severity": "high", "action": "Two suppliers."},
], "risk_assessment_summary": "Permits dominate.", "metadata": {"llm_classname": "X"}}


def make_run_dir(tmp_path: Path) -> Path:
    """A PlanExe run directory with PlanExe's own file names, holding the solar farm sample's content."""
    run = tmp_path / "PlanExe_20250216_150332"
    run.mkdir()
    names = {"solorfarm_wbs_level1.json": "018-2-wbs_level1.json", "solorfarm_wbs_level2.json":
             "018-5-wbs_level2.json", "solarfarm_wbs_level3.json": "023-2-wbs_level3.json",
             "solarfarm_task_durations.json": "022-2-task_durations.json"}
    for src, dst in names.items():
        shutil.copy(SOLAR / src, run / dst)
    deps = json.loads((SOLAR / "solarfarm_task_dependencies.json").read_text())
    deps |= {"metadata": {"llm_classname": "OpenRouter"}, "query": "..."}  # the raw file carries these too
    (run / "021-task_dependencies_raw.json").write_text(json.dumps(deps))
    (run / "018-1-wbs_level1_raw.json").write_text("{}")
    (run / "014-1-swot_analysis_raw.json").write_text("{}")
    (run / "003-1-identify_risks_raw.json").write_text(json.dumps(RISKS))
    (run / "001-plan.txt").write_text("Build a solar farm in Denmark.\n")
    return run


def test_run_directory_with_planexe_file_names(tmp_path: Path) -> None:
    run = make_run_dir(tmp_path)
    plan, report = import_planexe_with_report(run)
    assert [t.id for t in plan.tasks] == SOLAR_TASKS and edges(plan) == SOLAR_EDGES
    assert report.files["dependencies"] == "021-task_dependencies_raw.json"
    assert {"014-1-swot_analysis_raw.json", "018-1-wbs_level1_raw.json"} <= set(report.ignored_files)
    assert [(r.id, r.likelihood, r.impact, r.mitigation) for r in plan.risks] == [
        ("risk-1", 5, 3, "Engage the municipality early."), ("risk-2", 1, 5, "Two suppliers.")]
    assert any(i.subject == "risk-2" and "'sometimes'" in i.message for i in report.of_kind("unmapped"))
    assert plan.meta["planexe"]["risk_register"]["summary"] == "Permits dominate."
    assert plan.meta["planexe"]["prompt"] == "Build a solar farm in Denmark."


def test_whole_tree_in_a_run_directory_wins_over_level_files(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(TV / "wbs_project.json", run / "023-3-wbs_project_level1_and_level2_and_level3.json")
    shutil.copy(SOLAR / "solorfarm_wbs_level1.json", run / "018-2-wbs_level1.json")
    plan, report = import_planexe_with_report(run)
    assert plan.title == "Find TV Remote" and len(plan.tasks) == 7
    assert any(i.subject == "018-2-wbs_level1.json" and i.kind == "note" for i in report.items)


def test_load_plan_accepts_a_run_directory(tmp_path: Path) -> None:
    from plugsmith.plan import load_plan

    plan = load_plan(make_run_dir(tmp_path))
    assert len(plan.tasks) == 18 and plan.meta["source"] == "planexe"


def write_tree(tmp_path: Path, children: list[dict[str, Any]]) -> Path:
    path = tmp_path / "wbs_project.json"
    tree = {"id": "root", "description": "P", "task_children": children}
    path.write_text(json.dumps({"wbs_project": tree}))
    return path


def test_unknown_ids_bad_durations_and_cycles_are_reported(tmp_path: Path) -> None:
    path = write_tree(tmp_path, [
        {"id": "a", "description": "A", "extra_fields": {"days_realistic": "about a week",
                                                        "depends_on_task_ids": ["c", "ghost"]}},
        {"id": "b", "description": "B", "extra_fields": {"days_realistic": "4 days", "days_min": -1,
                                                        "depends_on_task_ids": ["a"]}},
        {"id": "c", "description": "C", "extra_fields": {"days_realistic": 2, "depends_on_task_ids": ["b"],
                                                        "resources_needed": ["crane", 7], "colour": "red"}},
        {"description": "no id"},
    ])
    plan, report = import_planexe_with_report(path)
    lines = [i.line() for i in report.items]
    assert any("'about a week' is not a number of days" in x for x in lines)
    assert any("days_min -1" in x for x in lines)
    assert any("unknown task id 'ghost'" in x for x in lines)
    assert any("without an id" in x for x in lines)
    assert any(i.kind == "dropped" and "cycle" in i.message for i in report.items)
    assert any("resource 7" in x for x in lines)
    by_id = {t.id: t for t in plan.tasks}
    assert by_id["b"].duration_days == 4 and by_id["b"].days_min is None and by_id["a"].duration_days == 1
    # DFS from a (document order): a -> c -> b -> a closes the cycle, so b's edge onto a is the one dropped
    assert edges(plan) == {("a", "c"), ("c", "b")}
    assert by_id["c"].attributes["planexe_fields"] == {"colour": "red"}
    from plugsmith.plan import validate_plan

    validate_plan(plan.model_dump(mode="json"), "x")  # a valid plugsmith plan despite the bad input


def test_phase_dependency_on_the_dependent_side_applies_to_all_its_tasks(tmp_path: Path) -> None:
    path = write_tree(tmp_path, [
        {"id": "p", "description": "P", "extra_fields": {"depends_on_task_ids": ["x"]},
         "task_children": [{"id": "p1", "description": "1"}, {"id": "p2", "description": "2"}]},
        {"id": "x", "description": "X", "extra_fields": {"days_realistic": 3}},
    ])
    plan = import_planexe(path)
    assert edges(plan) == {("p1", "x"), ("p2", "x")}


def test_duplicate_ids_keep_one_copy(tmp_path: Path) -> None:
    path = write_tree(tmp_path, [
        {"id": "a", "description": "first"},
        {"id": "p", "description": "P", "task_children": [{"id": "a", "description": "again"},
                                                          {"id": "b", "description": "B"}]},
    ])
    plan, report = import_planexe_with_report(path)
    assert [(t.id, t.name) for t in plan.tasks] == [("a", "first"), ("b", "B")]
    assert any(i.subject == "a" and "duplicate id" in i.message for i in report.items)


@pytest.mark.parametrize(("setup", "error", "message"), [
    (lambda p: p, PlanError, "no PlanExe work breakdown structure"),
    (lambda p: p / "missing", NotFound, "no such file"),
    (lambda p: (p / "wbs_project.json").write_text("{oops") and p, PlanError, "not valid JSON"),
    (lambda p: (p / "wbs_project.json").write_text('{"wbs_project": {"id": "r", "task_') and p, PlanError,
     "/wbs_project: the file is cut short at line 1 column 29"),
    (lambda p: (p / "wbs_project.json").write_text('{"a": 1} x') and p, PlanError, "not valid JSON (Extra"),
    (lambda p: (p / "wbs_project.json").write_text("[1]") and p, PlanError, "expected an object"),
    (lambda p: (p / "notes.json").write_text("{}") and p / "notes.json", PlanError, "not a PlanExe file"),
])
def test_bad_input_is_a_one_line_error(tmp_path: Path, setup: Any, error: type[Exception],
                                       message: str) -> None:
    with pytest.raises(error) as info:
        import_planexe(setup(tmp_path))
    assert message in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("raw", "days"), [(3, 3.0), (2.5, 2.5), ("12", 12.0), ("4 days", 4.0),
                                          ("1 d", 1.0), ("soon", None), (-2, None), (True, None),
                                          (None, None)])
def test_parse_days(raw: Any, days: float | None) -> None:
    assert parse_days(raw) == days


def test_report_round_trips_and_renders() -> None:
    _, report = import_planexe_with_report(SOLAR)
    again = ImportReport.from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()
    md = report.to_markdown()
    assert "## Dropped" in md and PROCURE in md and not report.clean
    # notes: two phases estimated below their parts (303c, 1d3a: 45 < 30 + 22), no risk register, no start
    assert report.lines()[0].endswith("10 unmapped, 4 dropped, 7 notes")


def test_public_names_resolve() -> None:
    import plugsmith.planexe as planexe
    import plugsmith.synth._llm_config as llm_config

    for module in (planexe, llm_config):
        missing = [name for name in module.__all__ if getattr(module, name, None) is None]
        assert missing == [], f"{module.__name__}: {missing}"
    with pytest.raises(AttributeError):
        _ = planexe.NoSuchThing  # type: ignore[attr-defined]
