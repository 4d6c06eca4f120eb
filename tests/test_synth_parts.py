"""The synthesis flow's parts on their own: registry, case split, edge cases, rendering, port maps."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plugsmith.spec import CapabilitySpec, Origin, TestCase, load_manifest, parse_spec
from plugsmith.synth import (
    GENERATED_PREFIX,
    Candidate,
    PluginDraft,
    PortMap,
    StrategyRegistry,
    SynthContext,
    edge_inputs,
    registry,
    render_plugin,
    split_cases,
)
from plugsmith.synth._adapt import RENAMED_RUN, embed_source
from plugsmith.synth._llm import extract_code
from plugsmith.synth._portmap import port_options, same_value


class _Fake:
    def __init__(self, name: str, cost: int) -> None:
        self.name, self.cost = name, cost

    def unavailable(self, ctx: SynthContext) -> str | None:
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        yield from ()


def _case(name: str, tasks: list[dict[str, Any]], total: float) -> TestCase:
    return TestCase(name=name, input={"tasks": tasks}, expected={"total": total})


# ---------------------------------------------------------------- registry
def test_registry_orders_by_cost_then_name_and_filters() -> None:
    reg = StrategyRegistry()
    for name, cost in (("zeta", 5), ("alpha", 50), ("beta", 5)):
        reg.register(_Fake(name, cost))
    assert reg.names() == ["beta", "zeta", "alpha"]
    assert [s.name for s in reg.ordered(["alpha", "zeta"])] == ["zeta", "alpha"]
    with pytest.raises(KeyError, match="nope"):
        reg.ordered(["nope"])


def test_registry_refuses_duplicates_and_malformed_strategies() -> None:
    reg = StrategyRegistry()
    reg.register(_Fake("one", 1))
    with pytest.raises(ValueError, match="already registered"):
        reg.register(_Fake("one", 2))
    reg.register(_Fake("one", 9), replace=True)
    assert reg.get("one").cost == 9  # type: ignore[union-attr]
    bad = _Fake("two", 1)
    bad.cost = "cheap"  # type: ignore[assignment]
    with pytest.raises(TypeError, match="'two'.*cost"):
        reg.register(bad)


def test_builtin_strategies_are_registered_like_any_other_cheapest_first() -> None:
    names = registry().names()
    assert names.index("adapt") < names.index("enumerate") < names.index("llm")
    costs = [registry().get(n).cost for n in ("adapt", "enumerate", "llm")]  # type: ignore[union-attr]
    assert costs == sorted(costs)


# ---------------------------------------------------------------- case split
def test_split_keeps_small_sets_whole() -> None:
    cases = [_case("a", [], 0), _case("b", [{"cost": 1}], 1)]
    assert split_cases(cases) == (cases, [])


def test_split_holds_back_a_quarter_and_keeps_the_richest_case_guiding() -> None:
    cases = [_case(f"c{i}", [{"cost": j} for j in range(i)], i) for i in range(8)]
    guide, holdout = split_cases(cases)
    assert len(holdout) == 2 and len(guide) == 6
    assert "c7" in [c.name for c in guide]          # the largest input always guides
    assert {c.name for c in guide} | {c.name for c in holdout} == {c.name for c in cases}
    # order of the spec's cases does not change which ones are held back
    _, again = split_cases(list(reversed(cases)))
    assert {c.name for c in again} == {c.name for c in holdout}


def test_split_of_three_holds_back_exactly_one() -> None:
    cases = [_case(f"c{i}", [{"cost": 1}] * i, i) for i in range(3)]
    guide, holdout = split_cases(cases)
    assert (len(guide), len(holdout)) == (2, 1)
    assert split_cases(cases, fraction=0) == (cases, [])


# ---------------------------------------------------------------- edge cases
def _plan_spec() -> CapabilitySpec:
    tasks = [{"id": "a", "kind": "build", "cost": 10, "duration_days": 2},
             {"id": "b", "kind": "test", "cost": 5, "duration_days": 1}]
    return parse_spec({
        "name": "total_cost", "inputs": ["plan_json"],
        "outputs": {"total": {"type": "number"}},
        "tests": [{"name": "two", "input": {"plan_json": {"title": "p", "tasks": tasks}},
                   "expected": {"total": 15}}]})


def test_edge_inputs_empty_arrays_drop_optionals_and_tie_numbers() -> None:
    spec = _plan_spec()
    edges = {e.what: e for e in edge_inputs(spec, spec.cases)}
    assert "plan_json.tasks emptied" in edges
    assert edges["plan_json.tasks emptied"].input["plan_json"]["tasks"] == []
    tied = edges["plan_json.tasks[].cost tied"].input["plan_json"]["tasks"]
    assert [t["cost"] for t in tied] == [10, 10]
    # a dropped optional field of a plan comes back as its default, as the pipeline would send it
    dropped = edges["plan_json.tasks[].cost missing"].input["plan_json"]["tasks"]
    assert [t["cost"] for t in dropped] == [0.0, 0.0]
    assert all(e.name.startswith(GENERATED_PREFIX) for e in edges.values())
    assert len({json.dumps(e.input, sort_keys=True) for e in edges.values()}) == len(edges)


def test_edge_inputs_skip_values_that_break_the_port_schema() -> None:
    spec = parse_spec({
        "name": "top", "inputs": {"values": {"type": "array", "items": {"type": "number"}, "minItems": 1}},
        "outputs": {"best": {"type": "number"}},
        "tests": [{"name": "a", "input": {"values": [3, 1, 2]}, "expected": {"best": 3}}]})
    whats = [e.what for e in edge_inputs(spec, spec.cases)]
    assert "values emptied" not in whats         # minItems 1: an empty list is not a valid input
    assert "values tied" in whats


# ---------------------------------------------------------------- rendering
def test_render_writes_a_valid_plugin_dir_with_provenance(tmp_path: Path) -> None:
    spec = _plan_spec()
    edge = TestCase(name=GENERATED_PREFIX + "tasks_emptied", input={"plan_json": {"title": "p"}},
                    expected={"total": 0})
    draft = PluginDraft(spec=spec, name="total_cost", version="1.0.0",
                        source="def run(inputs):\n    return {'total': 0}",
                        origin=Origin.synthesized,
                        provenance={"strategy": "enumerate", "spec_hash": spec.spec_hash(),
                                    "candidates_tried": 1, "plugsmith_version": "0.1.0"},
                        cases=[*spec.cases, edge], edge_notes={edge.name: "tasks emptied"},
                        how_made=("found by enumeration",))
    out = render_plugin(draft, tmp_path / "p")
    manifest = load_manifest(out)
    assert manifest.name == "total_cost" and manifest.capability == "total_cost"
    assert manifest.origin == Origin.synthesized
    assert manifest.provenance["spec_hash"] == spec.spec_hash()
    cases = json.loads((out / "tests" / "cases.json").read_text())
    assert [c["name"] for c in cases] == ["two", edge.name]
    readme = (out / "README.md").read_text()
    for heading in ("## Ports", "## Constraints", "## Examples", "## How it was made"):
        assert heading in readme
    assert "tasks emptied" in readme and "found by enumeration" in readme
    assert (out / "plugin.py").read_text().endswith("\n")
    assert not list(out.rglob(".*.tmp*"))


# ---------------------------------------------------------------- port maps and embedding
def test_portmap_expression_matches_its_evaluation() -> None:
    values = {"plan": {"tasks": [1, 2]}, "hours": 16}
    for mapping in (PortMap("plan", unwrap="tasks"), PortMap("hours", num=1, den=8),
                    PortMap("hours", wrap="x", num=7)):
        expr = mapping.expr("inputs")
        from plugsmith.synth._portmap import _adapter_scale
        assert eval(expr, {"_adapter_scale": _adapter_scale}, {"inputs": values}) == mapping.apply(values)


def test_port_options_offer_unit_factors_only_for_numbers() -> None:
    opts = port_options("days", {"type": "number"}, {"hours": [16, 8]}, deep_scale=False)
    assert PortMap("hours", num=1, den=8) in opts
    assert opts[0] == PortMap("hours")   # the plain rename is the simplest and comes first
    text_opts = port_options("name", {}, {"label": ["a", "b"]}, deep_scale=False)
    assert all(not m.scaled for m in text_opts)


def test_same_value_tolerates_float_noise_but_not_real_differences() -> None:
    assert same_value({"a": [2.0, 0.30000000000000004]}, {"a": [2, 0.3]})
    assert not same_value({"a": 2.1}, {"a": 2})
    assert not same_value({"a": 1, "b": 2}, {"a": 1})
    assert not same_value(True, 1)


def test_embed_source_renames_run_keeps_comments_and_lifts_docstring() -> None:
    original = ('"""Doc of the original."""\n\nfrom __future__ import annotations\n\nimport math\n\n\n'
                "def run(inputs):\n    # the real work\n    return {'x': math.floor(inputs['v'])}\n\n\n"
                "ALIAS = run\n")
    body, futures = embed_source(original)
    assert futures == ["from __future__ import annotations"]
    assert "Doc of the original" not in body and "# the real work" in body
    tree = ast.parse(body)
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert names == {RENAMED_RUN}
    assert f"ALIAS = {RENAMED_RUN}" in body and "def run" not in body


# ---------------------------------------------------------------- code extraction
def test_extract_code_prefers_python_fence_with_run() -> None:
    reply = ("Sure.\n```json\n{}\n```\n```python\ndef helper():\n    pass\n```\n"
             "```python\ndef run(inputs):\n    return {}\n```\n")
    assert extract_code(reply) == "def run(inputs):\n    return {}\n"
    assert extract_code("no code here") is None
    assert extract_code("```\ndef run(inputs):\n    return {}\n```") == "def run(inputs):\n    return {}\n"


def test_cli_synth_help_is_fast_to_import() -> None:
    code = ("import sys, plugsmith.cli.synth; "
            "print(sorted(m for m in sys.modules if m.startswith('plugsmith.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "plugsmith.synth" not in out and "plugsmith.hub" not in out


# ---------------------------------------------------------------- memorisation
LOOKUP = '''
TABLE = {3: 15.5, 1: 7.25}


def run(inputs):
    return {"total": TABLE.get(len(inputs["tasks"]), 0)}
'''
HONEST = '''
def run(inputs):
    return {"total": sum(t["cost"] * 1.0 for t in inputs["tasks"]) + 0.25 * 0}
'''


def test_a_lookup_table_of_example_outputs_is_recognised() -> None:
    from plugsmith.synth._memo import memorisation_problem, memorised_cases

    cases = [_case("three", [{"cost": 5}, {"cost": 5}, {"cost": 5.5}], 15.5),
             _case("one", [{"cost": 7.25}], 7.25), _case("none", [], 0)]
    assert memorised_cases(LOOKUP, cases) == ["three"]     # 7.25 is in its input: not evidence
    problem = memorisation_problem(LOOKUP, [*cases, _case("other", [{"cost": 1}], 7.25)])
    assert problem is not None and "three" in problem and "other" in problem
    assert memorisation_problem(HONEST, cases) is None
    # small integers, labels and booleans in code are normal and never count
    labels = [TestCase(name=f"c{i}", input={"v": i}, expected={"level": "high", "n": 8}) for i in range(3)]
    assert memorised_cases('def run(i):\n    return {"level": "high", "n": 8}\n', labels) == []


def test_public_names_exist_have_docstrings_and_strategies_are_documented() -> None:
    import plugsmith.synth as synth

    for name in synth.__all__:
        obj = getattr(synth, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    docs = (Path(__file__).parents[1] / "docs" / "synthesis.md").read_text()
    for name in registry().names():
        assert f"| `{name}` |" in docs, f"strategy {name!r} is not documented in docs/synthesis.md"


def test_a_strategy_without_the_optional_unavailable_hook_is_accepted() -> None:
    from plugsmith.synth._strategy import unavailable_reason

    class Minimal:
        name, cost = "minimal", 3

        def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
            yield from ()

    reg = StrategyRegistry()
    strategy = reg.register(Minimal())
    spec = _plan_spec()
    ctx = SynthContext(spec=spec, hub=None, sandbox=None, guide_cases=spec.cases, holdout_count=0)
    assert unavailable_reason(strategy, ctx) is None
    assert unavailable_reason(_Fake("f", 1), ctx) is None


def test_search_budget_leaves_time_for_later_strategies() -> None:
    import time

    spec = _plan_spec()
    ctx = SynthContext(spec=spec, hub=None, sandbox=None, guide_cases=spec.cases, holdout_count=0,
                       deadline=time.monotonic() + 10)
    assert 9 < ctx.search_budget() <= 10
    ctx.share = 0.6
    assert 5 < ctx.search_budget() <= 6


def test_numbers_beyond_a_double_compare_exactly_instead_of_crashing() -> None:
    from plugsmith.gates._dynamic import diff_values
    from plugsmith.synth._portmap import same_value
    from plugsmith.synth.enumerate._values import same

    huge = 10 ** 400
    assert diff_values({"n": 5}, {"n": huge}) == [{"path": "/n", "expected": 5, "got": huge}]
    assert diff_values({"n": huge}, {"n": huge}) == []
    assert not same(5, huge) and same(huge, huge)
    assert not same_value(huge, 5) and same_value(huge, huge)
