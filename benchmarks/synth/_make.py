"""Generate the synthesis benchmark specs: ``<name>.json`` (visible cases) + ``<name>.hidden.json``.

Run ``python benchmarks/synth/_make.py`` to rewrite the files. The reference functions below compute the
expected outputs; the synthesizer never sees them (nor the hidden cases). Plans are generated with a
fixed seed, so the files are reproducible. Hidden cases use other sizes and values, ties and edge cases
(empty plans where the capability has an obvious empty answer, single-task plans, equal maxima).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from plugsmith.atomic import write_text
from plugsmith.spec import Plan, parse_spec

HERE = Path(__file__).parent
KINDS = ["design", "build", "test", "deploy", "research"]
OWNERS = ["ana", "ben", "chen", "dara", "eli"]
PHASES = ["discovery", "delivery", "launch"]
ROLES = ["engineer", "designer", "analyst", "manager"]
WORDS = ["site survey", "permit review", "data model", "api layer", "user testing", "launch prep",
         "vendor audit", "budget review", "risk workshop", "pilot run", "training", "handover"]


def make_plan(rng: random.Random, n: int, *, tie: bool = False) -> dict[str, Any]:
    """A valid plan with ``n`` tasks (a DAG over earlier tasks); ``tie`` copies the max cost/risk."""
    start = date(2025, 1, 6) + timedelta(days=rng.randrange(0, 300))
    tasks = []
    for i in range(n):
        tid = f"t{i + 1}"
        deps = sorted(rng.sample([t["id"] for t in tasks], k=min(len(tasks), rng.choice([0, 1, 1, 2]))))
        dur = rng.randrange(1, 15)
        lo = max(1, dur - rng.randrange(0, 4))
        tasks.append({
            "id": tid, "name": rng.choice(WORDS), "kind": rng.choice(KINDS), "owner": rng.choice(OWNERS),
            "phase": rng.choice(PHASES), "duration_days": dur, "days_min": lo, "days_max": dur + rng.randrange(0, 6),
            "cost": rng.randrange(100, 5000, 50), "start": (start + timedelta(days=rng.randrange(0, 60))).isoformat(),
            "depends_on": deps,
            "resources": [{"role": r, "hours": rng.randrange(2, 80), "rate": rng.choice([40, 55, 70, 90, 120])}
                          for r in rng.sample(ROLES, k=rng.randrange(0, 3))],
            "risk": {"likelihood": rng.randrange(1, 6), "impact": rng.randrange(1, 6)},
        })
    if tie and len(tasks) >= 3:
        top = max(tasks, key=lambda t: t["cost"])
        tasks[-1]["cost"] = top["cost"]
        tasks[-1]["duration_days"] = max(t["duration_days"] for t in tasks)
        tasks[-1]["risk"] = dict(max(tasks[:-1], key=lambda t: t["risk"]["likelihood"] * t["risk"]["impact"])["risk"])
    plan = {"title": "Generated plan", "budget": float(rng.randrange(2000, 20000, 500)),
            "start": start.isoformat(), "tasks": tasks,
            "risks": [{"id": f"r{i}", "likelihood": rng.randrange(1, 6), "impact": rng.randrange(1, 6)}
                      for i in range(rng.randrange(1, 5))]}
    return Plan.model_validate(plan).model_dump(mode="json")


def _add_days(day: str, days: float) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _finish(p: dict[str, Any]) -> dict[str, float]:
    fin: dict[str, float] = {}
    for t in p["tasks"]:  # generated plans list dependencies before dependants
        fin[t["id"]] = max((fin[d] for d in t["depends_on"]), default=0) + t["duration_days"]
    return fin


def _critical_path(p: dict[str, Any]) -> list[str]:
    fin = _finish(p)
    by_id = {t["id"]: t for t in p["tasks"]}
    cur = max(fin, key=fin.__getitem__, default=None)
    path = []
    while cur is not None:
        path.append(cur)
        start = fin[cur] - by_id[cur]["duration_days"]
        prev = [d for d in by_id[cur]["depends_on"] if fin[d] == start]
        cur = prev[0] if prev and start > 0 else None
    return path[::-1]


def _slack(p: dict[str, Any]) -> dict[str, float]:
    fin = _finish(p)
    end = max(fin.values(), default=0)
    late: dict[str, float] = {}
    for t in reversed(p["tasks"]):
        succ = [late[s["id"]] for s in p["tasks"] if t["id"] in s["depends_on"]]
        late[t["id"]] = min(succ, default=end) - t["duration_days"]
    return {t["id"]: late[t["id"]] - (fin[t["id"]] - t["duration_days"]) for t in p["tasks"]}


def _group(items: list[Any], key: Callable[[Any], Any], value: Callable[[Any], Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for x in items:
        out.setdefault(key(x), []).append(value(x))
    return out


def _key_of_max(d: dict[str, float]) -> str:
    return max(d, key=d.__getitem__)


def _score(t: dict[str, Any]) -> float:
    return t["risk"]["likelihood"] * t["risk"]["impact"]


PLAN_IN = {"plan_json": {"$ref": "plugsmith:plan"}}
NUM = {"type": "number"}
NUM_MAP = {"type": "object", "additionalProperties": {"type": "number"}}
STR_LIST = {"type": "array", "items": {"type": "string"}}
STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

# name: (description, output port, output schema, reference, empty plans allowed)
SPECS: dict[str, tuple[str, str, dict[str, Any], Callable[[dict[str, Any]], Any], bool]] = {
    "cost_by_kind": ("Total cost per task kind.", "cost_breakdown", NUM_MAP,
                     lambda p: {k: sum(v) for k, v in _group(p["tasks"], lambda t: t["kind"], lambda t: t["cost"]).items()}, True),
    "labour_cost_by_role": ("Labour cost per role: hours times rate, summed over all tasks.", "labour_cost", NUM_MAP,
                            lambda p: {k: sum(v) for k, v in _group([r for t in p["tasks"] for r in t["resources"]],
                                                                    lambda r: r["role"], lambda r: r["hours"] * r["rate"]).items()}, True),
    "total_cost": ("Total cost of all tasks.", "total", NUM, lambda p: sum(t["cost"] for t in p["tasks"]), True),
    "tasks_per_owner": ("Number of tasks per owner.", "counts", NUM_MAP,
                        lambda p: {k: len(v) for k, v in _group(p["tasks"], lambda t: t["owner"], lambda t: 1).items()}, True),
    "mean_duration_by_phase": ("Mean task duration (days) per phase.", "mean_days", NUM_MAP,
                               lambda p: {k: sum(v) / len(v) for k, v in _group(p["tasks"], lambda t: t["phase"], lambda t: t["duration_days"]).items()}, True),
    "most_expensive_task": ("Id of the most expensive task (the first one listed on a tie).", "task_id", {"type": ["string", "null"]},
                            lambda p: max(p["tasks"], key=lambda t: t["cost"])["id"] if p["tasks"] else None, True),
    "top3_risky_tasks": ("Ids of the three riskiest tasks by likelihood x impact, riskiest first, ties in plan order.",
                         "riskiest", STR_LIST,
                         lambda p: [t["id"] for t in sorted(p["tasks"], key=_score, reverse=True)[:3]], True),
    "over_budget": ("Whether the total task cost exceeds the plan budget.", "over_budget", {"type": "boolean"},
                    lambda p: sum(t["cost"] for t in p["tasks"]) > p["budget"], True),
    "budget_share": ("Each task's cost as a percentage of the plan budget, rounded to 1 decimal.", "share", NUM_MAP,
                     lambda p: {t["id"]: round(t["cost"] / p["budget"] * 100, 1) for t in p["tasks"]}, True),
    "task_end_dates": ("End date of every task: its start plus its duration in days.", "end_dates", STR_MAP,
                       lambda p: {t["id"]: _add_days(t["start"], t["duration_days"]) for t in p["tasks"]}, True),
    "critical_path_length": ("Length in days of the longest dependency chain weighted by duration.", "days", NUM,
                             lambda p: max(_finish(p).values(), default=0), True),
    "critical_path": ("Task ids on the critical path (longest chain by duration), first to last.", "path", STR_LIST,
                      _critical_path, True),
    "tasks_without_dependencies": ("Ids of tasks that depend on nothing.", "roots", STR_LIST,
                                   lambda p: [t["id"] for t in p["tasks"] if not t["depends_on"]], True),
    "upper_task_names": ("Task names in upper case, in plan order.", "names", STR_LIST,
                         lambda p: [t["name"].upper() for t in p["tasks"]], True),
    "owner_task_lists": ("The ids of each owner's tasks, in plan order.", "tasks_by_owner",
                         {"type": "object", "additionalProperties": STR_LIST},
                         lambda p: _group(p["tasks"], lambda t: t["owner"], lambda t: t["id"]), True),
    "task_labour_cost": ("Labour cost of each task: the sum of hours x rate of its resources.", "labour", NUM_MAP,
                         lambda p: {t["id"]: sum(r["hours"] * r["rate"] for r in t["resources"]) for t in p["tasks"]}, True),
    "longest_task_days": ("Duration of the longest task.", "days", NUM,
                          lambda p: max(t["duration_days"] for t in p["tasks"]), False),
    "mean_task_cost": ("Mean task cost, rounded to 2 decimals.", "mean_cost", NUM,
                       lambda p: round(sum(t["cost"] for t in p["tasks"]) / len(p["tasks"]), 2), False),
    "shortest_task_name": ("Name of the shortest task (first listed on a tie).", "name", {"type": ["string", "null"]},
                           lambda p: min(p["tasks"], key=lambda t: t["duration_days"])["name"] if p["tasks"] else None, True),
    "dependents_count": ("How many tasks depend on each task that has dependants.", "dependents", NUM_MAP,
                         lambda p: {k: len(v) for k, v in _group([d for t in p["tasks"] for d in t["depends_on"]], lambda d: d, lambda d: 1).items()}, True),
    "latest_start_offset": ("Days from the plan start to the latest task start.", "days", NUM,
                            lambda p: (date.fromisoformat(max(t["start"] for t in p["tasks"])) - date.fromisoformat(p["start"])).days, False),
    "earliest_finish": ("Earliest finish (days from plan start) of every task given its dependencies.", "finish", NUM_MAP,
                        _finish, True),
    "task_slack": ("Slack (days a task can slip without delaying the plan) of every task.", "slack", NUM_MAP, _slack, True),
    "high_risk_count": ("Number of tasks whose likelihood x impact is at least 10.", "count", NUM,
                        lambda p: sum(1 for t in p["tasks"] if _score(t) >= 10), True),
    "costly_task_ids": ("Ids of tasks costing more than 1000, in plan order.", "ids", STR_LIST,
                        lambda p: [t["id"] for t in p["tasks"] if t["cost"] > 1000], True),
    "hours_by_owner": ("Resource hours booked per owner (summed over the owner's tasks).", "hours", NUM_MAP,
                       lambda p: {k: sum(v) for k, v in _group(p["tasks"], lambda t: t["owner"], lambda t: sum(r["hours"] for r in t["resources"])).items()}, True),
    "risk_scores": ("Risk score (likelihood x impact) of every task.", "scores", NUM_MAP,
                    lambda p: {t["id"]: _score(t) for t in p["tasks"]}, True),
    "max_cost_by_phase": ("The largest task cost in each phase.", "max_cost", NUM_MAP,
                          lambda p: {k: max(v) for k, v in _group(p["tasks"], lambda t: t["phase"], lambda t: t["cost"]).items()}, True),
    "distinct_owners": ("Owners of the plan's tasks, each once, alphabetically.", "owners", STR_LIST,
                        lambda p: sorted(set(t["owner"] for t in p["tasks"])), True),
    "task_labels": ("A label per task: its id, a dash and its name.", "labels", STR_LIST,
                    lambda p: [f"{t['id']} - {t['name']}" for t in p["tasks"]], True),
    "estimate_spread": ("Spread of each task's estimate: days_max minus days_min.", "spread", NUM_MAP,
                        lambda p: {t["id"]: t["days_max"] - t["days_min"] for t in p["tasks"]}, True),
    "resources_per_task": ("Number of resources booked on each task.", "count", NUM_MAP,
                           lambda p: {t["id"]: len(t["resources"]) for t in p["tasks"]}, True),
    "register_by_impact": ("Ids of the plan's register risks by impact, highest first (ties in order).", "ids", STR_LIST,
                           lambda p: [r["id"] for r in sorted(p["risks"], key=lambda r: r["impact"], reverse=True)], True),
    # -- added after the first benchmark run, written the same way (a check against over-fitting the set)
    "total_labour_hours": ("Resource hours booked over the whole plan.", "hours", NUM,
                           lambda p: sum(r["hours"] for t in p["tasks"] for r in t["resources"]), True),
    "cost_per_day": ("Cost per day of every task, rounded to 2 decimals.", "cost_per_day", NUM_MAP,
                     lambda p: {t["id"]: round(t["cost"] / t["duration_days"], 2) for t in p["tasks"]}, True),
    "tasks_per_phase": ("Number of tasks in each phase.", "counts", NUM_MAP,
                        lambda p: {k: len(v) for k, v in _group(p["tasks"], lambda t: t["phase"], lambda t: 1).items()}, True),
    "ids_by_start": ("Task ids ordered by start date (ties in plan order).", "ids", STR_LIST,
                     lambda p: [t["id"] for t in sorted(p["tasks"], key=lambda t: t["start"])], True),
    "plan_end_date": ("The date the last task ends (start plus duration).", "end", {"type": "string"},
                      lambda p: max(_add_days(t["start"], t["duration_days"]) for t in p["tasks"]), False),
    "budget_remaining": ("Budget left after paying for every task.", "remaining", NUM,
                         lambda p: p["budget"] - sum(t["cost"] for t in p["tasks"]), True),
    "busiest_owner": ("The owner with the most tasks (first seen on a tie).", "owner", {"type": "string"},
                      lambda p: _key_of_max({k: len(v) for k, v in _group(p["tasks"], lambda t: t["owner"], lambda t: 1).items()}), False),
    "unstaffed_task_names": ("Names of tasks without booked resources.", "names", STR_LIST,
                             lambda p: [t["name"] for t in p["tasks"] if not t["resources"]], True),
    "mean_risk_score": ("Mean likelihood x impact over the tasks, rounded to 2 decimals.", "score", NUM,
                        lambda p: round(sum(_score(t) for t in p["tasks"]) / len(p["tasks"]), 2), False),
    "dependency_counts": ("Number of dependencies of every task.", "counts", NUM_MAP,
                          lambda p: {t["id"]: len(t["depends_on"]) for t in p["tasks"]}, True),
    "max_register_impact": ("Highest impact in the plan's risk register.", "impact", NUM,
                            lambda p: max(r["impact"] for r in p["risks"]), False),
    "cheapest_two_tasks": ("Ids of the two cheapest tasks, cheapest first (ties in plan order).", "ids", STR_LIST,
                           lambda p: [t["id"] for t in sorted(p["tasks"], key=lambda t: t["cost"])[:2]], True),
    "estimate_midpoint": ("Midpoint of every task's estimate range (days_min and days_max).", "days", NUM_MAP,
                          lambda p: {t["id"]: (t["days_min"] + t["days_max"]) / 2 for t in p["tasks"]}, True),
    "total_labour_cost": ("Labour cost of the whole plan (hours x rate over all resources).", "cost", NUM,
                          lambda p: sum(r["hours"] * r["rate"] for t in p["tasks"] for r in t["resources"]), True),
    "likely_register_risks": ("Ids of register risks with likelihood above 3.", "ids", STR_LIST,
                              lambda p: [r["id"] for r in p["risks"] if r["likelihood"] > 3], True),
    "task_count": ("Number of tasks in the plan.", "count", NUM, lambda p: len(p["tasks"]), True),
    "cost_by_owner": ("Total cost of each owner's tasks.", "costs", NUM_MAP,
                      lambda p: {k: sum(v) for k, v in _group(p["tasks"], lambda t: t["owner"], lambda t: t["cost"]).items()}, True),
    "duration_in_weeks": ("Duration of every task in weeks, rounded to 1 decimal.", "weeks", NUM_MAP,
                          lambda p: {t["id"]: round(t["duration_days"] / 7, 1) for t in p["tasks"]}, True),
    "late_start_ids": ("Ids of tasks starting after the plan's start date.", "ids", STR_LIST,
                       lambda p: [t["id"] for t in p["tasks"] if t["start"] > p["start"]], True),
    "phases_in_order": ("The phases used by the tasks, each once, in order of first use.", "phases", STR_LIST,
                        lambda p: list(dict.fromkeys(t["phase"] for t in p["tasks"])), True),
}


def cases_for(name: str, reference: Callable[[dict[str, Any]], Any], port: str, empty_ok: bool,
              seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    visible_plans = [make_plan(rng, n) for n in (4, 5, 6, 3)]
    hidden_plans = [make_plan(rng, 8, tie=True), make_plan(rng, 11), make_plan(rng, 1), make_plan(rng, 7, tie=True)]
    if empty_ok:
        hidden_plans.append(make_plan(rng, 0))

    def case(label: str, i: int, p: dict[str, Any]) -> dict[str, Any]:
        return {"name": f"{label}_{i + 1}", "input": {"plan_json": p}, "expected": {port: reference(p)}}

    return ([case("golden", i, p) for i, p in enumerate(visible_plans)],
            [case("hidden", i, p) for i, p in enumerate(hidden_plans)])


def extra_specs() -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Two specs over plain (non-plan) ports: a list of numbers and a list of records."""
    rng = random.Random(99)
    out: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    nums = [[rng.randrange(1, 100) for _ in range(rng.randrange(2, 9))] for _ in range(8)]
    cases = [{"name": f"c{i}", "input": {"values": v}, "expected": {"mean": round(sum(v) / len(v), 2)}}
             for i, v in enumerate(nums)]
    spec = {"name": "rounded_mean", "description": "Mean of a list of numbers, rounded to 2 decimals.",
            "inputs": {"values": {"type": "array", "items": {"type": "number"}}}, "outputs": {"mean": NUM},
            "constraints": ["deterministic", "pure"], "tests": cases[:4]}
    out["rounded_mean"] = (spec, cases[4:])
    recs = [[{"name": rng.choice(OWNERS) + str(j), "score": rng.randrange(0, 10)} for j in range(rng.randrange(2, 7))]
            for _ in range(8)]
    cases = [{"name": f"c{i}", "input": {"people": r},
              "expected": {"winner": max(r, key=lambda x: x["score"])["name"]}} for i, r in enumerate(recs)]
    spec = {"name": "best_scorer", "description": "Name of the person with the highest score (first on a tie).",
            "inputs": {"people": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "score": {"type": "number"}}}}},
            "outputs": {"winner": {"type": "string"}}, "constraints": ["deterministic"], "tests": cases[:4]}
    out["best_scorer"] = (spec, cases[4:])
    return out


def _write(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=1) + "\n")


def main() -> None:
    for seed, (name, (desc, port, schema, reference, empty_ok)) in enumerate(sorted(SPECS.items())):
        visible, hidden = cases_for(name, reference, port, empty_ok, 1000 + seed)
        spec = {"name": name, "description": desc, "inputs": PLAN_IN, "outputs": {port: schema},
                "constraints": ["deterministic", "schema_validated", "pure"], "tests": visible}
        parse_spec(spec, source=name)
        _write(HERE / f"{name}.json", spec)
        _write(HERE / f"{name}.hidden.json", hidden)
    for name, (spec, hidden) in extra_specs().items():
        parse_spec(spec, source=name)
        _write(HERE / f"{name}.json", spec)
        _write(HERE / f"{name}.hidden.json", hidden)
    print(f"wrote {len(SPECS) + 2} specs to {HERE}")


if __name__ == "__main__":
    main()
