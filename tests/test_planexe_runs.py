"""Real PlanExe run directories: every task's days equal PlanExe's own schedule, and the project duration,
counts and critical path equal ``expected.jsonl`` (computed by PlanExe's own code).

The references are PlanExe's files, not our output: ``026-3-schedule_gantt_machai.csv`` holds the start
and end date PlanExe's schedule gave every WBS node, so end - start is the number of days PlanExe used;
runs from mid-2025 have no CSV but the same schedule in ``026-2-schedule_dhtmlx_gantt.html`` (each task's
``duration``); runs older than PlanExe's schedule export carry, in ``expected.jsonl``, the days PlanExe's
own ``ProjectSchedulePopulator`` gives them (``planexe_days``). The longest path is computed here
independently of the importer and of the schedule plugin.

Six runs, three layouts: four of the current one (``001-1-start_time.json`` … ``023-3``), a mid-2025 run
(``018-3-wbs_level2.json`` — number 018-3 is the project title today — no start time, no whole tree, only
the level files) and a February 2025 run (``015-wbs_level1.json``, ``020-task_dependencies_raw.json``,
``022-task_durations.json``, ``025-wbs_project…``, ``001-plan.txt``; no start time, title or risks).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from plugsmith.errors import PlanError
from plugsmith.planexe import import_planexe_with_report
from plugsmith.spec import Plan
from test_pipeline_helpers import builtin_home_template, seeded_home  # noqa: F401

RUNS = Path(__file__).parent / "data" / "planexe" / "runs"
EXPECTED = {row["run"]: row for row in map(json.loads, (RUNS / "expected.jsonl").read_text().splitlines())}
NAMES = sorted(EXPECTED)
CURRENT = [n for n in NAMES if (RUNS / n / "001-1-start_time.json").exists()]  # today's layout
OLDER = [n for n in NAMES if n not in CURRENT]


def gantt_days(run: Path) -> dict[str, tuple[str, int]]:
    """PlanExe's own schedule: task id -> (name, days), from whichever export the run has."""
    out = {}
    csv_file = run / "026-3-schedule_gantt_machai.csv"
    if csv_file.exists():
        with csv_file.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                start = dt.datetime.strptime(row["project_start_date"], "%m/%d/%Y")
                end = dt.datetime.strptime(row["project_end_date"], "%m/%d/%Y")
                out[row["project_key"]] = (row["project_name"], (end - start).days)
        return out
    html = next(run.glob("026-2-*dhtmlx*.html"), None)
    if html is not None:  # the chart's data: {"tasks": [{"id", "text", "duration", …}], "links": […]}
        text = html.read_text(encoding="utf-8")
        data, _ = json.JSONDecoder().raw_decode(text[text.rindex("{", 0, text.index('"tasks"')):])
        return {t["id"]: (t["text"], int(t["duration"])) for t in data["tasks"] if "duration" in t}
    tree = json.loads(next(run.glob("*wbs_project_level1_and_level2_and_level3.json")).read_text())
    names: dict[str, str] = {}
    stack = [tree["wbs_project"]]
    while stack:
        node = stack.pop()
        names[node["id"]] = node["description"]
        stack += node.get("task_children") or []
    return {tid: (names[tid], n) for tid, n in EXPECTED[run.name]["planexe_days"].items()}


def longest_path(plan: Plan) -> float:
    """Length of the longest dependency chain (a plain memoised walk, independent of the plugins)."""
    by_id = {t.id: t for t in plan.tasks}
    finish: dict[str, float] = {}

    def end(tid: str) -> float:
        if tid not in finish:
            finish[tid] = max((end(d) for d in by_id[tid].depends_on), default=0.0) + by_id[tid].duration_days
        return finish[tid]

    return max(end(t.id) for t in plan.tasks)


@pytest.fixture(scope="module", params=NAMES)
def imported(request: pytest.FixtureRequest) -> tuple[str, Plan, Any]:
    plan, report = import_planexe_with_report(RUNS / request.param)
    return request.param, plan, report


def test_every_task_has_the_days_of_planexes_own_gantt_chart(imported: tuple[str, Plan, Any]) -> None:
    name, plan, _ = imported
    gantt = gantt_days(RUNS / name)
    assert len(plan.tasks) == EXPECTED[name]["tasks"]
    wrong = {t.id: (t.duration_days, gantt[t.id][1]) for t in plan.tasks if t.duration_days != gantt[t.id][1]}
    assert wrong == {}
    assert sum(t.duration_days for t in plan.tasks) == EXPECTED[name]["total_task_days"]


def test_tasks_carry_planexes_names(imported: tuple[str, Plan, Any]) -> None:
    name, plan, _ = imported
    gantt = gantt_days(RUNS / name)
    # PlanExe's Gantt export numbers duplicate names ("Silo Construction (1)"); compare the unique ones
    plain = {tid: n for tid, (n, _) in gantt.items() if not n.endswith(")")}
    assert all(t.name == plain[t.id] for t in plan.tasks if t.id in plain)
    assert sum(1 for t in plan.tasks if t.id in plain) > 0.9 * len(plan.tasks)
    assert all(t.name for t in plan.tasks)
    assert len(plan.phases) == EXPECTED[name]["phases"]


def test_project_duration_edges_and_critical_path_match_expected(imported: tuple[str, Plan, Any]) -> None:
    name, plan, _ = imported
    expected = EXPECTED[name]
    assert sum(len(t.depends_on) for t in plan.tasks) == expected["edges"]
    assert longest_path(plan) == expected["critical_path_days"]
    by_id = {t.id: t for t in plan.tasks}
    chain = expected["critical_path"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert before["id"] in by_id[after["id"]].depends_on  # the expected path is a path of our plan
    assert [(by_id[c["id"]].name, by_id[c["id"]].duration_days) for c in chain] == \
        [(c["name"], c["days"]) for c in chain]


@pytest.mark.parametrize("name", CURRENT)
def test_title_start_and_risk_register_come_from_the_run(name: str) -> None:
    plan, report = import_planexe_with_report(RUNS / name)
    run = RUNS / name
    assert plan.title == (run / "018-3-wbs_level1_project_title.json").read_text().strip()
    start = json.loads((run / "001-1-start_time.json").read_text())["server_iso_utc"][:10]
    assert plan.start == start
    raw = json.loads((run / "003-1-identify_risks_raw.json").read_text())["risks"]
    assert [r.description for r in plan.risks] == [r["risk_description"] for r in raw]
    assert all(r.mitigation for r in plan.risks)
    assert report.files["durations"] == "022-2-task_durations.json"
    assert report.files["dependencies"] == "021-task_dependencies_raw.json"
    assert not [i for i in report.items if i.code in ("no_estimate", "unknown_id", "missing_file", "cycle")]


def test_the_negative_estimate_in_the_silo_run_counts_as_one_day_and_is_reported() -> None:
    plan, report = import_planexe_with_report(RUNS / "20250321_silo")
    bad = [i for i in report.items if i.code == "estimate_invalid"]
    assert bad and all(i.subject == bad[0].subject for i in bad)
    assert any("days_realistic -1 is negative; 1 day used" in i.message for i in bad)


def test_older_layouts_are_read_by_the_name_after_the_number() -> None:
    plan, report = import_planexe_with_report(RUNS / "20250210_arxiv_distillation")
    assert report.files == {"dependencies": "020-task_dependencies_raw.json",
                            "durations": "022-task_durations.json",
                            "project": "025-wbs_project_level1_and_level2_and_level3.json",
                            "prompt": "001-plan.txt"}
    level1 = json.loads((RUNS / "20250210_arxiv_distillation" / "015-wbs_level1.json").read_text())
    assert plan.title == level1["project_title"] and plan.start is None
    missing = {i.subject for i in report.items if i.code == "missing_optional"}
    assert missing == {"001-1-start_time.json", "003-1-identify_risks_raw.json"}

    # mid-2025: 018-3 was the level-2 file (today it is the project title), and this copy of the run has
    # no whole-tree file, so the tree is built from the level files
    plan, report = import_planexe_with_report(RUNS / "20250521_natoexit_greenland")
    assert report.files == {"dependencies": "021-task_dependencies_raw.json",
                            "durations": "022-2-task_durations.json", "level1": "018-2-wbs_level1.json",
                            "level2": "018-3-wbs_level2.json", "level3": "023-2-wbs_level3.json",
                            "prompt": "001-plan.txt"}
    level1 = json.loads((RUNS / "20250521_natoexit_greenland" / "018-2-wbs_level1.json").read_text())
    assert plan.title == level1["project_title"] and plan.start is None
    assert {t.attributes["wbs_depth"] for t in plan.tasks} == {3}  # level 3 hung under the level-2 subtasks


@pytest.mark.parametrize("name", NAMES)
def test_planexes_own_gantt_span_is_kept_for_the_report(name: str) -> None:
    """PlanExe's chart runs each phase's parts one after another: the project spans the sum of all days."""
    plan, _ = import_planexe_with_report(RUNS / name)
    span = plan.meta["planexe"]["sequential_days"]
    assert span == EXPECTED[name]["total_task_days"]
    root = plan.meta["planexe"]["root_id"]
    gantt = gantt_days(RUNS / name)
    if root in gantt:  # the CSV has a row for the project itself
        assert gantt[root][1] == span


def test_a_mistyped_dependency_id_is_named_with_the_id_it_resembles_and_not_guessed(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(RUNS / "20250321_silo", run)
    deps = json.loads((run / "021-task_dependencies_raw.json").read_text())
    entry = deps["task_dependency_details"][3]
    real = entry["depends_on_task_id_list"][0]
    entry["depends_on_task_id_list"][0] = real[:9] + real[10:]  # one character lost, as LLMs do
    (run / "021-task_dependencies_raw.json").write_text(json.dumps(deps))
    plan, report = import_planexe_with_report(run)
    unknown = [i for i in report.items if i.code == "unknown_id"]
    assert len(unknown) == 1
    full, _ = import_planexe_with_report(RUNS / "20250321_silo")
    names = {t.id: t.name for t in full.tasks} | {p.id: p.name for p in full.phases}
    assert f"(did you mean {real}, \"{names[real]}\"?); dependency ignored" in unknown[0].message
    assert unknown[0].label == names[entry["dependent_task_id"]]  # the task is named, not only its id
    assert sum(len(t.depends_on) for t in plan.tasks) < EXPECTED["20250321_silo"]["edges"]  # not applied
    line = next(x for x in report.lines() if "did you mean" in x)
    who = entry["dependent_task_id"]
    assert line.startswith(f"  unmapped: {names[who]} ({who}): ")


def test_hidden_and_macos_resource_fork_files_are_not_read(tmp_path: Path) -> None:
    """A run copied from a Mac can hold "._<name>" files: binary AppleDouble headers, not PlanExe's JSON."""
    run = tmp_path / "run"
    shutil.copytree(RUNS / "20250321_silo", run)
    fork = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\xff\xfe"
    for name in ("._023-3-wbs_project_level1_and_level2_and_level3.json", "._silo_wbs_project.json",
                 "._022-2-task_durations.json", ".DS_Store"):
        (run / name).write_bytes(fork)
    plan, report = import_planexe_with_report(run)
    full, _ = import_planexe_with_report(RUNS / "20250321_silo")
    assert [(t.id, t.duration_days, t.depends_on) for t in plan.tasks] == \
        [(t.id, t.duration_days, t.depends_on) for t in full.tasks]
    assert not [n for n in [*report.files.values(), *report.ignored_files] if n.startswith(".")]


SILO = RUNS / "20250321_silo"
WHOLE = "023-3-wbs_project_level1_and_level2_and_level3.json"
LEVELS = ["018-2-wbs_level1.json", "018-5-wbs_level2.json", "023-2-wbs_level3.json"]
EXTRAS = ["021-task_dependencies_raw.json", "022-2-task_durations.json"]


def _copy(tmp_path: Path, names: list[str]) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    for name in names:
        shutil.copy(SILO / name, run / name)
    return run


@pytest.mark.parametrize("names", [[WHOLE, *EXTRAS], [*LEVELS, *EXTRAS], [WHOLE, *LEVELS, *EXTRAS]],
                         ids=["whole-tree", "level-files", "both"])
def test_any_combination_of_tree_files_gives_the_same_plan(tmp_path: Path, names: list[str]) -> None:
    full, _ = import_planexe_with_report(SILO)
    plan, _ = import_planexe_with_report(_copy(tmp_path, names))
    assert [(t.id, t.duration_days, t.depends_on) for t in plan.tasks] == \
        [(t.id, t.duration_days, t.depends_on) for t in full.tasks]


def test_missing_durations_and_dependencies_are_reported_not_invented(tmp_path: Path) -> None:
    plan, report = import_planexe_with_report(_copy(tmp_path, [WHOLE]))
    assert len(plan.tasks) == 200 and all(t.duration_days == 1 for t in plan.tasks)
    assert all(t.attributes["duration_source"] == "minimum" for t in plan.tasks)
    assert not any(t.depends_on for t in plan.tasks)
    missing = {i.subject: i.message for i in report.items if i.code == "missing_file"}
    assert set(missing) == {"022-2-task_durations.json", "021-task_dependencies_raw.json"}
    assert "is missing" in missing["022-2-task_durations.json"]


def test_durations_without_dependencies(tmp_path: Path) -> None:
    plan, report = import_planexe_with_report(_copy(tmp_path, [WHOLE, "022-2-task_durations.json"]))
    gantt = gantt_days(SILO)
    assert all(t.duration_days == gantt[t.id][1] for t in plan.tasks)
    assert [i.subject for i in report.items if i.code == "missing_file"] == ["021-task_dependencies_raw.json"]


@pytest.mark.parametrize(("name", "cut", "where"), [
    ("022-2-task_durations.json", 5000, "/9/mitigation_strategy"),  # the 10th estimate, mid-string
    ("021-task_dependencies_raw.json", 2000, "/task_dependency_details/4/depends_on_task_explanation_list/0"),
])
def test_a_truncated_file_is_one_line_naming_the_file_and_the_json_pointer(
        tmp_path: Path, name: str, cut: int, where: str) -> None:
    run = _copy(tmp_path, [WHOLE, *EXTRAS])
    (run / name).write_text((SILO / name).read_text()[:cut])
    with pytest.raises(PlanError) as info:
        import_planexe_with_report(run)
    line = info.value.one_line()
    assert line.startswith(f"{run / name}: {where}: the file is cut short at line ") and "\n" not in line


def test_a_wrongly_shaped_duration_file_names_the_pointer(tmp_path: Path) -> None:
    run = _copy(tmp_path, [WHOLE, *EXTRAS])
    (run / "022-2-task_durations.json").write_text('{"task_details": []}')
    with pytest.raises(PlanError, match=r"^/: not a PlanExe task duration file"):
        import_planexe_with_report(run)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_home")
@pytest.mark.parametrize("name", NAMES)
def test_plugsmith_run_reports_the_project_duration_with_names(tmp_path: Path, name: str) -> None:
    from plugsmith.pipeline import run_plan_pipeline

    result = run_plan_pipeline(RUNS / name, tmp_path / "out")
    expected = EXPECTED[name]
    assert result.metrics["failed"] == 0
    stage = json.loads(next((tmp_path / "out").glob("*-critical_path.json")).read_text())
    assert stage["output"]["schedule"]["project_duration_days"] == expected["critical_path_days"]
    md = result.report_md.read_text()
    assert f"Project duration: {expected['critical_path_days']:g} days" in md
    path_lines = md.split("Critical path:\n\n")[1].split("\n\n")[0].splitlines()
    assert len(path_lines) == len(stage["output"]["schedule"]["critical_path"])
    assert not any(UUID.search(line) for line in path_lines)  # names, not ids
    # PlanExe's own Gantt chart puts every task after the one before; the report says so, with its length
    assert f"PlanExe's own schedule (its Gantt chart) spans {expected['total_task_days']:g} days" in md
    plan = json.loads((tmp_path / "out" / "001-plan.json").read_text())["plan"]
    names = {t["id"]: t["name"] for t in plan["tasks"]}
    for i, tid in enumerate(stage["output"]["schedule"]["critical_path"], start=1):
        assert path_lines[i - 1].startswith(f"{i}. {names[tid]} (")
    html = result.report_html.read_text()
    assert len(html.encode()) < 2_000_000 and f"<h1>{plan['title']}</h1>" in html
    sim = json.loads(next((tmp_path / "out").glob("*-schedule_simulation.json")).read_text())["output"]
    p = sim["simulation"]["percentiles"]
    assert expected["critical_path_days"] <= p["p50"] + 1e-9 <= p["p80"] + 1e-9 <= p["p95"] + 2e-9
    serious = {f["code"] for f in result.serious_data_problems}
    assert serious == ({"estimate_invalid"} if name == "20250321_silo" else set())
