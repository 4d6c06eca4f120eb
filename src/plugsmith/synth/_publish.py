"""The end of a synthesis: publish the accepted candidate (or keep it as a draft), write the record,
record telemetry and build the Outcome. Also the Outcome for a reused plugin.

A sensitive capability (``Policy.sensitive_capabilities``) is published as ``pending_review``: it passed
every gate, but a person must approve it before it loads.

Provenance is the hub's own: the tier is decided for the origin this flow knows it produced (the
gates judged the candidate's directory as hand-written, since nothing attested it yet), and the
synthesis record carries an attestation of the published (or kept) bytes signed with the hub key, so
the gates recognise those exact bytes later (``plugsmith validate`` of a kept draft, ``hub publish``).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.spec import GateReport, Outcome, Status, TestCase
from plugsmith.synth._text import clip

if TYPE_CHECKING:
    from plugsmith.hub import Release
    from plugsmith.synth._flow import _Run
    from plugsmith.synth._gap import GapReport
    from plugsmith.synth._judge import Judged


def sensitive_capabilities() -> set[str]:
    """Capabilities the governance policy marks sensitive (empty when governance is unavailable)."""
    try:
        from plugsmith.governance import Policy
    except ImportError:
        return set()
    return set(Policy.load().sensitive_capabilities)


def reused_outcome(run: _Run, gap: GapReport) -> Outcome:
    """An adequate plugin exists: say which, record a ``reuse`` event, publish nothing."""
    release = gap.reuse
    assert release is not None
    how = "exact capability match" if gap.match == "exact" else f"near match, score {gap.score:.2f}"
    run.hub.record_event("reuse", capability=run.spec.name, plugin_id=release.plugin_id,
                         plan_id=run.request.plan_id,
                         version=release.version, detail={"match": gap.match, "score": gap.score,
                                                           "spec_hash": run.spec_hash})
    run.say(f"reusing {release.ref} ({how})")
    return Outcome(
        plugin_id=release.plugin_id, origin=release.origin, capability=run.spec.name, status=Status.reused,
        trust_tier=release.tier, version=release.version, checksum=release.checksum, strategy=None,
        message=f"reused {release.ref} ({how}): it passes all {len(run.spec.cases)} spec cases; "
                "nothing was synthesized",
        duration_s=round(time.monotonic() - run.started, 3),
        record={"reused": release.ref, "match": gap.match, "score": gap.score, "checked": gap.checked})


def _keep_draft(run: _Run, judged: Judged) -> Path:
    from plugsmith.config import home

    draft = judged.draft
    dest = home() / "drafts" / f"{draft.name}-{draft.version}"
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(judged.plugin_dir, tmp)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def _attested_report(run: _Run, judged: Judged) -> GateReport:
    """The gate report with the tier this hub grants what it synthesized itself (Tier 1 when clean)."""
    from plugsmith.gates._validate import tier_report
    from plugsmith.spec import load_manifest

    report = judged.verdict.report
    assert report is not None
    origin = judged.draft.origin.value
    how = f"{origin} by this hub (plugsmith synth, strategy {judged.verdict.candidate.strategy})"
    return tier_report(report, load_manifest(judged.plugin_dir), origin, how)


def _attestation(run: _Run, judged: Judged, checksum: str) -> dict[str, Any]:
    """The hub's signed statement that it made the bytes with this checksum."""
    from plugsmith.governance._attest import attest
    from plugsmith.governance._keys import signing_key

    return attest(signing_key(run.hub), checksum, judged.draft.origin.value, spec_hash=run.spec_hash,
                  strategy=judged.verdict.candidate.strategy, name=judged.draft.name,
                  version=judged.draft.version)


def _publish_fresh(run: _Run, judged: Judged, status: Status, report: GateReport) -> Release:
    """Publish; if another process took this version meanwhile, take the next one (same code)."""
    from plugsmith.errors import VersionConflict
    from plugsmith.synth._render import render_plugin

    for _attempt in range(3):
        try:
            return run.hub.publish(judged.plugin_dir, status=status, tier=report.tier, gate_report=report)
        except VersionConflict:
            version = run.hub.next_version(judged.draft.name)
            run.say(f"{judged.draft.name}@{judged.draft.version} was published meanwhile; using {version}")
            judged.draft = replace(judged.draft, version=version)
            render_plugin(judged.draft, judged.plugin_dir)
            report = report.model_copy(update={"version": version})
    return run.hub.publish(judged.plugin_dir, status=status, tier=report.tier, gate_report=report)


def _sign_if_served(hub: Any, release: Release) -> None:
    """A served hub signs every release; sign this one too when this machine holds the hub key."""
    try:
        from plugsmith.governance import sign_if_served
    except ImportError:
        return
    sign_if_served(hub, release)


def _publish(run: _Run, judged: Judged) -> tuple[Outcome, dict[str, Any]]:
    """Publish (or keep as a draft with --no-publish) and describe the result."""
    report = _attested_report(run, judged)
    draft = judged.draft
    extra: dict[str, Any] = {}
    sensitive = run.spec.name in sensitive_capabilities()
    status = Status.pending_review if sensitive else Status.approved
    if run.request.publish:
        release = _publish_fresh(run, judged, status, report)
        draft = judged.draft  # the version may have moved on
        extra["attestation"] = _attestation(run, judged, release.checksum)
        _sign_if_served(run.hub, release)
        plugin_id, version, checksum, status = (release.plugin_id, release.version, release.checksum,
                                                release.status)
        message = f"published {release.ref} ({status.value})"
        if sensitive:
            message += f"; {run.spec.name!r} is a sensitive capability: a reviewer must approve it"
    else:
        from plugsmith.hub import checksum as checksum_of
        from plugsmith.hub import pack
        from plugsmith.spec import plugin_id_for

        kept = _keep_draft(run, judged)
        plugin_id, version = plugin_id_for(draft.name), draft.version
        checksum = checksum_of(pack(kept))
        extra["plugin_dir"] = str(kept)
        extra["attestation"] = _attestation(run, judged, checksum)
        message = f"approved by the gates but not published (--no-publish); plugin directory: {kept}"
    outcome = Outcome(
        plugin_id=plugin_id, origin=draft.origin, capability=run.spec.name, status=status,
        trust_tier=report.tier, version=version, checksum=checksum,
        strategy=judged.verdict.candidate.strategy,
        gates={g.name: g.status.value for g in report.gates}, message=message)
    return outcome, extra


def finish(run: _Run, gap: GapReport, judged: Judged | None, guide: list[TestCase],
           holdout: list[TestCase]) -> Outcome:
    """Publish what passed (if anything), save the synthesis record, record telemetry."""
    extra: dict[str, Any] = {}
    if judged is not None:
        outcome, extra = _publish(run, judged)
    else:
        reasons = [f"{c['label']}: {'; '.join(c['reasons'])}" for c in run.candidates]
        reasons += [f"{s['strategy']}: {s['reason']}" for s in run.skipped]
        head = "no candidate passed the gates" if run.tried else "no strategy produced a candidate"
        outcome = Outcome(plugin_id=None, capability=run.spec.name, status="failed",
                          message=head + (": " + clip(" | ".join(reasons), 1500) if reasons else ""))
    duration = round(time.monotonic() - run.started, 3)
    outcome = outcome.model_copy(update={"candidates_tried": run.tried, "guide_cases": len(guide),
                                         "holdout_cases": len(holdout), "duration_s": duration,
                                         "rounds": len(run.rounds)})
    record: dict[str, Any] = {
        "spec_hash": run.spec_hash, "capability": run.spec.name,
        "requested_strategies": list(run.request.strategies), "strategies_run": run.strategies_run,
        "skipped": run.skipped, "guide_cases": [c.name for c in guide],
        "holdout_cases": [c.name for c in holdout], "rounds": run.rounds, "candidates": run.candidates,
        "rejected": [c for c in run.candidates if not c["accepted"]],
        "near_matches": [{"ref": m.release.ref, "score": m.score, "reasons": m.reasons} for m in gap.near],
        "checked_for_reuse": gap.checked,
        "edge_cases": judged.edge_results if judged is not None else [],
        "published": judged is not None and run.request.publish,
        "finished_at": datetime.now(UTC).isoformat(), "duration_s": duration, **extra,
    }
    adapted = [c for c in run.candidates if c["strategy"] == "adapt" and c["accepted"]]
    if adapted:
        record["adapt"] = {k: adapted[0].get(k) for k in
                           ("plugin_id", "adapted_from", "gap_summary", "test_status", "version")}
    record["outcome"] = outcome.model_dump(mode="json", exclude={"record"})
    run.hub.save_synthesis_record(run.spec_hash, run.spec.name, record)
    run.hub.record_event("synthesis", capability=run.spec.name, plugin_id=outcome.plugin_id,
                         plan_id=run.request.plan_id,
                         version=outcome.version, outcome=str(outcome.status), duration_ms=duration * 1000,
                         detail={"strategy": outcome.strategy, "candidates_tried": run.tried,
                                 "spec_hash": run.spec_hash})
    return outcome.model_copy(update={"record": record})


__all__ = ["finish", "reused_outcome", "sensitive_capabilities"]
