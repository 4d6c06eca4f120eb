"""Telemetry events, synthesis records and benchmark cases: the hub's bookkeeping tables.

Plain functions over a connection, so ``Hub`` can run them inside its own transactions. Upserts use
each dialect's ``INSERT … ON CONFLICT`` so two processes saving the same record never collide.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from plugsmith.errors import BadInput
from plugsmith.hub._cases import HeldCase
from plugsmith.hub._models import BENCHMARK_CASES, EVENTS, RELEASES, SYNTHESIS_RECORDS, utcnow
from plugsmith.hub._release import aware, canonical_version
from plugsmith.spec import TestCase

REUSE_KINDS = ("use", "reuse")


def dialect_insert(conn: Connection, table: Table) -> Any:
    """``INSERT`` with ``on_conflict_do_nothing/update`` for this connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_event(conn: Connection, kind: str, fields: dict[str, Any]) -> None:
    """Record one event; a "use"/"reuse" of a plugin also bumps its releases' reuse count."""
    conn.execute(EVENTS.insert().values(kind=kind, created_at=utcnow(), **fields))
    plugin_id, version = fields.get("plugin_id"), fields.get("version")
    if kind in REUSE_KINDS and plugin_id:
        stmt = update(RELEASES).where(RELEASES.c.plugin_id == plugin_id)
        if version:
            try:
                stmt = stmt.where(RELEASES.c.version_key == canonical_version(version))
            except BadInput:  # telemetry names a version no release can have: count nothing
                return
        conn.execute(stmt.values(reuse_count=RELEASES.c.reuse_count + 1))


def select_events(conn: Connection, kind: str | None, capability: str | None,
                  last: int | None = None) -> list[dict[str, Any]]:
    """Events oldest first; ``last``: only the newest ``last`` of them, counted by the database (a
    public read of a hub with millions of events must not load them all to keep a few)."""
    stmt = select(EVENTS).order_by(EVENTS.c.id.desc() if last is not None else EVENTS.c.id)
    if kind:
        stmt = stmt.where(EVENTS.c.kind == kind)
    if capability:
        stmt = stmt.where(EVENTS.c.capability == capability)
    if last is not None:
        stmt = stmt.limit(max(last, 0))
    out = []
    for row in conn.execute(stmt).mappings():
        event = dict(row)
        event["created_at"] = aware(event["created_at"]).isoformat()
        out.append(event)
    return out[::-1] if last is not None else out


def upsert_synthesis_record(conn: Connection, spec_hash: str, capability: str,
                            record: dict[str, Any]) -> None:
    now = utcnow()
    stmt = dialect_insert(conn, SYNTHESIS_RECORDS).values(
        spec_hash=spec_hash, capability=capability, record=record, created_at=now, updated_at=now)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["spec_hash"], set_={"capability": capability, "record": record, "updated_at": now}))


def select_synthesis_record(conn: Connection, spec_hash: str) -> dict[str, Any] | None:
    row = conn.execute(select(SYNTHESIS_RECORDS.c.record)
                       .where(SYNTHESIS_RECORDS.c.spec_hash == spec_hash)).first()
    return dict(row.record) if row else None


def upsert_benchmark_case(conn: Connection, capability: str, case: TestCase, kind: str) -> None:
    data = case.model_dump(mode="json")
    stmt = dialect_insert(conn, BENCHMARK_CASES).values(
        capability=capability, name=case.name, kind=kind, case=data, created_at=utcnow())
    conn.execute(stmt.on_conflict_do_update(index_elements=["capability", "name"],
                                            set_={"kind": kind, "case": data}))


def select_benchmark_cases(conn: Connection, capability: str) -> list[TestCase]:
    rows = conn.execute(select(BENCHMARK_CASES.c.case).where(BENCHMARK_CASES.c.capability == capability)
                        .order_by(BENCHMARK_CASES.c.id))
    return [TestCase.model_validate(row.case) for row in rows]


def select_held_cases(conn: Connection, capability: str) -> list[HeldCase]:
    """The capability's cases with their kinds, in the order they were added."""
    rows = conn.execute(select(BENCHMARK_CASES.c.kind, BENCHMARK_CASES.c.case)
                        .where(BENCHMARK_CASES.c.capability == capability).order_by(BENCHMARK_CASES.c.id))
    return [HeldCase(row.kind, TestCase.model_validate(row.case)) for row in rows]


def delete_benchmark_case(conn: Connection, capability: str, name: str) -> bool:
    """Remove one case; whether there was one of that name."""
    result = conn.execute(delete(BENCHMARK_CASES).where(BENCHMARK_CASES.c.capability == capability,
                                                        BENCHMARK_CASES.c.name == name))
    return bool(result.rowcount)


__all__ = ["delete_benchmark_case", "dialect_insert", "insert_event", "select_benchmark_cases",
           "select_events", "select_held_cases", "select_synthesis_record", "upsert_benchmark_case",
           "upsert_synthesis_record"]
