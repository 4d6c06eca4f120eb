"""The content-addressed artifact store: archives kept by their sha256, verified on every read.

Layout under ``config.artifacts_dir()``: ``sha256/<first two hex>/<hex>.tar.gz``. Writing is idempotent
(the address *is* the content) and atomic (temp file + ``os.replace``), so a crash mid-write leaves at
most a stray temp file, never a half-written artifact. Checkouts are unpacked copies under
``$PLUGSMITH_HOME/checkouts/<hex>``, made read-only, and re-verified (by re-packing) every time they are
handed out, because a checkout on disk can be edited just like an archive can.
"""

from __future__ import annotations

import hmac
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from plugsmith import config
from plugsmith.atomic import write_bytes as _atomic_write
from plugsmith.errors import ArchiveError, NotFound, TamperedArtifact
from plugsmith.hub._archive import checksum, pack, unpack

_CHECKSUM = re.compile(r"^sha256:([0-9a-f]{64})$")


def _hex(digest: str) -> str:
    match = _CHECKSUM.match(digest)
    if not match:
        raise NotFound(f"{digest!r} is not a sha256 checksum", subject="artifact",
                       hint="checksums look like sha256:<64 hex digits>")
    return match.group(1)


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


class ArtifactStore:
    """Archives by checksum. Every read verifies the sha256; a mismatch is ``TamperedArtifact``."""

    def __init__(self, root: Path | None = None, checkouts: Path | None = None) -> None:
        self.root = root or config.artifacts_dir()
        self.checkouts = checkouts or config.home() / "checkouts"

    def path_for(self, digest: str) -> Path:
        """Where the archive with this checksum lives (whether or not it exists)."""
        hexdigest = _hex(digest)
        return self.root / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"

    def write(self, data: bytes) -> str:
        """Store an archive; returns its checksum. Rewrites the file if the stored copy was tampered."""
        digest = checksum(data)
        path = self.path_for(digest)
        if path.is_file() and checksum(path.read_bytes()) == digest:
            return digest
        _atomic_write(path, data)
        return digest

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def read(self, digest: str) -> bytes:
        """The verified bytes of an archive."""
        path = self.path_for(digest)
        if not path.is_file():
            raise TamperedArtifact("artifact is missing from the store", subject=digest,
                                   hint="republish the plugin, or run `plugsmith hub verify`")
        data = path.read_bytes()
        actual = checksum(data)
        if not hmac.compare_digest(actual, digest):
            raise TamperedArtifact(
                f"artifact bytes do not match their checksum (found {actual[:19]}…); refusing to use it",
                subject=digest, hint="the file was modified on disk; republish the plugin",
            )
        return data

    def _checkout_ok(self, target: Path, digest: str) -> bool:
        try:
            return checksum(pack(target)) == digest
        except (ArchiveError, OSError):
            return False

    def checkout(self, digest: str) -> Path:
        """A verified, unpacked, read-only copy of the archive; rebuilt if it was tampered with."""
        target = self.checkouts / _hex(digest)
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


def tree_is_read_only(root: Path) -> bool:
    """True when no file or directory under root is writable by its owner (used by tests and docs)."""
    return all(not (Path(d) / n).stat().st_mode & stat.S_IWUSR
               for d, dirs, files in os.walk(root) for n in [*dirs, *files])


__all__ = ["ArtifactStore", "tree_is_read_only"]
