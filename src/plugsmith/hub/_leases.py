"""Leases in the hub database: "one process at a time does this", across machines.

A lease is a row in ``hub_leases`` (migration 0006): a key, who holds it and until when. Taking one is
a single ``INSERT … ON CONFLICT DO NOTHING``, or taking over a row whose time ran out (its holder
died); a holder renews it from a background thread while it works and deletes it when done. Whoever
does not get the lease waits and retries, so the work is done once and the waiters then find its
result (for synthesis: the spec hash's synthesis record, which is the synthesis rate limit).

``synthesis_lease(hub, spec_hash)`` is what ``synthesize`` holds: two replicas (or MCP servers, or
CLI runs) asked for the same spec at the same moment synthesize it once. A hub without an engine (a
``RemoteHub``: its synthesis records are the client's own) gets a lease that holds nothing.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import DateTime, Engine, String, Table, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from plugsmith.errors import WorkFailed
from plugsmith.hub._db import WRITE
from plugsmith.hub._models import Base
from plugsmith.hub._records import dialect_insert


class LeaseRow(Base):
    """Who holds ``key`` until ``expires_at``."""

    __tablename__ = "hub_leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


LEASES = cast(Table, LeaseRow.__table__)


def _now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """A held (or, without an engine, notional) lease; ``release`` it when done (or use ``with``)."""

    def __init__(self, engine: Engine | None, key: str, ttl_s: float) -> None:
        self.engine, self.key, self.ttl_s = engine, key, ttl_s
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _try(self) -> bool:
        assert self.engine is not None
        now = _now()
        until = now + timedelta(seconds=self.ttl_s)
        with self.engine.execution_options(**WRITE).begin() as conn:
            got = conn.execute(dialect_insert(conn, LEASES).values(key=self.key, holder=self.holder,
                                                                   expires_at=until)
                               .on_conflict_do_nothing().returning(LEASES.c.key)).first()
            if got is None:  # held: take it over only if its holder let it run out
                got = conn.execute(update(LEASES).where(LEASES.c.key == self.key, LEASES.c.expires_at < now)
                                   .values(holder=self.holder, expires_at=until)
                                   .returning(LEASES.c.key)).first()
        return got is not None

    def acquire(self, wait_s: float, poll_s: float = 0.2) -> Lease:
        """Take the lease, waiting up to ``wait_s``; WorkFailed when someone else keeps it that long."""
        if self.engine is None:
            return self
        deadline = time.monotonic() + wait_s
        while not self._try():
            if time.monotonic() > deadline:
                raise WorkFailed(f"another process has been working on {self.key} for over {wait_s:.0f} s",
                                 subject=self.key, hint="try again later; it may have finished by then")
            time.sleep(poll_s)
        self._renewer = threading.Thread(target=self._renew, name=f"lease {self.key}", daemon=True)
        self._renewer.start()
        return self

    def _renew(self) -> None:
        assert self.engine is not None
        while not self._stop.wait(self.ttl_s / 3):
            try:
                with self.engine.execution_options(**WRITE).begin() as conn:
                    mine = (LEASES.c.key == self.key) & (LEASES.c.holder == self.holder)
                    conn.execute(update(LEASES).where(mine)
                                 .values(expires_at=_now() + timedelta(seconds=self.ttl_s)))
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                continue

    def held_by(self) -> str | None:
        """Who holds the key now (None when nobody does)."""
        if self.engine is None:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(LEASES.c.holder).where(LEASES.c.key == self.key,
                                                              LEASES.c.expires_at >= _now())).scalar()

    def release(self) -> None:
        if self.engine is None or self._renewer is None:
            return
        self._stop.set()
        self._renewer.join(timeout=5)
        self._renewer = None
        with self.engine.execution_options(**WRITE).begin() as conn:
            conn.execute(delete(LEASES).where(LEASES.c.key == self.key, LEASES.c.holder == self.holder))

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def synthesis_lease(hub: Any, spec_hash: str, *, wait_s: float = 900.0, ttl_s: float = 60.0) -> Lease:
    """Hold the synthesis of ``spec_hash`` for this process (waiting while another one holds it)."""
    engine = getattr(hub, "engine", None)
    return Lease(engine if isinstance(engine, Engine) else None, f"synth:{spec_hash}", ttl_s).acquire(wait_s)


__all__ = ["LEASES", "Lease", "LeaseRow", "synthesis_lease"]
