"""Real PlanExe run directories, broken and bent the ways real runs differ, checked against PlanExe's code.

Each test copies real run directories (``tests/data/planexe/runs``) into a temporary directory and changes
them programmatically: an input file deleted, emptied, cut short, replaced by the wrong shape; estimates
that are zero, negative, fractional, null, text, ranges, repeated or missing; ids that point nowhere;
dependency cycles; duplicate ids; empty phases; a WBS of only levels 1–2; non-ASCII names; 500+ tasks;
the file numbers of older PlanExe versions. What must hold: the days of every task are the days
PlanExe's rules give it (``planexe_reference.py`` restates them independently of plugsmith's importer); a
problem is a finding in the data-quality section (by task name, serious where a figure depends on it);
a bad file is one line naming the file (and JSON pointer), never a traceback.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
import uuid
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from planexe_reference import reference_days
from plugsmith.errors import PlanError
from plugsmith.pipeline._quality import assess
from plugsmith.planexe import import_planexe_with_report
from plugsmith.spec import Plan
from test_pipeline_helpers import builtin_home_template, seeded_home  # noqa: F401
from test_planexe_cli import run_main

RUNS = Path(__file__).parent / "data" / "planexe" / "runs"
CURRENT = sorted(p.name for p in RUNS.iterdir() if (p / "001-1-start_time.json").exists())
SILO = "20250321_silo"
WHOLE = "023-3-wbs_project_level1_and_level2_and_level3.json"
DURATIONS = "022-2-task_durations.json"
DEPENDENCIES = "021-task_dependencies_raw.json"
LEVEL3 = "023-2-wbs_level3.json"
TITLE = "018-3-wbs_level1_project_title.json"


# --- PlanExe's side: its tree and its estimator, read without plugsmith ------------------------------


def planexe_tree(run: Path) -> dict[str, Any]:
    """The WBS tree PlanExe's schedule reads: the whole-tree file, else level 1 + 2 (+ 3) joined as its
    ``WBSPopulate`` does (a level-3 task goes under the first node with its ``parent_id``)."""
    whole = run / WHOLE
    if whole.exists():
        return json.loads(whole.read_text(encoding="utf-8"))["wbs_project"]  # type: ignore[no-any-return]
    level1 = json.loads(next(run.glob("*-wbs_level1.json")).read_text(encoding="utf-8"))
    root: dict[str, Any] = {"id": level1["id"], "description": level1["project_title"], "task_children": []}
    for phase in json.loads(next(run.glob("*-wbs_level2.json")).read_text(encoding="utf-8")):
        root["task_children"].append({"id": phase["id"], "description": phase["major_phase_title"],
                                      "task_children": [{"id": s["id"], "description": s["description"],
                                                         "task_children": []} for s in phase["subtasks"]]})
    level3 = next(run.glob("*-wbs_level3.json"), None)
    for task in json.loads(level3.read_text(encoding="utf-8")) if level3 else []:
        parent = _find(root, task["parent_id"])
        if parent is not None:
            parent["task_children"].append({"id": task["id"], "description": task["name"],
                                            "task_children": []})
    return root


def _find(node: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    if node["id"] == node_id:
        return node
    return next((hit for c in node.get("task_children") or [] if (hit := _find(c, node_id))), None)


def planexe_days(run: Path) -> dict[str, int]:
    """Days per WBS node as PlanExe's schedule computes them: each estimate's ``days_realistic`` (a
    negative one is 1; a later entry wins), then PlanExe's hierarchy rules as restated in
    ``planexe_reference.py`` (checked against PlanExe's own Gantt export in ``test_reference_is_planexe``)."""
    given: dict[str, Fraction] = {}
    durations = run / DURATIONS
    for entry in json.loads(durations.read_text(encoding="utf-8")) if durations.exists() else []:
        days = entry["days_realistic"] * 1
        given[entry["task_id"]] = Fraction(1 if days < 0 else days)
    return reference_days(planexe_tree(run), given)


def longest_path(plan: Plan) -> float:
    by_id = {t.id: t for t in plan.tasks}
    finish: dict[str, float] = {}
    for task in plan.tasks:  # an explicit stack: a 1500-task chain must not hit the recursion limit
        stack = [task.id]
        while stack:
            tid = stack[-1]
            waiting = [d for d in by_id[tid].depends_on if d not in finish]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            start = max((finish[d] for d in by_id[tid].depends_on), default=0.0)
            finish[tid] = start + by_id[tid].duration_days
    return max(finish.values())


# --- helpers ---------------------------------------------------------------------------------------------


def copy_run(tmp_path: Path, name: str = SILO) -> Path:
    run = tmp_path / name
    shutil.copytree(RUNS / name, run)
    return run


def load(run: Path, name: str) -> Any:
    return json.loads((run / name).read_text(encoding="utf-8"))


def save(run: Path, name: str, data: Any) -> None:
    (run / name).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def edit(run: Path, name: str, change: Callable[[Any], Any]) -> None:
    """Change a file's data in place (what ``change`` returns is ignored)."""
    data = load(run, name)
    change(data)
    save(run, name, data)


def findings(plan: Plan) -> dict[str, Any]:
    """code -> Finding of the report's data-quality section."""
    return {f.code: f for f in assess(plan.model_dump(mode="json"))}


def assert_days_are_planexes(run: Path, plan: Plan) -> None:
    reference = planexe_days(run)
    wrong = [(t.name, t.duration_days, reference.get(t.id)) for t in plan.tasks
             if t.duration_days != reference.get(t.id)]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("name", CURRENT)
def test_reference_is_planexe(name: str) -> None:
    """The tests' reference rules give every node of a real run the days of PlanExe's own schedule (its
    Gantt export, written by PlanExe), so the mutation tests below compare against PlanExe's behaviour."""
    from test_planexe_runs import gantt_days

    run = RUNS / name
    gantt = gantt_days(run)
    reference = planexe_days(run)
    assert len(gantt) > 50
    wrong = [(gantt[tid][0], days, reference.get(tid)) for tid, (_, days) in gantt.items()
             if reference.get(tid) != days]
    assert not wrong, wrong[:5]


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [node]
    while stack:
        here = stack.pop()
        out.append(here)
        stack.extend(reversed(here.get("task_children") or []))
    return out


# --- every input file broken in turn -------------------------------------------------------------------

JSON_INPUTS = ["001-1-start_time.json", "003-1-identify_risks_raw.json", "018-2-wbs_level1.json",
               "018-5-wbs_level2.json", DEPENDENCIES, DURATIONS, LEVEL3, WHOLE]
BREAK: dict[str, Callable[[Path], Any]] = {
    "empty": lambda p: p.write_text("  \n"),
    "cut short": lambda p: p.write_text(p.read_text(encoding="utf-8")[: p.stat().st_size // 2]),
    "not JSON": lambda p: p.write_text("<html><body>502 Bad Gateway</body></html>"),
    "not UTF-8": lambda p: p.write_bytes(b"\xff\xfe{\x00"),
}


@pytest.mark.parametrize("how", list(BREAK))
@pytest.mark.parametrize("name", JSON_INPUTS)
def test_a_broken_input_file_is_one_line_naming_it(tmp_path: Path, name: str, how: str) -> None:
    run = copy_run(tmp_path)
    BREAK[how](run / name)
    with pytest.raises(PlanError) as info:
        import_planexe_with_report(run)
    line = info.value.one_line()
    assert line.startswith(f"{run / name}: ") and "\n" not in line
    if how == "cut short":
        assert ": /" in line and "the file is cut short" in line  # the JSON pointer of where it broke


@pytest.mark.parametrize(("name", "shape", "message"), [
    (WHOLE, {"wbs_project": {"id": "r", "description": "Only the project"}}, "has no phases or tasks"),
    (DURATIONS, {"task_details": []}, "/: not a PlanExe task duration file"),
    (DEPENDENCIES, [], "/task_dependency_details: not a PlanExe task dependency file"),
    (LEVEL3, {"tasks": []}, "not a PlanExe WBS level 3"),
    (WHOLE, {"wbs": {}}, "not a PlanExe WBS project"),
])
def test_a_file_of_the_wrong_shape_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     name: str, shape: Any, message: str) -> None:
    run = copy_run(tmp_path)
    save(run, name, shape)
    code, err = run_main(["plan", "import-planexe", str(run)], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0].startswith(f"error: {run / name}: ") and message in err.splitlines()[0]


@pytest.mark.parametrize("name", [DURATIONS, DEPENDENCIES])
def test_a_missing_schedule_file_is_a_serious_finding_not_a_crash(tmp_path: Path, name: str) -> None:
    run = copy_run(tmp_path)
    (run / name).unlink()
    plan, _ = import_planexe_with_report(run)
    missing = findings(plan)["missing_file"]
    assert missing.severity == "serious" and [s for s, _, _ in missing.items] == [name]
    assert_days_are_planexes(run, plan)  # without 022-2 PlanExe's estimator also gives every task 1 day


@pytest.mark.parametrize("name", ["001-1-start_time.json", "003-1-identify_risks_raw.json", TITLE, LEVEL3,
                                  "001-2-plan.txt", "018-2-wbs_level1.json", "018-5-wbs_level2.json"])
def test_an_optional_or_redundant_file_can_be_missing(tmp_path: Path, name: str) -> None:
    run = copy_run(tmp_path)
    full, _ = import_planexe_with_report(run)
    (run / name).unlink()
    plan, _ = import_planexe_with_report(run)
    assert [(t.id, t.duration_days, t.depends_on) for t in plan.tasks] == \
        [(t.id, t.duration_days, t.depends_on) for t in full.tasks]
    assert plan.title == full.title  # without 018-3 the title comes from the level-1 project title


# --- estimates: PlanExe's own estimator is the reference -----------------------------------------------


def _mutate_estimates(run: Path, rng: random.Random) -> list[str]:
    """A few of the changes real runs show (or an LLM could produce), picked at random."""
    tree = load(run, WHOLE)
    durations = load(run, DURATIONS)
    done = []
    for _ in range(rng.randint(1, 5)):
        op = rng.choice(["zero", "negative", "drop", "repeat", "huge", "fraction", "root", "empty phase",
                         "drop node", "new task", "unknown id"])
        done.append(op)
        pick = rng.choice(durations) if durations else {}
        nodes = walk(tree["wbs_project"])
        if op == "zero":
            pick["days_realistic"] = 0
        elif op == "negative":
            pick["days_realistic"] = -rng.randint(1, 9)
        elif op == "drop" and durations:
            durations.remove(pick)
        elif op == "repeat" and durations:
            durations.append(dict(pick, days_realistic=rng.randint(0, 400)))
        elif op == "huge":
            pick["days_realistic"] = rng.randint(1000, 50000)
        elif op == "fraction":
            pick["days_realistic"] = rng.choice([0.25, 2.5, 7.9])
        elif op == "root":
            durations.append({"task_id": tree["wbs_project"]["id"], "days_realistic": rng.randint(0, 30000)})
        elif op == "empty phase":
            phase_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            tree["wbs_project"]["task_children"].append({"id": phase_id, "description": "Empty phase"})
            if rng.random() < 0.5:
                durations.append({"task_id": phase_id, "days_realistic": rng.randint(0, 60)})
        elif op == "drop node":
            parent = rng.choice([n for n in nodes if n.get("task_children")])
            parent["task_children"].pop(rng.randrange(len(parent["task_children"])))
        elif op == "new task":
            task_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            new = {"id": task_id, "description": "Nouvelle tâche"}
            rng.choice(nodes).setdefault("task_children", []).append(new)
            if rng.random() < 0.5:
                durations.append({"task_id": task_id, "days_realistic": rng.randint(0, 40)})
        elif op == "unknown id":
            durations.append({"task_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                              "days_realistic": 5})
    save(run, WHOLE, tree)
    save(run, DURATIONS, durations)
    for level in run.glob("*-wbs_level[123].json"):  # the whole tree is what both sides read
        level.unlink()
    return done


@pytest.mark.parametrize("seed", range(12))
def test_days_equal_planexes_estimator_on_mutated_estimates(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for i, name in enumerate(CURRENT):
        run = copy_run(tmp_path / str(i), name)
        done = _mutate_estimates(run, rng)
        plan, _ = import_planexe_with_report(run)
        assert plan.tasks, done
        assert_days_are_planexes(run, plan)


def test_a_node_estimated_above_its_fully_estimated_parts_is_split_evenly(tmp_path: Path) -> None:
    """PlanExe's rule for a node whose own estimate exceeds the sum of its parts, all of them estimated:
    its days are split evenly over its children (each share rounded up), replacing their own estimates."""
    run = copy_run(tmp_path)
    durations = load(run, DURATIONS)
    tree = load(run, WHOLE)["wbs_project"]
    node = next(n for n in walk(tree) if len(n.get("task_children") or []) >= 2
                and not any(c.get("task_children") for c in n["task_children"]))
    kids = [c["id"] for c in node["task_children"]]
    target = 10_000 + 7  # more than any parts; not a multiple of the number of children
    durations = [d for d in durations if d["task_id"] not in {node["id"], *kids}]
    durations += [{"task_id": k, "days_realistic": 2} for k in kids]
    durations.append({"task_id": node["id"], "days_realistic": target})
    save(run, DURATIONS, durations)
    plan, _ = import_planexe_with_report(run)
    days = {t.id: t.duration_days for t in plan.tasks}
    share = -(-target // len(kids))
    assert [days[k] for k in kids] == [share] * len(kids)
    assert_days_are_planexes(run, plan)


def test_a_fast_run_with_a_few_estimates_matches_planexe_and_names_the_rest(tmp_path: Path) -> None:
    """PlanExe's FAST_BUT_SKIP_DETAILS mode estimates two chunks of three ids only."""
    run = copy_run(tmp_path)
    edit(run, DURATIONS, lambda d: d.__delitem__(slice(6, None)))
    plan, _ = import_planexe_with_report(run)
    assert_days_are_planexes(run, plan)
    missing = findings(plan)["no_estimate"]
    assert missing.severity == "serious" and len(missing.items) > 100


def test_a_zero_day_estimate_counts_as_planexes_minimum_and_is_said(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    leaf = next(n for n in walk(load(run, WHOLE)["wbs_project"]) if not n.get("task_children"))
    edit(run, DURATIONS, lambda d: d.append({"task_id": leaf["id"], "days_realistic": 0}))
    plan, _ = import_planexe_with_report(run)
    assert_days_are_planexes(run, plan)
    task = next(t for t in plan.tasks if t.id == leaf["id"])
    assert task.duration_days == 1
    said = {s: m for s, m, _ in findings(plan)["no_estimate"].items}
    assert said[leaf["id"]].startswith("an estimate of 0 days")


def test_a_null_estimate_of_a_phase_is_said_not_silently_dropped(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    durations = load(run, DURATIONS)
    phase = durations[0]["task_id"]
    durations[0]["days_realistic"] = None
    durations[1].pop("days_realistic")
    save(run, DURATIONS, durations)
    plan, _ = import_planexe_with_report(run)
    invalid = findings(plan)["estimate_invalid"]
    by_subject = {s: (m, label) for s, m, label in invalid.items}
    names = {p.id: p.name for p in plan.phases} | {t.id: t.name for t in plan.tasks}
    assert "days_realistic is null" in by_subject[phase][0] and by_subject[phase][1] == names[phase]
    other = durations[1]["task_id"]
    assert "no days_realistic" in by_subject[other][0] and by_subject[other][1] == names[other]
    assert f"{DURATIONS}/1" in by_subject[other][0]  # where in the file, beside the task's name


@pytest.mark.parametrize(("raw", "days", "code"), [
    ("12", 12, None), ("12 days", 12, None), (12.2, 13, None),  # PlanExe rounds up to whole days
    ("10-15", None, "estimate_invalid"), ("about a week", None, "estimate_invalid"), (True, None,
                                                                                     "estimate_invalid"),
])
def test_estimates_as_text_are_read_when_they_are_a_number_and_said_when_not(
        tmp_path: Path, raw: Any, days: int | None, code: str | None) -> None:
    run = copy_run(tmp_path)
    leaf = next(n for n in walk(load(run, WHOLE)["wbs_project"]) if not n.get("task_children"))
    edit(run, DURATIONS, lambda d: d.append({"task_id": leaf["id"], "days_realistic": raw}))
    plan, _ = import_planexe_with_report(run)
    task = next(t for t in plan.tasks if t.id == leaf["id"])
    if days is not None:
        assert task.duration_days == days
        assert leaf["id"] not in {s for f in findings(plan).values() for s, _, _ in f.items}
    else:
        assert leaf["id"] in {s for s, _, _ in findings(plan)[str(code)].items}


def test_extra_keys_and_null_optional_values_change_no_figure(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    full, _ = import_planexe_with_report(run)
    edit(run, DURATIONS, lambda d: [e.update(delay_risks=None, mitigation_strategy=None, days_p90=[1, 2],
                                             confidence="high") for e in d])
    edit(run, DEPENDENCIES, lambda d: [e.update(dependency_type="FS", lag_days=None)
                                       for e in d["task_dependency_details"]])
    edit(run, LEVEL3, lambda d: [e.update(resources_needed=None, cost=None) for e in d])
    edit(run, WHOLE, lambda d: [n.update(wbs_number="1.2", extra_fields=dict(n.get("extra_fields") or {},
                                                                             resources_needed=None))
                                for n in walk(d["wbs_project"])])
    plan, _ = import_planexe_with_report(run)
    assert [(t.id, t.duration_days, t.depends_on) for t in plan.tasks] == \
        [(t.id, t.duration_days, t.depends_on) for t in full.tasks]


# --- the WBS tree ---------------------------------------------------------------------------------------


def test_a_wbs_of_levels_one_and_two_only(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    for name in (WHOLE, LEVEL3):
        (run / name).unlink()
    plan, _ = import_planexe_with_report(run)
    level2 = load(run, "018-5-wbs_level2.json")
    assert [t.id for t in plan.tasks] == [s["id"] for p in level2 for s in p["subtasks"]]
    assert_days_are_planexes(run, plan)
    assert [s for s, _, _ in findings(plan)["missing_optional"].items] == [LEVEL3]


def test_a_level3_task_whose_parent_is_not_in_the_tree_is_a_serious_finding(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    lost = load(run, LEVEL3)[0]
    edit(run, LEVEL3, lambda d: d[0].update(parent_id="11111111-2222-4333-8444-555555555555"))
    edit(run, WHOLE, lambda d: [n.update(task_children=[c for c in n.get("task_children") or []
                                                        if c["id"] != lost["id"]])
                                for n in walk(d["wbs_project"])])
    plan, _ = import_planexe_with_report(run)
    assert lost["id"] not in {t.id for t in plan.tasks}  # as in PlanExe, which skips it too
    assert_days_are_planexes(run, plan)
    unknown = findings(plan)["unknown_id"]
    assert unknown.severity == "serious"
    assert any(s == lost["id"] and "11111111-2222-4333-8444-555555555555" in m for s, m, _ in unknown.items)


@pytest.mark.parametrize("how", ["no id", "children not a list"])
def test_a_wbs_node_that_cannot_be_read_is_a_serious_finding(tmp_path: Path, how: str) -> None:
    run = copy_run(tmp_path)

    def damage(tree: dict[str, Any]) -> None:
        phase = tree["wbs_project"]["task_children"][1]
        if how == "no id":
            phase["id"] = None
        else:
            phase["task_children"] = {"oops": 1}

    edit(run, WHOLE, damage)
    plan, _ = import_planexe_with_report(run)
    skipped = findings(plan)["skipped"]
    assert skipped.severity == "serious"
    assert any(s.startswith(f"{WHOLE}/wbs_project/task_children/1") for s, _, _ in skipped.items)


def test_a_duplicate_id_in_the_tree_is_a_serious_finding(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    edit(run, WHOLE, lambda d: d["wbs_project"]["task_children"].append(
        copy.deepcopy(d["wbs_project"]["task_children"][0])))
    plan, _ = import_planexe_with_report(run)
    ids = [t.id for t in plan.tasks]
    assert len(ids) == len(set(ids)) == 200
    duplicate = findings(plan)["duplicate_id"]
    assert duplicate.severity == "serious" and len(duplicate.items) == 1


def test_an_empty_phase_is_a_one_day_task_like_in_planexe(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    phase = {"id": "aaaaaaaa-2222-4333-8444-555555555555", "description": "Décommissionnement — 撤去"}
    edit(run, WHOLE, lambda d: d["wbs_project"]["task_children"].append(phase))
    plan, _ = import_planexe_with_report(run)
    assert_days_are_planexes(run, plan)
    task = next(t for t in plan.tasks if t.id == phase["id"])
    assert (task.name, task.duration_days) == (phase["description"], 1)
    assert phase["id"] in {s for s, _, _ in findings(plan)["no_estimate"].items}


def test_durations_that_name_no_task_of_this_tree_say_so(tmp_path: Path) -> None:
    """A 022-2 from another run (or a tree re-generated after it): every id is unknown."""
    run = copy_run(tmp_path)
    shutil.copy(RUNS / "20250329_gta_game" / DURATIONS, run / DURATIONS)
    plan, _ = import_planexe_with_report(run)
    missing = {s: m for s, m, _ in findings(plan)["missing_file"].items}
    assert missing[DURATIONS].startswith("has no entry for any task of this WBS")
    assert len(findings(plan)["unknown_id"].items) == len(load(run, DURATIONS))


# --- dependencies ---------------------------------------------------------------------------------------


def test_a_dependency_cycle_is_broken_reported_by_name_and_the_schedule_stays_acyclic(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    details = load(run, DEPENDENCIES)["task_dependency_details"]
    first = next(d for d in details if d["depends_on_task_id_list"])
    back = {"dependent_task_id": first["depends_on_task_id_list"][0],
            "depends_on_task_id_list": [first["dependent_task_id"]],
            "depends_on_task_explanation_list": ["?"]}
    edit(run, DEPENDENCIES, lambda d: d["task_dependency_details"].append(back))
    plan, _ = import_planexe_with_report(run)
    cycle = findings(plan)["cycle"]
    assert cycle.severity == "serious" and cycle.items
    names = {t.id: t.name for t in plan.tasks}
    for subject, message, label in cycle.items:
        assert label == names[subject]
        target = message.split("dependency on ")[1].split(" ")[0]
        assert f"({names[target]})" in message  # the task it would have waited for, by name too
    from plugsmith.plan import validate_plan

    validate_plan(plan.model_dump(mode="json"), "x")  # acyclic: validation refuses any cycle
    assert longest_path(plan) > 0


def test_dependencies_listed_twice_for_a_task_are_all_used_and_said(tmp_path: Path) -> None:
    details = load(RUNS / SILO, DEPENDENCIES)["task_dependency_details"]
    first = details[0]
    later = next(d for d in details if d["dependent_task_id"] != first["dependent_task_id"])
    extra = later["depends_on_task_id_list"][-1:]
    twice = copy_run(tmp_path / "twice")  # a second entry for the same task ...
    edit(twice, DEPENDENCIES, lambda d: d["task_dependency_details"].append(
        {"dependent_task_id": first["dependent_task_id"], "depends_on_task_id_list": extra,
         "depends_on_task_explanation_list": ["also"]}))
    merged = copy_run(tmp_path / "merged")  # ... is the same as its ids in the first entry
    edit(merged, DEPENDENCIES, lambda d: d["task_dependency_details"][0].update(
        depends_on_task_id_list=first["depends_on_task_id_list"] + extra,
        depends_on_task_explanation_list=first["depends_on_task_explanation_list"] + ["also"]))
    plan, _ = import_planexe_with_report(twice)
    same, _ = import_planexe_with_report(merged)
    assert [t.depends_on for t in plan.tasks] == [t.depends_on for t in same.tasks]
    duplicate = findings(plan)["duplicate"]
    assert duplicate.severity == "note" and first["dependent_task_id"] in {s for s, _, _ in duplicate.items}
    assert "duplicate" not in findings(same)


def test_broken_dependency_entries_are_skipped_and_said(tmp_path: Path) -> None:
    run = copy_run(tmp_path)

    def damage(d: dict[str, Any]) -> None:
        t = d["task_dependency_details"]
        t[0]["depends_on_task_id_list"] = None
        t[1]["depends_on_task_explanation_list"] = None
        t[2]["dependent_task_id"] = None
        t[3]["depends_on_task_id_list"] = t[3]["depends_on_task_id_list"] + [17, "no-such-id"]
        t += [None, "x", 5]

    edit(run, DEPENDENCIES, damage)
    plan, _ = import_planexe_with_report(run)
    unknown = findings(plan)["unknown_id"]
    assert unknown.severity == "serious" and len(unknown.items) == 6  # 3 entries, 2 ids, 1 dependent
    assert_days_are_planexes(run, plan)


# --- layouts, names and size ----------------------------------------------------------------------------

# PlanExe's file numbers over time (its filenames module): the same files, renumbered
START = "001-1-start_time.json"
RENUMBER: dict[str, dict[str, str | None]] = {
    "Feb 2025": {"018-2-wbs_level1.json": "015-wbs_level1.json",
                 "018-5-wbs_level2.json": "017-wbs_level2.json",
                 DEPENDENCIES: "020-task_dependencies_raw.json", DURATIONS: "022-task_durations.json",
                 LEVEL3: "024-wbs_level3.json", WHOLE: "025-" + WHOLE[6:],
                 "001-2-plan.txt": "001-plan.txt", START: None, TITLE: None},
    "Mar 2025": {"018-2-wbs_level1.json": "016-2-wbs_level1.json",
                 "018-5-wbs_level2.json": "016-3-wbs_level2.json",
                 DEPENDENCIES: "019-task_dependencies_raw.json", DURATIONS: "020-2-task_durations.json",
                 LEVEL3: "021-2-wbs_level3.json", WHOLE: "021-3-" + WHOLE[6:],
                 "003-1-identify_risks_raw.json": "002-6-identify_risks_raw.json", START: None, TITLE: None},
    "Jun 2025": {"018-5-wbs_level2.json": "018-3-wbs_level2.json", TITLE: None, START: None},
    "Aug 2025": {"001-2-plan.txt": "001-1-plan.txt", START: "001-2-start_time.json"},
}
# what else a complete run directory holds beside the inputs, which must not be mistaken for one
NOISE = ("022-1-1-task_durations_raw.json", "023-1-4-wbs_level3_raw.json", "018-1-wbs_level1_raw.json",
         "018-4-wbs_level2_raw.json", "expected_filenames1.json", "log.txt", "999-pipeline_complete.txt",
         "023-4-wbs_project_level1_and_level2_and_level3.csv")


@pytest.mark.parametrize("era", list(RENUMBER))
def test_the_file_numbers_of_older_planexe_versions(tmp_path: Path, era: str) -> None:
    run = copy_run(tmp_path)
    full, _ = import_planexe_with_report(run)
    for old, new in RENUMBER[era].items():
        if new is None:
            (run / old).unlink()
        else:
            (run / old).rename(run / new)
    for noise in NOISE:
        if not (run / noise).exists():
            (run / noise).write_text('{"task_details": [{"task_id": "x", "days_realistic": 999}]}')
    (run / "019-wbs_project_level1_and_level2.json").write_text(json.dumps(
        {"wbs_project": {"id": "stale", "description": "not this tree"}}))
    plan, report = import_planexe_with_report(run)
    assert [(t.id, t.name, t.duration_days, t.depends_on) for t in plan.tasks] == \
        [(t.id, t.name, t.duration_days, t.depends_on) for t in full.tasks]
    assert plan.title == full.title
    assert "022-1-1-task_durations_raw.json" in report.ignored_files


def test_non_ascii_names_and_title_survive_the_import(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    (run / TITLE).write_text("Силос — 筒仓 ✓", encoding="utf-8")
    edit(run, WHOLE, lambda d: d["wbs_project"]["task_children"][0]["task_children"][0].update(
        description="Évaluer les parties prenantes — 利害関係者 🚜"))
    plan, _ = import_planexe_with_report(run)
    assert plan.title == "Силос — 筒仓 ✓"
    assert "Évaluer les parties prenantes — 利害関係者 🚜" in {p.name for p in plan.phases} | \
        {t.name for t in plan.tasks}


def make_large_run(run: Path, phases: int, subtasks: int, tasks: int, seed: int = 3) -> None:
    """A run directory of PlanExe's current layout with phases x subtasks x tasks level-3 tasks: every
    subtask after the one before it (as 021 lists them), estimates on phases and subtasks (as 022-2)."""
    rng = random.Random(seed)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    run.mkdir(parents=True)
    root = new_id()
    save(run, "018-2-wbs_level1.json", {"id": root, "project_title": "Grand projet",
                                        "final_deliverable": "x"})
    (run / TITLE).write_text("Grand projet — 大型项目", encoding="utf-8")
    save(run, "001-1-start_time.json", {"server_iso_utc": "2026-03-12T10:02:18Z"})
    level2, level3, durations, details, previous = [], [], [], [], None
    for p in range(phases):
        phase = {"id": new_id(), "major_phase_title": f"Phase {p} ✓", "subtasks": []}
        durations.append({"task_id": phase["id"], "days_realistic": rng.randint(5, 90), "days_min": 3,
                          "days_max": 120, "delay_risks": "", "mitigation_strategy": ""})
        for s in range(subtasks):
            sub = {"id": new_id(), "description": f"Étape {p}.{s}"}
            phase["subtasks"].append(sub)
            if rng.random() < 0.8:
                durations.append({"task_id": sub["id"], "days_realistic": rng.randint(-1, 40), "days_min": 1,
                                  "days_max": 60, "delay_risks": "d", "mitigation_strategy": "m"})
            level3 += [{"id": new_id(), "name": f"Tâche {p}.{s}.{t}", "description": "",
                        "parent_id": sub["id"], "resources_needed": ["Ingénieur"]} for t in range(tasks)]
            if previous:
                details.append({"dependent_task_id": sub["id"], "depends_on_task_id_list": [previous],
                                "depends_on_task_explanation_list": ["after"]})
            previous = sub["id"]
        level2.append(phase)
    save(run, "018-5-wbs_level2.json", level2)
    save(run, LEVEL3, level3)
    save(run, DURATIONS, durations)
    save(run, DEPENDENCIES, {"task_dependency_details": details, "metadata": {}, "query": "…"})


def test_a_run_of_600_tasks(tmp_path: Path) -> None:
    run = tmp_path / "large"
    make_large_run(run, phases=30, subtasks=5, tasks=4)
    plan, _ = import_planexe_with_report(run)
    assert len(plan.tasks) == 600 and plan.title == "Grand projet — 大型项目"
    assert_days_are_planexes(run, plan)
    # every subtask's tasks wait for all tasks of the subtask before it: the chain is the sum of the
    # subtasks' longest task each
    by_parent: dict[str, list[float]] = {}
    for task in plan.tasks:
        by_parent.setdefault(str(task.phase), []).append(task.duration_days)
    assert longest_path(plan) == sum(max(days) for days in by_parent.values())


# --- what a user sees: the run, its warnings and --strict ---------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_home")
def test_run_on_a_damaged_run_warns_per_problem_and_strict_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(tmp_path)
    lost = load(run, LEVEL3)[0]
    edit(run, LEVEL3, lambda d: d[0].update(parent_id="11111111-2222-4333-8444-555555555555"))
    edit(run, WHOLE, lambda d: [n.update(task_children=[c for c in n.get("task_children") or []
                                                        if c["id"] != lost["id"]])
                                for n in walk(d["wbs_project"])])
    edit(run, DURATIONS, lambda d: d[0].update(days_realistic=None))
    (run / TITLE).write_text("Силос ✓", encoding="utf-8")
    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("warning: data: ")]
    assert len(warnings) == 2  # the null estimate (with the silo's negative one), the lost task
    assert any("not in the work breakdown" in w for w in warnings)
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Силос ✓\n")
    quality = md.split("## Data quality")[1].split("\n## ")[0]
    assert "11111111-2222-4333-8444-555555555555" in quality and "days_realistic is null" in quality
    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out2"), "--strict"], capsys)
    assert code == 1 and "2 serious data problem(s) in the plan (--strict)" in err


def test_a_task_without_a_usable_name_is_shown_as_unnamed_and_said(tmp_path: Path) -> None:
    run = copy_run(tmp_path)
    tasks = next(n for n in walk(load(run, WHOLE)["wbs_project"]) if len(n.get("task_children") or []) >= 4
                 and not any(c.get("task_children") for c in n["task_children"]))
    ids = [c["id"] for c in tasks["task_children"][:4]]

    def rename(tree: dict[str, Any]) -> None:
        for node in walk(tree["wbs_project"]):
            if node["id"] in ids:
                node["description"] = {ids[0]: "", ids[1]: {"en": "x"}, ids[2]: 42, ids[3]: "  "}[node["id"]]

    edit(run, WHOLE, rename)
    plan, _ = import_planexe_with_report(run)
    names = {t.id: t.name for t in plan.tasks}
    assert [names[i] for i in ids] == ["(unnamed)", "(unnamed)", "42", "(unnamed)"]
    unnamed = findings(plan)["no_name"]
    assert unnamed.severity == "note" and {s for s, _, _ in unnamed.items} == {ids[0], ids[1], ids[3]}


def test_two_different_files_for_one_input_are_a_serious_finding(tmp_path: Path) -> None:
    """A run directory resumed by another PlanExe version holds both numberings of a file."""
    run = copy_run(tmp_path)
    shutil.copy(run / DURATIONS, run / "020-2-task_durations.json")  # the same content: a note only
    plan, report = import_planexe_with_report(run)
    assert "ambiguous_file" not in findings(plan)
    edit(run, DURATIONS, lambda d: d[0].update(days_realistic=d[0]["days_realistic"] + 30))
    plan, report = import_planexe_with_report(run)
    ambiguous = findings(plan)["ambiguous_file"]
    assert ambiguous.severity == "serious" and [s for s, _, _ in ambiguous.items] == [DURATIONS]
    assert report.files["durations"] == "020-2-task_durations.json"  # the choice is said, and fixed


def test_a_tree_nested_deeper_than_planexe_schedules_is_cut_and_said_and_never_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = copy_run(tmp_path)
    (run / WHOLE).unlink()
    chain = load(run, LEVEL3)
    parent = chain[0]["parent_id"]
    for i in range(1500):  # each task under the one before: PlanExe's own schedule stops at 10 levels
        chain.append({"id": f"deep-{i:04d}", "name": f"Niveau {i}", "parent_id": parent})
        parent = chain[-1]["id"]
    save(run, LEVEL3, chain)
    plan, _ = import_planexe_with_report(run)
    ids = {t.id for t in plan.tasks}
    # root 0, phase 1, subtask 2, deep-0000 at 3 … deep-0007 at 10, PlanExe's deepest: a task
    assert "deep-0007" in ids and "deep-0006" in {p.id for p in plan.phases} and "deep-0008" not in ids
    skipped = findings(plan)["skipped"]
    assert [s for s, _, _ in skipped.items] == ["deep-0008"] and "'Niveau 8'" in skipped.items[0][1]
    # a file nested deeper than Python's stack: one line, exit 2
    nested = 2000
    (run / WHOLE).write_text('{"wbs_project": ' + '{"id": "a", "task_children": [' * nested + "{}"
                             + "]}" * nested + "}")
    code, err = run_main(["plan", "import-planexe", str(run)], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[0] == f"error: {run / WHOLE}: nested too deeply to be a PlanExe file"


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_home")
def test_run_with_an_estimate_beyond_the_calendar_completes(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """PlanExe's own sequential Gantt span of this run ends after the year 9999 (datetime's last)."""
    run = copy_run(tmp_path, "20251101_e_bus_security")
    edit(run, DURATIONS, lambda d: d[3].update(days_realistic=10**7))
    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and "Traceback" not in err, err
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "to after 9999-12-31" in md


def test_level3_tasks_the_whole_tree_lacks_are_said_not_added(tmp_path: Path) -> None:
    """PlanExe's schedule reads the whole tree (023-3) only; a 023-2 written again after it (new ids) or
    holding an id PlanExe's WBSPopulate refused is not what PlanExe scheduled."""
    run = copy_run(tmp_path)
    full, _ = import_planexe_with_report(run)
    edit(run, LEVEL3, lambda d: [e.update(id=f"again-{i}") for i, e in enumerate(d[:5])])
    plan, _ = import_planexe_with_report(run)
    assert [(t.id, t.duration_days) for t in plan.tasks] == [(t.id, t.duration_days) for t in full.tasks]
    assert_days_are_planexes(run, plan)
    ambiguous = findings(plan)["ambiguous_file"]
    assert ambiguous.severity == "serious" and [s for s, _, _ in ambiguous.items] == [LEVEL3]
    assert ambiguous.items[0][1].startswith(f"holds 5 tasks that {WHOLE} does not")
    # without the whole tree, level 3 is joined to levels 1 and 2 as PlanExe's WBSPopulate does
    (run / WHOLE).unlink()
    joined, _ = import_planexe_with_report(run)
    assert {f"again-{i}" for i in range(5)} <= {t.id for t in joined.tasks}
    assert_days_are_planexes(run, joined)
