"""The enumerate synthesizer's reach: joins, conditions, classifications, weighted sums, nested aggregates,
shares, pointers, constants from the description, and counterexample-guided sessions (issue #12).

Each test builds small projects from a seeded generator, synthesizes from a few of them and checks the
program on *other* projects it never saw, the way the benchmark does.
"""

from __future__ import annotations

import random
from typing import Any

from plugsmith.gates import check_source
from plugsmith.spec import TestCase
from plugsmith.synth.enumerate import Program, SynthesisSession, open_session, synthesize_program
from plugsmith.synth.enumerate._constants import MAX_ENUMS, MAX_NUMBERS, spec_constants
from plugsmith.synth.enumerate._values import same

TASK = {"type": "object", "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "phase": {"type": "string"},
    "owner": {"type": "string"}, "status": {"type": "string", "enum": ["todo", "doing", "done"]},
    "optimistic": {"type": "number"}, "realistic": {"type": "number"}, "pessimistic": {"type": "number"},
    "cost": {"type": "number"}, "likelihood": {"type": "integer"}, "impact": {"type": "integer"}}}
PHASE = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                          "budget": {"type": "number"}}}
PROJECT = {"project": {"type": "object", "properties": {
    "budget": {"type": "number"}, "phases": {"type": "array", "items": PHASE},
    "tasks": {"type": "array", "items": TASK}}}}
WORDS = ["Site", "survey", "Permit", "review", "Data", "model", "API", "layer", "User", "testing"]


def project(rng: random.Random, n: int) -> dict[str, Any]:
    names = rng.sample(["Discovery", "Design", "Build", "Pilot"], rng.choice([2, 3]))
    phases = [{"id": f"p{i + 1}", "name": name, "budget": float(rng.randrange(5000, 40000, 500))}
              for i, name in enumerate(names)]
    tasks = []
    for i in range(n):
        opt = rng.randrange(1, 8)
        real = opt + rng.randrange(0, 6)
        tasks.append({"id": f"t{i + 1}", "title": " ".join(rng.sample(WORDS, rng.choice([1, 2, 3]))),
                      "phase": rng.choice(phases)["id"], "owner": rng.choice(["ana", "ben", "chen", "dara"]),
                      "status": rng.choice(["todo", "doing", "done"]), "optimistic": opt, "realistic": real,
                      "pessimistic": real + rng.randrange(0, 9), "cost": rng.randrange(500, 20000, 50),
                      "likelihood": rng.randrange(1, 6), "impact": rng.randrange(1, 6)})
    return {"budget": float(rng.randrange(20000, 90000, 1000)), "phases": phases, "tasks": tasks}


def cases(reference: Any, port: str, seed: int, sizes: tuple[int, ...] = (7, 5, 6, 5)) -> list[TestCase]:
    rng = random.Random(seed)
    return [TestCase(name=f"c{i}", input={"project": p}, expected={port: reference(p)})
            for i, p in enumerate(project(rng, n) for n in sizes)]


def solve(reference: Any, port: str, schema: dict[str, Any], description: str, seed: int = 7,
          sizes: tuple[int, ...] = (7, 5, 6, 5)) -> Program:
    """Synthesize from a few projects; the program must also be right on six others."""
    train = cases(reference, port, seed, sizes)
    program = synthesize_program(train, PROJECT, {port: schema}, 20.0, description)
    assert program is not None, "no program found"
    for case in cases(reference, port, seed + 1000, (9, 1, 12, 4, 8, 10)):
        assert same(program.evaluate(case.input), case.expected), program.describe()
    assert not check_source(program.to_python()), "the emitted plugin must pass the security policy"
    return program


def score(t: dict[str, Any]) -> int:
    return int(t["likelihood"] * t["impact"])


# ---------------------------------------------------------------- joins
def test_a_field_of_the_record_an_id_points_at_is_a_join() -> None:
    def reference(p: dict[str, Any]) -> dict[str, str]:
        names = {ph["id"]: ph["name"] for ph in p["phases"]}
        return {t["id"]: names[t["phase"]] for t in p["tasks"]}

    program = solve(reference, "names", {"type": "object", "additionalProperties": {"type": "string"}},
                    "The name of each task's phase, by task id.")
    assert "find(project.phases" in program.describe()
    assert 'find(project["phases"], "id", task["phase"])["name"]' in program.to_python()


def test_an_aggregate_over_the_records_pointing_here_feeds_a_condition() -> None:
    def reference(p: dict[str, Any]) -> dict[str, str]:
        spent = {ph["id"]: sum(t["cost"] for t in p["tasks"] if t["phase"] == ph["id"]) for ph in p["phases"]}
        return {ph["name"]: "over" if spent[ph["id"]] > ph["budget"] else "within" for ph in p["phases"]}

    program = solve(reference, "status", {"type": "object", "additionalProperties": {
        "type": "string", "enum": ["within", "over"]}},
        "For every phase, by phase name: \"over\" when its tasks cost more than the phase budget, else "
        "\"within\".", seed=3)
    assert "if(" in program.describe() and "filter(project.tasks" in program.describe()


# ---------------------------------------------------------------- conditions and classifications
def test_a_classification_takes_its_thresholds_from_the_description() -> None:
    def level(t: dict[str, Any]) -> str:
        return "high" if score(t) >= 15 else "medium" if score(t) >= 8 else "low"

    program = solve(lambda p: {t["id"]: level(t) for t in p["tasks"]}, "levels",
                    {"type": "object", "additionalProperties": {"type": "string",
                                                                 "enum": ["low", "medium", "high"]}},
                    "Risk level of every task: \"high\" when likelihood x impact is at least 15, \"medium\" "
                    "from 8, else \"low\".")
    source = program.to_python()
    assert ">= 15)" in source and ">= 8)" in source, source


def test_a_threshold_the_description_leaves_out_comes_from_the_examples_boundary() -> None:
    def reference(p: dict[str, Any]) -> dict[str, str]:
        return {t["id"]: "costly" if t["cost"] >= 12000 else "cheap" for t in p["tasks"]}

    train = cases(reference, "bands", 11)
    train[0].input["project"]["tasks"][0]["cost"] = 12000   # the examples show where the line is
    train[1].input["project"]["tasks"][0]["cost"] = 11950
    train = [TestCase(name=c.name, input=c.input, expected={"bands": reference(c.input["project"])})
             for c in train]
    schema = {"type": "object", "additionalProperties": {"type": "string", "enum": ["cheap", "costly"]}}
    program = synthesize_program(train, PROJECT, {"bands": schema}, 20.0,
                                 "Cost band of every task: cheap or costly, split at one fixed threshold.")
    assert program is not None and "12000" in program.describe()
    for case in cases(reference, "bands", 1011):
        assert program.evaluate(case.input) == case.expected


def test_no_label_outside_the_allowed_strings_can_be_answered() -> None:
    # the output enum does not list the labels: they could only be copied from the examples
    program = synthesize_program(
        cases(lambda p: {t["id"]: "big" if t["cost"] > 10000 else "small" for t in p["tasks"]}, "size", 5),
        PROJECT, {"size": {"type": "object", "additionalProperties": {"type": "string"}}}, 2.0,
        "Whether each task costs more than 10000.")
    assert program is None


# ---------------------------------------------------------------- weighted sums, shares, nested aggregates
def test_a_weighted_sum_with_small_integer_weights_and_a_divisor() -> None:
    def pert(t: dict[str, Any]) -> float:
        return round((t["optimistic"] + 4 * t["realistic"] + t["pessimistic"]) / 6, 2)

    program = solve(lambda p: {t["id"]: pert(t) for t in p["tasks"]}, "pert", {
        "type": "object", "additionalProperties": {"type": "number"}},
        "PERT estimate of every task: (optimistic + 4 x realistic + pessimistic) / 6, rounded to 2 "
        "decimals.")
    assert "4 * task.realistic" in program.describe() and "/ 6" in program.describe()


def test_the_largest_group_total_is_a_nested_aggregate() -> None:
    def reference(p: dict[str, Any]) -> float:
        sums: dict[str, float] = {}
        for t in p["tasks"]:
            sums[t["phase"]] = sums.get(t["phase"], 0) + t["realistic"]
        return max(sums.values())

    program = solve(reference, "days", {"type": "number"}, "Total realistic days of the phase with the most "
                    "days.")
    assert program.describe() == ("days = max(values(group(project.tasks, task -> task.phase, sum, "
                                  "task -> task.realistic)))")


def test_each_groups_share_of_the_total_in_percent() -> None:
    def reference(p: dict[str, Any]) -> dict[str, float]:
        total = sum(t["cost"] for t in p["tasks"])
        sums: dict[str, float] = {}
        for t in p["tasks"]:
            sums[t["phase"]] = sums.get(t["phase"], 0) + t["cost"]
        return {k: round(v / total * 100, 1) for k, v in sums.items()}

    program = solve(reference, "share", {"type": "object", "additionalProperties": {"type": "number"}},
                    "Share of the total task cost per phase id, in percent, rounded to 1 decimal.")
    assert "map_values(group(" in program.describe() and "percent(" in program.describe()


def test_the_owner_with_the_highest_total_of_a_product_is_a_pointer() -> None:
    def reference(p: dict[str, Any]) -> str:
        sums: dict[str, int] = {}
        for t in p["tasks"]:
            sums[t["owner"]] = sums.get(t["owner"], 0) + score(t)
        return max(sums, key=sums.__getitem__)

    program = solve(reference, "owner", {"type": "string"}, "The owner whose tasks have the highest summed "
                    "risk score, likelihood x impact.", seed=21, sizes=(7, 5, 6, 5, 8, 6))
    assert "argmax_key(group(" in program.describe()


# ---------------------------------------------------------------- text, constants from the description
def test_lower_case_words_joined_by_hyphens() -> None:
    program = solve(lambda p: {t["id"]: "-".join(t["title"].lower().split(" ")) for t in p["tasks"]}, "slugs",
                    {"type": "object", "additionalProperties": {"type": "string"}},
                    "Each task's title in lower case, words joined by hyphens, by task id.")
    assert '.replace(" ", "-")' in program.to_python()


def test_a_number_in_the_description_is_a_constant_with_the_comparison_its_words_ask_for() -> None:
    program = solve(lambda p: [t["id"] for t in p["tasks"] if t["cost"] > 10000], "ids",
                    {"type": "array", "items": {"type": "string"}},
                    "Ids of tasks whose cost exceeds 10000, in plan order.")
    assert "(task.cost > 10000)" in program.describe()
    consts = spec_constants("at least 15, from 8, up to 3, more than 14, 4 or more", {}, {})
    assert consts.comparisons == {15: "ge", 8: "ge", 3: "le", 14: "gt", 4: "ge"}


def test_description_constants_are_bounded_and_never_copied_from_an_answer() -> None:
    many = " ".join(str(n) for n in range(1000, 2000))
    consts = spec_constants(many, {"x": {"enum": [f"v{i}" for i in range(10_000)]}}, {})
    assert len(consts.numbers) == MAX_NUMBERS and len(consts.enums) == MAX_ENUMS
    assert any(f"only the first {MAX_NUMBERS} distinct ones" in note for note in consts.notes)
    assert any("10000 enum strings" in note for note in consts.notes)
    answer = TestCase(name="a", input={"xs": [1, 2]}, expected={"total": 4217})
    assert 4217 not in spec_constants("the total is 4217 here, 12 there", {}, {}, [answer]).numbers


# ---------------------------------------------------------------- counterexample-guided sessions
def test_a_session_resumes_with_its_banks_after_a_counterexample() -> None:
    def reference(p: dict[str, Any]) -> str:
        return max(p["tasks"], key=score)["id"]

    def decoy(p: dict[str, Any]) -> str:   # smaller, and right on every guide case
        return max(p["tasks"], key=lambda t: t["impact"])["id"]

    rng = random.Random(5)
    agree, differ = [], []
    while len(agree) < 4 or not differ:
        p = project(rng, 6)
        (agree if reference(p) == decoy(p) else differ).append(p)
    guide = [TestCase(name=f"g{i}", input={"project": p}, expected={"id": reference(p)})
             for i, p in enumerate(agree[:4])]
    held = TestCase(name="held", input={"project": differ[0]}, expected={"id": reference(differ[0])})
    session = open_session(guide, PROJECT, {"id": {"type": "string"}}, unlabelled=[held.input],
                           description="Id of the riskiest task.")
    assert isinstance(session, SynthesisSession)
    first = session.next(20.0)
    assert first is not None and first.evaluate(held.input) != held.expected, first.describe()
    search, reached = session.search, session.search.top.done
    assert session.label(held) and session.rounds == 1
    assert not session.label(held)   # a case is labelled once
    second = session.next(20.0)
    assert second is not None and second.evaluate(held.input) == held.expected
    assert session.search is search and search.top.done >= reached   # resumed, not restarted
    assert all(second.evaluate(c.input) == c.expected for c in guide)


def test_an_avoided_edge_input_only_admits_a_program_that_works_there() -> None:
    values = [[3, 4, 8], [10, 2], [5, 5, 5, 1]]
    given = [TestCase(name=f"c{i}", input={"values": v}, expected={"mean": sum(v) / len(v)})
             for i, v in enumerate(values)]
    session = open_session(given, {"values": {"type": "array", "items": {"type": "number"}}},
                           {"mean": {"type": "number"}})
    first = session.next(10.0)
    assert first is not None and first.describe() == "mean = mean(values)"
    session.avoid_error({"values": []}, instead_of=first)
    later = session.next(5.0)   # only a program at most two nodes larger that works on an empty list
    if later is not None:
        assert later.size <= first.size + 2 and later.describe() != first.describe()
        later.evaluate({"values": []})


def test_sessions_do_not_depend_on_the_hash_seed() -> None:
    """The same spec gives the same program (counterexample rounds included) under any string hashing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from plugsmith.spec import load_spec\n"
        "from plugsmith.synth import split_cases\n"
        "from plugsmith.synth.enumerate import open_session\n"
        "for path in sys.argv[1:]:\n"
        "    spec = load_spec(Path(path))\n"
        "    guide, held = split_cases(spec.cases, 0.4)\n"
        "    s = open_session(guide, spec.inputs, spec.outputs, description=spec.description,\n"
        "                     unlabelled=[c.input for c in held])\n"
        "    program = s.next(30)\n"
        "    failed = [c for c in held if program.evaluate(c.input) != c.expected]\n"
        "    if failed and s.label(failed[0]):\n"
        "        program = s.next(30)\n"
        "    print(s.rounds, program.to_python())\n"
    )
    folder = Path(__file__).parent.parent / "benchmarks" / "synth_project"
    specs = [str(folder / f"{name}.json") for name in ("phase_budget_status", "top_owner_by_cost")]
    outputs = [subprocess.run([sys.executable, "-c", script, *specs],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
                              timeout=300, check=True).stdout for seed in ("1", "2")]
    assert outputs[0] == outputs[1]
    assert outputs[0].count("def run(inputs: dict) -> dict:") == 2
