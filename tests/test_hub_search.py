"""Text search and near-match ranking, on SQLite FTS5 and PostgreSQL full-text alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugsmith.hub import Hub, score_match
from plugsmith.spec import PluginManifest, Status, Tier, parse_spec
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres", "test_hub_helpers"]

NUMBERS = {"type": "object", "additionalProperties": {"type": "number"}}


@pytest.fixture
def filled(hub: Hub, tmp_path: Path) -> Hub:
    def pub(name: str, description: str, outputs: object, status: Status = Status.approved,
            tier: Tier | None = Tier.tier1, inputs: object = ("plan_json",), **kw: object) -> None:
        hub.publish(make_plugin(tmp_path, name, description=description, outputs=outputs, inputs=inputs,
                                **kw),  # type: ignore[arg-type]
                    status=status, tier=tier)

    pub("cost_estimation", "Total cost per task kind.", {"cost_breakdown": NUMBERS}, keywords=("budget",))
    pub("labour_cost", "Labour cost per role from resource hours and rates.", {"labour_cost": NUMBERS})
    pub("risk_matrix", "Five by five likelihood impact matrix of the plan's risks.", ("risk_matrix",))
    pub("critical_path", "Longest dependency chain through the tasks.", ("critical_path",),
        status=Status.yanked)
    pub("weather_forecast", "Rain tomorrow.", {"forecast": {"type": "string"}},
        inputs={"city": {"type": "string"}})
    return hub


def test_search_matches_words_and_prefixes(filled: Hub) -> None:
    assert [r.name for r in filled.search("labour")] == ["labour_cost"]
    assert {r.name for r in filled.search("cost")} == {"cost_estimation", "labour_cost"}
    assert [r.name for r in filled.search("budg")] == ["cost_estimation"]  # keyword prefix
    assert [r.name for r in filled.search("cost role")] == ["labour_cost"]  # every word must match
    assert [r.name for r in filled.search("likelihood")] == ["risk_matrix"]
    assert filled.search("nothing-like-this") == []
    assert filled.search("the of and") == []  # only stopwords: nothing to look for


def test_search_filters(filled: Hub) -> None:
    assert [r.name for r in filled.search(status=Status.yanked)] == ["critical_path"]
    assert [r.name for r in filled.search("cost", capability="labour_cost")] == ["labour_cost"]
    assert filled.search(tier=Tier.tier0) == []
    assert len(filled.search()) == 5
    assert len(filled.search(limit=2)) == 2


def test_near_matches_rank_compatible_plugins_with_reasons(filled: Hub) -> None:
    spec = parse_spec({
        "name": "task_cost_totals", "description": "Total cost of each task kind",
        "inputs": ["plan_json"], "outputs": {"cost_breakdown": NUMBERS},
    })
    matches = filled.near_matches(spec, limit=3)
    assert matches[0].release.name == "cost_estimation"
    assert 0.0 < matches[-1].score <= matches[0].score <= 1.0
    reasons = " | ".join(matches[0].reasons)
    assert "outputs provided: cost_breakdown" in reasons
    assert "inputs compatible: plan_json" in reasons
    assert "'cost' in name" in reasons
    assert all(m.release.status == Status.approved for m in matches)
    if len(matches) > 1:
        assert "output 'cost_breakdown' missing" in matches[1].reasons


def test_near_matches_skip_yanked_and_penalise_missing_inputs(filled: Hub) -> None:
    path_spec = parse_spec({"name": "critical_path", "inputs": ["plan_json"], "outputs": ["critical_path"]})
    assert all(m.release.name != "critical_path" for m in filled.near_matches(path_spec))
    yanked_too = filled.near_matches(path_spec, statuses=(Status.approved, Status.yanked))
    assert yanked_too[0].release.name == "critical_path" and yanked_too[0].score == 1.0
    weather = parse_spec({"name": "weather_forecast", "inputs": ["plan_json"],
                          "outputs": {"forecast": {"type": "string"}}})
    match = next(m for m in filled.near_matches(weather) if m.release.name == "weather_forecast")
    assert "needs input 'city' the spec does not offer" in match.reasons
    assert match.score == pytest.approx(0.5 * (0.4 + 0.4))


def test_near_matches_one_per_plugin_newest_wins(hub: Hub, tmp_path: Path) -> None:
    for version in ("1.0.0", "1.2.0", "1.1.0"):
        hub.publish(make_plugin(tmp_path, "cost_estimation", version=version), status=Status.approved,
                    tier=Tier.tier1)
    spec = parse_spec({"name": "cost_estimation", "inputs": ["plan_json"], "outputs": ["cost_breakdown"]})
    matches = hub.near_matches(spec)
    assert [m.release.ref for m in matches] == ["cost_estimation@1.2.0"]


def test_score_is_exact_for_an_identical_capability() -> None:
    manifest = PluginManifest(name="cost_estimation", capability="cost_estimation", origin="handwritten",
                              inputs=["plan_json"], outputs=["cost_breakdown"])
    spec = parse_spec({"name": "cost_estimation", "inputs": ["plan_json"], "outputs": ["cost_breakdown"]})
    score, reasons = score_match(spec, manifest)
    assert score == 1.0
    assert reasons[0] == "text: capability 'cost_estimation' matches exactly"


def test_incompatible_output_type_is_not_counted() -> None:
    manifest = PluginManifest(name="cost_strings", capability="cost_strings", origin="handwritten",
                              inputs=["plan_json"], outputs={"cost_breakdown": {"type": "string"}})
    spec = parse_spec({"name": "cost_strings", "inputs": ["plan_json"],
                       "outputs": {"cost_breakdown": {"type": "object"}}})
    score, reasons = score_match(spec, manifest)
    assert "output 'cost_breakdown' has an incompatible type" in reasons
    assert score == pytest.approx(0.4 * 1.0 + 0.2 * 1.0)
