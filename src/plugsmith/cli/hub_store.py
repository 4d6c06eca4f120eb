"""``plugsmith hub migrate-artifacts``: a PostgreSQL hub's archives from this machine's disk into its
database, so that every server replica reads them (see docs/server.md, "Several replicas").

Attached to the ``hub`` command group; only typer is imported at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def migrate_artifacts(
    source: Annotated[Path | None, typer.Option(
        "--from", help="The artifacts directory to move (default: $PLUGSMITH_HOME/artifacts).")] = None,
    keep: Annotated[bool, typer.Option(
        "--keep", help="Leave the files in place after their copy in the database is verified.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Move the hub's archives from disk into its database, verifying every checksum on the way;
    exit 1 when a file does not match its checksum or a release is left without its archive."""
    from plugsmith.cli._common import OPTIONS, err, print_json
    from plugsmith.errors import ConfigError, TamperedArtifact
    from plugsmith.hub import DirectoryStore, Hub
    from plugsmith.hub._migrate_artifacts import migrate_artifacts as migrate

    if source is not None and not source.is_dir():
        raise ConfigError(f"{source} is not a directory", subject="--from",
                          hint="give the artifacts directory (the one holding sha256/)")
    with Hub.open(OPTIONS.db) as hub:
        report = migrate(hub, DirectoryStore(source) if source else None, keep=keep,
                         progress=None if as_json else err)
    if as_json:
        print_json(report.as_dict())
    else:
        for bad in report.refused:
            err(f"REFUSED {bad['checksum']} ({bad['file']}): {bad['problem']}")
        for gone in report.missing:
            err(f"MISSING {gone['checksum']} ({', '.join(gone['refs'])}): in neither the database nor "
                "the directory")
        print(f"moved {len(report.moved)} archive(s) ({report.moved_bytes} bytes) into the {report.target}; "
              f"{len(report.already)} already there, {len(report.refused)} refused, "
              f"{report.removed_files} file(s) removed, {len(report.missing)} release checksum(s) missing")
    if not report.ok:
        raise TamperedArtifact(f"{len(report.refused)} archive(s) refused, {len(report.missing)} release "
                               "checksum(s) without an archive", subject="hub migrate-artifacts",
                               hint="refused files stay where they are; republish the affected releases")


def register(app: typer.Typer) -> None:
    """Attach ``plugsmith hub migrate-artifacts`` to the ``hub`` group (registered after it)."""
    from plugsmith.cli.hub import hub_app

    hub_app.command("migrate-artifacts")(migrate_artifacts)
