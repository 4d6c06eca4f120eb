"""The gatekeeper in the load path: every load is checked, every decision is audit-logged.

Checks, in order (the first failure is the reason): status (rejected, yanked and quarantined never
load; pending_review waits for a human; deprecated loads only when pinned by version), tier (assigned,
and allowed by the policy), human review for sensitive capabilities, permissions (each grantable by the
policy), the artifact's checksum (re-verified on every check), and the release's ed25519 signature
(made by ``plugsmith serve``) against a key this machine trusts: the hub key in ``$PLUGSMITH_HOME/keys``
or the public key file named by ``PLUGSMITH_HUB_KEY``. On a hub that was never served releases carry no
signature and rely on their checksum; on a served (signed) hub a release without one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.errors import NotFound, PolicyDenied, TamperedArtifact
from plugsmith.governance import _audit
from plugsmith.governance._policy import Policy
from plugsmith.governance._served import UNSIGNED_HINT, recorded_signature, signing_key_id
from plugsmith.governance._signing import signature_mismatch, trusted_key
from plugsmith.sandbox import Limits
from plugsmith.spec import Status

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release

NEVER_LOAD = {Status.rejected: "was rejected by the gates", Status.yanked: "was yanked",
              Status.quarantined: "is quarantined (kill switch)"}
REVIEW_EVENT = "review"


DEFAULT_HINT = "see `plugsmith review list` and $PLUGSMITH_HOME/policy.toml"


@dataclass
class Decision:
    """Whether a release may load, and why (a refusal always says why, and what to do about it)."""

    allowed: bool
    reason: str
    hint: str | None = None


def reviewed(hub: Hub, release: Release) -> bool:
    """Whether a human approved exactly this release (same checksum) with `plugsmith review approve`."""
    return any(e.get("plugin_id") == release.plugin_id and e.get("version") == release.version
               and e.get("outcome") == "approved"
               and (e.get("detail") or {}).get("checksum") == release.checksum
               for e in hub.events(REVIEW_EVENT, release.capability))


def signature_problem(hub: Any, release: Release) -> tuple[str, str | None] | None:
    """(why the release's signature cannot be trusted, what to do), or None (valid, or a hub that was
    never served).

    On a signed hub (one ``plugsmith serve`` has served) a release without a signature is a problem:
    it was published around the server, or its row was pointed at another artifact.
    """
    sig = recorded_signature(hub, release.checksum)
    if sig is None:
        if signing_key_id(hub) is None:
            return None
        return ("it carries no signature, but this hub signs every release: it was published around the "
                "hub server, or it now points at an artifact the hub never signed", UNSIGNED_HINT)
    pem = trusted_key(sig["key_id"], hub)
    if pem is None:
        return (f"it is signed by hub key {sig['key_id']}, which this machine does not trust; set "
                "PLUGSMITH_HUB_KEY to that hub's public key file", None)
    mismatch = signature_mismatch(release.manifest, release.checksum, sig, pem)
    return (mismatch[1], "run `plugsmith hub verify` on the hub host") if mismatch else None


class Gatekeeper:
    """Decides, for each load, whether a release may run here."""

    def __init__(self, hub: Hub, policy: Policy | None = None) -> None:
        self.hub = hub
        self.policy = policy or Policy.load()

    def _decide(self, release: Release, pinned: bool) -> Decision:
        if release.status in NEVER_LOAD:
            return Decision(False, f"{release.ref} {NEVER_LOAD[release.status]}; it never loads")
        if release.status == Status.pending_review:
            return Decision(False, f"{release.ref} awaits human review "
                                   f"(`plugsmith review approve {release.ref}`)")
        if release.status == Status.deprecated and not pinned:
            return Decision(False, f"{release.ref} is deprecated; it loads only when pinned by version")
        if release.status not in (Status.approved, Status.deprecated):
            return Decision(False, f"{release.ref} has status {release.status.value}")
        if release.tier is None:
            return Decision(False, f"{release.ref} has no trust tier (never validated)")
        if release.tier not in self.policy.allowed_tiers:
            return Decision(False, f"{release.tier.value} is not allowed to load by the policy "
                                   f"({self.policy.source})")
        if release.capability in self.policy.sensitive_capabilities and not reviewed(self.hub, release):
            return Decision(False, f"capability {release.capability!r} is sensitive and {release.ref} "
                                   f"has no human review (`plugsmith review approve {release.ref}`)")
        refused = [p.value for p in release.manifest.permissions if p not in self.policy.grantable]
        if refused:
            return Decision(False, f"permission(s) {refused} are not grantable by the policy")
        try:
            self.hub.read_artifact(release.checksum)
        except (TamperedArtifact, NotFound) as exc:
            return Decision(False, f"artifact check failed: {exc.message}", exc.hint)
        problem = signature_problem(self.hub, release)
        if problem:
            return Decision(False, f"signature check failed: {problem[0]}", problem[1])
        return Decision(True, f"{release.ref} ({release.tier.value}, {release.status.value}) may load")

    def check(self, release: Release, *, pinned: bool = False) -> Decision:
        """Decide and audit-log the decision. ``pinned``: the caller named an exact version."""
        decision = self._decide(release, pinned)
        _audit.append({"action": "load", "allowed": decision.allowed, "reason": decision.reason,
                       "ref": release.ref, "plugin_id": release.plugin_id, "checksum": release.checksum,
                       "tier": release.tier.value if release.tier else None, "status": release.status.value})
        return decision

    def load(self, release: Release, *, pinned: bool = False) -> Path:
        """Check, then check out the verified plugin directory; PolicyDenied when refused."""
        decision = self.check(release, pinned=pinned)
        if not decision.allowed:
            raise PolicyDenied(decision.reason, subject=release.ref, hint=decision.hint or DEFAULT_HINT)
        return self.hub.checkout(release)

    def limits(self, release: Release) -> Limits:
        """The sandbox limits this release runs under (Tier 2 gets the restricted ones)."""
        return self.policy.limits_for(release.tier)


__all__ = ["NEVER_LOAD", "REVIEW_EVENT", "Decision", "Gatekeeper", "recorded_signature", "reviewed",
           "signature_problem", "trusted_key"]
