"""Artifacts in the database: ``artifacts`` (one row per checksum) and ``artifact_chunks`` (the bytes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05

A hub on PostgreSQL keeps its archives here (``plugsmith.hub._store_db``), so that every server replica
reads the same bytes; a SQLite hub keeps using ``$PLUGSMITH_HOME/artifacts`` and leaves these tables
empty. Existing archives are not copied by this migration: ``plugsmith hub migrate-artifacts`` moves them
from disk, verifying every checksum on the way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "artifacts",
        sa.Column("checksum", sa.String(80), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "artifact_chunks",
        sa.Column("checksum", sa.String(80), sa.ForeignKey("artifacts.checksum", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("artifact_chunks")
    op.drop_table("artifacts")
