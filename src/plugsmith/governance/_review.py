"""The human review queue: sensitive capabilities wait in ``pending_review`` until a person decides.

A decision is a hub status change plus a ``review`` event that pins the release's checksum (so a later
different artifact is not covered by an old approval), and an audit-log line.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from plugsmith.errors import BadInput
from plugsmith.governance import _audit
from plugsmith.governance._gatekeeper import REVIEW_EVENT
from plugsmith.spec import Status

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


__all__ = ["decide", "review_queue"]
