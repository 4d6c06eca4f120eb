"""Alembic environment for the hub. ``Hub.open`` passes its connection in ``config.attributes``.

The FTS5 table (SQLite) and the GIN full-text index (PostgreSQL) are created by raw SQL in the
migrations and are not part of the models' metadata, so autogenerate is told to leave them alone.
"""

from __future__ import annotations

from alembic import context

from plugsmith.hub._db import include_name
from plugsmith.hub._models import Base


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
