"""A real PostgreSQL server for the test session, on loopback, in a throw-away data directory.

Import the fixtures into a test module to use them::

    from _postgres import postgres_server, postgres_url  # noqa: F401

``postgres_server`` (session scope) runs ``initdb`` and ``pg_ctl`` from ``/usr/lib/postgresql/*/bin``
on a free port; as root they run as the ``postgres`` user (``runuser -u postgres --``) with a data
directory that user owns. ``postgres_url`` gives each test a fresh, empty database. When the binaries
are absent the fixtures skip with the reason, unless the ``CI`` environment variable is set, in which
case a missing PostgreSQL is a failure: CI must really test PostgreSQL.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
FAST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pg_bin_dir() -> Path | None:
    """The newest PostgreSQL bin directory holding both initdb and pg_ctl, if any."""
    found = [Path(p) for p in glob.glob(PG_BIN_GLOB) if (Path(p) / "initdb").exists()
             and (Path(p) / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A running server; ``create_database()`` hands out fresh databases by URL."""

    def __init__(self, bindir: Path, base: Path, port: int, as_user: list[str]) -> None:
        self.bindir, self.base, self.port, self.as_user = bindir, base, port, as_user
        self.datadir = base / "data"
        self.stopped = False

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "plugsmith") -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True, check=check,
                              timeout=120)

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.base / "server.log"),
                  "-w", "-t", "60", "-o", f"-p {self.port} -h 127.0.0.1 -k {self.base} {FAST_SETTINGS}",
                  "start")

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "-w", "stop",
                  check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def start_postgres(bindir: Path) -> PostgresServer:
    """initdb + pg_ctl start on a free loopback port; as root, as the ``postgres`` user."""
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="plugsmith-pg-", dir="/tmp" if as_root else None))
    as_user: list[str] = []
    if as_root:
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(bindir, base, _free_port(), as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        log = (base / "server.log").read_text() if (base / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr or exc.stdout}\n{log}") from None
    atexit.register(server.stop)
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (one per xdist worker)."""
    bindir = pg_bin_dir()
    if bindir is None:
        reason = f"PostgreSQL binaries not found ({PG_BIN_GLOB}/initdb); install the postgresql package"
        if in_ci():
            pytest.fail(f"{reason} — required because CI is set")
        pytest.skip(reason)
    server = start_postgres(bindir)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.create_database()
