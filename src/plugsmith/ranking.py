"""Ranking of hub releases: ``RankScore = 0.35·R + 0.30·Q + 0.20·A + 0.15·S`` (see docs/ranking.md).

Pure functions over data the hub already holds (telemetry events, the evaluation and gate report stored
with a release, the trust tier), so the CLI, the server and tests rank identically. Nothing here does
I/O; callers fetch events once and pass them in::

    stats = usage_stats(hub.events())
    ranked = rank(hub.search("cost"), stats)
    groups = group_near_duplicates(ranked)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plugsmith.spec import Tier

WEIGHTS = {"reliability": 0.35, "quality": 0.30, "adoption": 0.20, "safety": 0.15}
SAFETY = {Tier.tier0: 1.0, Tier.tier1: 0.8, Tier.tier2: 0.4}
ADOPTION_HALF = 5  # distinct plans at which adoption reaches 0.5
PLANS_PER_REPORTER = 5  # distinct plans one server token can vouch for, per plugin
_SUCCESS_KINDS = {"use", "reuse"}


@dataclass
class UsageStats:
    """Telemetry of one plugin, counted from the hub's events."""

    uses: int = 0
    failures: int = 0
    plans: set[str] = field(default_factory=set)
    downloads: int = 0
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)  # version -> newest harness result


@dataclass(frozen=True)
class RankScore:
    """The four terms (each in [0, 1]) and their weighted sum."""

    reliability: float
    quality: float
    adoption: float
    safety: float

    @property
    def score(self) -> float:
        total = (
            WEIGHTS["reliability"] * self.reliability
            + WEIGHTS["quality"] * self.quality
            + WEIGHTS["adoption"] * self.adoption
            + WEIGHTS["safety"] * self.safety
        )
        return round(total, 4)


@dataclass(frozen=True)
class Ranked:
    """A release with its score: what a search result carries."""

    release: Any  # plugsmith.hub.Release (duck-typed to keep this module free of the hub)
    rank: RankScore
    downloads: int

    def summary(self) -> dict[str, Any]:
        """``{plugin_id, version, ranking_score, downloads, safety_tier}`` plus what a list shows."""
        rel = self.release
        return {
            "plugin_id": rel.plugin_id,
            "name": rel.name,
            "capability": rel.capability,
            "version": rel.version,
            "status": str(rel.status),
            "ranking_score": self.rank.score,
            "downloads": self.downloads,
            "safety_tier": str(rel.tier) if rel.tier else None,
            "terms": {name: round(getattr(self.rank, name), 4) for name in WEIGHTS},
        }


def _reporter(event: Mapping[str, Any]) -> str | None:
    """The server token that reported ``event`` (set by the server, never by the client), if any."""
    detail = event.get("detail")
    who = detail.get("reported_by") if isinstance(detail, Mapping) else None
    return who if isinstance(who, str) else None


def usage_stats(events: Iterable[Mapping[str, Any]]) -> dict[str, UsageStats]:
    """Count uses, failures and distinct plans per plugin id from telemetry events.

    A success reported through the server counts for at most ``PLANS_PER_REPORTER`` distinct plans of
    its reporting token: plan ids are the client's word, and one token sending a thousand made-up plans
    must not buy a plugin the reliability and adoption of a thousand users.
    """
    stats: dict[str, UsageStats] = {}
    vouched: dict[tuple[str, str], set[str]] = {}
    for event in events:
        plugin_id = event.get("plugin_id")
        if not plugin_id:
            continue
        entry = stats.setdefault(plugin_id, UsageStats())
        kind, outcome = event.get("kind"), event.get("outcome", "ok")
        success = kind in _SUCCESS_KINDS and outcome == "ok"
        if success and (who := _reporter(event)) is not None:
            plans = vouched.setdefault((plugin_id, who), set())
            plan = str(event.get("plan_id") or "")
            if plan not in plans and len(plans) >= PLANS_PER_REPORTER:
                continue
            plans.add(plan)
        if kind == "failure" or (kind in _SUCCESS_KINDS and outcome != "ok"):
            entry.failures += 1
        elif kind in _SUCCESS_KINDS:
            entry.uses += 1
        if kind == "download":
            entry.downloads += 1
        if kind in _SUCCESS_KINDS and event.get("plan_id"):
            entry.plans.add(str(event["plan_id"]))
        if kind == "benchmark" and isinstance(event.get("detail"), Mapping):
            entry.benchmarks[str(event.get("version"))] = dict(event["detail"])
    return stats


def reliability(uses: int, failures: int) -> float:
    """Laplace-smoothed success rate: no data gives 0.5, each failure pulls it down."""
    return (uses + 1) / (uses + failures + 2)


def quality(evaluation: Mapping[str, Any] | None, gate_report: Mapping[str, Any] | None) -> float:
    """Benchmark accuracy × (1 − failure rate) when evaluated (the newest harness run, else the evaluation
    stored at publish), else the gate pass fraction, else 0."""
    if evaluation and isinstance(evaluation.get("accuracy"), int | float):
        failure_rate = evaluation.get("failure_rate", 0.0)
        failure_rate = failure_rate if isinstance(failure_rate, int | float) else 0.0
        return _clip(float(evaluation["accuracy"]) * (1.0 - _clip(float(failure_rate))))
    if evaluation and isinstance(evaluation.get("score"), int | float):
        return _clip(float(evaluation["score"]))
    gates = [g for g in (gate_report or {}).get("gates", []) if isinstance(g, Mapping)]
    counted = [g for g in gates if g.get("status") != "skip"]
    if not counted:
        return 0.0
    points = {"pass": 1.0, "warn": 0.5}
    return sum(points.get(str(g.get("status")), 0.0) for g in counted) / len(counted)


def adoption(plans: int) -> float:
    """Distinct plans that used the plugin, saturating: 0 → 0, 5 → 0.5, 20 → 0.8."""
    return plans / (plans + ADOPTION_HALF) if plans > 0 else 0.0


def safety(tier: Tier | str | None) -> float:
    """Tier 0 → 1.0, Tier 1 → 0.8, Tier 2 → 0.4, no tier → 0."""
    if tier is None:
        return 0.0
    try:
        return SAFETY[Tier(tier)]
    except ValueError:
        return 0.0


def rank_score(release: Any, stats: UsageStats | None) -> RankScore:
    """Score one release given its plugin's telemetry."""
    stats = stats or UsageStats()
    evaluation = stats.benchmarks.get(release.version) or release.evaluation
    return RankScore(
        reliability=reliability(stats.uses, stats.failures),
        quality=quality(evaluation, release.gate_report),
        adoption=adoption(len(stats.plans)),
        safety=safety(release.tier),
    )


def rank(
    releases: Iterable[Any], stats: Mapping[str, UsageStats], downloads: Mapping[str, int] | None = None
) -> list[Ranked]:
    """Releases best first; ties broken by name then newest version, so the order is stable."""
    downloads = downloads or {}
    ranked = [
        Ranked(
            rel,
            rank_score(rel, stats.get(rel.plugin_id)),
            downloads.get(rel.plugin_id, 0)
            + (stats[rel.plugin_id].downloads if rel.plugin_id in stats else 0),
        )
        for rel in releases
    ]
    ranked.sort(key=lambda r: (r.release.name, r.release.created_at), reverse=True)
    ranked.sort(key=lambda r: (-r.rank.score, r.release.name))
    return ranked


def group_key(release: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Near-duplicates: same capability with the same input and output port names."""
    manifest = release.manifest
    return (release.capability, tuple(sorted(manifest.inputs)), tuple(sorted(manifest.outputs)))


def group_near_duplicates(ranked: list[Ranked]) -> list[tuple[Ranked, list[Ranked]]]:
    """One entry per near-duplicate group: its best release and the alternatives, in rank order."""
    groups: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[Ranked]] = {}
    for item in ranked:
        groups.setdefault(group_key(item.release), []).append(item)
    return [(members[0], members[1:]) for members in groups.values()]


def newest_per_plugin(releases: Iterable[Any]) -> list[Any]:
    """One release per plugin: the highest version among those given (a search shows plugins, not
    every version of each)."""
    newest: dict[str, Any] = {}
    for rel in releases:
        if rel.plugin_id not in newest or _newer(rel, newest[rel.plugin_id]):
            newest[rel.plugin_id] = rel
    return list(newest.values())


def ranked_results(
    releases: Iterable[Any],
    stats: Mapping[str, UsageStats],
    *,
    downloads: Mapping[str, int] | None = None,
    limit: int = 20,
    group: bool = True,
) -> list[dict[str, Any]]:
    """Search results as the CLI and the server both show them: newest release per plugin, ranked,
    near-duplicates of one capability folded into ``alternatives`` of the best one."""
    ranked = rank(newest_per_plugin(releases), stats, downloads)
    if not group:
        return [item.summary() for item in ranked[:limit]]
    out = []
    for best, others in group_near_duplicates(ranked)[:limit]:
        entry = best.summary()
        entry["alternatives"] = [
            {"plugin_id": o.release.plugin_id, "name": o.release.name, "version": o.release.version,
             "ranking_score": o.rank.score}
            for o in others
        ]
        out.append(entry)
    return out


def _newer(a: Any, b: Any) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a.version) > Version(b.version)
    except InvalidVersion:
        return bool(a.created_at > b.created_at)


def _clip(value: float) -> float:
    return 0.0 if math.isnan(value) else max(0.0, min(1.0, value))


__all__ = [
    "ADOPTION_HALF",
    "SAFETY",
    "WEIGHTS",
    "RankScore",
    "Ranked",
    "UsageStats",
    "adoption",
    "group_key",
    "group_near_duplicates",
    "quality",
    "rank",
    "rank_score",
    "reliability",
    "safety",
    "usage_stats",
]
