"""The content-addressed artifact store: one interface, two places the archives can live.

``ArtifactStore`` is what ``Hub`` talks to. Archives are kept by their sha256 and verified on every
read; writing is idempotent (the address *is* the content) and keeps each checksum once. Two
implementations:

* ``DirectoryStore`` (``_store_dir``): files under ``$PLUGSMITH_HOME/artifacts`` — the default for a
  SQLite hub, which lives on one machine anyway;
* ``DatabaseStore`` (``_store_db``): chunked rows in the hub's own database — what a hub on PostgreSQL
  uses, so that several server replicas on different machines read the same archives and nothing a
  release needs lives on one machine's disk.

``open_store(engine)`` picks one for a hub's engine. Reads come whole (``read``) or as a stream of
chunks (``stream``), which holds back its last chunk until the whole archive's checksum has matched:
a consumer that sees the stream end normally has seen verified bytes, and a tampered archive ends in
``TamperedArtifact`` before its end. Checkouts (unpacked, read-only copies for the sandbox) are a
local cache under ``$PLUGSMITH_HOME/checkouts`` for both, re-verified every time they are handed out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import stat
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from plugsmith import config
from plugsmith.errors import ArchiveError, NotFound, TamperedArtifact
from plugsmith.hub._archive import checksum, pack, unpack

if TYPE_CHECKING:
    from sqlalchemy import Engine

CHUNK_BYTES = 256 * 1024
_CHECKSUM = re.compile(r"^sha256:([0-9a-f]{64})$")
MISSING_HINT = "republish the plugin, or run `plugsmith hub verify`"


def hex_of(digest: str) -> str:
    """The 64 hex digits of a ``sha256:`` checksum; NotFound (a bad address) otherwise."""
    match = _CHECKSUM.match(digest)
    if not match:
        raise NotFound(f"{digest!r} is not a sha256 checksum", subject="artifact",
                       hint="checksums look like sha256:<64 hex digits>")
    return match.group(1)


def mismatch(digest: str, actual: str, where: str) -> TamperedArtifact:
    """The error for bytes that do not hash to their address."""
    return TamperedArtifact(
        f"artifact bytes do not match their checksum (found {actual[:19]}…); refusing to use it",
        subject=digest,
        hint=f"the {where} was modified; republish the plugin, and see `plugsmith hub verify`")


def verified(digest: str, data: bytes, where: str) -> bytes:
    """``data`` when it hashes to ``digest``; TamperedArtifact otherwise."""
    actual = checksum(data)
    if not hmac.compare_digest(actual, digest):
        raise mismatch(digest, actual, where)
    return data


def verified_stream(digest: str, chunks: Iterable[bytes], where: str) -> Iterator[bytes]:
    """Yield ``chunks`` while hashing them, holding the last one back until the checksum matched.

    So a consumer never receives the final byte of a tampered archive: the stream raises
    ``TamperedArtifact`` instead of ending.
    """
    hasher = hashlib.sha256()
    held: bytes | None = None
    for chunk in chunks:
        if held is not None:
            yield held
        hasher.update(chunk)
        held = chunk
    actual = "sha256:" + hasher.hexdigest()
    if not hmac.compare_digest(actual, digest):
        raise mismatch(digest, actual, where)
    if held is not None:
        yield held


def _make_writable(root: Path) -> None:
    for dirpath, _dirs, _files in os.walk(root):
        Path(dirpath).chmod(0o755)


def _make_read_only(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(dirpath) / name
            path.chmod(0o555 if path.stat().st_mode & 0o111 else 0o444)
        Path(dirpath).chmod(0o555)


def _remove_tree(root: Path) -> None:
    if root.exists():
        _make_writable(root)
        shutil.rmtree(root, ignore_errors=True)


class ArtifactStore(ABC):
    """Archives by checksum. Every read verifies the sha256; a mismatch is ``TamperedArtifact``.

    Implementations provide ``write``, ``exists``, ``size``, ``read``, ``stream``, ``checksums`` and
    ``describe``; checkouts are shared here.
    """

    #: what a person is told when bytes are missing or bad ("file on disk", "database row")
    where: str = "artifact"

    def __init__(self, checkouts: Path | None = None) -> None:
        self.checkouts = checkouts or config.home() / "checkouts"

    @abstractmethod
    def write(self, data: bytes) -> str:
        """Store an archive (once per checksum); returns its checksum. A tampered copy is rewritten."""

    @abstractmethod
    def exists(self, digest: str) -> bool:
        """Whether the store holds bytes for this checksum (not whether they are intact)."""

    @abstractmethod
    def size(self, digest: str) -> int:
        """The stored archive's length in bytes; TamperedArtifact when it is missing."""

    @abstractmethod
    def read(self, digest: str) -> bytes:
        """The verified bytes of an archive."""

    @abstractmethod
    def stream(self, digest: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        """The archive in chunks, verified as in ``verified_stream``; never the whole in memory."""

    def sized_stream(self, digest: str) -> tuple[int, Iterator[bytes]]:
        """(the stored length, ``stream(digest)``): what a download needs, in as few reads as the
        store can manage."""
        return self.size(digest), self.stream(digest)

    @abstractmethod
    def checksums(self) -> list[str]:
        """Every checksum the store holds, sorted."""

    @abstractmethod
    def describe(self) -> str:
        """Where the archives are, for people (``hub verify``, ``doctor``, errors)."""

    def missing(self, digest: str) -> TamperedArtifact:
        return TamperedArtifact(f"artifact is missing from the store ({self.describe()})", subject=digest,
                                hint=MISSING_HINT)

    def _checkout_ok(self, target: Path, digest: str) -> bool:
        try:
            return checksum(pack(target)) == digest
        except (ArchiveError, OSError):
            return False

    def checkout(self, digest: str) -> Path:
        """A verified, unpacked, read-only copy of the archive; rebuilt if it was tampered with."""
        target = self.checkouts / hex_of(digest)
        if target.is_dir() and self._checkout_ok(target, digest):
            return target
        data = self.read(digest)
        self.checkouts.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.checkouts, prefix=".tmp-"))
        try:
            unpack(data, tmp / "p")
            _make_read_only(tmp / "p")
            if target.exists():
                _remove_tree(target)
            try:
                os.rename(tmp / "p", target)
            except OSError:
                if not (target.is_dir() and self._checkout_ok(target, digest)):  # lost a race: fine
                    raise
        finally:
            _remove_tree(tmp)
        return target


def open_store(engine: Engine) -> ArtifactStore:
    """The store for a hub on ``engine``: in the database on PostgreSQL, a directory on SQLite."""
    if engine.dialect.name == "postgresql":
        from plugsmith.hub._store_db import DatabaseStore

        return DatabaseStore(engine)
    from plugsmith.hub._store_dir import DirectoryStore

    return DirectoryStore()


def tree_is_read_only(root: Path) -> bool:
    """True when no file or directory under root is writable by its owner (used by tests and docs)."""
    return all(not (Path(d) / n).stat().st_mode & stat.S_IWUSR
               for d, dirs, files in os.walk(root) for n in [*dirs, *files])


__all__ = ["CHUNK_BYTES", "ArtifactStore", "hex_of", "open_store", "tree_is_read_only", "verified",
           "verified_stream"]
