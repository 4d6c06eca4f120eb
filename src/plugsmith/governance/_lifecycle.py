"""Lifecycle automation: the benchmarking harness, learning from production failures, auto-deprecation.

* ``benchmark_capability`` runs every loadable release of a capability over the hub's benchmark cases
  for it (in the sandbox) and records ``{plugin_id, coverage_score, accuracy, failure_rate,
  domain_breakdown}`` as a ``benchmark`` event; the ranking's Quality term uses the newest one.
  Plan types are domain (the plan's ``kind``) × complexity (task count: small ≤ 5, medium ≤ 20,
  large) × data completeness (share of tasks with a cost and a duration: complete ≥ 0.9, partial,
  sparse < 0.5); ``coverage_score`` is the share of plan types on which every case passed.
* ``learn_from_failure`` records a production failure (lowering the plugin's Reliability) and, when the
  reporter knows the right answer, keeps the inputs as a ``regression`` benchmark case, so the gates'
  benchmark gate makes the next synthesis (and every new version) pass it.
* ``auto_deprecate`` applies ``LifecyclePolicy``: unused for N days, superseded by a better-tier plugin
  of the same capability, failure rate above a threshold, or benchmark accuracy below the minimum grade.
  Deprecated releases still load when pinned by version; nothing is ever yanked automatically.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from plugsmith.spec import Status, TestCase

BENCHMARK_EVENT = "benchmark"


@dataclass(frozen=True)
class LifecyclePolicy:
    """When a release is deprecated automatically. ``None`` switches a rule off."""

    unused_days: int | None = 90
    max_failure_rate: float | None = 0.5
    min_events: int = 5  # telemetry needed before the failure-rate rule applies
    min_accuracy: float | None = 0.9  # the minimum benchmark grade (as the benchmark gate's warn line)
    supersede: bool = True


@dataclass
class BenchmarkResult:
    plugin_id: str
    version: str
    coverage_score: float
    accuracy: float
    failure_rate: float
    domain_breakdown: dict[str, float] = field(default_factory=dict)
    plan_types: dict[str, float] = field(default_factory=dict)
    cases: int = 0


def plan_type(case: TestCase) -> tuple[str, str, str]:
    """(domain, complexity, completeness) of a case's plan input."""
    plan = case.input.get("plan_json") if isinstance(case.input.get("plan_json"), dict) else {}
    tasks = [t for t in plan.get("tasks", []) if isinstance(t, dict)] if isinstance(plan, dict) else []
    domain = str(plan.get("kind") or "general") if isinstance(plan, dict) else "general"
    complexity = "small" if len(tasks) <= 5 else "medium" if len(tasks) <= 20 else "large"
    filled = sum(1 for t in tasks if t.get("cost") is not None and t.get("duration") is not None)
    share = filled / len(tasks) if tasks else 1.0
    completeness = "complete" if share >= 0.9 else "partial" if share >= 0.5 else "sparse"
    return domain, complexity, completeness


def benchmark_release(
    hub: Any, release: Any, cases: list[TestCase], sandbox: Any = None
) -> BenchmarkResult:
    """Run one release over ``cases`` in the sandbox and grade it."""
    from plugsmith.gates import run_cases  # type: ignore[attr-defined,unused-ignore]

    checks = run_cases(hub.checkout(release), cases, sandbox=sandbox)
    cells: dict[str, list[bool]] = defaultdict(list)
    domains: dict[str, list[bool]] = defaultdict(list)
    for case, check in zip(cases, checks, strict=True):
        domain, complexity, completeness = plan_type(case)
        cells[f"{domain}/{complexity}/{completeness}"].append(check.passed)
        domains[domain].append(check.passed)
    total = len(checks) or 1
    return BenchmarkResult(
        plugin_id=release.plugin_id,
        version=release.version,
        cases=len(checks),
        accuracy=round(sum(c.passed for c in checks) / total, 4),
        failure_rate=round(sum(1 for c in checks if c.error) / total, 4),
        coverage_score=round(sum(all(v) for v in cells.values()) / (len(cells) or 1), 4),
        domain_breakdown={d: round(sum(v) / len(v), 4) for d, v in sorted(domains.items())},
        plan_types={k: round(sum(v) / len(v), 4) for k, v in sorted(cells.items())},
    )


def benchmark_capability(hub: Any, capability: str, *, sandbox: Any = None) -> list[BenchmarkResult]:
    """Benchmark every approved or deprecated release of ``capability``; record each result."""
    cases = hub.benchmark_cases(capability)
    if not cases:
        return []
    results = []
    for release in hub.lookup(capability, statuses=(Status.approved, Status.deprecated)):
        result = benchmark_release(hub, release, cases, sandbox)
        hub.record_event(
            BENCHMARK_EVENT,
            capability=capability,
            plugin_id=release.plugin_id,
            version=release.version,
            outcome="ok",
            detail=asdict(result),
        )
        results.append(result)
    return results


def learn_from_failure(
    hub: Any,
    *,
    capability: str,
    plugin_id: str | None,
    version: str | None,
    inputs: dict[str, Any],
    error: str,
    expected: dict[str, Any] | None = None,
    plan_id: str | None = None,
) -> str | None:
    """Record the failure; keep the inputs as a regression case when ``expected`` is known.

    Returns the new case's name (stable for the same inputs, so a repeated report replaces it).
    """
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]
    hub.record_event(
        "failure",
        capability=capability,
        plugin_id=plugin_id,
        version=version,
        plan_id=plan_id,
        outcome="error",
        detail={"error": error[:500], "inputs_sha": digest, "case_added": expected is not None},
    )
    if expected is None:
        return None
    name = f"regression_{digest}"
    hub.add_benchmark_case(
        capability, TestCase(name=name, input=inputs, expected=expected), kind="regression"
    )
    return name


def latest_benchmarks(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest benchmark result per (plugin_id, version)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        if event.get("kind") == BENCHMARK_EVENT and event.get("plugin_id"):
            out[(event["plugin_id"], str(event.get("version")))] = dict(event.get("detail") or {})
    return out


def auto_deprecate(
    hub: Any, policy: LifecyclePolicy | None = None, *, now: datetime | None = None, dry_run: bool = False
) -> list[dict[str, str]]:
    """Deprecate approved releases that the policy says are past their time; returns ``[{ref, reason}]``."""
    policy = policy or LifecyclePolicy()
    now = now or datetime.now(UTC)
    events = hub.events()
    approved = hub.search("", status=Status.approved, limit=1_000_000)
    decisions = []
    for release in approved:
        reason = _reason(release, approved, events, policy, now)
        if reason:
            decisions.append({"ref": release.ref, "reason": reason})
            if not dry_run:
                hub.set_status(release.ref, Status.deprecated, reason=f"automatic: {reason}")
    return decisions


def _reason(
    release: Any, approved: list[Any], events: list[dict[str, Any]], policy: LifecyclePolicy, now: datetime
) -> str | None:
    mine = [e for e in events if e.get("plugin_id") == release.plugin_id]
    uses = [e for e in mine if e.get("kind") in ("use", "reuse") and e.get("outcome", "ok") == "ok"]
    failures = [
        e
        for e in mine
        if e.get("kind") == "failure"
        or (e.get("kind") in ("use", "reuse") and e.get("outcome", "ok") != "ok")
    ]
    if policy.supersede and release.tier is not None:
        better = [
            r
            for r in approved
            if r.capability == release.capability
            and r.plugin_id != release.plugin_id
            and r.tier is not None
            and r.tier.rank < release.tier.rank
        ]
        if better:
            return f"superseded by {better[0].ref} ({better[0].tier.value})"
    total = len(uses) + len(failures)
    if policy.max_failure_rate is not None and total >= policy.min_events:
        rate = len(failures) / total
        if rate > policy.max_failure_rate:
            return f"failure rate {rate:.0%} over {total} runs (limit {policy.max_failure_rate:.0%})"
    grade = latest_benchmarks(mine).get((release.plugin_id, release.version))
    if policy.min_accuracy is not None and grade and grade.get("accuracy", 1.0) < policy.min_accuracy:
        return f"benchmark accuracy {grade['accuracy']:.0%} below the minimum {policy.min_accuracy:.0%}"
    if policy.unused_days is not None:
        cutoff = now - timedelta(days=policy.unused_days)
        last = max((_when(e) for e in uses), default=None) or _aware(release.created_at)
        if last < cutoff:
            return f"unused for more than {policy.unused_days} days"
    return None


def _when(event: dict[str, Any]) -> datetime:
    value = event.get("created_at")
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return _aware(parsed) if isinstance(parsed, datetime) else datetime.min.replace(tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = [
    "BENCHMARK_EVENT",
    "BenchmarkResult",
    "LifecyclePolicy",
    "auto_deprecate",
    "benchmark_capability",
    "benchmark_release",
    "latest_benchmarks",
    "learn_from_failure",
    "plan_type",
]
