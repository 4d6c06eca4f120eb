"""The read side of the server: ranked search, plugin detail, artifacts, metrics — with short caches.

Shared by the JSON API and the HTML pages so both show the same thing. Telemetry-derived numbers
(usage stats, downloads, metrics) and search results are cached for a second or so: the load target is
hundreds of searches per second, and a ranking that is one second stale is still correct enough. Every
write that goes through this server clears the caches at once.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugsmith import ranking
from plugsmith.errors import NotFound, TamperedArtifact
from plugsmith.server import _metrics
from plugsmith.server._serialize import event_day, release_to_dict, summary_of
from plugsmith.server._store import ServerStore
from plugsmith.spec import Status, Tier

log = logging.getLogger("plugsmith.server")

@dataclass
class ServerSettings:
    """How a server instance behaves. The defaults suit a team hub."""

    db_url: str | None = None
    archive_limit: int = 8 * 1024 * 1024
    body_limit: int = 256 * 1024
    body_timeout_s: float = 30.0  # the most a request body may pause between two chunks (else 408)
    cache_ttl_s: float = 1.0
    stats_ttl_s: float = 5.0
    key_dir: Path | None = None  # a hub key file's directory (no key secret: one machine's hub)
    key_secret: bytes | None = None  # seals the hub's key in its database (default: PLUGSMITH_KEY_SECRET)
    validator: Callable[..., Any] | None = None  # default: plugsmith.gates.validate
    sensitive_capabilities: set[str] | None = None  # default: the governance policy's
    cookie_secure: bool = False
    gate_workers: int = 1  # processes for the upload gates; 0 runs them in the server process
    gate_timeout_s: float = 300.0  # an upload the gate worker has not judged by then is refused (422)
    sign_on_first_serve: bool = True  # a hub never served before has its existing releases signed
    rates: dict[str, Any] | None = None  # kind -> _limits.Rate, over _limits.DEFAULT_RATES


class TTLCache:
    """A tiny thread-safe cache with a time-to-live and a global ``clear``."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._data: dict[Any, tuple[float, Any]] = {}
        self._computing: dict[Any, threading.Lock] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The fresh cached value, else compute it — once: concurrent misses on a key wait for the
        first one instead of all hitting the database together (after a publish clears the cache)."""
        hit = self.peek(key)
        if hit is not None:
            return hit
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            hit = self.peek(key)
            if hit is not None:
                return hit
            value = compute()
            with self._lock:
                if len(self._data) > 2048:
                    self._data.clear()
                self._data[key] = (time.monotonic() + self.ttl_s, value)
                self._computing.pop(key, None)
        return value

    def peek(self, key: Any) -> Any:
        """The cached value if still fresh, else None (never computes: safe on the event loop)."""
        with self._lock:
            hit = self._data.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass
class ReadService:
    """Queries over the hub plus the server's own store."""

    hub: Any
    store: ServerStore
    settings: ServerSettings
    results: TTLCache = field(init=False)
    stats: TTLCache = field(init=False)

    def __post_init__(self) -> None:
        self.results = TTLCache(self.settings.cache_ttl_s)
        self.stats = TTLCache(self.settings.stats_ttl_s)
        self._lock = threading.Lock()
        self._signatures: dict[str, dict[str, Any]] = {}
        self._downloads: dict[str, int] = {}
        self._flushed = time.monotonic()

    def invalidate(self) -> None:
        """After a write: results change now; telemetry-derived stats keep their own short TTL."""
        self.results.clear()
        with self._lock:
            self._signatures.clear()

    # telemetry-derived ----------------------------------------------------------------------------
    def usage(self) -> dict[str, ranking.UsageStats]:
        return self.stats.get("usage", lambda: ranking.usage_stats(self.hub.events()))  # type: ignore[no-any-return]

    def downloads(self) -> dict[str, int]:
        def compute() -> dict[str, int]:
            self.flush_downloads()
            return self.store.downloads_by_plugin()

        return self.stats.get("downloads", compute)  # type: ignore[no-any-return]

    def metrics(self) -> dict[str, Any]:
        return self.stats.get("metrics", lambda: _metrics.compute(self.hub.events()))  # type: ignore[no-any-return]

    # search -------------------------------------------------------------------------------------
    def search(
        self,
        text: str = "",
        *,
        capability: str | None = None,
        tier: Tier | None = None,
        status: Status | None = None,
        limit: int = 20,
        group: bool = True,
    ) -> list[dict[str, Any]]:
        """Ranked results, one per plugin (its newest matching release), near-duplicates grouped."""
        key = ("search", text, capability, tier, status, limit, group)
        return self.results.get(key, lambda: self._search(text, capability, tier, status, limit, group))  # type: ignore[no-any-return]

    def _search(
        self,
        text: str,
        capability: str | None,
        tier: Tier | None,
        status: Status | None,
        limit: int,
        group: bool,
    ) -> list[dict[str, Any]]:
        releases = self.hub.search(
            text, capability=capability, tier=tier, status=status, limit=max(limit * 4, 50)
        )
        return ranking.ranked_results(releases, self.usage(), downloads=self.downloads(), limit=limit,
                                      group=group)

    @staticmethod
    def search_key(
        text: str, capability: str | None, tier: Tier | None, status: Status | None, limit: int, group: bool
    ) -> tuple[Any, ...]:
        return ("search-body", text, capability, tier, status, limit, group)

    def search_body(
        self,
        text: str = "",
        *,
        capability: str | None = None,
        tier: Tier | None = None,
        status: Status | None = None,
        limit: int = 20,
        group: bool = True,
    ) -> bytes:
        """The ``/api/v1/search`` response body, serialised once per cache period (the hot path)."""
        key = self.search_key(text, capability, tier, status, limit, group)

        def compute() -> bytes:
            results = self.search(
                text, capability=capability, tier=tier, status=status, limit=limit, group=group
            )
            return json.dumps({"count": len(results), "results": results}, separators=(",", ":")).encode()

        return self.results.get(key, compute)  # type: ignore[no-any-return]

    # detail --------------------------------------------------------------------------------------
    def release(self, ref: str) -> Any:
        return self.hub.get(ref)

    def release_json(self, release: Any) -> dict[str, Any]:
        return release_to_dict(release, self.store.signature(release.checksum))

    def detail(self, ref: str) -> dict[str, Any]:
        """Everything the plugin page shows, as JSON."""
        rel = self.release(ref)
        stats = self.usage().get(rel.plugin_id, ranking.UsageStats())
        score = ranking.rank_score(rel, stats)
        events = [
            ev for ev in self.hub.events(capability=rel.capability) if ev.get("plugin_id") == rel.plugin_id
        ]
        per_day: dict[str, int] = {}
        for ev in events:
            if ev.get("kind") in {"use", "reuse", "failure"} and (day := event_day(ev)):
                per_day[day] = per_day.get(day, 0) + 1
        data = self.release_json(rel)
        data.update(
            {
                "versions": [summary_of(v) for v in self.hub.versions(rel.plugin_id)],
                "provenance": rel.manifest.provenance,
                "telemetry": {
                    "uses": stats.uses,
                    "failures": stats.failures,
                    "plans": len(stats.plans),
                    "downloads": self.downloads().get(rel.plugin_id, 0),
                },
                "ranking": {
                    "ranking_score": score.score,
                    "reliability": score.reliability,
                    "quality": score.quality,
                    "adoption": score.adoption,
                    "safety": score.safety,
                },
                "usage_over_time": [{"day": day, "count": per_day[day]} for day in sorted(per_day)],
                "reviews": self.store.reviews_of(rel.plugin_id),
                "owner": self.store.owner(rel.name),
            }
        )
        return data

    def artifact(self, checksum: str) -> tuple[bytes | Iterator[bytes], dict[str, str]]:
        """The verified artifact as a stream of chunks, and the headers that let a client check them.

        The bytes come from the hub's artifact store a chunk at a time (from the database on a
        PostgreSQL hub), hashed on the way; the stream raises instead of sending the end of bytes that
        do not match their checksum, so a client never receives a complete tampered archive. An archive
        of one chunk (any plugin within the gates' size limit) is verified before any byte is sent and
        answered whole (``bytes``), or refused as a proper error. Signatures never change once written,
        so they are cached; download counts are added up in memory and written in one transaction at
        most every ``stats_ttl_s`` (or every 200 downloads).
        """
        sig = self._signature(checksum)
        if sig is None and not self.store.is_released(checksum):
            raise NotFound(
                "no release has this artifact",
                subject=checksum,
                hint="take the checksum from GET /api/v1/plugins/{ref}",
            )
        size, chunks = self.hub.stream_artifact(checksum)  # TamperedArtifact when missing
        first = next(chunks, b"")  # errors before the response starts are proper error responses
        second = next(chunks, None)  # None: the stream ended, so ``first`` is the whole, verified archive
        headers = {"X-Plugsmith-Checksum": checksum, "Content-Length": str(size)}
        if sig:
            headers.update(
                {
                    "X-Plugsmith-Signature": sig["signature"],
                    "X-Plugsmith-Key-Id": sig["key_id"],
                    "X-Plugsmith-Manifest-Digest": sig["manifest_digest"],
                }
            )
            self._count_download(checksum)
        if second is None:
            return first, {**headers, "Content-Length": str(len(first))}
        return _logged(checksum, itertools.chain([first, second], chunks)), headers

    def _signature(self, checksum: str) -> dict[str, Any] | None:
        with self._lock:
            hit = self._signatures.get(checksum)
        if hit is None:
            hit = self.store.signature(checksum)
            if hit is not None:
                with self._lock:
                    self._signatures[checksum] = hit
        return hit

    def _count_download(self, checksum: str) -> None:
        with self._lock:
            self._downloads[checksum] = self._downloads.get(checksum, 0) + 1
            due = (
                sum(self._downloads.values()) >= 200
                or time.monotonic() - self._flushed > self.settings.stats_ttl_s
            )
        if due:
            self.flush_downloads()

    def flush_downloads(self) -> None:
        """Write the download counts gathered in memory (also called at shutdown)."""
        with self._lock:
            counts, self._downloads, self._flushed = self._downloads, {}, time.monotonic()
        self.store.count_downloads(counts)

    def pending(self) -> list[Any]:
        """Releases waiting for a reviewer, oldest first."""
        found = self.hub.search("", status=Status.pending_review, limit=500)
        return sorted(found, key=lambda r: r.created_at)

    def require(self, ref: str) -> Any:
        try:
            return self.hub.get(ref)
        except NotFound:
            raise NotFound(
                f"no plugin or release {ref!r}", subject="plugin", hint="search with GET /api/v1/search?q=…"
            ) from None


def _logged(checksum: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Pass the chunks on; a failure mid-stream is logged in one line and aborts the response (the
    client sees a body shorter than its Content-Length and keeps nothing)."""
    try:
        yield from chunks
    except TamperedArtifact as exc:
        log.error("download of %s aborted mid-stream: %s", checksum, exc.message)
        raise


__all__ = ["ReadService", "ServerSettings", "TTLCache"]
