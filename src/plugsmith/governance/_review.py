"""The human review queue: sensitive capabilities wait in ``pending_review`` until a person decides.

A decision is a hub status change plus a ``review`` event that pins the release's checksum (so a later
different artifact is not covered by an old approval), and an audit-log line.

``promote`` is the one way a hand-written or uploaded plugin reaches Tier 1: a reviewer vouches for a
release that passed every gate cleanly (no warnings, no permissions). The promotion is a ``review``
event (outcome ``promoted``) carrying the hub's signed attestation of exactly that checksum.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from plugsmith.errors import BadInput
from plugsmith.governance import _audit
from plugsmith.governance._gatekeeper import REVIEW_EVENT
from plugsmith.governance._keys import signing_key
from plugsmith.governance._signing import HubKey
from plugsmith.spec import Status, Tier

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release

_FINAL = (Status.rejected, Status.yanked, Status.quarantined)


def review_queue(hub: Hub) -> list[Release]:
    """Releases waiting for a human decision, oldest first."""
    return sorted(hub.search(status=Status.pending_review, limit=1000), key=lambda r: r.created_at)


def _reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def decide(hub: Hub, ref: str, *, approve: bool, note: str = "") -> Release:
    """Approve or reject ``ref``; a release the gates rejected (or yanked/quarantined) cannot be approved."""
    release = hub.get(ref)
    if approve and release.status in _FINAL:
        raise BadInput(f"cannot approve a {release.status.value} release", subject=release.ref,
                       hint="rejected, yanked and quarantined releases never load")
    if approve and release.tier is None:
        raise BadInput("cannot approve a release without a trust tier", subject=release.ref)
    outcome = "approved" if approve else "rejected"
    reviewer = _reviewer()
    updated = hub.set_status(release.ref, Status.approved if approve else Status.rejected,
                             reason=f"human review by {reviewer}" + (f": {note}" if note else ""))
    hub.record_event(REVIEW_EVENT, capability=release.capability, plugin_id=release.plugin_id,
                     version=release.version, outcome=outcome,
                     detail={"checksum": release.checksum, "reviewer": reviewer, "note": note})
    _audit.append({"action": "review", "allowed": approve, "ref": release.ref, "plugin_id": release.plugin_id,
                   "checksum": release.checksum, "reason": f"{outcome} by {reviewer}"
                   + (f": {note}" if note else "")})
    return updated


def _clean(release: Release) -> str | None:
    """Why the stored gate report does not allow a promotion, or None."""
    report = release.gate_report or {}
    if report.get("verdict") != "approved" or not report.get("gates"):
        return "it has no approved gate report"
    unclean = [g.get("name") for g in report["gates"] if g.get("status") not in ("pass", "skip")]
    if unclean:
        return f"gate(s) {', '.join(map(str, unclean))} did not pass cleanly"
    if release.manifest.permissions:
        return "it asks for permissions"
    return None


def promote(hub: Hub, ref: str, *, reviewer: str | None = None, note: str = "",
            key: HubKey | None = None) -> Release:
    """Raise a clean Tier 2 release to Tier 1 after human review (see the module docstring)."""
    from plugsmith.governance._attest import attest

    release = hub.get(ref)
    if release.status in _FINAL:
        raise BadInput(f"cannot promote a {release.status.value} release", subject=release.ref)
    if release.tier != Tier.tier2:
        raise BadInput(f"only Tier 2 releases can be promoted; this one is {release.tier or 'untiered'}",
                       subject=release.ref)
    problem = _clean(release)
    if problem:
        raise BadInput(f"cannot promote it to Tier 1: {problem}", subject=release.ref,
                       hint="fix the plugin and publish a new version; only a clean release is promoted")
    who = reviewer or _reviewer()
    attestation = attest(key or signing_key(hub), release.checksum, "reviewed", reviewer=who)
    updated = hub.set_tier(release.ref, Tier.tier1)
    hub.record_event(REVIEW_EVENT, capability=release.capability, plugin_id=release.plugin_id,
                     version=release.version, outcome="promoted",
                     detail={"checksum": release.checksum, "reviewer": who, "note": note,
                             "from": Tier.tier2.value, "to": Tier.tier1.value, "attestation": attestation})
    reason = f"Tier 1 by {who}" + (f": {note}" if note else "")
    _audit.append({"action": "promote", "allowed": True, "ref": release.ref, "plugin_id": release.plugin_id,
                   "checksum": release.checksum, "reason": reason})
    return updated


__all__ = ["decide", "promote", "review_queue"]
