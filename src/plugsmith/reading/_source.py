"""A release's files as a person reads them: decoded text, or a plain statement of why not.

Plugin files come from the hub's verified, read-only checkout of the release (``hub.checkout``). They
are bytes a stranger wrote: a file that is not UTF-8 is decoded with U+FFFD for the bad bytes and says
so (with the offset of the first one), a file with NUL bytes is binary and not shown, and anything past
``MAX_BYTES`` is cut off with a note. Nothing here raises on odd content; callers show ``problem``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 512 * 1024  # per file shown; the size gate keeps real plugins far below this
MAX_FILES = 200

CODE = "plugin.py"
README = "README.md"
MANIFEST = "plugin.json"
CASES = "tests/cases.json"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a release: ``text`` is None for binary files; ``problem`` says what is odd, if anything."""

    path: str
    size: int
    text: str | None
    problem: str | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() if self.text is not None else []


def decode(path: str, data: bytes, *, size: int | None = None, limit: int = MAX_BYTES) -> SourceFile:
    """``data`` as text: UTF-8 when it is, else replacement characters and a ``problem`` that says so.

    ``size`` is the whole file's size when ``data`` is only its beginning.
    """
    size = len(data) if size is None else size
    if b"\x00" in data[:limit]:
        return SourceFile(path, size, None, f"binary file ({size:,} bytes), not shown")
    notes = []
    shown = data[:limit]
    if size > limit:
        notes.append(f"only the first {limit:,} of {size:,} bytes are shown")
    try:
        text = shown.decode("utf-8")
    except UnicodeDecodeError as exc:
        if size > limit and exc.reason == "unexpected end of data":  # the cut split a character
            text = shown[: exc.start].decode("utf-8", errors="replace")
        else:
            text = shown.decode("utf-8", errors="replace")
            notes.insert(
                0,
                f"not UTF-8 text: byte 0x{shown[exc.start]:02x} at offset {exc.start} (and any "
                "other undecodable bytes) shown as \N{REPLACEMENT CHARACTER}",
            )
    return SourceFile(path, size, text, "; ".join(notes) or None)


def read_tree(root: Path) -> dict[str, SourceFile]:
    """Every regular file under ``root`` (a plugin directory), by relative POSIX path, sorted."""
    files: dict[str, SourceFile] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if len(files) >= MAX_FILES:
            break
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES)
        files[rel] = decode(rel, data, size=path.stat().st_size)
    return files


def release_files(hub: Any, release: Any) -> dict[str, SourceFile]:
    """The files of ``release`` from the hub's verified checkout (TamperedArtifact if the bytes changed)."""
    return read_tree(Path(hub.checkout(release)))


def missing(path: str) -> SourceFile:
    """A placeholder for a file the release does not have."""
    return SourceFile(path, 0, None, f"the release has no {path}")


__all__ = [
    "CASES",
    "CODE",
    "MANIFEST",
    "MAX_BYTES",
    "README",
    "SourceFile",
    "decode",
    "missing",
    "read_tree",
    "release_files",
]
