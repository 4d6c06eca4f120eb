"""The write side of the server: publish, lifecycle changes, reviews, telemetry — with role checks.

Publishing never trusts the client: the archive is unpacked with the hub's safe ``unpack``, the gates
run again here, in this server's sandbox, and the server (not the client) decides status and tier. The
release is then signed with the hub key over ``checksum + manifest digest``.

Roles (each includes the previous): publisher (publish; deprecate or yank what it published; send
telemetry), reviewer (approve/reject pending releases — but never its *own* release of a sensitive
capability), admin (deprecate or yank anything).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith.errors import BadInput
from plugsmith.governance._signing import HubKey, manifest_digest
from plugsmith.server._errors import ApiError, forbidden
from plugsmith.server._service import ReadService
from plugsmith.server._store import Role, TokenInfo
from plugsmith.spec import Status, Tier


@dataclass
class WriteService:
    """Writes through the hub, each followed by a cache invalidation."""

    reads: ReadService
    key: HubKey
    _pool: Any = field(default=None, init=False, repr=False)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def hub(self) -> Any:
        return self.reads.hub

    def sensitive(self) -> set[str]:
        """Capabilities that need a human review, from settings or the governance policy."""
        if self.reads.settings.sensitive_capabilities is not None:
            return self.reads.settings.sensitive_capabilities
        try:
            from plugsmith.governance import Policy  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            return set()
        return set(Policy.load().sensitive_capabilities)

    # publish --------------------------------------------------------------------------------------
    def publish(self, data: bytes, token: TokenInfo) -> dict[str, Any]:
        """Gate and publish an archive; 422 with the gate report when the gates reject it."""
        from plugsmith.hub import unpack
        from plugsmith.spec import load_manifest

        if not data:
            raise BadInput(
                "the request body is empty",
                hint="send the plugin archive (tar.gz) as the body",
                subject="archive",
            )
        with tempfile.TemporaryDirectory(prefix="plugsmith-upload-") as tmp:
            plugin_dir = Path(tmp) / "plugin"
            plugin_dir.mkdir()
            unpack(data, plugin_dir)
            manifest = load_manifest(plugin_dir)
            existing = self._already_published(plugin_dir, f"{manifest.name}@{manifest.version}")
            if existing is not None:  # same bytes: nothing to gate again
                return self.reads.release_json(existing)
            report = self._validate(plugin_dir)
        if report.verdict != "approved":
            failed = [g.name for g in report.gates if str(g.status) == "fail"]
            raise ApiError(
                422,
                f"the gates rejected {manifest.name}@{manifest.version}: failed {failed}",
                slug="gate-failed",
                extra={"gate_report": report.model_dump(mode="json")},
            )
        tier = report.tier
        if tier == Tier.tier0 and token.role is not Role.admin:
            tier = Tier.tier1  # only an admin may vouch for a built-in
        needs_review = manifest.capability in self.sensitive() or bool(manifest.permissions)
        status = Status.pending_review if needs_review else Status.approved
        release = self.hub.publish_archive(data, status=status, tier=tier, gate_report=report)
        self._sign(release, token)
        self.reads.invalidate()
        return {**self.reads.release_json(release), "gate_report": report.model_dump(mode="json")}

    def _already_published(self, plugin_dir: Path, ref: str) -> Any:
        """The existing release with identical contents, None if new; VersionConflict if it differs.

        Checked before the gates so a re-upload (or a conflicting one) costs no sandbox time.
        """
        from plugsmith.errors import NotFound, VersionConflict
        from plugsmith.hub import checksum, pack

        try:
            existing = self.hub.get(ref)
        except NotFound:
            return None
        if checksum(pack(plugin_dir)) == existing.checksum:
            return existing
        raise VersionConflict(
            f"{ref} is already published with different contents; published versions are immutable",
            subject=ref,
            hint=f"bump the version (next free: {self.hub.next_version(existing.name)})",
        )

    def _validate(self, plugin_dir: Path) -> Any:
        """The gates: the configured validator, else a warm low-priority worker process (see _gate_pool)."""
        validator = self.reads.settings.validator
        if validator is None and self.reads.settings.gate_workers > 0:
            with self._pool_lock:
                if self._pool is None:
                    from plugsmith.server._gate_pool import GatePool

                    self._pool = GatePool(self.reads.settings.db_url, self.reads.settings.gate_workers)
            validator = self._pool.validate
        if validator is None:
            from plugsmith import gates

            validator = gates.validate  # type: ignore[attr-defined,unused-ignore]
        return validator(plugin_dir, hub=self.hub)

    def close(self) -> None:
        """Stop the gate worker, if one was started."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _sign(self, release: Any, token: TokenInfo | None) -> None:
        digest = manifest_digest(release.manifest)
        self.reads.store.save_signature(
            checksum=release.checksum,
            plugin_id=release.plugin_id,
            version=release.version,
            manifest_digest=digest,
            signature=self.key.sign_digest(release.checksum, digest),
            key_id=self.key.key_id,
            published_by=token.id if token else None,
        )

    def sign_existing(self) -> int:
        """Sign releases that have no signature yet (published locally, before the server ran).

        Only the checksum is re-verified here; the releases were gated when they were published.
        """
        signed = self.reads.store.all_signatures()
        count = 0
        for rel in self.hub.search("", limit=100_000):
            if rel.checksum not in signed:
                self.hub.read_artifact(rel.checksum)  # TamperedArtifact if the bytes changed
                self._sign(rel, None)
                count += 1
        return count

    # lifecycle ------------------------------------------------------------------------------------
    def set_status(self, ref: str, status: Status, token: TokenInfo, reason: str) -> dict[str, Any]:
        """Deprecate or yank: the publishing token, a reviewer (deprecate) or an admin (both)."""
        release = self.reads.require(ref)
        owner = (self.reads.store.signature(release.checksum) or {}).get("published_by")
        allowed = (
            token.role is Role.admin
            or owner == token.id
            or (status is Status.deprecated and token.role is Role.reviewer)
        )
        if not allowed:
            raise forbidden(
                f"a {token.role} token may not {_verb(status)} {release.ref} (it did not publish it)"
            )
        updated = self.hub.set_status(release.ref, status, reason=reason)
        self.reads.invalidate()
        return self.reads.release_json(updated)

    def review(self, ref: str, approve: bool, token: TokenInfo, reason: str) -> dict[str, Any]:
        """Approve or reject a pending release."""
        if token.role.level < Role.reviewer.level:
            raise forbidden("reviewing needs a reviewer or admin token")
        release = self.reads.require(ref)
        if release.status is not Status.pending_review:
            raise ApiError(
                409, f"{release.ref} is {release.status}, not pending review", slug="not-pending"
            )
        owner = (self.reads.store.signature(release.checksum) or {}).get("published_by")
        if approve and owner == token.id and release.capability in self.sensitive():
            raise forbidden(
                f"{release.capability} is a sensitive capability: a publisher cannot approve its "
                "own plugin; ask another reviewer"
            )
        if approve and release.tier is None:
            raise ApiError(409, f"{release.ref} has no trust tier and cannot be approved", slug="no-tier")
        status = Status.approved if approve else Status.rejected
        who = f"{token.name or token.id} ({token.id})"
        updated = self.hub.set_status(
            release.ref, status, reason=f"review by {who}" + (f": {reason}" if reason else "")
        )
        # the governance Gatekeeper looks for this event (pinned to the checksum) before loading a
        # sensitive capability, exactly as for `plugsmith review approve`
        self.hub.record_event(
            "review",
            capability=release.capability,
            plugin_id=release.plugin_id,
            version=release.version,
            outcome=str(status),
            detail={"checksum": release.checksum, "reviewer": who, "note": reason},
        )
        self.reads.store.record_review(
            plugin_id=release.plugin_id,
            version=release.version,
            decision="approve" if approve else "reject",
            reviewer=token.id,
            reason=reason,
        )
        from plugsmith.governance import _audit  # the same audit line `plugsmith review` writes

        _audit.append({"action": "review", "allowed": approve, "ref": release.ref,
                       "plugin_id": release.plugin_id, "checksum": release.checksum, "via": "server",
                       "reason": f"{status} by {who}" + (f": {reason}" if reason else "")})
        self.reads.invalidate()
        return self.reads.release_json(updated)

    # telemetry ------------------------------------------------------------------------------------
    def record_events(self, events: list[dict[str, Any]]) -> int:
        for event in events:
            kind = event.pop("kind")
            self.hub.record_event(kind, **event)
        self.reads.stats.clear()
        return len(events)


def _verb(status: Status) -> str:
    return {Status.deprecated: "deprecate", Status.yanked: "yank"}.get(status, f"set {status} on")


__all__ = ["WriteService"]
