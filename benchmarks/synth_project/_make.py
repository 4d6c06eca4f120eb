"""Generate the *project* synthesis benchmark: ``<name>.json`` (five visible cases) + ``<name>.hidden.json``.

Written before the search work of issue #12 (counterexample-guided search, conditionals, joins, nested
aggregates, description constants), as the measure of that work; the search was not tuned to it.

The input is a project plan with phases, three-point estimates (optimistic / realistic / pessimistic
days) and a deadline (the ``project`` port, schema ``PROJECT`` below); one spec reads two plain ports
(``tasks`` and ``phases``). Each spec is written the way a user would: a one-line description, the output
schema, five visible cases. The reference functions below compute the expected outputs; the synthesizer
never sees them, nor the ``intent`` (the program we expect, in DSL-like notation, written down before
any search work so the result can be judged against it), nor the hidden cases.

Visible cases are drawn at random (fixed seeds) with two author's habits a careful user has: the visible
answers are not all the same, every label of a classification appears, and where the description names a
threshold one visible case sits exactly on it. The ``trap`` specs are the over-fit traps of the issue
(``max_risk_task``): four of the five visible cases also fit a smaller, wrong program (the ``decoy``);
only one case tells them apart. Hidden cases use other sizes, ties, one-task and (where the answer is
obvious) empty projects.

Run ``python benchmarks/synth_project/_make.py`` to rewrite the files (reproducible).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from plugsmith.atomic import write_text
from plugsmith.spec import parse_spec

HERE = Path(__file__).parent
OWNERS = ["ana", "ben", "chen", "dara", "eli", "femi"]
PHASE_NAMES = ["Discovery", "Design", "Build", "Pilot", "Rollout", "Handover"]
LEADS = ["mira", "otto", "pia", "quinn", "rosa"]
WORDS = [
    "Site",
    "survey",
    "Permit",
    "review",
    "Data",
    "model",
    "API",
    "layer",
    "User",
    "testing",
    "Launch",
    "prep",
    "Vendor",
    "audit",
    "budget",
    "Risk",
    "workshop",
    "Pilot",
    "run",
    "Training",
    "handover",
]
STATUSES = ["todo", "doing", "done"]

DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
TASK = {
    "type": "object",
    "required": [
        "id",
        "title",
        "phase",
        "owner",
        "status",
        "optimistic",
        "realistic",
        "pessimistic",
        "cost",
        "likelihood",
        "impact",
        "depends_on",
    ],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "phase": {"type": "string"},
        "owner": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "optimistic": {"type": "number", "minimum": 0},
        "realistic": {"type": "number", "minimum": 0},
        "pessimistic": {"type": "number", "minimum": 0},
        "cost": {"type": "number", "minimum": 0},
        "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
        "impact": {"type": "integer", "minimum": 1, "maximum": 5},
        "depends_on": {"type": "array", "items": {"type": "string"}},
    },
}
PHASE = {
    "type": "object",
    "required": ["id", "name", "budget"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "budget": {"type": "number"}},
}
PROJECT = {
    "type": "object",
    "required": ["name", "start", "deadline", "budget", "phases", "tasks"],
    "properties": {
        "name": {"type": "string"},
        "start": DATE,
        "deadline": DATE,
        "budget": {"type": "number", "minimum": 0},
        "phases": {"type": "array", "items": PHASE},
        "tasks": {"type": "array", "items": TASK},
    },
}
LEAD_PHASE = {
    "type": "object",
    "required": ["id", "name", "lead"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "lead": {"type": "string"}},
}

NUM = {"type": "number"}
NUM_MAP = {"type": "object", "additionalProperties": NUM}
STR = {"type": "string"}
STR_MAP = {"type": "object", "additionalProperties": STR}
STR_LIST = {"type": "array", "items": STR}
NULL_STR = {"type": ["string", "null"]}


def enum_map(*labels: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": "string", "enum": list(labels)}}


# -- generated projects ------------------------------------------------------------------------------
def _title(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, k=rng.choice([1, 2, 2, 3])))


def make_project(rng: random.Random, n: int, *, tie: bool = False) -> dict[str, Any]:
    """A project with ``n`` tasks over 2-4 phases; ``tie`` copies the largest cost/risk/estimate."""
    k = rng.choice([2, 3, 3, 4])
    phases = [
        {
            "id": f"p{i + 1}",
            "name": name,
            "budget": float(rng.randrange(5000, 60000, 500)),
            "lead": rng.choice(LEADS),
        }
        for i, name in enumerate(rng.sample(PHASE_NAMES, k))
    ]
    start = date(2025, 1, 6) + timedelta(days=rng.randrange(0, 300))
    tasks: list[dict[str, Any]] = []
    for i in range(n):
        opt = rng.randrange(1, 9)
        real = opt + rng.randrange(0, 8)
        pess = real + rng.randrange(0, 12)
        tasks.append(
            {
                "id": f"t{i + 1}",
                "title": _title(rng),
                "phase": rng.choice(phases)["id"],
                "owner": rng.choice(OWNERS),
                "status": rng.choice(STATUSES),
                "optimistic": opt,
                "realistic": real,
                "pessimistic": pess,
                "cost": rng.randrange(500, 20000, 50),
                "likelihood": rng.randrange(1, 6),
                "impact": rng.randrange(1, 6),
                "depends_on": sorted(
                    rng.sample([t["id"] for t in tasks], k=min(len(tasks), rng.choice([0, 1, 1, 2])))
                ),
            }
        )
    if tie and len(tasks) >= 3:
        top = max(tasks[:-1], key=lambda t: t["cost"])
        tasks[-1].update(
            cost=top["cost"],
            likelihood=max(tasks[:-1], key=_score)["likelihood"],
            impact=max(tasks[:-1], key=_score)["impact"],
        )
    total_real = sum(t["realistic"] for t in tasks)
    deadline = start + timedelta(days=max(1, int(total_real * rng.uniform(0.6, 1.5)) + rng.randrange(0, 5)))
    budget = float(max(1000, round(sum(t["cost"] for t in tasks) * rng.uniform(0.7, 1.4), -3)))
    return {
        "name": "Generated project",
        "start": start.isoformat(),
        "deadline": deadline.isoformat(),
        "budget": budget,
        "phases": phases,
        "tasks": tasks,
    }


# -- reference helpers ---------------------------------------------------------------------------------
def _score(t: dict[str, Any]) -> int:
    return int(t["likelihood"] * t["impact"])


def _pert(t: dict[str, Any]) -> float:
    return (t["optimistic"] + 4 * t["realistic"] + t["pessimistic"]) / 6


def _days(p: dict[str, Any]) -> int:
    return (date.fromisoformat(p["deadline"]) - date.fromisoformat(p["start"])).days


def _sums(
    items: list[dict[str, Any]], key: Callable[[Any], Any], value: Callable[[Any], Any]
) -> dict[Any, Any]:
    """Per-key sums in first-seen order (as a group-by reads)."""
    out: dict[Any, Any] = {}
    for x in items:
        out[key(x)] = out.get(key(x), 0) + value(x)
    return out


def _key_of_max(d: dict[Any, Any]) -> Any:
    return max(d, key=d.__getitem__) if d else None


def _phase(p: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(ph for ph in p["phases"] if ph["id"] == pid)


def _cost_of_phase(p: dict[str, Any], pid: str) -> float:
    return sum(t["cost"] for t in p["tasks"] if t["phase"] == pid)


def _level(s: int) -> str:
    return "high" if s >= 15 else "medium" if s >= 8 else "low"


def _size(days: float) -> str:
    return "S" if days <= 3 else "M" if days <= 10 else "L"


# -- the specs -----------------------------------------------------------------------------------------
@dataclass
class Bench:
    """One benchmark spec: what the user writes (description, output) and what we check against."""

    description: str
    port: str
    schema: dict[str, Any]
    reference: Callable[[dict[str, Any]], Any]
    intent: str  # the program we expect, written before the search work
    shape: str  # which kind of the shapes it exercises
    empty_ok: bool = True  # hidden cases may include a project without tasks
    boundary: tuple[str, float] | None = None  # (task field, value): one visible task sits on it
    decoy: Callable[[dict[str, Any]], Any] | None = None  # over-fit trap: 4 of 5 visible cases fit it too
    inputs: dict[str, Any] = field(default_factory=lambda: {"project": PROJECT})


SPECS: dict[str, Bench] = {
    # classifications and conditionals
    "risk_levels": Bench(
        'Risk level of every task, by task id: "high" when likelihood x impact is at least 15, "medium" '
        'from 8, else "low".',
        "levels",
        enum_map("low", "medium", "high"),
        lambda p: {t["id"]: _level(_score(t)) for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> piecewise(t.likelihood * t.impact, >=15 high, >=8 medium, low))",
        "classification",
    ),
    "size_classes": Bench(
        'Size class of every task by its realistic estimate in days: "S" up to 3, "M" up to 10, "L" above.',
        "sizes",
        enum_map("S", "M", "L"),
        lambda p: {t["id"]: _size(t["realistic"]) for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> piecewise(t.realistic, <=3 S, <=10 M, L))",
        "classification",
        boundary=("realistic", 10),
    ),
    "deadline_status": Bench(
        '"late" when the tasks\' pessimistic estimates add up to more days than there are from the start to '
        'the deadline, else "on_time".',
        "status",
        {"type": "string", "enum": ["on_time", "late"]},
        lambda p: "late" if sum(t["pessimistic"] for t in p["tasks"]) > _days(p) else "on_time",
        "if(sum(tasks[].pessimistic) > days_between(start, deadline), late, on_time)",
        "conditional",
    ),
    "phase_budget_status": Bench(
        'For every phase, by phase name: "over" when its tasks cost more than the phase budget, else '
        '"within".',
        "status",
        enum_map("within", "over"),
        lambda p: {
            ph["name"]: "over" if _cost_of_phase(p, ph["id"]) > ph["budget"] else "within"
            for ph in p["phases"]
        },
        "to_dict(phases, ph -> ph.name, ph -> if(sum(tasks where t.phase == ph.id, cost) > ph.budget, over, "
        "within))",
        "join + nested aggregate + conditional",
    ),
    "status_labels": Bench(
        'Each task\'s state by task id: "closed" when its status is done, "open" otherwise.',
        "states",
        enum_map("open", "closed"),
        lambda p: {t["id"]: "closed" if t["status"] == "done" else "open" for t in p["tasks"]},
        'to_dict(tasks, t -> t.id, t -> if(t.status == "done", closed, open))',
        "classification",
    ),
    "cost_bands": Bench(
        'Cost band of every task, by task id: "cheap" or "costly", split at one fixed cost threshold '
        "(the examples show where).",
        "bands",
        enum_map("cheap", "costly"),
        lambda p: {t["id"]: "costly" if t["cost"] >= 12000 else "cheap" for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> if(t.cost >= 12000, costly, cheap))  # 12000 from the examples' "
        "boundary",
        "threshold from examples",
        boundary=("cost", 12000),
    ),
    "escalate_ids": Bench(
        "Ids of the tasks to escalate: those not done whose impact is 4 or more, in plan order.",
        "ids",
        STR_LIST,
        lambda p: [t["id"] for t in p["tasks"] if t["status"] != "done" and t["impact"] >= 4],
        'map(filter(tasks, t -> t.status != "done" and t.impact >= 4), t -> t.id)',
        "threshold + enum",
    ),
    # thresholds from the description
    "big_ticket_ids": Bench(
        "Ids of tasks whose cost exceeds 10000, in plan order.",
        "ids",
        STR_LIST,
        lambda p: [t["id"] for t in p["tasks"] if t["cost"] > 10000],
        "map(filter(tasks, t -> t.cost > 10000), t -> t.id)",
        "description constant",
        boundary=("cost", 10000),
    ),
    "long_task_titles": Bench(
        "Titles of the tasks whose pessimistic estimate is more than 14 days, in plan order.",
        "titles",
        STR_LIST,
        lambda p: [t["title"] for t in p["tasks"] if t["pessimistic"] > 14],
        "map(filter(tasks, t -> t.pessimistic > 14), t -> t.title)",
        "description constant",
        boundary=("pessimistic", 14),
    ),
    "deadline_overrun_days": Bench(
        "Days by which the realistic estimates, added up, exceed the days from start to deadline; 0 when "
        "they fit.",
        "days",
        NUM,
        lambda p: max(0, sum(t["realistic"] for t in p["tasks"]) - _days(p)),
        "if(sum(tasks[].realistic) > days_between(start, deadline), sum(...) - days_between(...), 0)",
        "conditional",
    ),
    # joins
    "task_phase_names": Bench(
        "The name of each task's phase, by task id.",
        "phase_names",
        STR_MAP,
        lambda p: {t["id"]: _phase(p, t["phase"])["name"] for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> find(phases, ph -> ph.id == t.phase).name)",
        "join",
    ),
    "phase_budget_share": Bench(
        "Each task's cost as a percentage of its phase's budget, rounded to 1 decimal, by task id.",
        "share",
        NUM_MAP,
        lambda p: {t["id"]: round(t["cost"] / _phase(p, t["phase"])["budget"] * 100, 1) for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> round(percent(t.cost, find(phases, id == t.phase).budget), 1))",
        "join + share",
    ),
    "cost_by_phase_name": Bench(
        "Total task cost per phase name (phases without tasks left out).",
        "costs",
        NUM_MAP,
        lambda p: _sums(p["tasks"], lambda t: _phase(p, t["phase"])["name"], lambda t: t["cost"]),
        "group(tasks, t -> find(phases, id == t.phase).name, sum, t -> t.cost)",
        "join + aggregate",
    ),
    "dependency_titles": Bench(
        "Titles of each task's dependencies, in the order listed, by task id.",
        "titles",
        {"type": "object", "additionalProperties": STR_LIST},
        lambda p: {
            t["id"]: [next(x["title"] for x in p["tasks"] if x["id"] == d) for d in t["depends_on"]]
            for t in p["tasks"]
        },
        "to_dict(tasks, t -> t.id, t -> map(t.depends_on, d -> find(tasks, x -> x.id == d).title))",
        "self join",
    ),
    "task_leads": Bench(
        "The lead of each task's phase, by task id.",
        "leads",
        STR_MAP,
        lambda p: {
            t["id"]: next(ph["lead"] for ph in p["phases"] if ph["id"] == t["phase"]) for t in p["tasks"]
        },
        "to_dict(tasks, t -> t.id, t -> find(phases, ph -> ph.id == t.phase).lead)",
        "join across ports",
        inputs={"tasks": {"type": "array", "items": TASK}, "phases": {"type": "array", "items": LEAD_PHASE}},
    ),
    # nested aggregates
    "longest_phase_days": Bench(
        "Total realistic days of the phase with the most days.",
        "days",
        NUM,
        lambda p: max(_sums(p["tasks"], lambda t: t["phase"], lambda t: t["realistic"]).values()),
        "max(values(group(tasks, t -> t.phase, sum, t -> t.realistic)))",
        "nested aggregate",
        empty_ok=False,
    ),
    "costliest_phase": Bench(
        "Id of the phase whose tasks cost the most in total (the first one seen on a tie).",
        "phase",
        NULL_STR,
        lambda p: _key_of_max(_sums(p["tasks"], lambda t: t["phase"], lambda t: t["cost"])),
        "argmax_key(group(tasks, t -> t.phase, sum, t -> t.cost))",
        "nested aggregate",
    ),
    "costliest_phase_name": Bench(
        "Name of the phase whose tasks cost the most in total (the first one seen on a tie).",
        "name",
        STR,
        lambda p: _phase(p, _key_of_max(_sums(p["tasks"], lambda t: t["phase"], lambda t: t["cost"])))[
            "name"
        ],
        "find(phases, ph -> ph.id == argmax_key(group(tasks, t -> t.phase, sum, t -> t.cost))).name",
        "nested aggregate + join",
        empty_ok=False,
    ),
    "mean_phase_cost": Bench(
        "Mean of the phases' total task costs (over phases that have tasks), rounded to 2 decimals.",
        "mean",
        NUM,
        lambda p: round(
            sum(v := list(_sums(p["tasks"], lambda t: t["phase"], lambda t: t["cost"]).values())) / len(v), 2
        ),
        "round(mean(values(group(tasks, t -> t.phase, sum, t -> t.cost))), 2)",
        "nested aggregate",
        empty_ok=False,
    ),
    "riskiest_owner": Bench(
        "The owner whose tasks have the highest summed risk score, likelihood x impact "
        "(first seen on a tie).",
        "owner",
        NULL_STR,
        lambda p: _key_of_max(_sums(p["tasks"], lambda t: t["owner"], _score)),
        "argmax_key(group(tasks, t -> t.owner, sum, t -> t.likelihood * t.impact))",
        "nested aggregate",
    ),
    # shares
    "phase_cost_share": Bench(
        "Share of the total task cost per phase id, in percent, rounded to 1 decimal.",
        "share",
        NUM_MAP,
        lambda p: {
            k: round(v / sum(t["cost"] for t in p["tasks"]) * 100, 1)
            for k, v in _sums(p["tasks"], lambda t: t["phase"], lambda t: t["cost"]).items()
        },
        "map_values(group(tasks, t -> t.phase, sum, t -> t.cost), "
        "v -> round(percent(v, sum(tasks[].cost)), 1))",
        "share of total",
    ),
    "largest_phase_share": Bench(
        "The largest phase's share of the total task cost, in percent, rounded to 1 decimal.",
        "share",
        NUM,
        lambda p: round(
            max(_sums(p["tasks"], lambda t: t["phase"], lambda t: t["cost"]).values())
            / sum(t["cost"] for t in p["tasks"])
            * 100,
            1,
        ),
        "round(percent(max(values(group(tasks, phase, sum, cost))), sum(tasks[].cost)), 1)",
        "share of total + nested aggregate",
        empty_ok=False,
    ),
    "done_percent": Bench(
        "Percentage of the tasks that are done, rounded to 1 decimal.",
        "percent",
        NUM,
        lambda p: round(sum(1 for t in p["tasks"] if t["status"] == "done") / len(p["tasks"]) * 100, 1),
        'round(percent(len(filter(tasks, t -> t.status == "done")), len(tasks)), 1)',
        "share",
        empty_ok=False,
    ),
    "budget_used_percent": Bench(
        "Total task cost as a percentage of the project budget, rounded to 2 decimals.",
        "used",
        NUM,
        lambda p: round(sum(t["cost"] for t in p["tasks"]) / p["budget"] * 100, 2),
        "round(percent(sum(tasks[].cost), budget), 2)",
        "share",
    ),
    # weighted sums
    "pert_estimates": Bench(
        "PERT estimate of every task, by task id: (optimistic + 4 x realistic + pessimistic) / 6, rounded to "
        "2 decimals.",
        "pert",
        NUM_MAP,
        lambda p: {t["id"]: round(_pert(t), 2) for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> round((t.optimistic + 4 * t.realistic + t.pessimistic) / 6, 2))",
        "weighted sum (PERT)",
    ),
    "pert_total_days": Bench(
        "Expected duration of the project: the sum of the tasks' PERT estimates (optimistic + 4 x realistic "
        "+ pessimistic) / 6, rounded to 1 decimal.",
        "days",
        NUM,
        lambda p: round(sum(_pert(t) for t in p["tasks"]), 1),
        "round(sum(map(tasks, t -> (t.optimistic + 4 * t.realistic + t.pessimistic) / 6)), 1)",
        "weighted sum (PERT) + aggregate",
    ),
    "pert_std_devs": Bench(
        "Standard deviation of every task's estimate, by task id: (pessimistic - optimistic) / 6, "
        "rounded to 2 decimals.",
        "sigma",
        NUM_MAP,
        lambda p: {t["id"]: round((t["pessimistic"] - t["optimistic"]) / 6, 2) for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> round((t.pessimistic - t.optimistic) / 6, 2))",
        "weighted sum (PERT)",
    ),
    "weighted_risk": Bench(
        "Weighted risk of every task, by task id: 3 x likelihood + 2 x impact.",
        "risk",
        NUM_MAP,
        lambda p: {t["id"]: 3 * t["likelihood"] + 2 * t["impact"] for t in p["tasks"]},
        "to_dict(tasks, t -> t.id, t -> 3 * t.likelihood + 2 * t.impact)",
        "weighted sum",
    ),
    # string transforms
    "task_slugs": Bench(
        "Each task's title in lower case, words joined by hyphens, by task id.",
        "slugs",
        STR_MAP,
        lambda p: {t["id"]: "-".join(t["title"].lower().split(" ")) for t in p["tasks"]},
        'to_dict(tasks, t -> t.id, t -> join(split(lower(t.title), " "), "-"))',
        "string transform",
    ),
    "task_labels_upper": Bench(
        "A label per task, in plan order: its id, a colon and a space, then its title in upper case.",
        "labels",
        STR_LIST,
        lambda p: [f"{t['id']}: {t['title'].upper()}" for t in p["tasks"]],
        'map(tasks, t -> concat(t.id, ": ", upper(t.title)))',
        "string transform",
    ),
    "owner_list": Bench(
        'The owners of the tasks, each once, in alphabetical order, joined by ", ".',
        "owners",
        STR,
        lambda p: ", ".join(sorted({t["owner"] for t in p["tasks"]})),
        'join(sorted(unique(tasks[].owner)), ", ")',
        "string transform",
    ),
    # over-fit traps: four of the five visible cases also fit the decoy
    "max_risk_task": Bench(
        "Id of the task with the highest risk, likelihood x impact (the first one listed on a tie).",
        "task_id",
        NULL_STR,
        lambda p: max(p["tasks"], key=_score)["id"] if p["tasks"] else None,
        "argmax(tasks, t -> t.likelihood * t.impact, t -> t.id)",
        "over-fit trap (CEGIS)",
        decoy=lambda p: max(p["tasks"], key=lambda t: t["impact"])["id"] if p["tasks"] else None,
    ),
    "cheapest_open_task": Bench(
        "Id of the cheapest task that is not done (the first one listed on a tie; null when all are done).",
        "task_id",
        NULL_STR,
        lambda p: min(
            (t for t in p["tasks"] if t["status"] != "done"), key=lambda t: t["cost"], default={"id": None}
        )["id"],
        'argmin(filter(tasks, t -> t.status != "done"), t -> t.cost, t -> t.id)',
        "over-fit trap (CEGIS)",
        decoy=lambda p: min(p["tasks"], key=lambda t: t["cost"])["id"] if p["tasks"] else None,
    ),
    "top_owner_by_cost": Bench(
        "The owner whose tasks cost the most in total (the first seen on a tie).",
        "owner",
        NULL_STR,
        lambda p: _key_of_max(_sums(p["tasks"], lambda t: t["owner"], lambda t: t["cost"])),
        "argmax_key(group(tasks, t -> t.owner, sum, t -> t.cost))",
        "over-fit trap (CEGIS)",
        decoy=lambda p: _key_of_max(_sums(p["tasks"], lambda t: t["owner"], lambda t: 1)),
    ),
}


# -- cases ---------------------------------------------------------------------------------------------
def _inputs(bench: Bench, project: dict[str, Any]) -> dict[str, Any]:
    """The spec's input ports: the project (phases without leads), or its tasks and phases (with leads)."""
    if "project" in bench.inputs:
        phases = [{k: v for k, v in ph.items() if k != "lead"} for ph in project["phases"]]
        return {"project": dict(project, phases=phases)}
    phases = [{"id": ph["id"], "name": ph["name"], "lead": ph["lead"]} for ph in project["phases"]]
    return {"tasks": project["tasks"], "phases": phases}


def _as_project(bench: Bench, inputs: dict[str, Any]) -> dict[str, Any]:
    return (
        inputs["project"] if "project" in inputs else {"tasks": inputs["tasks"], "phases": inputs["phases"]}
    )


def _labels(value: Any) -> set[Any]:
    if isinstance(value, dict):
        return {json.dumps(v, sort_keys=True) for v in value.values()}
    return {json.dumps(value, sort_keys=True)}


def _visible_ok(bench: Bench, projects: list[dict[str, Any]]) -> bool:
    """A careful author's visible cases: answers vary, every label shows, the threshold is visited."""
    outs = [bench.reference(p) for p in projects]
    if len({json.dumps(o, sort_keys=True) for o in outs}) < 2:
        return False
    enum = (bench.schema.get("additionalProperties") or bench.schema).get("enum")
    if enum and set().union(*(_labels(o) for o in outs)) != {json.dumps(e) for e in enum}:
        return False
    if bench.decoy is not None:
        fits = [json.dumps(bench.decoy(p)) == json.dumps(o) for p, o in zip(projects, outs, strict=True)]
        return sum(fits) == len(projects) - 1 and fits[0]  # the richest case (always a guide) fits both
    return True


def _visit_boundary(bench: Bench, projects: list[dict[str, Any]], rng: random.Random) -> None:
    """Put one task of one visible case exactly on the described threshold (a careful author's habit)."""
    if bench.boundary is None:
        return
    name, value = bench.boundary
    case = rng.randrange(len(projects))
    task = rng.choice(projects[case]["tasks"])
    task[name] = value
    if name in ("optimistic", "realistic", "pessimistic"):  # keep optimistic <= realistic <= pessimistic
        task["optimistic"] = min(task["optimistic"], task["realistic"], task["pessimistic"])
        task["pessimistic"] = max(task["optimistic"], task["realistic"], task["pessimistic"])
        if name == "realistic":
            task["pessimistic"] = max(task["pessimistic"], value)
            task["optimistic"] = min(task["optimistic"], value)
    if bench.boundary == ("cost", 12000):  # the other side of the examples' boundary, visible too
        other = rng.choice([t for i, p in enumerate(projects) if i != case for t in p["tasks"]])
        other["cost"] = 11950


def visible_projects(bench: Bench, rng: random.Random) -> list[dict[str, Any]]:
    """Five visible projects (7, 5, 6, 4, 5 tasks); the first is the richest."""
    for _attempt in range(5000):
        projects = [make_project(rng, n) for n in (7, 5, 6, 4, 5)]
        if bench.decoy is not None:  # a trap: the decoy must pick the same as the reference where it should
            rest = _fitting(bench, rng, 4)
            rng.shuffle(rest)
            projects = [projects[0], *rest]
        _visit_boundary(bench, projects, rng)
        if _visible_ok(bench, projects):
            return projects
    raise RuntimeError(f"no visible cases found for {bench.description!r}")


def _fitting(bench: Bench, rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Projects on which the decoy gives the reference's answer (three) and one on which it does not."""
    assert bench.decoy is not None
    agree: list[dict[str, Any]] = []
    differ: list[dict[str, Any]] = []
    while len(agree) < count - 1 or not differ:
        p = make_project(rng, rng.choice([4, 5, 6]))
        same = json.dumps(bench.decoy(p)) == json.dumps(bench.reference(p))
        (agree if same else differ).append(p)
    return [*agree[: count - 1], differ[0]]


def hidden_projects(bench: Bench, rng: random.Random) -> list[dict[str, Any]]:
    projects = [
        make_project(rng, 9, tie=True),
        make_project(rng, 12),
        make_project(rng, 1),
        make_project(rng, 8, tie=True),
        make_project(rng, 15),
    ]
    if bench.empty_ok:
        projects.append(make_project(rng, 0))
    return projects


def main() -> None:
    for seed, (name, bench) in enumerate(sorted(SPECS.items())):
        rng = random.Random(5000 + seed)
        visible, hidden = visible_projects(bench, rng), hidden_projects(bench, rng)

        def case(label: str, i: int, project: dict[str, Any], bench: Bench = bench) -> dict[str, Any]:
            inputs = _inputs(bench, project)
            return {
                "name": f"{label}_{i + 1}",
                "input": inputs,
                "expected": {bench.port: bench.reference(_as_project(bench, inputs))},
            }

        spec = {
            "name": name,
            "description": bench.description,
            "inputs": bench.inputs,
            "outputs": {bench.port: bench.schema},
            "constraints": ["deterministic", "schema_validated", "pure"],
            "tests": [case("golden", i, p) for i, p in enumerate(visible)],
        }
        parse_spec(spec, source=name)
        _write(HERE / f"{name}.json", spec)
        _write(HERE / f"{name}.hidden.json", [case("hidden", i, p) for i, p in enumerate(hidden)])
    print(f"wrote {len(SPECS)} specs to {HERE}")


def _write(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()
