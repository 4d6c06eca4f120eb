"""The content-addressed artifact stores: verified reads and streams, one copy per checksum, checkouts.

Every test runs against the directory store and the database store (on SQLite and on a real
PostgreSQL); the database store is given tiny chunks so that streams really come in several pieces.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from _artifacts import flip_middle_byte, raw_bytes, tamper
from plugsmith.errors import NotFound, TamperedArtifact
from plugsmith.hub import ArtifactStore, DatabaseStore, DirectoryStore, Hub, checksum, pack
from plugsmith.hub._store import tree_is_read_only
from test_hub_helpers import make_plugin

pytest_plugins = ["_postgres"]
STORES = ["directory", "database-sqlite", pytest.param("database-postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, plugsmith_home: Path) -> Iterator[ArtifactStore]:
    if request.param == "directory":
        yield DirectoryStore()
        return
    url = (f"sqlite:///{plugsmith_home / 'hub.db'}" if request.param == "database-sqlite"
           else str(request.getfixturevalue("postgres_url")))
    with Hub.open(url) as hub:
        yield DatabaseStore(hub.engine, chunk_bytes=64)


def big_archive(tmp_path: Path) -> bytes:
    """An archive of several database chunks (random bytes barely compress)."""
    plugin = make_plugin(tmp_path)
    (plugin / "README.md").write_text("# big\n\n" + os.urandom(600).hex())
    return pack(plugin)


def test_directory_layout_is_content_addressed_under_home(plugsmith_home: Path, tmp_path: Path) -> None:
    store = DirectoryStore()
    data = pack(make_plugin(tmp_path))
    digest = store.write(data)
    hexdigest = digest.removeprefix("sha256:")
    path = plugsmith_home / "artifacts" / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"
    assert digest == checksum(data)
    assert path.read_bytes() == data
    assert store.read(digest) == data
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_write_read_stream_round_trip(store: ArtifactStore, tmp_path: Path) -> None:
    data = big_archive(tmp_path)
    digest = store.write(data)
    assert digest == checksum(data) and store.exists(digest) and store.size(digest) == len(data)
    assert store.read(digest) == data
    chunks = list(store.stream(digest, 64))
    assert b"".join(chunks) == data and len(chunks) >= 3 and max(map(len, chunks)) <= 64
    assert store.checksums() == [digest]
    assert not store.exists("sha256:" + "1" * 64)


def test_each_checksum_is_stored_once_even_when_written_concurrently(store: ArtifactStore,
                                                                     tmp_path: Path) -> None:
    data = big_archive(tmp_path)
    with ThreadPoolExecutor(6) as pool:
        digests = set(pool.map(lambda _i: store.write(data), range(12)))
    assert digests == {checksum(data)}
    assert store.checksums() == [checksum(data)] and store.read(checksum(data)) == data
    if isinstance(store, DatabaseStore):
        with store.engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*), sum(length(data)) FROM artifact_chunks")).one()
        assert tuple(count) == (-(-len(data) // 64), len(data))


def test_tampered_bytes_are_refused_whole_and_streamed_and_a_rewrite_heals_them(
        store: ArtifactStore, tmp_path: Path) -> None:
    data = big_archive(tmp_path)
    digest = store.write(data)
    tamper(store, digest, flip_middle_byte)
    with pytest.raises(TamperedArtifact, match="do not match their checksum") as info:
        store.read(digest)
    assert info.value.subject == digest
    received = []
    with pytest.raises(TamperedArtifact, match="do not match"):
        for chunk in store.stream(digest, 64):
            received.append(chunk)
    assert 0 < len(b"".join(received)) < len(data)  # streamed, but the end of bad bytes never arrives
    assert store.write(data) == digest  # writing the real bytes again repairs the store
    assert store.read(digest) == data and raw_bytes(store, digest) == data


def test_missing_artifact_and_bad_checksum(store: ArtifactStore) -> None:
    with pytest.raises(TamperedArtifact, match="missing"):
        store.read("sha256:" + "0" * 64)
    with pytest.raises(TamperedArtifact, match="missing"):
        store.stream("sha256:" + "0" * 64)
    with pytest.raises(NotFound, match="not a sha256 checksum"):
        store.read("md5:abc")


def test_database_store_refuses_incomplete_chunk_rows(plugsmith_home: Path, tmp_path: Path) -> None:
    with Hub.open() as hub:
        store = DatabaseStore(hub.engine, chunk_bytes=64)
        digest = store.write(big_archive(tmp_path))
        with hub.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM artifact_chunks WHERE seq = 1"))
        with pytest.raises(TamperedArtifact, match="incomplete"):
            store.read(digest)
        with pytest.raises(TamperedArtifact, match="incomplete"):
            list(store.stream(digest))


def test_database_store_points_at_migrate_artifacts_for_archives_left_on_disk(plugsmith_home: Path,
                                                                              tmp_path: Path) -> None:
    digest = DirectoryStore().write(pack(make_plugin(tmp_path)))
    with Hub.open() as hub, pytest.raises(TamperedArtifact) as info:
        DatabaseStore(hub.engine).read(digest)
    assert "still on this machine's disk" in info.value.message
    assert "plugsmith hub migrate-artifacts" in (info.value.hint or "")


def test_checkout_is_verified_read_only_and_reused(store: ArtifactStore, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    digest = store.write(pack(plugin))
    out = store.checkout(digest)
    assert (out / "plugin.py").read_text() == (plugin / "plugin.py").read_text()
    assert tree_is_read_only(out)
    assert store.checkout(digest) == out
    assert checksum(pack(out)) == digest


def test_tampered_checkout_is_rebuilt(store: ArtifactStore, tmp_path: Path) -> None:
    digest = store.write(pack(make_plugin(tmp_path)))
    out = store.checkout(digest)
    target = out / "plugin.py"
    os.chmod(out, 0o755)
    os.chmod(target, 0o644)
    target.write_text("import os\ndef run(inputs):\n    return {}\n")
    again = store.checkout(digest)
    assert "import os" not in (again / "plugin.py").read_text()
    assert checksum(pack(again)) == digest


def test_checkout_of_tampered_artifact_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    data = pack(make_plugin(tmp_path))
    digest = store.write(data)
    tamper(store, digest, lambda old: b"evil" + old)
    with pytest.raises(TamperedArtifact):
        store.checkout(digest)
    assert not (store.checkouts / digest.removeprefix("sha256:")).exists()


def test_a_postgresql_hub_keeps_its_artifacts_in_the_database(postgres_url: str, plugsmith_home: Path,
                                                              tmp_path: Path) -> None:
    from plugsmith.spec import Status, Tier

    with Hub.open(postgres_url) as hub:
        assert isinstance(hub.store, DatabaseStore)
        release = hub.publish(make_plugin(tmp_path), status=Status.approved, tier=Tier.tier1)
        assert hub.store.checksums() == [release.checksum]
    assert not list((plugsmith_home / "artifacts").rglob("*.tar.gz"))
    with Hub.open() as local:
        assert isinstance(local.store, DirectoryStore)
