"""``RemoteHub``: the ``Hub`` interface over a plugsmith hub server (``--hub-url``/``PLUGSMITH_HUB_URL``).

Reads and publishing go over HTTP (httpx; pass ``transport=httpx.ASGITransport(app)`` — or any httpx
transport — to talk to an app in-process). Nothing downloaded is trusted: every artifact's sha256 must
equal the checksum asked for, and its ed25519 signature must verify against the hub key the client has
pinned — on first contact (trust on first use, kept in ``$PLUGSMITH_HOME/keys/trusted/``) or given
explicitly with ``PLUGSMITH_HUB_KEY=/path/to/hub_ed25519.pub``. A mismatch raises ``TamperedArtifact``.

Writes need a token (``token=`` or ``PLUGSMITH_HUB_TOKEN``). The server re-runs the gates, so
``publish`` ignores the caller's status, tier and gate report: the server decides them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import httpx

from plugsmith import config, errors
from plugsmith.atomic import write_bytes as _write_atomic
from plugsmith.hub._cases import CasesAdded, HeldCase
from plugsmith.spec import CapabilitySpec, GateReport, Origin, PluginManifest, Status, TestCase, Tier

log = logging.getLogger("plugsmith.hub.remote")
API = "/api/v1"
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # far above any archive the gates let through


def release_from_dict(data: dict[str, Any]) -> Any:
    """Rebuild a ``Release`` from the server's JSON (the inverse of ``release_to_dict``)."""
    from plugsmith.hub._release import Release

    return Release(
        plugin_id=data["plugin_id"],
        name=data["name"],
        capability=data["capability"],
        version=data["version"],
        status=Status(data["status"]),
        tier=Tier(data["tier"]) if data.get("tier") else None,
        origin=Origin(data["origin"]),
        checksum=data["checksum"],
        manifest=PluginManifest.model_validate(data["manifest"]),
        gate_report=data.get("gate_report"),
        evaluation=data.get("evaluation"),
        created_at=datetime.fromisoformat(data["created_at"]),
        status_reason=data.get("status_reason", ""),
        reuse_count=int(data.get("reuse_count", 0)),
    )


def _raise_for(response: httpx.Response, subject: str) -> NoReturn:
    """Turn a server error body into the matching plugsmith error."""
    try:
        body = response.json().get("error", {})
    except (ValueError, AttributeError):
        body = {}
    message = body.get("message") or f"HTTP {response.status_code}"
    hint, slug, status = body.get("hint"), body.get("slug", ""), response.status_code
    cls: type[errors.PlugsmithError]
    if status == 404:
        cls = errors.NotFound
    elif status == 409 and slug == "version-conflict":
        cls = errors.VersionConflict
    elif slug == "gate-failed":
        cls = errors.GateFailed
    elif status == 401:
        cls = errors.ConfigError
        hint = "set PLUGSMITH_HUB_TOKEN to a token made on the hub host with `plugsmith token create`"
    elif status == 403:
        cls = errors.PolicyDenied
    elif slug == "bad-archive":
        cls = errors.ArchiveError
    elif slug == "tampered":  # the hub's own copy failed its checksum
        cls = errors.TamperedArtifact
    elif status == 429:
        cls = errors.WorkFailed
        hint = hint or f"try again in {response.headers.get('retry-after', 'a few')} s"
    elif 400 <= status < 500:
        cls = errors.BadInput
    else:
        cls = errors.WorkFailed
    raise cls(message, hint=hint, subject=subject)


class RemoteHub:
    """A hub server seen through the ``Hub`` interface."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        require_signature: bool = True,
    ) -> None:
        if not re.match(r"^https?://", url):
            raise errors.ConfigError(
                f"hub URL {url!r} must start with http:// or https://", subject="--hub-url"
            )
        self.url = url.rstrip("/")
        self.token = token or os.environ.get("PLUGSMITH_HUB_TOKEN") or None
        self.require_signature = require_signature
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client = httpx.Client(base_url=self.url, transport=transport, timeout=timeout, headers=headers)
        self._key: str | None = None
        self._chained: dict[str, str | None] = {}
        self._warned = False

    @classmethod
    def open(cls, url: str | None = None) -> RemoteHub:
        resolved = config.hub_url(url)
        if not resolved:
            raise errors.ConfigError(
                "no hub URL given", subject="--hub-url", hint="pass --hub-url URL or set PLUGSMITH_HUB_URL"
            )
        return cls(resolved)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RemoteHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport
    def _request(self, method: str, path: str, subject: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, API + path, **kwargs)
        except httpx.HTTPError as exc:
            raise errors.ConfigError(
                f"cannot reach the hub server: {exc}".splitlines()[0],
                subject=self.url,
                hint="check --hub-url / PLUGSMITH_HUB_URL and that `plugsmith serve` runs there",
            ) from None
        if response.status_code >= 400:
            _raise_for(response, subject)
        return response

    def _json(self, method: str, path: str, subject: str, **kwargs: Any) -> Any:
        return self._request(method, path, subject, **kwargs).json()

    # ------------------------------------------------------------------ reading
    def get(self, ref: str) -> Any:
        return release_from_dict(self._json("GET", f"/plugins/{_q(ref)}", ref))

    def versions(self, name_or_id: str) -> list[Any]:
        return [
            release_from_dict(d)
            for d in self._json("GET", f"/plugins/{_q(name_or_id)}/versions", name_or_id)
        ]

    def lookup(self, capability: str, *, statuses: tuple[Status, ...] = (Status.approved,)) -> list[Any]:
        params = [("status", str(s)) for s in statuses]
        data = self._json("GET", f"/capabilities/{_q(capability)}/releases", capability, params=params)
        return [release_from_dict(d) for d in data]

    def near_matches(self, spec: CapabilitySpec, limit: int = 5) -> list[Any]:
        from plugsmith.hub._release import NearMatch

        data = self._json(
            "POST", "/near-matches", spec.name, params={"limit": limit}, json=spec.model_dump(mode="json")
        )
        return [
            NearMatch(release_from_dict(m["release"]), float(m["score"]), list(m["reasons"])) for m in data
        ]

    def search(
        self,
        text: str = "",
        *,
        capability: str | None = None,
        tier: Tier | None = None,
        status: Status | None = None,
        limit: int = 20,
    ) -> list[Any]:
        params: dict[str, Any] = {"q": text, "limit": min(max(limit, 1), 1000)}
        filters = (("capability", capability), ("tier", tier), ("status", status))
        params.update({k: str(v) for k, v in filters if v})
        return [release_from_dict(d) for d in self._json("GET", "/releases", "search", params=params)]

    def ranked_search(self, text: str = "", **filters: Any) -> list[dict[str, Any]]:
        """The server's ranked, grouped results (``{plugin_id, version, ranking_score, …}``)."""
        params = {"q": text, **{k: str(v) for k, v in filters.items() if v is not None}}
        return list(self._json("GET", "/search", "search", params=params)["results"])

    def next_version(self, capability_or_name: str) -> str:
        return str(
            self._json("GET", f"/capabilities/{_q(capability_or_name)}/next-version", capability_or_name)[
                "version"
            ]
        )

    def events(self, kind: str | None = None, capability: str | None = None, *,
               last: int | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("kind", kind), ("capability", capability)) if v}
        limit = 10_000 if last is None else min(max(last, 1), 10_000)
        return list(self._json("GET", "/events", "events", params={**params, "limit": limit}))

    def benchmark_cases(self, capability: str) -> list[TestCase]:
        data = self._json("GET", f"/capabilities/{_q(capability)}/benchmark-cases", capability)
        return [TestCase.model_validate(d) for d in data]

    def metrics(self) -> dict[str, Any]:
        return dict(self._json("GET", "/metrics", "metrics"))

    # ------------------------------------------------------------------ artifacts (verified)
    def public_key(self) -> str:
        """The pinned hub key (PEM): ``PLUGSMITH_HUB_KEY``, else pinned on first contact."""
        if self._key is None:
            self._key = self._pinned_key()
        return self._key

    def _pinned_key(self) -> str:
        explicit = os.environ.get("PLUGSMITH_HUB_KEY")
        if explicit:
            try:
                return Path(explicit).read_text(encoding="ascii")
            except OSError as exc:
                raise errors.ConfigError(
                    f"cannot read the hub key: {exc.strerror}", subject=explicit
                ) from None
        host = re.sub(r"[^A-Za-z0-9_.-]", "_", httpx.URL(self.url).netloc.decode("ascii"))
        path = config.home() / "keys" / "trusted" / f"{host}.pem"
        if path.is_file():
            return path.read_text(encoding="ascii")
        pem = str(self._json("GET", "/key", "hub key")["public_key"])
        _write_atomic(path, pem.encode("ascii"))
        log.info("pinned hub key for %s in %s", self.url, path)
        return pem

    def _key_for(self, key_id: str) -> str | None:
        """The public key ``key_id`` when it is the pinned key, or linked to it by the hub's rotations
        (``GET /keys``, each link endorsed by both keys: see ``governance._keys.chain_key``)."""
        from plugsmith.governance._keys import KeyRecord, chain_key
        from plugsmith.governance._signing import key_id_of

        pinned = self.public_key()
        if key_id_of(pinned) == key_id:
            return pinned
        if key_id not in self._chained:
            try:
                records = [KeyRecord.from_dict(d) for d in self._json("GET", "/keys", "hub keys")]
            except (errors.PlugsmithError, KeyError, TypeError, ValueError):
                records = []
            self._chained[key_id] = chain_key(pinned, records, key_id)
        return self._chained[key_id]

    def _fetch(self, checksum: str, sink: BinaryIO) -> tuple[str, httpx.Headers]:
        """Stream the artifact into ``sink``; (the sha256 of what arrived, the response headers).

        An interrupted transfer is a WorkFailed; the caller throws away what ``sink`` received.
        """
        hasher, received, started = hashlib.sha256(), 0, False
        try:
            with self.client.stream("GET", f"{API}/artifacts/{checksum}") as response:
                started = True
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response, checksum)
                declared = int(response.headers.get("content-length") or 0)
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > MAX_DOWNLOAD_BYTES or declared > MAX_DOWNLOAD_BYTES:
                        raise errors.TamperedArtifact(
                            f"the download is larger than {MAX_DOWNLOAD_BYTES} bytes; refusing it",
                            subject=checksum, hint="no plugin archive is that large; check the hub URL")
                    hasher.update(chunk)
                    sink.write(chunk)
                return "sha256:" + hasher.hexdigest(), response.headers
        except httpx.HTTPError as exc:
            if not started:
                raise errors.ConfigError(
                    f"cannot reach the hub server: {exc}".splitlines()[0], subject=self.url,
                    hint="check --hub-url / PLUGSMITH_HUB_URL and that `plugsmith serve` runs there",
                ) from None
            raise errors.WorkFailed(
                f"the download was interrupted after {received} bytes ({type(exc).__name__}); nothing was "
                "kept", subject=checksum,
                hint="try again; if it keeps failing, the hub's copy may be damaged (its admin can run "
                     "`plugsmith hub verify`)") from None

    def _check(self, checksum: str, actual: str, headers: httpx.Headers, manifest: Any) -> None:
        """TamperedArtifact unless the bytes hash to ``checksum`` and carry a valid hub signature."""
        from plugsmith.governance._signing import key_id_of, manifest_digest, verify_signature

        if actual != checksum or headers.get("x-plugsmith-checksum", checksum) != checksum:
            raise errors.TamperedArtifact(
                f"downloaded bytes have checksum {actual}, expected {checksum}",
                subject=self.url,
                hint="the server or the network altered the artifact; refusing it",
            )
        signature = headers.get("x-plugsmith-signature")
        if signature is None:
            if self.require_signature:
                raise errors.TamperedArtifact(
                    "the artifact is not signed by the hub, so this client cannot trust it",
                    subject=checksum,
                    hint="ask the hub's admin to check and sign it on the hub host: `plugsmith hub verify` "
                         "lists unsigned releases, `plugsmith serve --sign-existing` signs them",
                )
            return
        digest = manifest_digest(manifest) if manifest is not None else headers.get(
            "x-plugsmith-manifest-digest", "")
        key_id = headers.get("x-plugsmith-key-id", "")
        pem = self._key_for(key_id) or self.public_key()
        if not verify_signature(pem, checksum, digest, signature):
            raise errors.TamperedArtifact(
                f"bad signature (signed by key {key_id}, pinned key {key_id_of(self.public_key())}, and no "
                "rotation endorsed by both links them)",
                subject=checksum,
                hint="if the hub's key really changed, delete its file in $PLUGSMITH_HOME/keys/trusted/",
            )

    def read_artifact(self, checksum: str, *, manifest: Any = None) -> bytes:
        """Download and verify an artifact: sha256 == ``checksum`` and a valid hub signature (by the
        pinned key, or a key its rotations endorse). With ``manifest`` the signature must also cover
        that manifest (what ``checkout`` passes)."""
        buffer = io.BytesIO()
        actual, headers = self._fetch(checksum, buffer)
        self._check(checksum, actual, headers, manifest)
        return buffer.getvalue()

    def download(self, checksum: str, dest: Path, *, manifest: Any = None) -> Path:
        """Stream a verified artifact to ``dest``: it appears whole and verified, or not at all (an
        interrupted or refused download leaves nothing, not even a partial file)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                actual, headers = self._fetch(checksum, handle)
                handle.flush()
                os.fsync(handle.fileno())
            self._check(checksum, actual, headers, manifest)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return dest

    def checkout(self, release: Any) -> Path:
        """A verified, unpacked, read-only copy of the release (cached by checksum). The archive is
        streamed into a private temporary directory and unpacked there; only a verified, complete
        checkout is moved into the cache."""
        from plugsmith.hub._archive import unpack

        target: Path = config.home() / "remote-cache" / str(release.checksum).split(":")[-1]
        if target.is_dir():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".unpack-"))
        try:
            archive = self.download(release.checksum, tmp / "archive.tar.gz", manifest=release.manifest)
            unpack(archive.read_bytes(), tmp / "plugin")
            os.replace(tmp / "plugin", target)
        except OSError:
            if not target.is_dir():  # not just "another process got there first"
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for path in [*target.rglob("*"), target]:
            with contextlib.suppress(OSError):
                path.chmod(0o555 if path.is_dir() else 0o444)
        return target

    def verify_artifacts(self) -> list[dict[str, Any]]:
        """Download and verify every release's artifact (checksum and signature), like
        ``Hub.verify_artifacts``: one entry per checksum with the refs using it."""
        refs: dict[str, list[Any]] = {}
        for release in self.search("", limit=1000):
            refs.setdefault(release.checksum, []).append(release)
        report = []
        for digest, releases in refs.items():
            try:
                self.read_artifact(digest, manifest=releases[0].manifest)
                problem = None
            except (errors.TamperedArtifact, errors.NotFound) as exc:
                problem = exc.message
            report.append(
                {
                    "checksum": digest,
                    "refs": [r.ref for r in releases],
                    "ok": problem is None,
                    "problem": problem,
                }
            )
        return report

    # ------------------------------------------------------------------ writing
    def publish(
        self,
        plugin_dir: Path,
        *,
        status: Status | None = None,
        tier: Tier | None = None,
        gate_report: GateReport | None = None,
        evaluation: dict[str, Any] | None = None,
    ) -> Any:
        """Upload the plugin; the server gates, decides status and tier, and signs it."""
        return self.publish_new(plugin_dir)[0]

    def publish_new(self, plugin_dir: Path, **_ignored: Any) -> tuple[Any, bool]:
        """``publish``, also saying whether this upload created the release (the server's
        ``already_published``)."""
        from plugsmith.hub._archive import pack

        return self.publish_archive_new(pack(Path(plugin_dir)))

    def publish_archive(self, data: bytes, **_ignored: Any) -> Any:
        return self.publish_archive_new(data)[0]

    def publish_archive_new(self, data: bytes, **_ignored: Any) -> tuple[Any, bool]:
        body = self._json(
            "POST", "/publish", "publish", content=data, headers={"Content-Type": "application/gzip"}
        )
        return release_from_dict(body), not body.get("already_published", False)

    def set_status(self, ref: str, status: Status, *, reason: str = "") -> Any:
        """Deprecate or yank (``POST …/deprecate|yank``), approve or reject (a review)."""
        status = Status(status)
        if status in (Status.deprecated, Status.yanked):
            verb = "deprecate" if status is Status.deprecated else "yank"
            body = self._json("POST", f"/plugins/{_q(ref)}/{verb}", ref, json={"reason": reason})
            return release_from_dict(body)
        if status in (Status.approved, Status.rejected):
            decision = "approve" if status is Status.approved else "reject"
            return release_from_dict(
                self._json(
                    "POST", f"/reviews/{_q(ref)}", ref, json={"decision": decision, "reason": reason}
                )
            )
        raise errors.BadInput(
            f"a hub server cannot set status {status} remotely",
            subject=ref,
            hint="run the command on the server with --db",
        )

    def promote(self, ref: str, *, note: str = "") -> Any:
        """Ask the server to raise a clean Tier 2 release to Tier 1 (needs a reviewer or admin token)."""
        body = self._json("POST", f"/plugins/{_q(ref)}/promote", ref, json={"reason": note})
        return release_from_dict(body)

    def record_event(
        self,
        kind: str,
        *,
        capability: str,
        plugin_id: str | None = None,
        version: str | None = None,
        plan_id: str | None = None,
        outcome: str = "ok",
        duration_ms: float | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Send telemetry; without a token it is skipped (with one warning), never fatal to a run. The
        server refuses (403) failures of plugins this token does not own; that too is one warning."""
        if not self.token:
            if not self._warned:
                log.warning("no PLUGSMITH_HUB_TOKEN: telemetry is not sent to %s", self.url)
                self._warned = True
            return
        event = {
            "kind": kind,
            "capability": capability,
            "plugin_id": plugin_id,
            "version": version,
            "plan_id": plan_id,
            "outcome": outcome,
            "duration_ms": duration_ms,
            "detail": detail,
        }
        try:
            self._request("POST", "/events", capability, json={"events": [event]})
        except errors.PolicyDenied as exc:
            log.warning("telemetry not accepted by %s: %s", self.url, exc.message)

    def add_benchmark_case(self, capability: str, case: TestCase, kind: str = "golden") -> None:
        """As ``Hub.add_benchmark_case``: a case with the same name replaces the old one."""
        self.add_benchmark_cases(capability, [case], kind=kind, replace=True)

    def add_benchmark_cases(
        self, capability: str, cases: list[TestCase], *, kind: str = "golden", replace: bool = False
    ) -> CasesAdded:
        """The server checks and keeps the batch (a reviewer or admin token, docs/server.md)."""
        body = {"cases": [c.model_dump(mode="json") for c in cases], "kind": kind, "replace": replace}
        data = self._json("POST", f"/capabilities/{_q(capability)}/benchmark-cases", capability, json=body)
        return CasesAdded.from_dict(data)

    def held_cases(self, capability: str) -> list[HeldCase]:
        data = self._json(
            "GET", f"/capabilities/{_q(capability)}/benchmark-cases", capability, params={"with_kind": "true"}
        )
        return [HeldCase.from_dict(d) for d in data]

    def remove_benchmark_case(self, capability: str, name: str) -> None:
        self._request("DELETE", f"/capabilities/{_q(capability)}/benchmark-cases/{_q(name)}", capability)

    # ------------------------------------------------------------------ synthesis records (local)
    def _record_path(self, spec_hash: str) -> Path:
        return (
            config.home() / "remote-synthesis" / (hashlib.sha256(spec_hash.encode()).hexdigest() + ".json")
        )

    def save_synthesis_record(self, spec_hash: str, capability: str, record: dict[str, Any]) -> None:
        """Kept on this machine: rate limiting synthesis is per client, not per hub."""
        payload = {"spec_hash": spec_hash, "capability": capability, "record": record}
        _write_atomic(self._record_path(spec_hash), json.dumps(payload, default=str).encode())

    def synthesis_record(self, spec_hash: str) -> dict[str, Any] | None:
        path = self._record_path(spec_hash)
        if not path.is_file():
            return None
        return dict(json.loads(path.read_text(encoding="utf-8"))["record"])


def _q(part: str) -> str:
    from urllib.parse import quote

    return quote(part, safe="@")


__all__ = ["RemoteHub", "release_from_dict"]
