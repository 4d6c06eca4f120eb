"""A source diff between two releases, file by file (``difflib`` unified diffs).

Any two releases can be compared: two versions of one plugin (the usual case), a release with itself
(identical: no hunks, and the result says so), or two unrelated plugins (compared file by file like any
other pair, and ``related`` is False so the caller can say that first). Files too large for a line
diff in reasonable time, and binary files, are reported as changed without hunks, with the reason.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from plugsmith.reading._source import CODE, SourceFile, release_files

MAX_DIFF_LINES = 20_000  # lines on both sides of one file; difflib is quadratic in the worst case
CONTEXT = 3


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file: ``status`` is added, removed, changed or same; ``lines`` the unified diff (no newlines)."""

    path: str
    status: str
    lines: list[str] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """What changed from ``old`` to ``new`` (refs), with a one-line ``summary``."""

    old: str
    new: str
    related: bool
    identical: bool
    files: list[FileDiff]

    @property
    def changed(self) -> list[FileDiff]:
        return [f for f in self.files if f.status != "same"]

    @property
    def summary(self) -> str:
        if self.identical:
            return f"{self.old} and {self.new} have identical contents (same checksum)"
        changed = self.changed
        if not changed:
            return "no file differs (the archives differ only in packing)"
        plus = sum(f.added for f in changed)
        minus = sum(f.removed for f in changed)
        head = "" if self.related else f"{self.old} and {self.new} are different plugins; "
        return f"{head}{len(changed)} file(s) differ, +{plus} −{minus} lines"


def diff_files(
    old: dict[str, SourceFile],
    new: dict[str, SourceFile],
    *,
    old_label: str = "a",
    new_label: str = "b",
    context: int = CONTEXT,
) -> list[FileDiff]:
    """Per-file diffs over the union of both file sets: ``plugin.py`` first, then in path order."""
    return [
        _diff_one(path, old.get(path), new.get(path), old_label, new_label, context)
        for path in sorted(set(old) | set(new), key=lambda p: (p != CODE, p))
    ]


def _diff_one(
    path: str, a: SourceFile | None, b: SourceFile | None, old_label: str, new_label: str, context: int
) -> FileDiff:
    status = "added" if a is None else "removed" if b is None else "changed"
    if a is not None and b is not None and a.text == b.text and a.size == b.size:
        return FileDiff(path, "same")
    for side in (a, b):
        if side is not None and side.text is None:
            return FileDiff(path, status, note=side.problem or "binary file")
    a_lines, b_lines = (a.lines if a else []), (b.lines if b else [])
    if len(a_lines) + len(b_lines) > MAX_DIFF_LINES:
        return FileDiff(
            path, status, note=f"too large for a line diff ({len(a_lines):,} and {len(b_lines):,} lines)"
        )
    lines = list(
        difflib.unified_diff(
            a_lines, b_lines, f"{old_label}/{path}", f"{new_label}/{path}", n=context, lineterm=""
        )
    )
    added = sum(1 for line in lines[2:] if line.startswith("+"))
    removed = sum(1 for line in lines[2:] if line.startswith("-"))
    notes = [n for n in (a.problem if a else None, b.problem if b else None) if n]
    return FileDiff(path, status, lines, added, removed, "; ".join(dict.fromkeys(notes)) or None)


def diff_releases(hub: Any, old: Any, new: Any, *, context: int = CONTEXT) -> ReleaseDiff:
    """Compare two releases' files (each from the hub's verified checkout)."""
    related = old.plugin_id == new.plugin_id or old.name == new.name
    if old.checksum == new.checksum:
        return ReleaseDiff(old.ref, new.ref, related, True, [])
    files = diff_files(
        release_files(hub, old),
        release_files(hub, new),
        old_label=old.ref,
        new_label=new.ref,
        context=context,
    )
    return ReleaseDiff(old.ref, new.ref, related, False, files)


def previous_version(hub: Any, release: Any, statuses: tuple[str, ...] = ("approved", "deprecated")) -> Any:
    """The newest other release of the same plugin published before ``release`` with one of ``statuses``
    (the one a reviewer compares against), or None."""
    from packaging.version import InvalidVersion, Version

    def key(r: Any) -> Any:
        try:
            return (Version(r.version), r.created_at)
        except InvalidVersion:
            return (Version("0"), r.created_at)

    mine = key(release)
    earlier = [
        r
        for r in hub.versions(release.plugin_id)
        if r.ref != release.ref and str(r.status) in statuses and key(r) < mine
    ]
    return max(earlier, key=key, default=None)


__all__ = ["FileDiff", "ReleaseDiff", "diff_files", "diff_releases", "previous_version"]
