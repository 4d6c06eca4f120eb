"""The plugin hub: registry, content-addressed artifact store, versions, search and telemetry.

>>> from plugsmith.hub import Hub          # doctest: +SKIP
>>> hub = Hub.open()                       # SQLite in $PLUGSMITH_HOME, or PLUGSMITH_DB / --db
>>> release = hub.publish(Path("my_plugin"), status=Status.approved, tier=Tier.tier1)
>>> hub.get(release.ref).checksum == release.checksum
True

See docs/hub.md for the schema, the migration chain and the ranking formula.
"""

from plugsmith.hub._archive import (
    MAX_HEADER_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_TOTAL_BYTES,
    checksum,
    pack,
    unpack,
)
from plugsmith.hub._cases import CasesAdded, HeldCase
from plugsmith.hub._hub import Hub, loadable
from plugsmith.hub._leases import Lease, synthesis_lease
from plugsmith.hub._release import LOADABLE, NearMatch, Release
from plugsmith.hub._search import score_match
from plugsmith.hub._store import ArtifactStore, open_store
from plugsmith.hub._store_db import DatabaseStore
from plugsmith.hub._store_dir import DirectoryStore


def __getattr__(name: str) -> object:
    """``RemoteHub`` (the HTTP client of a shared hub) is imported on first use: it pulls in httpx."""
    if name == "RemoteHub":
        from plugsmith.hub._remote import RemoteHub

        return RemoteHub
    raise AttributeError(f"module 'plugsmith.hub' has no attribute {name!r}")


__all__ = [
    "LOADABLE",
    "MAX_HEADER_BYTES",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "ArtifactStore",
    "CasesAdded",
    "DatabaseStore",
    "DirectoryStore",
    "HeldCase",
    "Hub",
    "Lease",
    "NearMatch",
    "Release",
    "RemoteHub",
    "checksum",
    "loadable",
    "open_store",
    "pack",
    "score_match",
    "synthesis_lease",
    "unpack",
]
