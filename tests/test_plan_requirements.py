"""Requirement extraction: stages, the plan's requires, task kinds through an extensible catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugsmith.errors import ConfigError, PlanError
from plugsmith.plan import CATALOG_FILE, extract_requirements, load_catalog, unmapped_kinds, validate_plan
from plugsmith.spec import CapabilitySpec, Plan

EXTRA = {"name": "tasks_per_owner", "inputs": ["plan_json"],
         "outputs": {"tasks_per_owner": {"type": "object"}},
         "tests": [{"name": "one",
                    "input": {"plan_json": {"title": "t", "tasks": [{"id": "a", "owner": "x"}]}},
                    "expected": {"tasks_per_owner": {"x": 1}}}]}
STAGE = CapabilitySpec.model_validate({"name": "critical_path", "inputs": ["plan_json"],
                                       "outputs": ["schedule"]})


def _plan(**extra: object) -> Plan:
    tasks = [{"id": "a", "kind": "construction"}, {"id": "b", "kind": "construction"},
             {"id": "c", "kind": "odd"}]
    return validate_plan({"title": "t", "tasks": tasks, **extra}, "p.json")


def test_sources_are_recorded_and_requirements_deduplicated() -> None:
    reqs = extract_requirements(_plan(requires=["budget_check", EXTRA]), [STAGE], catalog=load_catalog())
    by_name = {r.name: r for r in reqs}
    assert reqs[0].name == "critical_path" and reqs[0].sources == ("stage",)
    assert by_name["budget_check"].sources == ("plan:/requires/0",)
    assert by_name["tasks_per_owner"].sources == ("plan:/requires/1",)
    # construction maps to cost_estimation, labour_cost and resource_load in the built-in catalog
    assert by_name["labour_cost"].sources == ("kind:construction (2 tasks)",)
    assert set(by_name) == {"critical_path", "budget_check", "tasks_per_owner", "cost_estimation",
                            "labour_cost", "resource_load"}
    assert by_name["tasks_per_owner"].spec.cases[0].expected == {"tasks_per_owner": {"x": 1}}


def test_user_catalog_in_home_extends_kinds_and_capabilities(plugsmith_home: Path) -> None:
    catalog = {"capabilities": {"tasks_per_owner": {k: v for k, v in EXTRA.items() if k != "name"}},
               "kinds": {"odd": ["tasks_per_owner"]}}
    (plugsmith_home / CATALOG_FILE).write_text(json.dumps(catalog))
    reqs = extract_requirements(_plan(requires=["tasks_per_owner"]), [], catalog=load_catalog())
    req = next(r for r in reqs if r.name == "tasks_per_owner")
    assert req.sources == ("plan:/requires/0", "kind:odd (1 task)")
    assert unmapped_kinds(_plan(), load_catalog()) == []


def test_extra_catalog_file_overrides_home(tmp_path: Path, plugsmith_home: Path) -> None:
    (plugsmith_home / CATALOG_FILE).write_text(json.dumps({"kinds": {"odd": ["budget_check"]}}))
    extra = tmp_path / "cat.json"
    extra.write_text(json.dumps({"kinds": {"odd": ["risk_matrix"]}}))
    assert load_catalog().kinds["odd"] == ("budget_check",)
    assert load_catalog(extra).kinds["odd"] == ("risk_matrix",)
    assert unmapped_kinds(_plan(), load_catalog(None)) == []


def test_unknown_kind_is_listed_not_required() -> None:
    catalog = load_catalog()
    assert unmapped_kinds(_plan(), catalog) == ["odd"]
    reqs = extract_requirements(_plan(), [], catalog=catalog)
    assert all("odd" not in s for r in reqs for s in r.sources)


def test_unknown_capability_name_and_conflicting_inline_spec_are_plan_errors() -> None:
    with pytest.raises(PlanError, match=r"^/requires/0: unknown capability 'teleport'"):
        extract_requirements(_plan(requires=["teleport"]), [], catalog=load_catalog())
    clash = {"name": "critical_path", "inputs": ["plan_json"], "outputs": {"other": {"type": "number"}}}
    with pytest.raises(PlanError, match=r"^/requires/0: capability 'critical_path' differs"):
        extract_requirements(_plan(requires=[clash]), [STAGE], catalog=load_catalog())


def test_malformed_catalog_is_a_config_error(plugsmith_home: Path) -> None:
    (plugsmith_home / CATALOG_FILE).write_text(json.dumps({"kinds": {"odd": ["nope"]}}))
    with pytest.raises(ConfigError, match="unknown capability 'nope'"):
        load_catalog()
    (plugsmith_home / CATALOG_FILE).write_text(json.dumps({"capabilities": {"x": {"outputs": 3}}}))
    with pytest.raises(ConfigError, match=r"^/capabilities/x/outputs"):
        load_catalog()


def test_requirement_round_trips_through_json() -> None:
    from plugsmith.plan import Requirement

    req = extract_requirements(_plan(requires=[EXTRA]), [], catalog=load_catalog())[0]
    again = Requirement.from_json(json.loads(json.dumps(req.to_json())))
    assert again == req and again.to_json()["spec_hash"] == req.spec.spec_hash()
