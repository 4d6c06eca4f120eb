"""``Hub``: the registry's public face — publish, find, check out and account for plugins.

A release is two things written in a careful order: the artifact (content-addressed, so writing it is
idempotent and harmless if nothing ever points at it) and then one database transaction inserting the
plugin and release rows. A crash between the two leaves an unreferenced file, never a release without
its bytes; the ``(name, version)`` unique constraint makes concurrent publishes of one version safe.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from packaging.version import Version
from sqlalchemy import Connection, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from plugsmith import config
from plugsmith.errors import (
    BadInput,
    ManifestError,
    NotFound,
    StateConflict,
    TamperedArtifact,
    VersionConflict,
)
from plugsmith.hub import _records as rec
from plugsmith.hub._archive import checksum, pack, unpack
from plugsmith.hub._cases import (
    CasesAdded,
    HeldCase,
    batch_result,
    check_cases,
    check_name,
    check_ports,
    check_target,
)
from plugsmith.hub._db import WRITE, connect_error, open_engine
from plugsmith.hub._models import PLUGINS, RELEASES, SYNTHESIS_RECORDS, utcnow
from plugsmith.hub._release import (
    LOADABLE,
    NearMatch,
    Release,
    canonical_version,
    eval_score,
    newest_first,
    parse_version,
    release_from_row,
    search_text,
    tier_rank,
)
from plugsmith.hub._search import candidate_rows, query_words, score_match, text_filter
from plugsmith.hub._store import ArtifactStore, open_store
from plugsmith.spec import CODE_FILE, CapabilitySpec, GateReport, PluginManifest, Status, TestCase, Tier
from plugsmith.spec import load_manifest as _load_manifest

PREFERENCE = (Status.approved, Status.deprecated, Status.pending_review)


def _storable(status: Status | str) -> Status:
    try:
        value = Status(status)
    except ValueError:
        raise BadInput(f"unknown status {status!r}", subject="status",
                       hint=f"one of: {', '.join(s.value for s in Status if s != Status.reused)}") from None
    if value == Status.reused:
        raise BadInput("'reused' describes a synthesis outcome and cannot be stored", subject="status")
    return value


def _preferred(releases: list[Release]) -> Release:
    """Newest approved, else newest deprecated, else newest pending, else newest of any status."""
    ordered = newest_first(releases)
    for status in PREFERENCE:
        for release in ordered:
            if release.status == status:
                return release
    return ordered[0]


class Hub:
    """The plugin registry over one database and one artifact store.

    >>> hub = Hub.open()                       # doctest: +SKIP
    >>> hub.lookup("cost_estimation")[0].ref   # doctest: +SKIP
    'cost_estimation@1.0.0'
    """

    def __init__(self, engine: Engine, store: ArtifactStore | None = None) -> None:
        self.engine = engine
        self.store = store or open_store(engine)
        self._writer = engine.execution_options(**WRITE)

    @classmethod
    def open(cls, url: str | None = None) -> Hub:
        """Open (creating and migrating as needed) the hub at ``url`` or the configured default."""
        resolved = config.db_url(url)
        return cls(open_engine(resolved))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise connect_error(str(self.engine.url), exc) from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success, else rolls back."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise connect_error(str(self.engine.url), exc) from None

    # ---------------------------------------------------------------- publishing
    def publish(self, plugin_dir: Path, *, status: Status, tier: Tier | None,
                gate_report: GateReport | dict[str, Any] | None = None,
                evaluation: dict[str, Any] | None = None) -> Release:
        """Publish a plugin directory as ``name@version``; identical bytes return the existing release."""
        return self.publish_new(plugin_dir, status=status, tier=tier, gate_report=gate_report,
                                evaluation=evaluation)[0]

    def publish_new(self, plugin_dir: Path, *, status: Status, tier: Tier | None,
                    gate_report: GateReport | dict[str, Any] | None = None,
                    evaluation: dict[str, Any] | None = None) -> tuple[Release, bool]:
        """``publish``, also saying whether this call created the release (False: the same bytes were
        already there, perhaps published by another process a moment ago)."""
        plugin_dir = Path(plugin_dir)
        manifest = _load_manifest(plugin_dir)
        if not (plugin_dir / CODE_FILE).is_file():
            raise ManifestError(f"{CODE_FILE} is missing", subject=str(plugin_dir),
                                hint="a plugin needs plugin.py defining run(inputs)")
        return self._publish(manifest, pack(plugin_dir), _storable(status), tier, gate_report, evaluation)

    def publish_archive(self, data: bytes, *, status: Status, tier: Tier | None,
                        gate_report: GateReport | dict[str, Any] | None = None,
                        evaluation: dict[str, Any] | None = None) -> Release:
        """Publish a packed plugin (e.g. uploaded to the server). It is unpacked, checked and re-packed,
        so the stored checksum is the canonical one whoever compressed the upload."""
        return self.publish_archive_new(data, status=status, tier=tier, gate_report=gate_report,
                                        evaluation=evaluation)[0]

    def publish_archive_new(self, data: bytes, *, status: Status, tier: Tier | None,
                            gate_report: GateReport | dict[str, Any] | None = None,
                            evaluation: dict[str, Any] | None = None) -> tuple[Release, bool]:
        """``publish_archive``, also saying whether this call created the release."""
        with tempfile.TemporaryDirectory(prefix="plugsmith-publish-") as tmp:
            unpack(data, Path(tmp) / "plugin")
            return self.publish_new(Path(tmp) / "plugin", status=status, tier=tier, gate_report=gate_report,
                                    evaluation=evaluation)

    def _existing(self, name: str, version: str, digest: str) -> Release | None:
        """The release holding this version under any spelling; VersionConflict if its bytes differ."""
        with self._read() as conn:
            row = conn.execute(select(RELEASES).where(RELEASES.c.name == name,
                                                      RELEASES.c.version_key == canonical_version(version))
                               ).first()
        if row is None:
            return None
        if row.checksum != digest:
            same = "" if row.version == version else f" (the same version as the published {row.version})"
            raise VersionConflict(
                f"{name}@{version} is already published with different contents{same} "
                f"({row.checksum[:19]}…); published versions are immutable", subject=f"{name}@{version}",
                hint=f"bump the version in plugin.json (next free: {self.next_version(name)})")
        return release_from_row(row)

    def _publish(self, manifest: PluginManifest, data: bytes, status: Status, tier: Tier | None,
                 gate_report: GateReport | dict[str, Any] | None,
                 evaluation: dict[str, Any] | None) -> tuple[Release, bool]:
        digest = checksum(data)
        existing = self._existing(manifest.name, manifest.version, digest)
        if existing is not None:
            return existing, False
        self.store.write(data)
        report = gate_report.model_dump(mode="json") if isinstance(gate_report, GateReport) else gate_report
        now = utcnow()
        try:
            with self._write() as conn:
                conn.execute(rec.dialect_insert(conn, PLUGINS).values(
                    id=manifest.id, name=manifest.name, capability=manifest.capability, created_at=now,
                ).on_conflict_do_nothing())
                conn.execute(RELEASES.insert().values(**self._release_values(
                    manifest, digest, status, tier, report, evaluation, now)))
        except IntegrityError:  # another process published the same version first
            raced = self._existing(manifest.name, manifest.version, digest)
            if raced is None:
                raise
            return raced, False
        return self.get(f"{manifest.name}@{manifest.version}"), True

    @staticmethod
    def _release_values(manifest: PluginManifest, digest: str, status: Status, tier: Tier | None,
                        report: dict[str, Any] | None, evaluation: dict[str, Any] | None,
                        now: Any) -> dict[str, Any]:
        return {
            "plugin_id": manifest.id, "name": manifest.name, "capability": manifest.capability,
            "version": manifest.version, "version_key": canonical_version(manifest.version),
            "status": status.value, "status_reason": "",
            "tier": tier.value if tier else None, "tier_rank": tier_rank(tier),
            "origin": manifest.origin.value, "checksum": digest,
            "manifest": manifest.model_dump(mode="json"), "provenance": manifest.provenance,
            "gate_report": report, "evaluation": evaluation, "eval_score": eval_score(evaluation),
            "reuse_count": 0, "description": manifest.description, "keywords": " ".join(manifest.keywords),
            "search_text": search_text(manifest), "created_at": now, "updated_at": now,
        }

    # ---------------------------------------------------------------- finding
    def _rows(self, *where: Any) -> list[Release]:
        with self._read() as conn:
            return [release_from_row(r) for r in conn.execute(select(RELEASES).where(*where))]

    def get(self, ref: str) -> Release:
        """A release by plugin id or name (newest loadable), or ``name@version`` / ``id@version``."""
        if "@" in ref:
            name, _, raw = ref.partition("@")
            key = canonical_version(parse_version(raw))  # PEP 440 equality: 1.0 names 1.0.0
            column = RELEASES.c.plugin_id if name.startswith("plug_") else RELEASES.c.name
            found = self._rows(column == name, RELEASES.c.version_key == key)
        else:
            column = RELEASES.c.plugin_id if ref.startswith("plug_") else RELEASES.c.name
            found = self._rows(column == ref)
        if not found:
            raise NotFound("no such plugin or release in the hub", subject=ref,
                           hint="see `plugsmith hub search TEXT` or `plugsmith hub versions NAME`")
        return _preferred(found)

    def versions(self, name_or_id: str) -> list[Release]:
        """Every release of a plugin (by name or id), newest first; NotFound when there is none."""
        found = self._rows(or_(RELEASES.c.name == name_or_id, RELEASES.c.plugin_id == name_or_id))
        if not found:
            raise NotFound("no such plugin in the hub", subject=name_or_id,
                           hint="see `plugsmith hub search TEXT`")
        return newest_first(found)

    def lookup(self, capability: str, *,
               statuses: tuple[Status, ...] = (Status.approved,)) -> list[Release]:
        """Releases of exactly this capability, best first: tier, evaluation score, reuse, newest."""
        wanted = [s.value for s in statuses]
        stmt = (select(RELEASES)
                .where(RELEASES.c.capability == capability, RELEASES.c.status.in_(wanted))
                .order_by(RELEASES.c.tier_rank, RELEASES.c.eval_score.desc(), RELEASES.c.reuse_count.desc(),
                          RELEASES.c.id.desc()))
        with self._read() as conn:
            return [release_from_row(r) for r in conn.execute(stmt)]

    def near_matches(self, spec: CapabilitySpec, limit: int = 5, *,
                     statuses: tuple[Status, ...] = (Status.approved,)) -> list[NearMatch]:
        """Plugins that might serve ``spec``: at most one per plugin, best score first, score > 0."""
        with self._read() as conn:
            rows = candidate_rows(conn, spec, [s.value for s in statuses], max(25, limit * 5))
        best: dict[str, tuple[tuple[float, int, Version], NearMatch]] = {}
        for row in {r.id: r for r in rows}.values():
            release = release_from_row(row)
            score, reasons = score_match(spec, release.manifest)
            key = (score, -tier_rank(release.tier), Version(release.version))
            if score > 0 and (release.plugin_id not in best or key > best[release.plugin_id][0]):
                best[release.plugin_id] = (key, NearMatch(release, score, reasons))
        ranked = sorted(best.values(), key=lambda kv: kv[0], reverse=True)
        return [match for _key, match in ranked[:limit]]

    def search(self, text: str = "", *, capability: str | None = None, tier: Tier | None = None,
               status: Status | None = None, limit: int = 20) -> list[Release]:
        """Releases whose text matches every word of ``text`` (prefixes count), filtered; best first."""
        stmt = select(RELEASES)
        if capability:
            stmt = stmt.where(RELEASES.c.capability == capability)
        if tier:
            stmt = stmt.where(RELEASES.c.tier == Tier(tier).value)
        if status:
            stmt = stmt.where(RELEASES.c.status == Status(status).value)
        terms = query_words(text)
        if text.strip() and not terms:
            return []
        with self._read() as conn:
            stmt = text_filter(conn, stmt, terms) if terms else stmt
            stmt = stmt.order_by(RELEASES.c.id.desc()).limit(max(1, limit))
            return [release_from_row(r) for r in conn.execute(stmt)]

    def next_version(self, capability_or_name: str) -> str:
        """``1.0.0`` for something new, else the next minor after the newest version published."""
        found = self._rows(or_(RELEASES.c.name == capability_or_name,
                               RELEASES.c.capability == capability_or_name))
        if not found:
            return "1.0.0"
        newest = max(Version(r.version) for r in found)
        return f"{newest.major}.{newest.minor + 1}.0"

    # ---------------------------------------------------------------- artifacts and lifecycle
    def read_artifact(self, checksum: str) -> bytes:
        """The verified archive bytes (TamperedArtifact when they do not match)."""
        return self.store.read(checksum)

    def stream_artifact(self, checksum: str) -> tuple[int, Iterator[bytes]]:
        """The archive's length and its chunks, for downloads: never whole in memory, and verified —
        the stream raises TamperedArtifact instead of delivering the end of bytes that do not match."""
        return self.store.sized_stream(checksum)

    def checkout(self, release: Release) -> Path:
        """A verified, unpacked, read-only copy of the release's plugin directory."""
        return self.store.checkout(release.checksum)

    def set_status(self, ref: str, status: Status, *, reason: str = "",
                   only_from: Status | None = None) -> Release:
        """Move a release through its lifecycle (deprecate, yank, quarantine, approve …).

        ``only_from``: change it only if it still has that status, in the same statement — so two
        reviewers (on two server replicas, say) cannot both decide one pending release; the second
        gets ``StateConflict``.
        """
        new = _storable(status)
        release = self.get(ref)
        stmt = update(RELEASES).where(RELEASES.c.name == release.name, RELEASES.c.version == release.version)
        if only_from is not None:
            stmt = stmt.where(RELEASES.c.status == Status(only_from).value)
        with self._write() as conn:
            changed = conn.execute(stmt.values(status=new.value, status_reason=reason, updated_at=utcnow())
                                   .returning(RELEASES.c.id)).first()
            if changed is None:
                was = Status(only_from).value if only_from is not None else "there"
                raise StateConflict(f"{release.ref} is no longer {was}; someone decided "
                                    "it first", subject=release.ref, hint="reload it to see its status")
            rec.insert_event(conn, "status", {
                "capability": release.capability, "plugin_id": release.plugin_id,
                "version": release.version, "outcome": new.value,
                "detail": {"from": release.status.value, "to": new.value, "reason": reason}})
        return self.get(release.ref)

    def set_tier(self, ref: str, tier: Tier) -> Release:
        """Change a release's trust tier (governance promotes a reviewed release; nothing else should)."""
        release = self.get(ref)
        with self._write() as conn:
            conn.execute(update(RELEASES).where(RELEASES.c.name == release.name,
                                                RELEASES.c.version == release.version)
                         .values(tier=tier.value, tier_rank=tier_rank(tier), updated_at=utcnow()))
        return self.get(release.ref)

    def verify_artifacts(self) -> list[dict[str, Any]]:
        """Re-check every stored artifact's sha256: one entry per checksum with the refs using it."""
        with self._read() as conn:
            rows = conn.execute(select(RELEASES.c.checksum, RELEASES.c.name, RELEASES.c.version)
                                .order_by(RELEASES.c.id)).all()
        refs: dict[str, list[str]] = {}
        for row in rows:
            refs.setdefault(row.checksum, []).append(f"{row.name}@{row.version}")
        report = []
        for digest, names in refs.items():
            try:
                self.store.read(digest)
                problem = None
            except TamperedArtifact as exc:
                problem = exc.message
            except NotFound as exc:  # the database holds something that is not a sha256 checksum
                problem = f"malformed checksum in the database: {exc.message}"
            report.append({"checksum": digest, "refs": names, "ok": problem is None, "problem": problem})
        return report

    # ---------------------------------------------------------------- telemetry and records
    def record_event(self, kind: str, *, capability: str, plugin_id: str | None = None,
                     version: str | None = None, plan_id: str | None = None, outcome: str = "ok",
                     duration_ms: float | None = None, detail: dict[str, Any] | None = None) -> None:
        """Record a use, failure, synthesis, reuse, gap, recovery or gate event."""
        with self._write() as conn:
            rec.insert_event(conn, kind, {
                "capability": capability, "plugin_id": plugin_id, "version": version, "plan_id": plan_id,
                "outcome": outcome, "duration_ms": duration_ms, "detail": detail})

    def events(self, kind: str | None = None, capability: str | None = None, *,
               last: int | None = None) -> list[dict[str, Any]]:
        """Recorded events, oldest first, as plain dicts (``created_at`` in ISO 8601); ``last``: only
        the newest ``last`` of them."""
        with self._read() as conn:
            return rec.select_events(conn, kind, capability, last)

    def save_synthesis_record(self, spec_hash: str, capability: str, record: dict[str, Any]) -> None:
        """Remember what synthesis did for a spec (replacing any earlier record for that hash)."""
        with self._write() as conn:
            rec.upsert_synthesis_record(conn, spec_hash, capability, record)

    def synthesis_record(self, spec_hash: str) -> dict[str, Any] | None:
        with self._read() as conn:
            return rec.select_synthesis_record(conn, spec_hash)

    def synthesis_records_for(self, capability: str) -> list[dict[str, Any]]:
        """Every synthesis record kept for a capability (where the gates look for attestations)."""
        with self._read() as conn:
            rows = conn.execute(select(SYNTHESIS_RECORDS.c.record)
                                .where(SYNTHESIS_RECORDS.c.capability == capability)
                                .order_by(SYNTHESIS_RECORDS.c.id))
            return [dict(row.record) for row in rows]

    def benchmark_cases(self, capability: str) -> list[TestCase]:
        """The cases the hub keeps for a capability, in the order they were added."""
        with self._read() as conn:
            return rec.select_benchmark_cases(conn, capability)

    def add_benchmark_case(self, capability: str, case: TestCase, kind: str = "golden") -> None:
        """Keep a case for a capability; a case with the same name replaces the old one."""
        with self._write() as conn:
            rec.upsert_benchmark_case(conn, capability, case, kind)

    def held_cases(self, capability: str) -> list[HeldCase]:
        """The benchmark cases of a capability with their kinds (golden, edge, regression …)."""
        with self._read() as conn:
            return rec.select_held_cases(conn, capability)

    def add_benchmark_cases(self, capability: str, cases: list[TestCase], *, kind: str = "golden",
                            replace: bool = False) -> CasesAdded:
        """Keep a batch of named cases, all or nothing, after the checks in ``hub._cases`` (shape,
        bounds, and the ports of the capability's published plugins). A different case under a name
        already held is refused unless ``replace``; an identical one is left as it is."""
        check_target(capability, kind)
        check_cases(cases, subject=capability)
        warnings = check_ports(self.lookup(capability, statuses=PREFERENCE), capability, cases)
        with self._write() as conn:
            held = {h.case.name: h for h in rec.select_held_cases(conn, capability)}
            result = batch_result(capability, kind, cases, held, replace=replace, warnings=warnings)
            for case in cases:
                if case.name not in result.unchanged:
                    rec.upsert_benchmark_case(conn, capability, case, kind)
        return result

    def remove_benchmark_case(self, capability: str, name: str) -> None:
        """Drop one benchmark case (``NotFound`` when the capability holds none of that name)."""
        check_target(capability)
        check_name(name, subject=capability)
        with self._write() as conn:
            if not rec.delete_benchmark_case(conn, capability, name):
                raise NotFound(f"no benchmark case {name!r} for {capability!r}", subject=capability,
                               hint=f"`plugsmith hub cases list {capability}` shows the names held")


def loadable(release: Release) -> bool:
    """Whether a release's status lets it be loaded at all (governance may still refuse)."""
    return release.status in LOADABLE


__all__ = ["Hub", "loadable"]

