"""Resolution against a real hub and execution with recovery in the real sandbox (no Luigi)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugsmith.hub import Hub
from plugsmith.pipeline import Executor
from plugsmith.pipeline._resolve import resolve_one
from plugsmith.plan import Requirement
from plugsmith.spec import Status, Tier, load_spec
from test_pipeline_helpers import EXAMPLES

GOOD = ('    out: dict = {}\n    for t in inputs["plan_json"]["tasks"]:\n'
        '        out[t["owner"]] = out.get(t["owner"], 0) + t["cost"]\n    return {"cost_per_owner": out}\n')


def _plugin(root: Path, name: str, capability: str, body: str, version: str = "1.0.0") -> Path:
    spec = load_spec(EXAMPLES / "specs" / "cost_per_owner.json")
    directory = root / f"{name}-{version}"
    (directory / "tests").mkdir(parents=True)
    (directory / "plugin.json").write_text(json.dumps({
        "name": name, "capability": capability, "version": version, "description": f"{name} test plugin",
        "keywords": ["cost", "owner"], "inputs": ["plan_json"], "outputs": dict(spec.outputs),
        "constraints": ["deterministic"], "origin": "handwritten"}))
    (directory / "plugin.py").write_text(f'"""{name}."""\n\n\ndef run(inputs: dict) -> dict:\n{body}')
    (directory / "tests" / "cases.json").write_text(json.dumps([c.model_dump() for c in spec.cases]))
    (directory / "README.md").write_text(f"# {name}\n")
    return directory


@pytest.fixture
def hub() -> Iterator[Hub]:
    opened = Hub.open()
    yield opened
    opened.close()


@pytest.fixture
def requirement() -> Requirement:
    return Requirement(load_spec(EXAMPLES / "specs" / "cost_per_owner.json"), ("plan:/requires/0",))


def test_an_adequate_near_match_resolves_a_plan_requirement(hub: Hub, requirement: Requirement,
        tmp_path: Path) -> None:
    hub.publish(_plugin(tmp_path, "owner_spend", "spend_by_owner", GOOD), status=Status.approved,
                tier=Tier.tier1)
    res = resolve_one(hub, requirement)
    assert res["status"] == "resolved" and res["how"] == "near_match"
    assert res["release"]["name"] == "owner_spend" and 0 < res["score"] <= 1
    assert res["candidates"][0]["check"] == "passes 4 case(s)"


def test_an_exact_match_failing_the_plans_cases_is_a_gap(hub: Hub, requirement: Requirement,
        tmp_path: Path) -> None:
    hub.publish(_plugin(tmp_path, "lazy_cpo", "cost_per_owner", '    return {"cost_per_owner": {}}\n'),
                status=Status.approved, tier=Tier.tier1)
    res = resolve_one(hub, requirement)
    assert res["status"] == "gap"
    assert res["notes"][0].startswith("lazy_cpo@1.0.0: fails case(s) ['two_owners'")


def test_schema_breaking_output_falls_back_to_the_next_release(hub: Hub, requirement: Requirement,
        tmp_path: Path) -> None:
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.sandbox import get_sandbox

    text_body = '    return {"cost_per_owner": "lots"}\n'
    broken = hub.publish(_plugin(tmp_path, "text_cpo", "cost_per_owner", text_body), status=Status.approved,
                         tier=Tier.tier1)
    good = hub.publish(_plugin(tmp_path, "sound_cpo", "cost_per_owner", GOOD), status=Status.approved,
                       tier=Tier.tier1)
    plan = {"title": "t", "kind": "demo", "tasks": [{"id": "a", "owner": "Ann", "cost": 5.0},
                                                    {"id": "b", "owner": "Ann", "cost": 2.5}]}
    policy, sandbox = Policy.load(), get_sandbox()
    try:
        executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, plan, "plan_x", "run_x",
                            synthesize=False)
        result = executor.execute(requirement, broken, "exact")
    finally:
        sandbox.close()
    assert result.status == "ok" and result.recovered
    assert result.output == {"cost_per_owner": {"Ann": 7.5}}
    assert result.release is not None and result.release["name"] == good.name
    first = result.attempts[0]
    assert first["ref"] == "text_cpo@1.0.0" and not first["ok"]
    assert first["reason"].startswith("output breaks its schema: output cost_per_owner: 'lots' is not of")
    assert hub.get("text_cpo@1.0.0").status == Status.deprecated
    assert [e["capability"] for e in hub.events(kind="recovery")] == ["cost_per_owner"]


def test_nothing_left_to_try_fails_with_every_reason(hub: Hub, requirement: Requirement,
        tmp_path: Path) -> None:
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.sandbox import get_sandbox

    crash = hub.publish(_plugin(tmp_path, "crash_cpo", "cost_per_owner", '    raise KeyError("owner")\n'),
                        status=Status.approved, tier=Tier.tier1)
    policy, sandbox = Policy.load(), get_sandbox()
    try:
        executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, {"title": "t", "tasks": []},
                            "plan_x", "run_x", synthesize=False)
        result = executor.execute(requirement, crash, "exact")
    finally:
        sandbox.close()
    assert result.status == "failed" and result.output is None
    assert result.error is not None and "crash_cpo@1.0.0: crashed: KeyError" in result.error
    assert [e["outcome"] for e in hub.events(kind="failure")] == ["failed"]


def test_a_fallback_failing_the_plans_cases_is_not_tried(hub: Hub, requirement: Requirement,
        tmp_path: Path) -> None:
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.sandbox import get_sandbox

    crash = hub.publish(_plugin(tmp_path, "crash_cpo", "cost_per_owner", '    raise KeyError("owner")\n'),
                        status=Status.approved, tier=Tier.tier1)
    hub.publish(_plugin(tmp_path, "lazy_cpo", "cost_per_owner", '    return {"cost_per_owner": {}}\n'),
                status=Status.approved, tier=Tier.tier1)
    policy, sandbox = Policy.load(), get_sandbox()
    try:
        executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, {"title": "t", "tasks": []},
                            "plan_x", "run_x", synthesize=False)
        result = executor.execute(requirement, crash, "exact")
    finally:
        sandbox.close()
    assert result.status == "failed"
    assert [a["ref"] for a in result.attempts] == ["crash_cpo@1.0.0"]  # lazy_cpo would give wrong answers


def test_a_timeout_is_a_failure_but_not_held_against_the_plugin(hub: Hub, requirement: Requirement,
        tmp_path: Path, plugsmith_home: Path) -> None:
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.sandbox import get_sandbox

    (plugsmith_home / "policy.toml").write_text('[limits."Tier 1"]\ncpu_s = 1\nwall_s = 1.5\n')
    spin = hub.publish(_plugin(tmp_path, "spin_cpo", "cost_per_owner", "    while True:\n        pass\n"),
                       status=Status.approved, tier=Tier.tier1)
    policy, sandbox = Policy.load(), get_sandbox()
    try:
        executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, {"title": "t", "tasks": []},
                            "plan_x", "run_x", synthesize=False)
        result = executor.execute(requirement, spin, "exact")
    finally:
        sandbox.close()
    assert result.status == "failed"
    assert result.attempts[0]["reason"].startswith("timeout")
    assert result.attempts[0]["duration_ms"] < 10_000
    assert hub.get("spin_cpo@1.0.0").status == Status.approved  # slow is not defective


def test_a_plugin_that_only_claims_to_be_builtin_is_still_deprecated_when_it_breaks(hub: Hub,
        requirement: Requirement, tmp_path: Path) -> None:
    """``"origin": "builtin"`` in an uploaded manifest is a claim (the release is Tier 2): it must not
    shield a defective plugin from automatic deprecation."""
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.sandbox import get_sandbox

    directory = _plugin(tmp_path, "crash_cpo", "cost_per_owner", '    raise KeyError("owner")\n')
    manifest = json.loads((directory / "plugin.json").read_text())
    (directory / "plugin.json").write_text(json.dumps({**manifest, "origin": "builtin"}))
    crash = hub.publish(directory, status=Status.approved, tier=Tier.tier2)
    policy, sandbox = Policy.load(), get_sandbox()
    try:
        executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, {"title": "t", "tasks": []},
                            "plan_x", "run_x", synthesize=False)
        assert executor.execute(requirement, crash, "exact").status == "failed"
    finally:
        sandbox.close()
    assert hub.get("crash_cpo@1.0.0").status == Status.deprecated
