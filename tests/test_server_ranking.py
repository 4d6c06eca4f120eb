"""The ranking formula (docs/ranking.md) on hand-built releases and telemetry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from plugsmith import ranking
from plugsmith.spec import PluginManifest, Tier


@dataclass
class Rel:
    plugin_id: str
    name: str
    capability: str = "cost_total"
    version: str = "1.0.0"
    status: str = "approved"
    tier: Tier | None = Tier.tier1
    evaluation: dict[str, Any] | None = None
    gate_report: dict[str, Any] | None = None
    created_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    outputs: tuple[str, ...] = ("total",)

    @property
    def manifest(self) -> PluginManifest:
        return PluginManifest.model_validate(
            {
                "name": self.name,
                "capability": self.capability,
                "origin": "handwritten",
                "inputs": ["plan_json"],
                "outputs": list(self.outputs),
            }
        )


def test_terms_are_bounded_and_weighted() -> None:
    score = ranking.RankScore(reliability=1, quality=1, adoption=1, safety=1)
    assert score.score == pytest.approx(1.0)
    assert ranking.RankScore(reliability=1, quality=0, adoption=0, safety=0).score == pytest.approx(0.35)
    assert ranking.reliability(0, 0) == 0.5
    assert ranking.reliability(8, 0) == 0.9 > ranking.reliability(8, 8) == 0.5
    assert ranking.adoption(0) == 0 and ranking.adoption(5) == 0.5 and ranking.adoption(1000) < 1
    assert (
        ranking.safety(Tier.tier0)
        > ranking.safety(Tier.tier1)
        > ranking.safety(Tier.tier2)
        > ranking.safety(None)
    )


def test_quality_prefers_benchmarks_then_gates() -> None:
    assert ranking.quality({"accuracy": 0.9, "failure_rate": 0.5}, None) == pytest.approx(0.45)
    gates = {"gates": [{"status": "pass"}, {"status": "warn"}, {"status": "skip"}, {"status": "fail"}]}
    assert ranking.quality(None, gates) == pytest.approx(0.5)
    assert ranking.quality({"accuracy": 2.0}, None) == 1.0
    assert ranking.quality(None, None) == 0.0


def test_usage_stats_counts_failures_plans_and_downloads() -> None:
    events = [
        {"kind": "use", "plugin_id": "a", "plan_id": "p1"},
        {"kind": "use", "plugin_id": "a", "plan_id": "p1"},
        {"kind": "reuse", "plugin_id": "a", "plan_id": "p2"},
        {"kind": "failure", "plugin_id": "a"},
        {"kind": "use", "plugin_id": "a", "outcome": "error"},
        {"kind": "gap", "capability": "x"},
    ]
    stats = ranking.usage_stats(events)["a"]
    assert (stats.uses, stats.failures, stats.plans) == (3, 2, {"p1", "p2"})


def test_rank_orders_and_groups_near_duplicates() -> None:
    good, flaky = Rel("plug_good", "cost_good"), Rel("plug_flaky", "cost_flaky")
    other = Rel("plug_other", "cost_other", outputs=("sum",))
    stats = ranking.usage_stats(
        [{"kind": "failure", "plugin_id": "plug_flaky"}] * 5
        + [{"kind": "use", "plugin_id": "plug_good", "plan_id": str(i)} for i in range(4)]
    )
    ranked = ranking.rank([flaky, other, good], stats, {"plug_good": 7})
    assert [r.release.plugin_id for r in ranked] == ["plug_good", "plug_other", "plug_flaky"]
    assert ranked[0].summary()["downloads"] == 7
    groups = ranking.group_near_duplicates(ranked)
    assert [(g.release.plugin_id, [a.release.plugin_id for a in alts]) for g, alts in groups] == [
        ("plug_good", ["plug_flaky"]),
        ("plug_other", []),
    ]
