"""The hub's signing keys in its database: ``hub_keys`` (one active, the retired ones kept).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Owned by governance (``plugsmith.governance._keys`` describes the table): the private halves are sealed
with the operator's key secret, which is never stored; ``active`` is 1 for the one key replicas sign
with and NULL for retired keys (a unique column: at most one active key). Empty until a replica is
started with a key secret.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hub_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("sealed_private", sa.Text, nullable=False),
        sa.Column("active", sa.Integer, nullable=True, unique=True),
        sa.Column("previous_key_id", sa.String(32), nullable=True),
        sa.Column("endorsed_by_previous", sa.String(200), nullable=True),
        sa.Column("endorsed_by_new", sa.String(200), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("retired_at", TZ, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("hub_keys")
