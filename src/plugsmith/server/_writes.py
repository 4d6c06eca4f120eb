"""The write side of the server: publish, lifecycle changes, reviews, telemetry — with role checks.

Publishing never trusts the client: the archive is unpacked with the hub's safe ``unpack``, the gates
run again here, in this server's sandbox, and the server (not the client) decides status and tier. The
release is then signed with the hub key over ``checksum + manifest digest``.

Roles (each includes the previous): publisher (publish; deprecate or yank releases of the names it
owns; send telemetry), reviewer (approve/reject pending releases — but never its *own* release or one
of a name it owns; deprecate anything), admin (deprecate or yank anything). Lifecycle writes only go
forward: a deprecate never turns a yanked, quarantined, rejected or pending release into a loadable one.

Names are owned: the first token to publish a name through the server owns it, and only the owner or
an admin publishes new versions of it (an admin can transfer it). Telemetry that can hurt a plugin —
failures, unsuccessful uses, failure cases — is accepted only from the plugin's owner, a reviewer or
an admin (the trust rule in docs/server.md); a successful use may come from any token.
"""

from __future__ import annotations

import re
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith.errors import BadInput, ManifestError, PlugsmithError, StateConflict
from plugsmith.governance._signing import HubKey, manifest_digest
from plugsmith.server._errors import ApiError, forbidden
from plugsmith.server._service import ReadService
from plugsmith.server._store import Role, TokenInfo
from plugsmith.spec import Status


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
        """Gate and publish an archive; 422 with the gate report when the gates reject it.

        Nothing the client sees names a path on this server: errors and gate reports have the upload's
        temporary directory replaced by ``<upload>``.
        """
        if not data:
            raise BadInput(
                "the request body is empty",
                hint="send the plugin archive (tar.gz) as the body",
                subject="archive",
            )
        try:
            return self._publish(data, token)
        except PlugsmithError as exc:
            exc.message, exc.subject, exc.hint = (
                scrub_paths(exc.message), scrub_paths(exc.subject), scrub_paths(exc.hint))
            raise

    def _publish(self, data: bytes, token: TokenInfo) -> dict[str, Any]:
        from plugsmith.hub import unpack
        from plugsmith.spec import MANIFEST_FILE, load_manifest

        with tempfile.TemporaryDirectory(prefix="plugsmith-upload-") as tmp:
            plugin_dir = Path(tmp) / "plugin"
            plugin_dir.mkdir()
            unpack(data, plugin_dir)
            if not (plugin_dir / MANIFEST_FILE).is_file():  # an upload, not a path: 400, never 404
                raise ManifestError(f"the archive has no {MANIFEST_FILE} at its top level", subject="archive",
                                    hint="pack the plugin directory itself (`plugsmith hub publish DIR`)")
            manifest = load_manifest(plugin_dir)
            claimed = self._may_publish(manifest, token)
            try:
                return self._gate_and_publish(data, plugin_dir, manifest, token)
            except BaseException:
                if claimed:  # a first upload that published nothing does not keep the name
                    self.reads.store.release_claim(manifest.name, token.id)
                raise

    def _may_publish(self, manifest: Any, token: TokenInfo) -> bool:
        """403 unless ``token`` may publish ``manifest.name``; True when this call claimed the name."""
        from plugsmith.errors import NotFound

        store, name = self.reads.store, manifest.name
        owner = store.owner(name)
        if owner is None:
            try:
                self.hub.versions(name)
            except NotFound:  # a new name: the first publisher owns it
                owner = store.claim(name, manifest.id, token.id)
                if owner == token.id:
                    return True
            else:
                if token.role is Role.admin:
                    return False
                raise ApiError(403, f"{name} was published on the hub host, not through this server; only "
                               "an admin may publish new versions of it", slug="not-owner",
                               hint=f"ask a hub admin to transfer it to you (POST /api/v1/plugins/{name}"
                                    "/owner)")
        if owner != token.id and token.role is not Role.admin:
            raise ApiError(403, f"{name} belongs to another publisher (token {owner}); only its owner or an "
                           "admin may publish new versions of it", slug="not-owner",
                           hint="publish under another name, or ask a hub admin to transfer this one to you")
        return False

    def _gate_and_publish(self, data: bytes, plugin_dir: Path, manifest: Any,
                          token: TokenInfo) -> dict[str, Any]:
        from plugsmith.spec import GateReport

        existing = self._already_published(plugin_dir, f"{manifest.name}@{manifest.version}")
        if existing is not None:  # same bytes: nothing to gate again
            return {**self.reads.release_json(existing), "already_published": True}
        gated = self._validate(plugin_dir).model_dump(mode="json")
        report = GateReport.model_validate(scrub_paths(gated))
        if report.verdict != "approved":
            failed = [g.name for g in report.gates if str(g.status) == "fail"]
            raise ApiError(
                422,
                f"the gates rejected {manifest.name}@{manifest.version}: failed {failed}",
                slug="gate-failed",
                extra={"gate_report": report.model_dump(mode="json")},
            )
        tier = report.tier  # decided by what this hub can attest about these bytes, not by the upload
        needs_review = manifest.capability in self.sensitive() or bool(manifest.permissions)
        status = Status.pending_review if needs_review else Status.approved
        release, created = self.hub.publish_archive_new(data, status=status, tier=tier, gate_report=report)
        if created:
            self._sign(release, token)
        self.reads.invalidate()
        return {**self.reads.release_json(release), "gate_report": report.model_dump(mode="json"),
                "already_published": not created}

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

                    settings = self.reads.settings
                    self._pool = GatePool(settings.db_url, settings.gate_workers,
                                          timeout_s=settings.gate_timeout_s)
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
        """Sign releases that have no signature yet (published on the hub host, before or around the
        server); ``create_app`` does this once, the first time a hub is served.

        Only the checksum is re-verified here; the releases were gated when they were published. One
        whose artifact is missing or altered is left unsigned (``plugsmith hub verify`` reports it).
        """
        from plugsmith.errors import NotFound, TamperedArtifact

        signed = self.reads.store.all_signatures()
        count = 0
        for rel in self.hub.search("", limit=100_000):
            if rel.checksum not in signed:
                try:
                    self.hub.read_artifact(rel.checksum)
                except (TamperedArtifact, NotFound):
                    continue
                self._sign(rel, None)
                count += 1
        return count

    # lifecycle ------------------------------------------------------------------------------------
    def set_status(self, ref: str, status: Status, token: TokenInfo, reason: str) -> dict[str, Any]:
        """Deprecate or yank: the name's owner, a reviewer (deprecate) or an admin (both).

        Only forward: deprecating is for an ``approved`` release, yanking for any release. A deprecated
        release still loads when pinned, so letting ``deprecate`` start from any status would undo a
        yank, a quarantine or a rejection, or skip a pending review (409 instead).
        """
        release = self.reads.require(ref)
        if not self._may_curate(release, token, status):
            raise forbidden(
                f"a {token.role} token may not {_verb(status)} {release.ref} (it does not own {release.name})"
            )
        start = _LIFECYCLE_FROM[status]
        if release.status not in start:
            raise _lifecycle_conflict(release.ref, release.status, status)
        try:  # one conditional update: a concurrent yank or review between the check and now wins
            updated = self.hub.set_status(release.ref, status, reason=reason, only_from=release.status)
        except StateConflict:
            raise _lifecycle_conflict(release.ref, self.reads.require(release.ref).status, status) from None
        self.reads.invalidate()
        return self.reads.release_json(updated)

    def _may_curate(self, release: Any, token: TokenInfo, status: Status) -> bool:
        """Admins always; reviewers may deprecate anything; otherwise only the name's current owner
        (the publishing token counts only for a name nobody owns: after a transfer the previous owner
        no longer curates its releases)."""
        if token.role is Role.admin or (status is Status.deprecated and token.role is Role.reviewer):
            return True
        owner = self.reads.store.owner(release.name)
        if owner is not None:
            return token.id == owner
        publisher = (self.reads.store.signature(release.checksum) or {}).get("published_by")
        return publisher is not None and token.id == publisher

    def review(self, ref: str, approve: bool, token: TokenInfo, reason: str) -> dict[str, Any]:
        """Approve or reject a pending release."""
        if token.role.level < Role.reviewer.level:
            raise forbidden("reviewing needs a reviewer or admin token")
        release = self.reads.require(ref)
        if release.status is not Status.pending_review:
            raise ApiError(
                409, f"{release.ref} is {release.status}, not pending review", slug="not-pending"
            )
        publisher = (self.reads.store.signature(release.checksum) or {}).get("published_by")
        if approve and token.id in (publisher, self.reads.store.owner(release.name)):
            why = ("it is a sensitive capability" if release.capability in self.sensitive()
                   else f"it asks for permissions {[str(p) for p in release.manifest.permissions]}")
            raise forbidden(
                f"{release.ref} awaits review because {why}: a reviewer cannot approve its own plugin; "
                "ask another reviewer"
            )
        if approve and release.tier is None:
            raise ApiError(409, f"{release.ref} has no trust tier and cannot be approved", slug="no-tier")
        status = Status.approved if approve else Status.rejected
        who = f"{token.name or token.id} ({token.id})"
        try:  # only while still pending: a reviewer on another replica may have decided it meanwhile
            updated = self.hub.set_status(release.ref, status, only_from=Status.pending_review,
                                          reason=f"review by {who}" + (f": {reason}" if reason else ""))
        except StateConflict:
            raise ApiError(409, f"{release.ref} was decided by another reviewer meanwhile",
                           slug="not-pending", hint="reload the review queue") from None
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

    def promote(self, ref: str, token: TokenInfo, reason: str) -> dict[str, Any]:
        """Raise a clean Tier 2 release to Tier 1 (a reviewer or admin who did not publish it)."""
        from plugsmith.governance import promote

        if token.role.level < Role.reviewer.level:
            raise forbidden("promoting a release to Tier 1 needs a reviewer or admin token")
        release = self.reads.require(ref)
        publisher = (self.reads.store.signature(release.checksum) or {}).get("published_by")
        if token.id in (publisher, self.reads.store.owner(release.name)):
            raise forbidden(f"a reviewer cannot vouch for its own plugin ({release.ref}); ask another "
                            "reviewer")
        who = f"{token.name or token.id} ({token.id})"
        updated = promote(self.hub, release.ref, reviewer=who, note=reason, key=self.key)
        self.reads.invalidate()
        return self.reads.release_json(updated)

    # keys and tokens ------------------------------------------------------------------------------
    def key_records(self) -> list[dict[str, Any]]:
        """The hub's key ring (``governance._keys``), or the one key file this hub signs with."""
        from datetime import UTC, datetime

        from plugsmith.governance._keys import KeyRecord, KeyRing

        try:
            records = KeyRing(self.reads.store.engine).records()
        except Exception:  # noqa: BLE001 - a database from before the key ring
            records = []
        if not any(r.key_id == self.key.key_id for r in records):
            records = [*records, KeyRecord(self.key.key_id, self.key.public_pem(), True, None, None, None,
                                           datetime.fromtimestamp(0, UTC), None)]
        return [r.as_dict() for r in records]

    def revoke_token(self, token_id: str, token: TokenInfo) -> dict[str, Any]:
        """Revoke ``token_id``: an admin may revoke any token, any token itself."""
        if token.role is not Role.admin and token.id != token_id:
            raise forbidden("only an admin may revoke another token (any token may revoke itself)")
        return self.reads.store.revoke_token(token_id).as_dict()

    # ownership ------------------------------------------------------------------------------------
    def transfer(self, name: str, owner: str, token: TokenInfo) -> dict[str, Any]:
        """Give a plugin name to another live token (admin only)."""
        from plugsmith.errors import NotFound
        from plugsmith.spec import plugin_id_for

        if token.role is not Role.admin:
            raise forbidden("transferring a plugin name needs an admin token")
        store = self.reads.store
        try:
            self.hub.versions(name)
        except NotFound:
            if store.owner(name) is None:
                raise NotFound(f"no plugin named {name!r}", subject="plugin",
                               hint="search with GET /api/v1/search?q=…") from None
        previous = store.set_owner(name, plugin_id_for(name), owner, assigned_by=token.id)
        return {"name": name, "plugin_id": plugin_id_for(name), "owner": owner, "previous": previous}

    # telemetry ------------------------------------------------------------------------------------
    def may_report_on(self, plugin_id: str | None, token: TokenInfo) -> bool:
        """Whether ``token`` may send telemetry that can count against ``plugin_id`` (failures,
        unsuccessful uses, failure cases): its owner, a reviewer or an admin."""
        if plugin_id is None or token.role.level >= Role.reviewer.level:
            return True
        return self.reads.store.owner_of_plugin(plugin_id) == token.id

    def check_events(self, events: list[dict[str, Any]], token: TokenInfo) -> None:
        """403 for the whole batch when any event counts against a plugin the token may not report on."""
        for i, event in enumerate(events):
            harmless = event.get("kind") in ("use", "reuse") and event.get("outcome", "ok") == "ok"
            if not harmless and not self.may_report_on(event.get("plugin_id"), token):
                raise ApiError(
                    403, f"events/{i}: a {event.get('kind')} event (outcome {event.get('outcome', 'ok')!r}) "
                    f"about plugin {event.get('plugin_id')} is accepted only from its owner, a reviewer or "
                    "an admin; nothing in this batch was recorded", slug="not-owner",
                    hint="send successful uses only, or report failures through the plugin's owner or a "
                         "reviewer (docs/server.md, 'Telemetry trust')")

    def record_events(self, events: list[dict[str, Any]], token: TokenInfo | None = None) -> dict[str, int]:
        """Record a batch; ``{recorded, ignored}``. Through the server every event carries its reporting
        token (``detail.reported_by``: the ranking caps what one token can vouch for), and a successful
        use of a plugin reported by the token that owns it is not recorded: nobody vouches for their own
        plugin's adoption or reliability."""
        kept = events
        if token is not None:
            self.check_events(events, token)
            kept = [ev for ev in events if not self._self_praise(ev, token)]
            for event in kept:
                event["detail"] = {**(event.get("detail") or {}), "reported_by": token.id}
        for event in kept:
            kind = event.pop("kind")
            self.hub.record_event(kind, **event)
        self.reads.stats.clear()
        return {"recorded": len(kept), "ignored": len(events) - len(kept)}

    def _self_praise(self, event: dict[str, Any], token: TokenInfo) -> bool:
        success = event.get("kind") in ("use", "reuse") and event.get("outcome", "ok") == "ok"
        plugin_id = event.get("plugin_id")
        return bool(success and plugin_id and self.reads.store.owner_of_plugin(plugin_id) == token.id)


_TEMP_PATH = re.compile(re.escape(tempfile.gettempdir().rstrip("/")) + r"/plugsmith-[A-Za-z0-9_.-]+")


def scrub_paths(value: Any) -> Any:
    """``value`` (a string, or JSON data) with this server's upload and publish temp directories
    replaced by ``<upload>``: what a client is told never names a path on the server."""
    if isinstance(value, str):
        return _TEMP_PATH.sub("<upload>", value)
    if isinstance(value, dict):
        return {k: scrub_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_paths(v) for v in value]
    return value


_LIFECYCLE_FROM = {
    Status.deprecated: frozenset({Status.approved, Status.deprecated}),
    Status.yanked: frozenset(set(Status) - {Status.reused}),
}


def _lifecycle_conflict(ref: str, current: Status, wanted: Status) -> ApiError:
    return ApiError(
        409, f"{ref} is {current}; only an approved release can be deprecated", slug="bad-transition",
        hint="a yanked, quarantined, rejected or pending release never becomes loadable again through "
             "deprecate; publish a new version instead")


def _verb(status: Status) -> str:
    return {Status.deprecated: "deprecate", Status.yanked: "yank"}.get(status, f"set {status} on")


__all__ = ["WriteService", "scrub_paths"]
