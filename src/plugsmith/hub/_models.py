"""The hub's tables as SQLAlchemy 2.0 models.

The schema itself is created and changed only by the Alembic migrations in ``migrations/versions``;
these models describe the head revision and a test checks that the two agree. A few columns are
denormalised on purpose so that the hot queries are single indexed selects:

* ``tier_rank`` (0, 1, 2; 9 when untiered) and ``eval_score`` let exact lookup order in SQL;
* ``reuse_count`` is bumped by "use"/"reuse" telemetry instead of counting events at lookup time;
* ``version_key`` is the version's canonical PEP 440 form (``canonical_version``: ``0.1``, ``0.1.0`` and
  ``0.1.0.0`` all give ``0.1``); the unique index on ``(name, version_key)`` makes equal versions one
  release whatever their spelling, and lookups of ``name@version`` use it;
* ``search_text`` is what full-text search indexes (name, capability, description, keywords and port
  names with ``_`` split into words), kept in an FTS5 table on SQLite and behind a GIN index on
  PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every hub table."""


class PluginRow(Base):
    """A plugin: the stable identity (``plugin_id_for(name)``) that its releases share."""

    __tablename__ = "plugins"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    capability: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReleaseRow(Base):
    """One immutable ``name@version``: its artifact checksum, manifest and lifecycle status."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_releases_name_version"),
        Index("uq_releases_name_version_key", "name", "version_key", unique=True),
        Index("ix_releases_capability_status", "capability", "status"),
        Index("ix_releases_plugin_id", "plugin_id"),
        Index("ix_releases_checksum", "checksum"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plugin_id: Mapped[str] = mapped_column(String(32), ForeignKey("plugins.id"))
    name: Mapped[str] = mapped_column(String(64))
    capability: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    version_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tier_rank: Mapped[int] = mapped_column(Integer, default=9)
    origin: Mapped[str] = mapped_column(String(32))
    checksum: Mapped[str] = mapped_column(String(80))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    gate_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    eval_score: Mapped[float] = mapped_column(Float, default=0.0)
    reuse_count: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    """A telemetry event: a use, failure, synthesis, reuse, gap, recovery, gate run or status change."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_capability", "kind", "capability"),
        Index("ix_events_capability", "capability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    capability: Mapped[str] = mapped_column(String(64))
    plugin_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    plan_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    outcome: Mapped[str] = mapped_column(String(32), default="ok")
    duration_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SynthesisRecordRow(Base):
    """What synthesis last did for a spec (by spec hash): used to rate-limit repeated attempts."""

    __tablename__ = "synthesis_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spec_hash: Mapped[str] = mapped_column(String(80), unique=True)
    capability: Mapped[str] = mapped_column(String(64), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BenchmarkCaseRow(Base):
    """A test case the hub keeps for a capability (golden, holdout, regression …), one per name."""

    __tablename__ = "benchmark_cases"
    __table_args__ = (UniqueConstraint("capability", "name", name="uq_benchmark_cases_capability_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    capability: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="golden")
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


PLUGINS = cast(Table, PluginRow.__table__)
RELEASES = cast(Table, ReleaseRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
SYNTHESIS_RECORDS = cast(Table, SynthesisRecordRow.__table__)
BENCHMARK_CASES = cast(Table, BenchmarkCaseRow.__table__)


__all__ = ["BENCHMARK_CASES", "EVENTS", "PLUGINS", "RELEASES", "SYNTHESIS_RECORDS", "Base",
           "BenchmarkCaseRow", "EventRow", "PluginRow", "ReleaseRow", "SynthesisRecordRow", "utcnow"]
