"""Resolving requirements against the hub: exact capability first, then adequate near matches.

"Adequate" means the plugin passes the requirement's own golden cases in the sandbox. Capabilities the
stages declare are trusted by name (their specs are the built-ins' own); capabilities a plan asks for
are always checked against the plan's cases, because the plan author's cases are the contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plugsmith.plan import Requirement
from plugsmith.spec import Status

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release
    from plugsmith.sandbox import Sandbox

NEAR_MATCHES_CHECKED = 3


def release_info(release: Release) -> dict[str, Any]:
    """The fields of a release the run files and the report show."""
    return {"plugin_id": release.plugin_id, "name": release.name, "version": release.version,
            "ref": release.ref, "tier": release.tier.value if release.tier else None,
            "origin": release.origin.value, "status": release.status.value, "checksum": release.checksum}


def adequate(hub: Hub, release: Release, req: Requirement, sandbox: Sandbox | None) -> tuple[bool, str]:
    """Does the release pass the requirement's inline cases? (True when there are none to check.)"""
    from plugsmith.gates import run_cases

    cases = req.spec.cases
    if not cases:
        return True, "no cases to check"
    missing = [p for p in req.spec.outputs if p not in release.manifest.outputs]
    if missing:
        return False, f"does not provide output port(s) {missing}"
    checks = run_cases(hub.checkout(release), cases, sandbox=sandbox)
    failed = [c.name for c in checks if not c.passed]
    return (not failed, f"fails case(s) {failed}" if failed else f"passes {len(checks)} case(s)")


def needs_check(req: Requirement, release: Release) -> bool:
    """Plan-required capabilities are checked, unless the release was made from this very spec.

    A synthesized release records the spec hash it was built and gated against; then the plan's cases
    have already passed the gates and running them again would prove nothing new.
    """
    if all(s.startswith(("stage", "kind:")) for s in req.sources):
        return False
    return release.manifest.provenance.get("spec_hash") != req.spec.spec_hash()


def resolve_one(hub: Hub, req: Requirement, sandbox: Sandbox | None = None) -> dict[str, Any]:
    """Find a release for one requirement; ``status`` is ``resolved`` (with ``how``) or ``gap``."""
    notes: list[str] = []
    for release in hub.lookup(req.name):
        if needs_check(req, release):
            ok, why = adequate(hub, release, req, sandbox)
            notes.append(f"{release.ref}: {why}")
            if not ok:
                continue
        else:
            notes.append(f"{release.ref}: trusted (stage capability or built from this spec)")
        return {"capability": req.name, "status": "resolved", "how": "exact",
                "release": release_info(release), "notes": notes}
    candidates = []
    for match in hub.near_matches(req.spec)[:NEAR_MATCHES_CHECKED]:
        entry = {"ref": match.release.ref, "score": round(match.score, 3), "reasons": list(match.reasons)}
        candidates.append(entry)
        if match.release.status != Status.approved or not req.spec.cases:
            continue
        ok, why = adequate(hub, match.release, req, sandbox)
        entry["check"] = why
        if ok:
            return {"capability": req.name, "status": "resolved", "how": "near_match",
                    "release": release_info(match.release), "score": entry["score"],
                    "candidates": candidates, "notes": notes}
    return {"capability": req.name, "status": "gap", "candidates": candidates, "notes": notes}


__all__ = ["adequate", "needs_check", "release_info", "resolve_one"]
