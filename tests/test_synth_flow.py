"""The whole synthesis flow against the real hub, sandbox and gates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.llm_server import LLMServer, Reply, fenced, last_user
from tests.test_synth_helpers import HOURS_CASES, days_spec_data, publish_hours_plugin

from plugsmith.errors import NotFound, SpecError
from plugsmith.hub import Hub
from plugsmith.sandbox import Sandbox, get_sandbox
from plugsmith.spec import CapabilitySpec, Origin, Status, SynthesisRequest, parse_spec
from plugsmith.synth import Candidate, SynthContext, registry, synthesize

COUNT_OK = ('"""Count the items."""\n\n\ndef run(inputs: dict) -> dict:\n'
            '    return {"n": len(inputs["items"])}\n')
COUNT_BUGGY = COUNT_OK.replace('len(inputs["items"])', 'len(inputs["items"]) + 1')
COUNT_OS = COUNT_OK.replace('"""\n\n\n', '"""\n\nimport os\n\n\n').replace(
    'len(inputs["items"])', 'len(inputs["items"]) + 0 * len(os.sep)')


@pytest.fixture
def hub() -> Iterator[Hub]:
    opened = Hub.open()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = get_sandbox()
    yield box
    box.close()


@pytest.fixture(autouse=True)
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("PLUGSMITH_LLM_BASE_URL", "PLUGSMITH_LLM_MODEL", "PLUGSMITH_LLM_API_KEY",
                "PLUGSMITH_LLM_CONFIG", "PLUGSMITH_LLM"):
        monkeypatch.delenv(var, raising=False)


def _use_llm(monkeypatch: pytest.MonkeyPatch, server: LLMServer, rounds: int = 3) -> None:
    monkeypatch.setenv("PLUGSMITH_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("PLUGSMITH_LLM_MODEL", "tiny-coder")
    monkeypatch.setenv("PLUGSMITH_LLM_API_KEY", "sk-flow-secret-42")
    monkeypatch.setenv("PLUGSMITH_LLM_REPAIR_ROUNDS", str(rounds))


def count_spec() -> CapabilitySpec:
    return parse_spec({
        "name": "count_items", "description": "How many items there are.",
        "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
        "constraints": ["deterministic", "pure"],
        "tests": [{"name": "three", "input": {"items": [1, 2, 3]}, "expected": {"n": 3}},
                  {"name": "none", "input": {"items": []}, "expected": {"n": 0}},
                  {"name": "words", "input": {"items": ["a", "b"]}, "expected": {"n": 2}},
                  {"name": "five", "input": {"items": [0, 0, 0, 0, 0]}, "expected": {"n": 5}}]})


def _request(spec: CapabilitySpec, *strategies: str, **extra: object) -> SynthesisRequest:
    return SynthesisRequest.model_validate({"spec": spec, "strategies": list(strategies), **extra})


# ---------------------------------------------------------------- adapt
def test_adapt_publishes_an_adapter_that_embeds_the_near_match(hub: Hub, sandbox: Sandbox,
                                                              tmp_path: Path) -> None:
    original = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec(days_spec_data(cases=4))
    outcome = synthesize(spec, hub, request=_request(spec, "adapt"), sandbox=sandbox)
    assert outcome.status == Status.approved, outcome.message
    assert (outcome.origin, outcome.strategy, outcome.version) == (Origin.adapted, "adapt", "1.0.0")
    assert (outcome.guide_cases, outcome.holdout_cases) == (2, 2)  # 40% held back at first (CEGIS)
    assert outcome.gates and all(v in ("pass", "warn", "skip") for v in outcome.gates.values())
    adapt = outcome.record["adapt"]
    assert adapt["adapted_from"] == original.ref and adapt["version"] == "1.0.0"
    assert adapt["plugin_id"] == outcome.plugin_id and adapt["test_status"] == "passed"
    assert any("x 1/8" in line for line in adapt["gap_summary"])
    release = hub.get("effort_days@1.0.0")
    assert release.checksum == outcome.checksum and release.origin == Origin.adapted
    assert release.manifest.provenance["adapted_from"] == original.ref
    assert release.manifest.provenance["spec_hash"] == spec.spec_hash()
    provenance = release.manifest.provenance
    assert (provenance["guide_cases"], provenance["holdout_cases"]) == (2, 2)
    plugin = hub.checkout(release)
    cases = json.loads((plugin / "tests" / "cases.json").read_text())
    generated = [c for c in cases if c["name"].startswith("generated_")]
    assert generated and {c["name"] for c in cases} >= {c.name for c in spec.cases}
    # hours tied at 8 on both tasks of the largest guide case -> 2 days, as the adapter computes it
    assert {"name": "generated_work_tasks_hours_tied", "expected": {"total_days": 2.0},
            "input": {"work": {"tasks": [{"hours": 8}, {"hours": 8}]}}} in generated
    events = hub.events("synthesis", capability="effort_days")
    assert events and events[-1]["outcome"] == "approved"


# ---------------------------------------------------------------- llm
def test_llm_repair_loop_publishes_the_repaired_version(hub: Hub, sandbox: Sandbox,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fixed_only_with_feedback = Reply(fenced(COUNT_OK), otherwise=fenced(COUNT_BUGGY),
                                     when=lambda req: "guide cases" in last_user(req)
                                     and '"expected": 3' in last_user(req))
    with LLMServer([Reply(fenced(COUNT_BUGGY)), fixed_only_with_feedback]) as server:
        _use_llm(monkeypatch, server)
        spec = count_spec()
        outcome = synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox)
    assert outcome.status == Status.approved, outcome.message
    assert outcome.strategy == "llm" and outcome.candidates_tried == 2
    first, second = outcome.record["candidates"]
    assert (first["accepted"], first["stage"], second["accepted"]) == (False, "guide", True)
    assert "three" in first["details"] and "details" not in second
    assert len(server.requests) == 2
    repair_prompt = last_user(server.requests[1].body)
    assert "fails" in repair_prompt and "three" in repair_prompt
    held_back = outcome.record["holdout_cases"]
    assert held_back and all(name not in last_user(server.requests[0].body) for name in held_back)
    release = hub.get(f"{outcome.plugin_id}")
    assert (hub.checkout(release) / "plugin.py").read_text() == COUNT_OK
    provenance = release.manifest.provenance
    assert provenance["model"] == "tiny-coder" and provenance["round"] == 2
    assert "sk-flow-secret-42" not in json.dumps(provenance) + json.dumps(outcome.record)


def test_llm_candidate_that_imports_os_is_rejected_and_recorded(hub: Hub, sandbox: Sandbox,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with LLMServer([Reply(fenced(COUNT_OS))]) as server:
        _use_llm(monkeypatch, server, rounds=0)
        spec = count_spec()
        outcome = synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox)
    assert outcome.status == "failed" and outcome.plugin_id is None
    [rejected] = outcome.record["rejected"]
    assert rejected["stage"] == "gates" and rejected["gates"]["security"] == "fail"
    assert any("security" in reason for reason in rejected["reasons"])
    saved = hub.synthesis_record(spec.spec_hash())
    assert saved is not None and saved["rejected"][0]["stage"] == "gates"
    with pytest.raises(NotFound):
        hub.versions("count_items")
    gate_events = hub.events("gate", capability="count_items")
    assert [e["outcome"] for e in gate_events] == ["rejected"]


# ---------------------------------------------------------------- reuse and rate limiting
def test_an_adequate_plugin_is_reused_instead_of_synthesized(hub: Hub, sandbox: Sandbox,
                                                           tmp_path: Path) -> None:
    original = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec({"name": "effort_hours", "inputs": {"tasks": {"type": "array"}},
                       "outputs": {"total_hours": {"type": "number"}}, "tests": HOURS_CASES})
    outcome = synthesize(spec, hub, sandbox=sandbox)
    assert outcome.status == Status.reused and outcome.plugin_id == original.plugin_id
    assert original.ref in outcome.message and outcome.candidates_tried == 0
    assert [r.version for r in hub.versions("effort_hours")] == ["1.0.0"]
    reuse = hub.events("reuse", capability="effort_hours")
    assert len(reuse) == 1 and reuse[0]["plugin_id"] == original.plugin_id
    assert hub.synthesis_record(spec.spec_hash()) is None


def test_a_plugin_failing_the_spec_cases_is_not_reused(hub: Hub, sandbox: Sandbox, tmp_path: Path) -> None:
    publish_hours_plugin(hub, tmp_path)
    cases = [dict(HOURS_CASES[0], expected={"total_hours": 25})]
    spec = parse_spec({"name": "effort_hours", "inputs": {"tasks": {"type": "array"}},
                       "outputs": {"total_hours": {"type": "number"}}, "tests": cases})
    outcome = synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox)
    assert outcome.status == "failed"
    [checked] = outcome.record["checked_for_reuse"]
    assert checked["adequate"] is False and "fails 1 of 1" in checked["why"]


def test_repeated_failed_requests_are_rate_limited_by_spec_hash(hub: Hub, sandbox: Sandbox) -> None:
    spec = count_spec()
    first = synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox)
    assert first.status == "failed" and "no LLM endpoint configured" in first.message
    again = synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox)
    assert again.status == "failed" and again.message.startswith("rate-limited")
    assert again.record["rate_limited"] is True
    assert len(hub.events("synthesis", capability="count_items")) == 1
    # asking with more strategies than last time, or forcing, synthesizes again
    synthesize(spec, hub, request=_request(spec, "llm"), sandbox=sandbox, force=True)
    assert len(hub.events("synthesis", capability="count_items")) == 2


# ---------------------------------------------------------------- registry, drafts, bad input
class _Template:
    name, cost = "template_test", 1

    def unavailable(self, ctx: SynthContext) -> str | None:
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        yield Candidate(strategy=self.name, label="template", source=COUNT_OK,
                        provenance={"template": "count"})


def test_a_registered_strategy_takes_part_and_no_publish_keeps_a_draft(hub: Hub, sandbox: Sandbox) -> None:
    registry().register(_Template())
    try:
        spec = count_spec()
        outcome = synthesize(spec, hub, request=_request(spec, "template_test", publish=False),
                             sandbox=sandbox)
    finally:
        registry().unregister("template_test")
    assert outcome.status == Status.approved and outcome.strategy == "template_test"
    draft = Path(outcome.record["plugin_dir"])
    assert (draft / "plugin.py").read_text() == COUNT_OK
    assert json.loads((draft / "plugin.json").read_text())["provenance"]["template"] == "count"
    assert outcome.checksum and outcome.checksum.startswith("sha256:")
    with pytest.raises(NotFound):
        hub.versions("count_items")


def test_library_refuses_specs_without_cases_and_unknown_strategies(hub: Hub) -> None:
    bare = parse_spec({"name": "x", "outputs": ["y"]})
    with pytest.raises(SpecError, match="spec has no test cases"):
        synthesize(bare, hub)
    named = parse_spec({"name": "x", "outputs": ["y"], "tests": ["golden_1"]})
    with pytest.raises(SpecError, match="golden_1"):
        synthesize(named, hub)
    with pytest.raises(NotFound, match="unknown strategy"):
        synthesize(count_spec(), hub, request=_request(count_spec(), "magic"))


# ---------------------------------------------------------------- governance and memorisation
def test_sensitive_capability_waits_for_review_and_is_not_synthesized_twice(
        hub: Hub, sandbox: Sandbox, plugsmith_home: Path) -> None:
    (plugsmith_home / "policy.toml").write_text('sensitive_capabilities = ["count_items"]\n')
    registry().register(_Template())
    try:
        spec = count_spec()
        outcome = synthesize(spec, hub, request=_request(spec, "template_test"), sandbox=sandbox)
        again = synthesize(spec, hub, request=_request(spec, "template_test"), sandbox=sandbox)
    finally:
        registry().unregister("template_test")
    assert outcome.status == Status.pending_review and "reviewer" in outcome.message
    [release] = hub.versions("count_items")
    assert release.status == Status.pending_review and release.version == outcome.version
    assert again.status == Status.pending_review and again.version == outcome.version
    assert again.message.startswith("rate-limited") and again.record["rate_limited"] is True


class _Memoriser(_Template):
    name = "memoriser_test"

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        table = {len(c.input["items"]): c.expected["n"] for c in ctx.guide_cases}
        source = (f'"""Lookup."""\n\nTABLE = {table!r}\n\n\ndef run(inputs: dict) -> dict:\n'
                  '    return {"n": TABLE[len(inputs["items"])]}\n')
        yield Candidate(strategy=self.name, label="lookup table", source=source)


def test_a_lookup_table_of_the_examples_is_rejected_before_it_runs(hub: Hub, sandbox: Sandbox) -> None:
    spec = parse_spec({"name": "big_numbers", "inputs": {"items": {"type": "array"}},
                       "outputs": {"n": {"type": "number"}},
                       "tests": [{"name": f"c{k}", "input": {"items": list(range(k))},
                                  "expected": {"n": k * 11.5}} for k in (1, 2, 3, 4)]})
    registry().register(_Memoriser())
    try:
        outcome = synthesize(spec, hub, request=_request(spec, "memoriser_test"), sandbox=sandbox)
    finally:
        registry().unregister("memoriser_test")
    assert outcome.status == "failed"
    [rejected] = outcome.record["rejected"]
    assert rejected["stage"] == "memorised" and "literals" in rejected["reasons"][0]


def test_a_near_match_that_passes_the_spec_is_reused_with_its_score(hub: Hub, sandbox: Sandbox,
                                                                    tmp_path: Path) -> None:
    original = publish_hours_plugin(hub, tmp_path)
    spec = parse_spec({"name": "booked_hours", "description": "Total effort in hours booked over tasks.",
                       "inputs": {"tasks": {"type": "array"}}, "outputs": {"total_hours": {"type": "number"}},
                       "tests": HOURS_CASES})
    outcome = synthesize(spec, hub, sandbox=sandbox)
    assert outcome.status == Status.reused and outcome.plugin_id == original.plugin_id
    assert outcome.record["match"] == "near" and 0 < outcome.record["score"] <= 1
    assert "near match, score" in outcome.message
    assert hub.events("reuse", capability="booked_hours")[0]["detail"]["match"] == "near"


def test_a_version_taken_meanwhile_is_not_an_error(hub: Hub, sandbox: Sandbox, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_synth_helpers import write_plugin

    spec = count_spec()
    buggy = write_plugin(tmp_path / "old", name="count_items", capability="count_items", code=COUNT_BUGGY,
                         inputs=dict(spec.inputs), outputs=dict(spec.outputs),
                         cases=[c.model_dump() for c in spec.cases], origin=Origin.synthesized)
    hub.publish(buggy, status=Status.approved, tier=None)
    real_next = hub.next_version
    stale = iter(["1.0.0"])                       # another process published 1.0.0 after we looked
    monkeypatch.setattr(hub, "next_version", lambda name: next(stale, None) or real_next(name))
    registry().register(_Template())
    try:
        outcome = synthesize(spec, hub, request=_request(spec, "template_test"), sandbox=sandbox)
    finally:
        registry().unregister("template_test")
    assert outcome.status == Status.approved and outcome.version == "1.1.0"
    assert [r.version for r in hub.versions("count_items")] == ["1.1.0", "1.0.0"]
    assert hub.get("count_items@1.1.0").manifest.version == "1.1.0"


VOWELS = ('"""Count vowels."""\n\n\ndef run(inputs: dict) -> dict:\n'
          '    return {"n": sum(1 for ch in inputs["word"].lower() if ch in "aeiou")}\n')


def test_strategies_run_cheapest_first_until_one_succeeds(hub: Hub, sandbox: Sandbox,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    spec = parse_spec({"name": "vowel_count", "inputs": {"word": {"type": "string"}},
                       "outputs": {"n": {"type": "integer"}},
                       "tests": [{"name": w, "input": {"word": w}, "expected": {"n": n}}
                                 for w, n in [("banana", 3), ("sky", 0), ("audio", 4), ("queue", 4)]]})
    with LLMServer([Reply(fenced(VOWELS))]) as server:
        _use_llm(monkeypatch, server)
        outcome = synthesize(spec, hub, request=_request(spec, "llm", "enumerate", "adapt"), sandbox=sandbox)
    assert outcome.status == Status.approved and outcome.strategy == "llm"
    record = outcome.record
    assert record["strategies_run"] == ["enumerate", "llm"]
    assert record["skipped"] == [{"strategy": "adapt", "reason": "no near-match plugin to adapt"}]
    assert (outcome.guide_cases, outcome.holdout_cases) == (2, 2)  # 40% held back at first (CEGIS)
    for held in record["holdout_cases"]:
        assert f'"word": "{held}"' not in last_user(server.requests[0].body)   # the model never saw it


def test_adapt_builds_on_a_builtin_with_a_unit_change(hub: Hub, sandbox: Sandbox) -> None:
    from plugsmith.builtins import ROOT
    from plugsmith.spec import Tier

    builtin = hub.publish(ROOT / "core_cost_rollup", status=Status.approved, tier=Tier.tier0)

    def plan(*tasks: dict[str, object]) -> dict[str, object]:
        return {"plan_json": {"title": "p", "tasks": list(tasks)}}

    labour = {"id": "a", "kind": "build", "cost": 1000,
              "resources": [{"role": "dev", "hours": 10, "rate": 100}]}
    spec = parse_spec({
        "name": "cost_by_kind_in_thousands", "description": "Total cost per task kind, in thousands.",
        "inputs": ["plan_json"], "outputs": {"cost_k": {"type": "object",
                                                        "additionalProperties": {"type": "number"}}},
        "tests": [
            {"name": "two", "expected": {"cost_k": {"build": 10, "test": 5.5}},
             "input": plan({"id": "a", "kind": "build", "cost": 10000},
                           {"id": "b", "kind": "test", "cost": 5500})},
            {"name": "labour", "input": plan(labour), "expected": {"cost_k": {"build": 2}}},
            {"name": "same", "expected": {"cost_k": {"ops": 1}},
             "input": plan({"id": "a", "kind": "ops", "cost": 250}, {"id": "b", "kind": "ops", "cost": 750})},
        ]})
    outcome = synthesize(spec, hub, request=_request(spec, "adapt"), sandbox=sandbox)
    assert outcome.status == Status.approved and outcome.origin == Origin.adapted, outcome.message
    assert outcome.record["adapt"]["adapted_from"] == builtin.ref
    assert outcome.record["adapt"]["gap_summary"][-1] == (
        "original output 'cost_breakdown' -> output 'cost_k': renamed, x 1/1000 (units<->thousands)")


# ---------------------------------------------------------------- counterexample-guided synthesis (CEGIS)
class _Scripted:
    """Offers the given sources in order and notes which guide cases it saw before each one."""

    def __init__(self, name: str, *sources: str) -> None:
        self.name, self.cost, self.sources = name, 5, sources
        self.saw: list[list[str]] = []

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        for i, source in enumerate(self.sources):
            self.saw.append([c.name for c in ctx.guide_cases])
            yield Candidate(strategy=self.name, label=f"candidate {i + 1}", source=source)


def _count_wrong_on(length: int) -> str:
    """Counts the items, except for lists of one length (an over-fit a held-back case can expose)."""
    return COUNT_OK.replace('len(inputs["items"])',
                            f'len(inputs["items"]) if len(inputs["items"]) != {length} else -1')


def _with(strategy: _Scripted) -> Iterator[None]:
    registry().register(strategy)
    try:
        yield
    finally:
        registry().unregister(strategy.name)


def test_a_failed_held_back_case_joins_the_guide_cases_and_the_search_goes_on(hub: Hub,
                                                                             sandbox: Sandbox) -> None:
    from plugsmith.synth import split_cases

    spec = count_spec()
    guide, held = split_cases(spec.cases, 0.4)
    assert len(held) == 2   # 40% held back at first: room for a counterexample round
    failing = held[0]
    strategy = _Scripted("cegis_test", _count_wrong_on(len(failing.input["items"])), COUNT_OK)
    for _ in _with(strategy):
        outcome = synthesize(spec, hub, request=_request(spec, "cegis_test", publish=False), sandbox=sandbox)
    assert outcome.status == Status.approved and outcome.rounds == 1
    assert (outcome.guide_cases, outcome.holdout_cases) == (3, 1)
    assert failing.name not in strategy.saw[0] and failing.name in strategy.saw[1]
    record = outcome.record
    assert record["rounds"] == [{"round": 1, "counterexample": failing.name, "candidate": "candidate 1",
                                 "guide_cases": 3, "held_back": 1}]
    assert record["holdout_cases"] == [held[1].name]   # the published code passed a case it never saw
    assert [c["stage"] for c in record["candidates"]] == ["holdout", "accepted"]
    provenance = json.loads((Path(record["plugin_dir"]) / "plugin.json").read_text())["provenance"]
    assert provenance["cegis_rounds"] == 1 and provenance["holdout_cases"] == 1


def test_the_last_held_back_case_is_never_given_away(hub: Hub, sandbox: Sandbox) -> None:
    spec = count_spec()
    from plugsmith.synth import split_cases

    _, held = split_cases(spec.cases, 0.25)
    [only] = held
    strategy = _Scripted("cegis_last", _count_wrong_on(len(only.input["items"])))
    for _ in _with(strategy):
        outcome = synthesize(spec, hub, request=_request(spec, "cegis_last", publish=False,
                                                          holdout_fraction=0.25), sandbox=sandbox)
    assert outcome.status == "failed" and outcome.rounds == 0 and outcome.holdout_cases == 1
    assert "fails 1 of 1 held-back" in outcome.message


MEAN_OK = ('"""Mean of the values."""\n\n\ndef run(inputs: dict) -> dict:\n'
           '    values = inputs["values"]\n    return {"mean": sum(values) / len(values) if values else 0}\n')
MEAN_RAISES = MEAN_OK.replace(" if values else 0", "")


def _mean_spec() -> CapabilitySpec:
    return parse_spec({
        "name": "mean_value", "description": "Mean of the values.",
        "inputs": {"values": {"type": "array", "items": {"type": "number"}}},
        "outputs": {"mean": {"type": "number"}}, "constraints": ["deterministic", "pure"],
        "tests": [{"name": f"c{i}", "input": {"values": v}, "expected": {"mean": sum(v) / len(v)}}
                  for i, v in enumerate([[1, 2, 3], [4, 4], [10, 0, 5, 5], [7]])]})


def test_a_candidate_failing_an_edge_input_gives_way_to_one_that_handles_it(hub: Hub,
                                                                           sandbox: Sandbox) -> None:
    spec = _mean_spec()
    strategy = _Scripted("edges_test", MEAN_RAISES, MEAN_OK)
    for _ in _with(strategy):
        outcome = synthesize(spec, hub, request=_request(spec, "edges_test", publish=False), sandbox=sandbox)
    assert outcome.status == Status.approved
    stages = [(c["label"], c["stage"]) for c in outcome.record["candidates"]]
    assert stages == [("candidate 1", "edges"), ("candidate 2", "accepted")]
    assert "values emptied" in outcome.record["candidates"][0]["reasons"][0]
    assert (Path(outcome.record["plugin_dir"]) / "plugin.py").read_text() == MEAN_OK


def test_without_a_better_one_the_candidate_failing_only_an_edge_is_published(hub: Hub,
                                                                             sandbox: Sandbox) -> None:
    spec = _mean_spec()
    strategy = _Scripted("edges_only", MEAN_RAISES)
    for _ in _with(strategy):
        outcome = synthesize(spec, hub, request=_request(spec, "edges_only", publish=False), sandbox=sandbox)
    assert outcome.status == Status.approved
    assert [c["stage"] for c in outcome.record["candidates"]] == ["edges", "accepted"]
    assert any("error" in e for e in outcome.record["edge_cases"])   # what it does there is recorded


# ---------------------------------------------------------------- named cases, bounds
@pytest.mark.slow
def test_the_seeds_template_resolves_named_cases_from_the_hubs_benchmark_cases(hub: Hub,
                                                                                sandbox: Sandbox) -> None:
    from plugsmith.builtins import install_builtins

    install_builtins(hub, sandbox)
    names = [c.name for c in hub.benchmark_cases("cost_estimation")]
    assert len(names) >= 2
    spec = parse_spec({"name": "cost_estimation", "inputs": ["plan_json"], "outputs": ["cost_breakdown"],
                       "constraints": ["deterministic", "schema_validated"], "tests": names[:2]})
    outcome = synthesize(spec, hub, sandbox=sandbox)
    assert outcome.status == Status.reused and outcome.record["reused"].startswith("core_cost_rollup@")
    missing = parse_spec({**spec.model_dump(mode="json"), "tests": ["golden_case_1", "edge_case_2"]})
    with pytest.raises(SpecError) as caught:
        synthesize(missing, hub, sandbox=sandbox)
    hint = caught.value.hint or ""
    assert "golden_case_1, edge_case_2" in str(caught.value)
    assert ".cases.json" in hint and "hub's benchmark cases for 'cost_estimation'" in hint
    assert names[0] in hint and '"expected"' in hint


def _nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(("value", "message"), [
    (_nested(40), "nests deeper than 32"),
    ({"a": list(range(300_000))}, "characters of JSON; the limit is 1,000,000"),
])
def test_cases_that_are_too_deep_or_too_large_are_refused_before_any_search(hub: Hub, value: object,
                                                                           message: str) -> None:
    spec = parse_spec({"name": "big", "inputs": {"x": {}}, "outputs": {"y": {"type": "number"}},
                       "tests": [{"name": "huge", "input": {"x": value}, "expected": {"y": 1}}]})
    with pytest.raises(SpecError, match=message) as caught:
        synthesize(spec, hub)
    assert caught.value.exit_code == 2
