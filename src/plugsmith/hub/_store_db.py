"""``DatabaseStore``: archives as chunked rows in the hub's database (a PostgreSQL hub's store).

Two tables (migration 0005): ``artifacts`` holds one row per checksum (its size and chunk count) and
``artifact_chunks`` the bytes, ``CHUNK_BYTES`` per row, keyed by ``(checksum, seq)``. A write inserts
the ``artifacts`` row with ``ON CONFLICT DO NOTHING`` and the chunks in the same transaction, so each
checksum is stored once however many replicas publish it at the same moment (the second insert waits
for the first transaction and then does nothing). Reads fetch one chunk per query on a short-lived
connection, so a slow download neither holds the whole archive in memory nor a pooled connection for
its duration; every read is verified against the checksum, whole or streamed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from plugsmith import config
from plugsmith.errors import TamperedArtifact
from plugsmith.hub._archive import checksum
from plugsmith.hub._db import WRITE, connect_error, safe_url
from plugsmith.hub._models import Base, utcnow
from plugsmith.hub._records import dialect_insert
from plugsmith.hub._store import CHUNK_BYTES, ArtifactStore, hex_of, verified, verified_stream

WHERE = "database row"


class ArtifactRow(Base):
    """One stored archive: its checksum (the address), length and how many chunk rows hold it."""

    __tablename__ = "artifacts"

    checksum: Mapped[str] = mapped_column(String(80), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunk_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[Any] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArtifactChunkRow(Base):
    """``CHUNK_BYTES`` (or fewer, for the last) of an archive, in order of ``seq``."""

    __tablename__ = "artifact_chunks"

    checksum: Mapped[str] = mapped_column(String(80), ForeignKey("artifacts.checksum", ondelete="CASCADE"),
                                          primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


ARTIFACTS = cast(Table, ArtifactRow.__table__)
CHUNKS = cast(Table, ArtifactChunkRow.__table__)


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)] or [b""]


class DatabaseStore(ArtifactStore):
    """Archives in the hub database, by checksum, in chunks of ``chunk_bytes``."""

    where = WHERE

    def __init__(self, engine: Engine, *, chunk_bytes: int = CHUNK_BYTES, checkouts: Any = None) -> None:
        super().__init__(checkouts)
        self.engine, self.chunk_bytes = engine, chunk_bytes
        self._writer = engine.execution_options(**WRITE)

    def _fail(self, exc: SQLAlchemyError) -> Exception:
        return connect_error(str(self.engine.url), exc)

    def write(self, data: bytes) -> str:
        digest = checksum(data)
        chunks = _split(data, self.chunk_bytes)
        try:
            with self._writer.begin() as conn:
                created = conn.execute(dialect_insert(conn, ARTIFACTS).values(
                    checksum=digest, size=len(data), chunk_count=len(chunks), created_at=utcnow(),
                ).on_conflict_do_nothing().returning(ARTIFACTS.c.checksum)).first()
                if created is not None:
                    conn.execute(CHUNKS.insert(), [{"checksum": digest, "seq": i, "data": c}
                                                   for i, c in enumerate(chunks)])
                    return digest
            if self._intact(digest):
                return digest
            with self._writer.begin() as conn:  # a tampered or half-deleted copy: write it again
                conn.execute(select(ARTIFACTS.c.checksum).where(ARTIFACTS.c.checksum == digest)
                             .with_for_update()).first()
                conn.execute(delete(CHUNKS).where(CHUNKS.c.checksum == digest))
                conn.execute(update(ARTIFACTS).where(ARTIFACTS.c.checksum == digest)
                             .values(size=len(data), chunk_count=len(chunks)))
                conn.execute(CHUNKS.insert(), [{"checksum": digest, "seq": i, "data": c}
                                               for i, c in enumerate(chunks)])
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None
        return digest

    def _intact(self, digest: str) -> bool:
        try:
            self.read(digest)
        except Exception:  # noqa: BLE001 - any failure to read it back means "write it again"
            return False
        return True

    def _meta(self, digest: str) -> tuple[int, int] | None:
        hex_of(digest)
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(ARTIFACTS.c.size, ARTIFACTS.c.chunk_count)
                                   .where(ARTIFACTS.c.checksum == digest)).first()
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None
        return (int(row.size), int(row.chunk_count)) if row else None

    def exists(self, digest: str) -> bool:
        return self._meta(digest) is not None

    def size(self, digest: str) -> int:
        meta = self._meta(digest)
        if meta is None:
            raise self.missing(digest)
        return meta[0]

    def read(self, digest: str) -> bytes:
        meta = self._meta(digest)
        if meta is None:
            raise self.missing(digest)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(select(CHUNKS.c.seq, CHUNKS.c.data).where(CHUNKS.c.checksum == digest)
                                    .order_by(CHUNKS.c.seq)).all()
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None
        if [r.seq for r in rows] != list(range(meta[1])):
            raise self._broken(digest, meta[1], len(rows))
        return verified(digest, b"".join(bytes(r.data) for r in rows), WHERE)

    def stream(self, digest: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """Chunk rows as stored (``chunk_bytes`` is the writer's setting, not the reader's)."""
        return self.sized_stream(digest)[1]

    def sized_stream(self, digest: str) -> tuple[int, Iterator[bytes]]:
        """One query for the length and the first chunk (all of a plugin within the gates' limits)."""
        hex_of(digest)
        first = (select(ARTIFACTS.c.size, ARTIFACTS.c.chunk_count, CHUNKS.c.data)
                 .select_from(ARTIFACTS.outerjoin(CHUNKS, (CHUNKS.c.checksum == ARTIFACTS.c.checksum)
                                                  & (CHUNKS.c.seq == 0)))
                 .where(ARTIFACTS.c.checksum == digest))
        try:
            with self.engine.connect() as conn:
                row = conn.execute(first).first()
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None
        if row is None:
            raise self.missing(digest)
        if row.data is None:
            raise self._broken(digest, int(row.chunk_count), 0)
        chunks = self._chunks(digest, int(row.chunk_count), bytes(row.data))
        return int(row.size), verified_stream(digest, chunks, WHERE)

    def _chunks(self, digest: str, count: int, first: bytes) -> Iterator[bytes]:
        yield first
        for seq in range(1, count):
            try:
                with self.engine.connect() as conn:
                    data = conn.execute(select(CHUNKS.c.data).where(CHUNKS.c.checksum == digest,
                                                                    CHUNKS.c.seq == seq)).scalar()
            except SQLAlchemyError as exc:
                raise self._fail(exc) from None
            if data is None:
                raise self._broken(digest, count, seq)
            yield bytes(data)

    def missing(self, digest: str) -> TamperedArtifact:
        """Missing here; when this machine's old directory store still has it, say how to move it."""
        hexdigest = hex_of(digest)
        on_disk = config.home() / "artifacts" / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"
        if on_disk.is_file():
            return TamperedArtifact("artifact is not in the hub database yet (it is still on this machine's "
                                    "disk)", subject=digest,
                                    hint="run `plugsmith hub migrate-artifacts` once on this machine")
        return super().missing(digest)

    def _broken(self, digest: str, expected: int, found: int) -> TamperedArtifact:
        return TamperedArtifact(f"artifact rows are incomplete ({found} of {expected} chunks)",
                                subject=digest, hint="republish the plugin, and see `plugsmith hub verify`")

    def checksums(self) -> list[str]:
        try:
            with self.engine.connect() as conn:
                return sorted(conn.execute(select(ARTIFACTS.c.checksum)).scalars())
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None

    def stored_bytes(self) -> int:
        """The total size of every archive kept (for ``hub migrate-artifacts`` and benchmarks)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.sum(ARTIFACTS.c.size), 0))).scalar() or 0)

    def describe(self) -> str:
        return f"database {safe_url(str(self.engine.url))}"


__all__ = ["ARTIFACTS", "CHUNKS", "ArtifactChunkRow", "ArtifactRow", "DatabaseStore"]
