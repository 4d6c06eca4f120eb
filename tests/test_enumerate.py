"""The offline enumerative synthesizer: representative programs, determinism, budgets, memorisation."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from plugsmith.spec import Plan, TestCase, port_catalog
from plugsmith.synth.enumerate import DSLError, Program, allowed_constants, synthesize_program
from plugsmith.synth.enumerate._values import constants_in

PLAN_PORT = {"plan_json": port_catalog()["plan_json"]}


def plan(tasks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A full plan document, as the plan_json port delivers it."""
    return Plan.model_validate({"title": "t", "tasks": tasks, **extra}).model_dump(mode="json")


def task(tid: str, **fields: Any) -> dict[str, Any]:
    return {"id": tid, **fields}


PLANS = [
    plan(
        [
            task(
                "a",
                kind="dev",
                cost=100,
                duration_days=3,
                owner="ann",
                name="survey",
                start="2025-01-06",
                resources=[{"role": "eng", "hours": 10, "rate": 50}],
                risk={"likelihood": 2, "impact": 3},
            ),
            task(
                "b",
                kind="ops",
                cost=250,
                duration_days=5,
                owner="bob",
                name="permit",
                start="2025-01-09",
                depends_on=["a"],
                resources=[{"role": "pm", "hours": 4, "rate": 90}],
                risk={"likelihood": 4, "impact": 4},
            ),
            task(
                "c",
                kind="dev",
                cost=75,
                duration_days=2,
                owner="ann",
                name="pilot",
                start="2025-02-27",
                depends_on=["a"],
                risk={"likelihood": 1, "impact": 5},
            ),
        ],
        budget=500,
        start="2025-01-06",
    ),
    plan(
        [
            task(
                "x",
                kind="qa",
                cost=40,
                duration_days=1,
                owner="cy",
                name="audit",
                start="2024-12-30",
                resources=[{"role": "qa", "hours": 3, "rate": 40}, {"role": "eng", "hours": 2, "rate": 50}],
                risk={"likelihood": 3, "impact": 3},
            ),
            task(
                "y",
                kind="qa",
                cost=310,
                duration_days=8,
                owner="cy",
                name="review",
                start="2025-03-01",
                depends_on=["x"],
                risk={"likelihood": 5, "impact": 2},
            ),
            task(
                "z",
                kind="dev",
                cost=55,
                duration_days=2,
                owner="di",
                name="launch",
                start="2025-03-11",
                depends_on=["y"],
                risk={"likelihood": 2, "impact": 2},
            ),
            task(
                "w",
                kind="ops",
                cost=120,
                duration_days=4,
                owner="di",
                name="handover",
                start="2025-01-02",
                risk={"likelihood": 1, "impact": 1},
            ),
        ],
        budget=400,
        start="2024-12-30",
    ),
    plan(
        [
            task(
                "q",
                kind="ops",
                cost=60,
                duration_days=6,
                owner="ed",
                name="training",
                start="2025-06-30",
                resources=[{"role": "pm", "hours": 2, "rate": 90}],
                risk={"likelihood": 2, "impact": 4},
            ),
            task(
                "r",
                kind="dev",
                cost=60,
                duration_days=6,
                owner="ed",
                name="data model",
                start="2025-07-01",
                risk={"likelihood": 4, "impact": 2},
            ),
        ],
        budget=100,
        start="2025-06-30",
    ),
]
NEW_PLAN = plan(
    [
        task(
            "m",
            kind="ops",
            cost=5,
            duration_days=2,
            owner="fay",
            name="kickoff",
            start="2025-05-01",
            resources=[{"role": "eng", "hours": 1, "rate": 10}],
            risk={"likelihood": 1, "impact": 2},
        ),
        task(
            "n",
            kind="ops",
            cost=9,
            duration_days=7,
            owner="gus",
            name="build",
            start="2025-05-03",
            depends_on=["m"],
            risk={"likelihood": 3, "impact": 3},
        ),
        task(
            "o",
            kind="web",
            cost=9,
            duration_days=1,
            owner="fay",
            name="qa pass",
            start="2025-05-20",
            depends_on=["m"],
            risk={"likelihood": 3, "impact": 3},
        ),
    ],
    budget=20,
    start="2025-05-01",
)


def solve(
    reference: Any, port: str = "out", schema: dict[str, Any] | None = None, budget: float = 20.0
) -> Program:
    cases = [
        TestCase(name=f"c{i}", input={"plan_json": p}, expected={port: reference(p)})
        for i, p in enumerate(PLANS)
    ]
    program = synthesize_program(cases, PLAN_PORT, {port: schema or {}}, budget_s=budget)
    assert program is not None, "no program found"
    for case in cases:
        assert program.evaluate(case.input) == case.expected
    return program


def cost_by_kind(p: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in p["tasks"]:
        out[t["kind"]] = out.get(t["kind"], 0) + t["cost"]
    return out


def finish(p: dict[str, Any]) -> float:
    fin: dict[str, float] = {}
    for t in p["tasks"]:
        fin[t["id"]] = max((fin[d] for d in t["depends_on"]), default=0) + t["duration_days"]
    return max(fin.values())


def test_group_by_sum_is_found_and_generalises() -> None:
    program = solve(cost_by_kind)
    assert "group(" in program.describe() and "sum" in program.describe()
    assert program.evaluate({"plan_json": NEW_PLAN}) == {"out": {"ops": 14.0, "web": 9.0}}


def test_labour_cost_per_role_over_nested_lists() -> None:
    def labour(p: dict[str, Any]) -> dict[str, float]:
        out: dict[str, float] = {}
        for t in p["tasks"]:
            for r in t["resources"]:
                out[r["role"]] = out.get(r["role"], 0) + r["hours"] * r["rate"]
        return out

    program = solve(labour)
    assert program.evaluate({"plan_json": NEW_PLAN}) == {"out": {"eng": 10.0}}


def test_critical_path_length_is_a_graph_walk() -> None:
    program = solve(finish)
    assert "critical_length" in program.describe()
    assert program.evaluate({"plan_json": NEW_PLAN})["out"] == 9.0


def test_argmax_takes_the_first_on_a_tie() -> None:
    # plan 3 has two tasks costing 60: the first listed ("q") must win
    program = solve(lambda p: max(p["tasks"], key=lambda t: t["cost"])["id"])
    assert program.evaluate({"plan_json": PLANS[2]})["out"] == "q"
    assert program.evaluate({"plan_json": NEW_PLAN})["out"] == "n"  # n and o both cost 9


def test_date_arithmetic_end_dates() -> None:
    from datetime import date, timedelta

    def ends(p: dict[str, Any]) -> dict[str, str]:
        return {
            t["id"]: (date.fromisoformat(t["start"]) + timedelta(days=t["duration_days"])).isoformat()
            for t in p["tasks"]
        }

    program = solve(ends)
    assert "date_add" in program.describe()
    assert program.evaluate({"plan_json": NEW_PLAN})["out"] == ends(NEW_PLAN)


def test_string_case_and_filter_programs() -> None:
    upper = solve(lambda p: [t["name"].upper() for t in p["tasks"]])
    assert upper.evaluate({"plan_json": NEW_PLAN})["out"] == ["KICKOFF", "BUILD", "QA PASS"]
    roots = solve(lambda p: [t["id"] for t in p["tasks"] if not t["depends_on"]])
    assert roots.evaluate({"plan_json": NEW_PLAN})["out"] == ["m"]


def test_object_output_is_split_into_its_declared_properties() -> None:
    schema = {"type": "object", "properties": {"total": {"type": "number"}, "count": {"type": "number"}}}
    program = solve(
        lambda p: {"total": sum(t["cost"] for t in p["tasks"]), "count": len(p["tasks"])}, schema=schema
    )
    assert program.evaluate({"plan_json": NEW_PLAN})["out"] == {"total": 23.0, "count": 3}


def test_same_input_gives_the_same_program_and_source() -> None:
    first = solve(cost_by_kind)
    second = solve(cost_by_kind)
    assert first == second
    assert first.to_python() == second.to_python()
    assert first.describe() == second.describe()


def test_size_counts_nodes_over_all_ports() -> None:
    cases = [
        TestCase(
            name=f"c{i}",
            input={"plan_json": p},
            expected={"a": sum(t["cost"] for t in p["tasks"]), "b": len(p["tasks"])},
        )
        for i, p in enumerate(PLANS)
    ]
    program = synthesize_program(cases, PLAN_PORT, {"a": {}, "b": {}}, budget_s=10)
    assert program is not None
    assert program.size == sum(node.size for _, node in program.ports)
    assert program.size >= 4  # sum + projection, len + path


def test_none_when_nothing_fits_within_the_budget() -> None:
    rows = [[3, 1, 4], [1, 5, 9, 2], [6, 5]]
    # an unrelated pseudo-random function of the list: nothing in the DSL computes it
    cases = [
        TestCase(
            name=f"c{i}", input={"values": v}, expected={"out": (sum(x * x * 7919 for x in v) % 97) / 13}
        )
        for i, v in enumerate(rows)
    ]
    start = time.monotonic()
    program = synthesize_program(
        cases, {"values": {"type": "array", "items": {"type": "number"}}}, {"out": {}}, budget_s=1.5
    )
    assert program is None
    assert time.monotonic() - start < 6  # the budget is honoured (plus clean-up)


def test_no_cases_or_missing_outputs_give_none() -> None:
    assert synthesize_program([], PLAN_PORT, {"out": {}}) is None
    case = TestCase(name="c", input={"plan_json": PLANS[0]}, expected={"other": 1})
    assert synthesize_program([case], PLAN_PORT, {"out": {}}) is None


@pytest.mark.parametrize(
    "outputs",
    [
        ["zebra-17", "quartz-3", "mango"],  # arbitrary labels
        [123457, 98.7654, -3.25],  # arbitrary numbers
        [{"k": "vx"}, {"k": "wy"}, {"k": "uz"}],  # arbitrary records
    ],
)
def test_memorising_example_outputs_is_impossible(outputs: list[Any]) -> None:
    cases = [
        TestCase(name=f"c{i}", input={"plan_json": p}, expected={"out": o})
        for i, (p, o) in enumerate(zip(PLANS, outputs, strict=True))
    ]
    assert synthesize_program(cases, PLAN_PORT, {"out": {}}, budget_s=1.5) is None
    literals = set(allowed_constants(PLAN_PORT))
    assert not (literals & {c for o in outputs for c in constants_in(o) if not isinstance(c, bool)})


def test_enum_values_of_input_schemas_are_the_only_string_literals() -> None:
    schema = {"type": "object", "properties": {"status": {"enum": ["open", "done"]}}}
    assert [c for c in allowed_constants({"item": schema}) if isinstance(c, str)] == ["done", "open"]


def test_evaluate_raises_dsl_error_when_the_program_does_not_apply() -> None:
    program = solve(cost_by_kind)
    with pytest.raises(DSLError):
        program.evaluate({"plan_json": {"tasks": [{"kind": "x"}]}})  # no cost field


def test_program_does_not_depend_on_hash_seed(tmp_path: Any) -> None:
    """Two interpreters with different string hashing must emit byte-identical plugins."""
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from plugsmith.spec import load_spec\n"
        "from plugsmith.synth.enumerate import synthesize_program\n"
        "spec = load_spec(Path(sys.argv[1]))\n"
        "print(synthesize_program(spec.cases, spec.inputs, spec.outputs, budget_s=20).to_python())\n"
    )
    spec = Path(__file__).parent.parent / "benchmarks" / "synth" / "cost_by_kind.json"
    sources = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(spec)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        sources.append(done.stdout)
    assert sources[0] == sources[1]
    assert "def run(inputs: dict) -> dict:" in sources[0]


@pytest.mark.parametrize(
    "inputs",
    [
        [{"p": "Zed", "sum": [1, 2.5, None]}, {"p": 1, "sum": None}],  # a list that is sometimes null
        [{"items": {"y z": [None, ["a b"]], "sum": ["1", True, "Zed"]}, "sum": ""}],  # mixed, odd names
        [{"p": [{"id": "a", "deps": None}]}, {"p": []}],
    ],
)
def test_odd_json_inputs_never_crash_the_search(inputs: list[dict[str, Any]]) -> None:
    cases = [
        TestCase(name=f"c{i}", input=inp, expected={"out": "2025-01-01"}) for i, inp in enumerate(inputs)
    ]
    ports = sorted({k for inp in inputs for k in inp})
    assert synthesize_program(cases, {p: {} for p in ports}, {"out": {}}, budget_s=0.5) is None


def test_list_of_records_output_is_built_field_by_field() -> None:
    from datetime import date, timedelta

    def rows(p: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "id": t["id"],
                "end": (date.fromisoformat(t["start"]) + timedelta(days=t["duration_days"])).isoformat(),
            }
            for t in p["tasks"]
        ]

    schema = {"type": "array", "items": {"type": "object", "properties": {"id": {}, "end": {}}}}
    program = solve(rows, schema=schema)
    assert program.evaluate({"plan_json": NEW_PLAN})["out"] == rows(NEW_PLAN)


def test_plain_ports_split_first_and_filters() -> None:
    rows = [[3, -1, 4], [-5, 9, 2, 6], [0, 5]]
    cases = [
        TestCase(name=f"c{i}", input={"values": v}, expected={"out": [x for x in v if x > 0]})
        for i, v in enumerate(rows)
    ]
    program = synthesize_program(
        cases, {"values": {"type": "array", "items": {"type": "number"}}}, {"out": {}}, budget_s=10
    )
    assert program is not None
    assert program.evaluate({"values": [-2, 7, 0, 1]}) == {"out": [7, 1]}
    words = solve(lambda p: [t["name"].split(" ")[0] for t in p["tasks"]])
    assert words.evaluate({"plan_json": NEW_PLAN})["out"] == ["kickoff", "build", "qa"]


def test_key_order_of_the_examples_does_not_matter() -> None:
    def reverse_keys(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse_keys(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [reverse_keys(v) for v in value]
        return value

    def longest(p: dict[str, Any]) -> str:
        return max(p["tasks"], key=lambda t: t["duration_days"])["id"]

    cases = [
        TestCase(name=f"c{i}", input={"plan_json": p}, expected={"out": longest(p)})
        for i, p in enumerate(PLANS)
    ]
    shuffled = [c.model_copy(update={"input": reverse_keys(c.input)}) for c in cases]
    first = synthesize_program(cases, PLAN_PORT, {"out": {}}, budget_s=10)
    second = synthesize_program(shuffled, PLAN_PORT, {"out": {}}, budget_s=10)
    assert first is not None and second is not None
    assert first.to_python() == second.to_python()
