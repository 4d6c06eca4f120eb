"""Moving a hub's archives from a machine's disk into its database (``plugsmith hub migrate-artifacts``).

A hub on PostgreSQL that was run before its archives moved into the database still has them under
``$PLUGSMITH_HOME/artifacts`` of the machine that served it. This copies each into the database store,
verifying the checksum three times: the file must hash to its name (a file that does not is refused
and left where it is), the database store verifies what it writes, and the copy is read back and
compared before the file is removed. It is idempotent: run it again and what is already there is
counted, not copied. At the end every release is checked to have its archive in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plugsmith.errors import ConfigError, TamperedArtifact
from plugsmith.hub._store_db import DatabaseStore
from plugsmith.hub._store_dir import DirectoryStore


@dataclass
class ArtifactMigration:
    """What ``migrate_artifacts`` did: checksums moved, already there, refused; releases left without."""

    target: str
    moved: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    unreferenced: list[str] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    moved_bytes: int = 0
    removed_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused and not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "moved": self.moved, "already": self.already, "refused": self.refused,
                "unreferenced": self.unreferenced, "missing": self.missing, "moved_bytes": self.moved_bytes,
                "removed_files": self.removed_files, "ok": self.ok}


def _database_store(hub: Any) -> DatabaseStore:
    store = getattr(hub, "store", None)
    if not isinstance(store, DatabaseStore):
        raise ConfigError("this hub keeps its archives in a directory, not in its database (a SQLite hub)",
                          subject="hub migrate-artifacts",
                          hint="point --db / PLUGSMITH_DB at the PostgreSQL hub the archives belong to")
    return store


def _copy(source: DirectoryStore, target: DatabaseStore, digest: str, report: ArtifactMigration) -> bool:
    """Copy one archive; True when the database now holds a verified copy."""
    try:
        data = source.read(digest)  # the file must hash to its name
    except TamperedArtifact as exc:
        report.refused.append({"checksum": digest, "file": str(source.path_for(digest)),
                               "problem": exc.message})
        return False
    if target.exists(digest):
        try:
            if target.read(digest) == data:
                report.already.append(digest)
                return True
        except TamperedArtifact:
            pass  # a bad copy in the database: the write below replaces it
    target.write(data)
    if target.read(digest) != data:  # read back through the verifying path before trusting the copy
        report.refused.append({"checksum": digest, "file": str(source.path_for(digest)),
                               "problem": "the copy in the database does not read back identically"})
        return False
    report.moved.append(digest)
    report.moved_bytes += len(data)
    return True


def migrate_artifacts(hub: Any, source: DirectoryStore | None = None, *, keep: bool = False,
                      progress: Callable[[str], None] | None = None) -> ArtifactMigration:
    """Move every archive of ``source`` (default ``$PLUGSMITH_HOME/artifacts``) into the hub's database.

    Files are removed once their copy is verified, unless ``keep``. Raises ConfigError when the hub
    does not keep its archives in its database.
    """
    target = _database_store(hub)
    source = source or DirectoryStore()
    report = ArtifactMigration(target=target.describe())
    referenced = _release_refs(hub)
    found = source.checksums()
    for n, digest in enumerate(found, 1):
        if _copy(source, target, digest, report):
            if digest not in referenced:
                report.unreferenced.append(digest)
            if not keep:
                source.path_for(digest).unlink(missing_ok=True)
                report.removed_files += 1
        if progress and (n % 100 == 0 or n == len(found)):
            progress(f"{n}/{len(found)} archive(s) checked")
    for digest, refs in sorted(referenced.items()):
        if not target.exists(digest):
            report.missing.append({"checksum": digest, "refs": refs})
    return report


def _release_refs(hub: Any) -> dict[str, list[str]]:
    """checksum -> the releases that use it."""
    from sqlalchemy import select

    from plugsmith.hub._models import RELEASES

    with hub.engine.connect() as conn:
        rows = conn.execute(select(RELEASES.c.checksum, RELEASES.c.name, RELEASES.c.version)
                            .order_by(RELEASES.c.id)).all()
    refs: dict[str, list[str]] = {}
    for row in rows:
        refs.setdefault(row.checksum, []).append(f"{row.name}@{row.version}")
    return refs


__all__ = ["ArtifactMigration", "migrate_artifacts"]
