"""Name ownership on the server: ``server_owners`` (plugin name -> the token that owns it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

The first token to publish a name through the server owns it; only the owner (or an admin) publishes
new versions, and an admin can transfer it. Existing names get the token that first published them
through the server (the oldest ``server_signatures`` row with a ``published_by``); names only ever
published on the hub host stay unowned, which means admins only. Also widens the server tables'
``version`` columns to the 64 characters ``releases.version`` allows (PostgreSQL enforces lengths).
Owned by the server (``plugsmith.server._store`` describes the table with SQLAlchemy Core).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "server_owners",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("plugin_id", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("assigned_by", sa.String(32), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_server_owners_plugin_id", "server_owners", ["plugin_id"], unique=True)
    op.create_index("ix_server_owners_owner", "server_owners", ["owner"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in ("server_signatures", "server_reviews"):
            op.alter_column(table, "version", type_=sa.String(64), existing_type=sa.String(40))
    first: dict[str, tuple[str, str]] = {}
    rows = conn.execute(sa.text(
        "SELECT p.name, s.plugin_id, s.published_by FROM server_signatures s JOIN plugins p ON p.id = "
        "s.plugin_id WHERE s.published_by IS NOT NULL ORDER BY s.created_at, s.checksum")).all()
    for name, plugin_id, token in rows:
        first.setdefault(name, (plugin_id, token))
    now = datetime.now(UTC)
    for name, (plugin_id, token) in sorted(first.items()):
        conn.execute(sa.text("INSERT INTO server_owners (name, plugin_id, owner, assigned_by, created_at, "
                             "updated_at) VALUES (:n, :p, :o, NULL, :t, :t)"),
                     {"n": name, "p": plugin_id, "o": token, "t": now})


def downgrade() -> None:
    op.drop_table("server_owners")
