"""State every server replica shares: rate-limit counters and leases.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

``server_rate_counters`` (owned by the server, ``plugsmith.server._limits``): one row per (kind:subject,
window) with its hit count, so a rate limit holds across every replica of a hub. ``hub_leases``
(``plugsmith.hub._leases``): who holds a piece of work (e.g. synthesizing one spec hash) until when, so
that replicas asked the same thing at once do it once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "server_rate_counters",
        sa.Column("bucket", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.BigInteger, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )
    op.create_index("ix_server_rate_counters_window_start", "server_rate_counters", ["window_start"])
    op.create_table(
        "hub_leases",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_leases")
    op.drop_table("server_rate_counters")
