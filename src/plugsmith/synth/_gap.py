"""The gap check before any synthesis: is there already an adequate plugin? Was this asked before?

"Adequate" means: an approved release whose ports fit the spec passes every one of the spec's own test
cases in the sandbox. Exact capability matches are tried first, then near matches (best score first).
Releases that fail are handed to the strategies (``adapt`` builds on them; ``llm`` shows their code).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from plugsmith.errors import PlugsmithError
from plugsmith.spec import CapabilitySpec, Status

if TYPE_CHECKING:
    from plugsmith.hub import Hub, NearMatch, Release
    from plugsmith.sandbox import Sandbox

RETRY_AFTER_S = 3600.0   # a failed synthesis of the same spec is not retried for an hour (unless forced)
LOADABLE = (Status.approved, Status.pending_review)


@dataclass
class GapReport:
    """What the hub already has for a spec."""

    reuse: Release | None = None
    match: str = ""                       # "exact" | "near"
    score: float | None = None
    checked: list[dict[str, Any]] = field(default_factory=list)   # every release tried, with result
    not_adequate: list[Release] = field(default_factory=list)
    near: list[NearMatch] = field(default_factory=list)


def ports_fit(spec: CapabilitySpec, release: Release) -> bool:
    """Can the spec's cases be fed to this release as they are (same port names)?"""
    manifest = release.manifest
    return set(spec.outputs) <= set(manifest.outputs) and set(manifest.inputs) <= set(spec.inputs)


def _passes(spec: CapabilitySpec, hub: Hub, release: Release, sandbox: Sandbox | None) -> tuple[bool, str]:
    from plugsmith.gates import run_cases

    if not ports_fit(spec, release):
        return False, "ports differ"
    try:
        checks = run_cases(hub.checkout(release), spec.cases, sandbox=sandbox)
    except PlugsmithError as exc:
        return False, exc.one_line()
    failed = [c.name for c in checks if not c.passed]
    if failed:
        return False, f"fails {len(failed)} of {len(checks)} spec cases ({', '.join(failed[:3])})"
    return True, f"passes all {len(checks)} spec cases"


def gap_check(spec: CapabilitySpec, hub: Hub, sandbox: Sandbox | None) -> GapReport:
    """Find an adequate approved plugin (exact capability first, then near matches)."""
    report = GapReport()
    seen: set[str] = set()
    for release in hub.lookup(spec.name):
        seen.add(release.ref)
        ok, why = _passes(spec, hub, release, sandbox)
        report.checked.append({"ref": release.ref, "match": "exact", "adequate": ok, "why": why})
        if ok:
            report.reuse, report.match = release, "exact"
            return report
        report.not_adequate.append(release)
    for near in hub.near_matches(spec):
        if near.release.ref in seen or near.release.status != Status.approved:
            continue
        seen.add(near.release.ref)
        report.near.append(near)
        if not ports_fit(spec, near.release):
            continue
        ok, why = _passes(spec, hub, near.release, sandbox)
        report.checked.append({"ref": near.release.ref, "match": "near", "score": near.score,
                               "adequate": ok, "why": why})
        if ok:
            report.reuse, report.match, report.score = near.release, "near", near.score
            return report
    return report


def retry_after_s() -> float:
    raw = os.environ.get("PLUGSMITH_SYNTH_RETRY_AFTER", "")
    try:
        return float(raw) if raw else RETRY_AFTER_S
    except ValueError:
        return RETRY_AFTER_S


def earlier_result(hub: Hub, spec_hash: str, strategies: list[str]) -> dict[str, Any] | None:
    """The earlier record for this spec hash when it still answers the request, else None.

    It answers when its plugin was published and is still loadable (e.g. waiting for review), or when it
    failed less than ``PLUGSMITH_SYNTH_RETRY_AFTER`` seconds ago with the same (or more) strategies.
    """
    record = hub.synthesis_record(spec_hash)
    if not record or not isinstance(record.get("outcome"), dict):
        return None
    outcome = record["outcome"]
    if record.get("published") and outcome.get("plugin_id") and outcome.get("version"):
        try:
            versions = {r.version: r for r in hub.versions(str(outcome["plugin_id"]))}
        except PlugsmithError:
            return None
        current = versions.get(outcome["version"])
        return record if current is not None and current.status in LOADABLE else None
    if outcome.get("status") == "failed":
        tried = set(record.get("requested_strategies", []))
        try:
            finished = datetime.fromisoformat(record["finished_at"])
        except (KeyError, TypeError, ValueError):
            return None
        age = (datetime.now(UTC) - finished).total_seconds()
        if age < retry_after_s() and set(strategies) <= tried:
            return record
    return None


__all__ = ["GapReport", "earlier_result", "gap_check", "ports_fit", "retry_after_s"]
