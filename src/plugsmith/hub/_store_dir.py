"""``DirectoryStore``: archives as files under ``$PLUGSMITH_HOME/artifacts`` (a SQLite hub's store).

Layout: ``sha256/<first two hex>/<hex>.tar.gz``. Writes are atomic (temp file + ``os.replace``), so a
crash mid-write leaves at most a stray temp file, never a half-written artifact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from plugsmith import config
from plugsmith.atomic import write_bytes as _atomic_write
from plugsmith.hub._archive import checksum
from plugsmith.hub._store import CHUNK_BYTES, ArtifactStore, hex_of, verified, verified_stream

WHERE = "file on disk"


class DirectoryStore(ArtifactStore):
    """Archives in a local directory, by checksum."""

    where = WHERE

    def __init__(self, root: Path | None = None, checkouts: Path | None = None) -> None:
        super().__init__(checkouts)
        self.root = root or config.artifacts_dir()

    def path_for(self, digest: str) -> Path:
        """Where the archive with this checksum lives (whether or not it exists)."""
        hexdigest = hex_of(digest)
        return self.root / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"

    def write(self, data: bytes) -> str:
        digest = checksum(data)
        path = self.path_for(digest)
        if path.is_file() and checksum(path.read_bytes()) == digest:
            return digest
        _atomic_write(path, data)
        return digest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def size(self, digest: str) -> int:
        path = self.path_for(digest)
        if not path.is_file():
            raise self.missing(digest)
        return path.stat().st_size

    def read(self, digest: str) -> bytes:
        path = self.path_for(digest)
        if not path.is_file():
            raise self.missing(digest)
        return verified(digest, path.read_bytes(), WHERE)

    def stream(self, digest: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
        path = self.path_for(digest)
        if not path.is_file():
            raise self.missing(digest)

        def chunks() -> Iterator[bytes]:
            with path.open("rb") as handle:
                while chunk := handle.read(chunk_bytes):
                    yield chunk

        return verified_stream(digest, chunks(), WHERE)

    def checksums(self) -> list[str]:
        found = (p.name.removesuffix(".tar.gz") for p in (self.root / "sha256").glob("*/*.tar.gz"))
        return sorted(f"sha256:{h}" for h in found if len(h) == 64)

    def describe(self) -> str:
        return f"directory {self.root}"


__all__ = ["DirectoryStore"]
