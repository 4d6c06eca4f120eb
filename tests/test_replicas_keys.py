"""One signing identity per hub: the key in the database, sealed by the operator's secret; rotation
that keeps old signatures verifiable; a wrong secret refused in one line."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from plugsmith.errors import ConfigError
from plugsmith.governance._keys import KeyRing, chain_key, hub_keys, key_secret, seal, unseal
from plugsmith.governance._signing import HubKey, key_id_of, manifest_digest, verify_signature
from plugsmith.hub import Hub

pytest_plugins = ["_postgres", "test_hub_helpers"]  # db_url: SQLite and a real PostgreSQL
SECRET = b"correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lighter scrypt cost than production's 2**15, to keep these tests fast; sealed keys record
    their own cost, so nothing else changes (the real-process tests use the production cost)."""
    from plugsmith.governance import _keys

    monkeypatch.setattr(_keys, "_SCRYPT", (2**12, 8, 1))


@pytest.fixture
def ring(db_url: str) -> Iterator[KeyRing]:
    with Hub.open(db_url) as hub:
        yield KeyRing(hub.engine)


def test_the_secret_comes_from_a_file_or_the_environment(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLUGSMITH_KEY_SECRET", raising=False)
    monkeypatch.delenv("PLUGSMITH_KEY_SECRET_FILE", raising=False)
    assert key_secret() is None
    monkeypatch.setenv("PLUGSMITH_KEY_SECRET", "from the environment!")
    assert key_secret() == b"from the environment!"
    file = tmp_path / "secret"
    file.write_text("from a file, with a newline\n")
    monkeypatch.setenv("PLUGSMITH_KEY_SECRET_FILE", str(file))
    assert key_secret() == b"from a file, with a newline"  # the file wins; its newline is not the secret
    with pytest.raises(ConfigError, match="too short"):
        file.write_text("short\n")
        key_secret()
    with pytest.raises(ConfigError, match="cannot read the key secret file"):
        key_secret(tmp_path / "absent")


def test_the_key_is_created_once_and_every_replica_opens_the_same(db_url: str) -> None:
    hubs = [Hub.open(db_url) for _ in range(4)]
    ids: list[str] = []
    go = threading.Barrier(len(hubs))

    def start(hub: Hub) -> None:
        go.wait()
        ids.append(KeyRing(hub.engine).active(SECRET).key_id)

    try:
        threads = [threading.Thread(target=start, args=(hub,)) for hub in hubs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(ids) == 4 and len(set(ids)) == 1
        assert [r.key_id for r in KeyRing(hubs[0].engine).records()] == ids[:1]
        with hubs[0].engine.connect() as conn:
            sealed = conn.execute(sa.select(hub_keys.c.sealed_private)).scalar_one()
        assert sealed.startswith("scrypt$") and SECRET.decode() not in sealed and "PRIVATE" not in sealed
    finally:
        for hub in hubs:
            hub.close()


def test_a_different_secret_is_refused_in_one_line(ring: KeyRing) -> None:
    key = ring.active(SECRET)
    with pytest.raises(ConfigError) as info:
        ring.active(b"not the secret the hub was made with")
    line = info.value.one_line()
    assert f"does not open this hub's signing key {key.key_id}" in line and "\n" not in line
    assert "PLUGSMITH_KEY_SECRET" in (info.value.hint or "")


def test_a_sealed_key_opens_only_under_its_own_id() -> None:
    key = HubKey.load_or_create()
    sealed = seal(key.private, SECRET, key.key_id)
    assert unseal(sealed, SECRET, key.key_id) is not None
    assert unseal(sealed, SECRET, "0" * 16) is None  # moved to another row: refused
    assert unseal(sealed, b"wrong secret, long enough", key.key_id) is None
    assert unseal("garbage", SECRET, key.key_id) is None


def test_the_first_replica_adopts_the_hub_key_this_machine_signed_with(ring: KeyRing) -> None:
    local = HubKey.load_or_create()
    assert ring.active(SECRET, adopt=local).key_id == local.key_id
    assert ring.active(SECRET).key_id == local.key_id


def test_rotation_keeps_old_signatures_verifiable_through_the_chain(ring: KeyRing) -> None:
    first = ring.active(SECRET)
    manifest = {"name": "cost_total", "version": "1.0.0"}
    old_signature = first.sign("sha256:" + "a" * 64, manifest)
    old, new = ring.rotate(SECRET)
    assert old.key_id == first.key_id and not old.active and old.retired_at is not None
    assert new.active and new.previous_key_id == first.key_id
    assert ring.active(SECRET).key_id == new.key_id != first.key_id
    _, newest = ring.rotate(SECRET)
    records = ring.records()
    assert [r.active for r in records] == [False, False, True]
    # a client that pinned the first key follows the chain forward, one that pinned the newest backward
    assert chain_key(first.public_pem(), records, newest.key_id) == newest.public_pem
    old_pem = chain_key(newest.public_pem, records, first.key_id)
    assert old_pem is not None
    assert verify_signature(old_pem, "sha256:" + "a" * 64, manifest_digest(manifest), old_signature)


def test_the_chain_refuses_keys_that_are_not_endorsed_both_ways(ring: KeyRing) -> None:
    first = ring.active(SECRET)
    _, new = ring.rotate(SECRET)
    intruder = HubKey(private=HubKey.load_or_create().private)
    forged = dataclasses.replace(new, key_id=intruder.key_id, public_pem=intruder.public_pem(),
                                 endorsed_by_new=None)
    assert chain_key(first.public_pem(), [*ring.records(), forged], intruder.key_id) is None
    unlinked = dataclasses.replace(new, endorsed_by_previous=None)
    assert chain_key(first.public_pem(), [ring.records()[0], unlinked], new.key_id) is None
    assert key_id_of(first.public_pem()) == first.key_id


def test_rekey_reseals_every_key_under_a_new_secret(ring: KeyRing) -> None:
    ring.active(SECRET)
    ring.rotate(SECRET)
    assert ring.rekey(SECRET, b"the next secret, long enough") == 2
    with pytest.raises(ConfigError, match="does not open"):
        ring.active(SECRET)
    assert ring.active(b"the next secret, long enough").key_id == ring.records()[-1].key_id
    with pytest.raises(ConfigError, match="does not open"):
        ring.rekey(SECRET, b"another secret, long enough")
