"""Benchmark harness, learning from production failures, automatic deprecation (and their API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import test_server_helpers as helpers
from plugsmith.governance._lifecycle import (
    LifecyclePolicy,
    auto_deprecate,
    benchmark_capability,
    learn_from_failure,
    plan_type,
)
from plugsmith.spec import Status, TestCase, Tier
from test_server_helpers import CASES, Server, make_plugin, seed_release

server = helpers.server
BAD_CODE = 'def run(inputs):\n    return {"total": 0.0}\n'
needs_gates = pytest.mark.skipif(not helpers.gates_available(), reason="needs plugsmith.gates (run_cases)")


def _cases() -> list[TestCase]:
    return [TestCase.model_validate(c) for c in CASES]


def test_plan_types() -> None:
    small = TestCase(
        name="a", input={"plan_json": {"kind": "it", "tasks": [{"cost": 1, "duration": 2}]}}, expected={}
    )
    sparse = TestCase(
        name="b", input={"plan_json": {"tasks": [{"id": str(i)} for i in range(30)]}}, expected={}
    )
    assert plan_type(small) == ("it", "small", "complete")
    assert plan_type(sparse) == ("general", "large", "sparse")


def test_learning_from_a_failure(server: Server) -> None:
    inputs = {"plan_json": {"title": "p", "tasks": [{"id": "a", "name": "a", "cost": 7}]}}
    assert (
        learn_from_failure(
            server.hub,
            capability="cost_total",
            plugin_id="plug_x",
            version="1.0.0",
            inputs=inputs,
            error="KeyError: 'cost'",
        )
        is None
    )
    assert server.hub.benchmark_cases("cost_total") == []
    name = learn_from_failure(
        server.hub,
        capability="cost_total",
        plugin_id="plug_x",
        version="1.0.0",
        inputs=inputs,
        error="wrong",
        expected={"total": 7.0},
    )
    assert [c.name for c in server.hub.benchmark_cases("cost_total")] == [name]
    assert len(server.hub.events("failure")) == 2


@needs_gates
def test_harness_grades_and_feeds_ranking(server: Server, tmp_path: Path) -> None:
    good = seed_release(server, make_plugin(tmp_path, "cost_good", capability="cost_total"))
    bad = seed_release(server, make_plugin(tmp_path, "cost_bad", capability="cost_total", code=BAD_CODE))
    for case in _cases():
        server.hub.add_benchmark_case("cost_total", case)
    results = {r.plugin_id: r for r in benchmark_capability(server.hub, "cost_total")}
    assert results[good.plugin_id].accuracy == 1.0 and results[good.plugin_id].coverage_score == 1.0
    assert results[bad.plugin_id].accuracy == 0.5 and results[bad.plugin_id].failure_rate == 0.0
    assert set(results[bad.plugin_id].domain_breakdown) == {"general"}
    flat = server.client.get("/api/v1/search", params={"capability": "cost_total", "group": "false"}).json()
    terms = {r["plugin_id"]: r["terms"]["quality"] for r in flat["results"]}
    assert terms == {good.plugin_id: 1.0, bad.plugin_id: 0.5}
    decided = auto_deprecate(server.hub, LifecyclePolicy(unused_days=None, supersede=False))
    assert decided == [{"ref": bad.ref, "reason": "benchmark accuracy 50% below the minimum 90%"}]


def test_auto_deprecation_rules(server: Server, tmp_path: Path) -> None:
    vetted = seed_release(server, make_plugin(tmp_path, "cost_vetted", capability="cost_total"))
    weak = seed_release(
        server, make_plugin(tmp_path, "cost_weak", capability="cost_total"), tier=Tier.tier2
    )
    flaky = seed_release(server, make_plugin(tmp_path, "risk_flaky"))
    for i in range(6):
        server.hub.record_event(
            "failure" if i < 4 else "use",
            capability="risk_flaky",
            plugin_id=flaky.plugin_id,
            plan_id=f"p{i}",
        )
    policy = LifecyclePolicy(unused_days=30)
    plan = auto_deprecate(server.hub, policy, dry_run=True)
    assert {d["ref"]: d["reason"].split(" ")[0] for d in plan} == {
        weak.ref: "superseded",
        flaky.ref: "failure",
    }
    assert server.hub.get(weak.ref).status is Status.approved  # dry run changed nothing
    later = datetime.now(UTC) + timedelta(days=31)
    assert vetted.ref in {d["ref"] for d in auto_deprecate(server.hub, policy, now=later, dry_run=True)}
    done = auto_deprecate(server.hub, policy)
    assert {d["ref"] for d in done} == {weak.ref, flaky.ref}
    assert server.hub.get(weak.ref).status is Status.deprecated
    assert server.hub.get(vetted.ref).status is Status.approved


def test_lifecycle_api_roles(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path))
    report = {
        "capability": "cost_total",
        "inputs": {"plan_json": {"title": "p", "tasks": []}},
        "error": "boom",
        "expected": {"total": 0.0},
    }
    # a failure case binds every later version of the capability: a publisher may not add one
    r = server.client.post("/api/v1/failures", json=report, headers=server.auth("publisher"))
    assert r.status_code == 403
    r = server.client.post("/api/v1/failures", json=report, headers=server.auth("reviewer"))
    assert r.status_code == 202 and r.json()["case"].startswith("regression_")
    assert (
        server.client.post(
            "/api/v1/capabilities/cost_total/benchmark", headers=server.auth("publisher")
        ).status_code
        == 403
    )
    assert (
        server.client.post(
            "/api/v1/lifecycle/deprecate", json={"dry_run": True}, headers=server.auth("reviewer")
        ).status_code
        == 403
    )
    r = server.client.post(
        "/api/v1/lifecycle/deprecate", json={"dry_run": True}, headers=server.auth("admin")
    )
    assert r.status_code == 200 and r.json() == {"dry_run": True, "deprecated": []}
    ran = server.client.post("/api/v1/capabilities/cost_total/benchmark", headers=server.auth("reviewer"))
    assert ran.status_code == 200 and [(x["accuracy"], x["cases"]) for x in ran.json()] == [(1.0, 1)]
