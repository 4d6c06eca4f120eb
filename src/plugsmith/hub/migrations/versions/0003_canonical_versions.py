"""Canonical versions: ``releases.version_key`` (PEP 440, trailing zeros stripped) unique per name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

``0.1``, ``0.1.0`` and ``0.1.0.0`` are one version. Before this revision they could be published as
three releases, and ``name@0.1.0`` could then run the code of ``0.1``. Existing rows are given their
key; where several releases of a name share one, the first published (lowest id) keeps it and every
later one is yanked — its row, artifact and events stay for the record, its reason names the release
it duplicates, a ``status`` event records the change, and its key gets a ``+dup<id>`` suffix that no
lookup produces, so the unique index can be built.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _key(version: str) -> str:
    try:
        return canonicalize_version(Version(version), strip_trailing_zero=True)
    except (InvalidVersion, ValueError):  # never stored by plugsmith; keep such a row addressable as is
        return version


def _yank_duplicate(conn: sa.Connection, row: sa.Row[Any], kept: str, now: datetime) -> None:
    reason = (f"same version as {row.name}@{kept} (PEP 440: {row.version} == {kept}); yanked when the hub "
              "moved to canonical versions (migration 0003)")
    conn.execute(sa.text("UPDATE releases SET version_key = :k, status = 'yanked', status_reason = :r, "
                         "updated_at = :t WHERE id = :i"),
                 {"k": f"{_key(row.version)}+dup{row.id}"[:64], "r": reason, "t": now, "i": row.id})
    detail = sa.bindparam("d", {"from": row.status, "to": "yanked", "reason": reason}, type_=sa.JSON)
    conn.execute(sa.text("INSERT INTO events (kind, capability, plugin_id, version, outcome, detail, "
                         "created_at) VALUES ('status', :c, :p, :v, 'yanked', :d, :t)").bindparams(detail),
                 {"c": row.capability, "p": row.plugin_id, "v": row.version, "t": now})


def upgrade() -> None:
    op.add_column("releases", sa.Column("version_key", sa.String(64), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, capability, plugin_id, version, status FROM releases "
                                "ORDER BY id")).all()
    holders: dict[tuple[str, str], str] = {}
    now = datetime.now(UTC)
    for row in rows:
        key = _key(row.version)
        kept = holders.setdefault((row.name, key), row.version)
        if kept == row.version:
            conn.execute(sa.text("UPDATE releases SET version_key = :k WHERE id = :i"),
                         {"k": key, "i": row.id})
        else:
            _yank_duplicate(conn, row, kept, now)
    op.create_index("uq_releases_name_version_key", "releases", ["name", "version_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_releases_name_version_key", table_name="releases")
    op.drop_column("releases", "version_key")  # SQLite >= 3.35 drops a column in place (FTS triggers kept)
