"""Tampering with stored artifacts behind the store's back, whichever store a hub uses (tests only).

``tamper(store, checksum, change)`` rewrites the stored bytes as ``change(old bytes)``: the file of a
``DirectoryStore``, or the chunk rows of a ``DatabaseStore`` (by plain SQL, as an attacker with database
access would), so tests can check that every read refuses them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from plugsmith.hub import ArtifactStore, DatabaseStore, DirectoryStore


def raw_bytes(store: ArtifactStore, digest: str) -> bytes:
    """The stored bytes, unverified."""
    if isinstance(store, DirectoryStore):
        return store.path_for(digest).read_bytes()
    assert isinstance(store, DatabaseStore)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT data FROM artifact_chunks WHERE checksum = :c ORDER BY seq"),
                            {"c": digest}).scalars()
        return b"".join(bytes(r) for r in rows)


def tamper(store: ArtifactStore, digest: str, change: Callable[[bytes], bytes]) -> None:
    """Replace the stored bytes of ``digest`` with ``change(old)``, leaving its address as it was."""
    new = change(raw_bytes(store, digest))
    if isinstance(store, DirectoryStore):
        store.path_for(digest).write_bytes(new)
        return
    assert isinstance(store, DatabaseStore)
    size = store.chunk_bytes
    chunks = [new[i:i + size] for i in range(0, len(new), size)] or [b""]
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM artifact_chunks WHERE checksum = :c"), {"c": digest})
        for seq, chunk in enumerate(chunks):
            conn.execute(sa.text("INSERT INTO artifact_chunks (checksum, seq, data) VALUES (:c, :s, :d)"),
                         {"c": digest, "s": seq, "d": chunk})
        conn.execute(sa.text("UPDATE artifacts SET chunk_count = :n WHERE checksum = :c"),
                     {"n": len(chunks), "c": digest})


def flip_middle_byte(data: bytes) -> bytes:
    mid = len(data) // 2
    return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]


__all__ = ["flip_middle_byte", "raw_bytes", "tamper"]
