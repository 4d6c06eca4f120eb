"""Server tables: API tokens (hashed), release signatures with download counts, review decisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Owned by the server (``plugsmith.server._store`` describes the same tables with SQLAlchemy Core).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "server_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_table(
        "server_signatures",
        sa.Column("checksum", sa.String(80), primary_key=True),
        sa.Column("plugin_id", sa.String(40), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("manifest_digest", sa.String(80), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("published_by", sa.String(32), nullable=True),
        sa.Column("downloads", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_server_signatures_plugin_id", "server_signatures", ["plugin_id"])
    op.create_table(
        "server_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plugin_id", sa.String(40), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_server_reviews_plugin_id", "server_reviews", ["plugin_id"])


def downgrade() -> None:
    op.drop_table("server_reviews")
    op.drop_table("server_signatures")
    op.drop_table("server_tokens")
