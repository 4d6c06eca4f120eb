"""Alembic environment for the hub. ``Hub.open`` passes its connection in ``config.attributes``.

The FTS5 table (SQLite) and the GIN full-text index (PostgreSQL) are created by raw SQL in the
migrations and are not part of the models' metadata, so autogenerate is told to leave them alone.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from plugsmith.hub._models import Base

NOT_IN_MODELS = ("releases_fts", "ix_releases_search")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Keep autogenerate away from the full-text objects that only raw SQL manages."""
    return not (name or "").startswith(NOT_IN_MODELS)


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:  # offline SQL generation: `alembic upgrade head --sql`
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                          literal_binds=True, include_name=include_name)
    else:
        context.configure(connection=connection, target_metadata=Base.metadata, include_name=include_name,
                          render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run()
