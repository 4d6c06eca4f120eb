"""Initial hub schema: plugins, releases (+ full-text index), events, synthesis records, benchmark cases.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

The chain is linear and numbered: the next migration is ``0002_<what>.py`` with ``revision = "0002"``
and ``down_revision = "0001"`` (tokens, signatures and review belong there, not here).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE releases_fts USING fts5(search_text, content='releases', content_rowid='id',"
    " tokenize='unicode61')",
    "CREATE TRIGGER releases_fts_ai AFTER INSERT ON releases BEGIN"
    " INSERT INTO releases_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER releases_fts_ad AFTER DELETE ON releases BEGIN"
    " INSERT INTO releases_fts(releases_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " END",
    "CREATE TRIGGER releases_fts_au AFTER UPDATE OF search_text ON releases BEGIN"
    " INSERT INTO releases_fts(releases_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO releases_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]
POSTGRES_FTS = [  # a stored tsvector: ranking must not re-parse search_text for every matching row
    "ALTER TABLE releases ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX ix_releases_search ON releases USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "plugins",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("capability", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plugin_id", sa.String(32), sa.ForeignKey("plugins.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("capability", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_reason", sa.Text, nullable=False),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("tier_rank", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("checksum", sa.String(80), nullable=False),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("provenance", sa.JSON, nullable=False),
        sa.Column("gate_report", sa.JSON, nullable=True),
        sa.Column("evaluation", sa.JSON, nullable=True),
        sa.Column("eval_score", sa.Float, nullable=False),
        sa.Column("reuse_count", sa.Integer, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("keywords", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("name", "version", name="uq_releases_name_version"),
    )
    op.create_index("ix_releases_capability_status", "releases", ["capability", "status"])
    op.create_index("ix_releases_plugin_id", "releases", ["plugin_id"])
    op.create_index("ix_releases_checksum", "releases", ["checksum"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("capability", sa.String(64), nullable=False),
        sa.Column("plugin_id", sa.String(32), nullable=True),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("plan_id", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("duration_ms", sa.Float, nullable=True),
        sa.Column("detail", sa.JSON, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_events_kind_capability", "events", ["kind", "capability"])
    op.create_index("ix_events_capability", "events", ["capability"])
    op.create_table(
        "synthesis_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("spec_hash", sa.String(80), nullable=False, unique=True),
        sa.Column("capability", sa.String(64), nullable=False, index=True),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "benchmark_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("capability", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("case", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("capability", "name", name="uq_benchmark_cases_capability_name"),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_FTS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("releases_fts_ai", "releases_fts_ad", "releases_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS releases_fts")
    for table in ("benchmark_cases", "synthesis_records", "events", "releases", "plugins"):
        op.drop_table(table)
