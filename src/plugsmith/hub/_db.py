"""Engines and migrations: how the hub talks to SQLite or PostgreSQL safely from many processes.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with ``BEGIN
IMMEDIATE``: a deferred transaction that later needs the write lock fails at once with SQLITE_BUSY
when another process committed in between (the busy timeout cannot help there), while an immediate one
simply waits its turn. Migrations run under the same write lock on SQLite and under an advisory lock
on PostgreSQL, so several processes opening a fresh hub at once migrate it exactly once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from plugsmith.errors import BadInput, ConfigError

MIGRATIONS = Path(__file__).parent / "migrations"
WRITE = {"plugsmith_write": True}
BUSY_TIMEOUT_S = 60.0
_MIGRATION_LOCK = 0x706C7567  # "plug": the pg_advisory_xact_lock key for migrations


NOT_IN_MODELS = ("releases_fts", "ix_releases_search", "search_vector")


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """For Alembic autogenerate: skip the full-text objects that only raw SQL in migrations manages."""
    return not (name or "").startswith(NOT_IN_MODELS)


def safe_url(url: str) -> str:
    """The URL with any password hidden, for error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("plugsmith_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for a hub URL (already normalised by ``config.db_url``); bad URLs are ConfigError."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})
            _sqlite_events(engine)
        else:
            engine = create_engine(url, connect_args={"connect_timeout": 10}, pool_recycle=1800)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"malformed database URL: {exc}".splitlines()[0], subject="--db",
                          hint="use sqlite:///PATH or postgresql://user:pass@host/db") from None
    return engine


def connect_error(url: str, exc: SQLAlchemyError) -> BadInput:
    """A one-line ConfigError for a database that cannot be opened — or, when the database refused a
    value (PostgreSQL stores no NUL character in text, for one), a BadInput about that value: it is
    the input that is wrong, not the database URL."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if isinstance(exc, DataError):
        return BadInput(f"the hub database cannot store a value of this request: {first}"[:300],
                        hint="remove NUL (\\x00) characters and other bytes text cannot hold")
    return ConfigError(f"cannot open the hub database: {first}", subject=safe_url(url),
                       hint="check the URL, that the server is running and that the path exists")


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The newest migration revision shipped with this plugsmith (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the database to the head revision (a no-op when it is already there)."""
    from alembic import command

    with engine.connect() as conn:
        if current_revision(conn) == head_revision():
            return
    from alembic.util import CommandError

    with engine.execution_options(**WRITE).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        try:
            command.upgrade(_alembic_config(conn), "head")
        except CommandError as exc:
            raise ConfigError(f"the hub database cannot be migrated: {exc}".splitlines()[0],
                              subject=safe_url(str(engine.url)),
                              hint="it was probably made by a newer plugsmith; upgrade plugsmith") from None


def open_engine(url: str) -> Engine:
    """Create the engine, check the database answers, and migrate it to head."""
    engine = make_engine(url)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise connect_error(url, exc) from None
    return engine


__all__ = ["WRITE", "connect_error", "current_revision", "head_revision", "include_name", "make_engine",
           "migrate", "open_engine", "safe_url"]
