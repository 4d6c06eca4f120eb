"""Ed25519 release signatures: key lifecycle on disk, sign/verify, and what a signature covers."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from plugsmith.errors import ConfigError
from plugsmith.governance._signing import (
    PRIVATE_FILE,
    PUBLIC_FILE,
    HubKey,
    key_id_of,
    manifest_digest,
    verify_signature,
)

CHECKSUM = "sha256:" + "ab" * 32
MANIFEST = {"name": "cost_total", "version": "1.0.0", "permissions": []}


def test_key_is_created_once_in_home_with_private_mode(plugsmith_home: Path) -> None:
    key = HubKey.load_or_create()
    private = plugsmith_home / "keys" / PRIVATE_FILE
    assert private.is_file() and stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (plugsmith_home / "keys" / PUBLIC_FILE).read_text() == key.public_pem()
    again = HubKey.load_or_create()
    assert again.key_id == key.key_id == key_id_of(key.public_pem())


def test_concurrent_first_use_yields_one_key(tmp_path: Path) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def make() -> None:
        barrier.wait()
        ids.append(HubKey.load_or_create(tmp_path / "keys").key_id)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 8 and len(set(ids)) == 1
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [PRIVATE_FILE, PUBLIC_FILE]


def test_signature_covers_checksum_and_manifest(tmp_path: Path) -> None:
    key = HubKey.load_or_create(tmp_path)
    sig = key.sign(CHECKSUM, MANIFEST)
    digest = manifest_digest(MANIFEST)
    assert verify_signature(key.public_pem(), CHECKSUM, digest, sig)
    assert not verify_signature(key.public_pem(), "sha256:" + "cd" * 32, digest, sig)
    changed = manifest_digest({**MANIFEST, "permissions": ["network"]})
    assert not verify_signature(key.public_pem(), CHECKSUM, changed, sig)
    other = HubKey.load_or_create(tmp_path / "other")
    assert not verify_signature(other.public_pem(), CHECKSUM, digest, sig)
    assert not verify_signature(key.public_pem(), CHECKSUM, digest, "not base64!")


def test_manifest_digest_is_canonical() -> None:
    from plugsmith.spec import PluginManifest

    model = PluginManifest.model_validate(
        {"name": "cost_total", "capability": "cost_total", "origin": "handwritten", "outputs": ["total"]}
    )
    reordered = dict(reversed(list(model.model_dump(mode="json").items())))
    assert manifest_digest(model) == manifest_digest(reordered)
    assert manifest_digest(model).startswith("sha256:")


def test_corrupt_key_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / PRIVATE_FILE).write_text("garbage")
    with pytest.raises(ConfigError, match="cannot read the hub key"):
        HubKey.load_or_create(tmp_path)
