"""The content-addressed artifact store: atomic writes, verified reads, self-healing checkouts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugsmith.errors import NotFound, TamperedArtifact
from plugsmith.hub import ArtifactStore, checksum, pack
from plugsmith.hub._store import tree_is_read_only
from test_hub_helpers import make_plugin


@pytest.fixture
def store(plugsmith_home: Path) -> ArtifactStore:
    return ArtifactStore()


def test_layout_is_content_addressed_under_home(store: ArtifactStore, plugsmith_home: Path,
                                                 tmp_path: Path) -> None:
    data = pack(make_plugin(tmp_path))
    digest = store.write(data)
    hexdigest = digest.removeprefix("sha256:")
    path = plugsmith_home / "artifacts" / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"
    assert digest == checksum(data)
    assert path.read_bytes() == data
    assert store.read(digest) == data
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_tampered_artifact_is_refused_and_rewrite_heals_it(store: ArtifactStore, tmp_path: Path) -> None:
    data = pack(make_plugin(tmp_path))
    digest = store.write(data)
    mid = len(data) // 2
    store.path_for(digest).write_bytes(data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:])
    with pytest.raises(TamperedArtifact, match="do not match their checksum") as info:
        store.read(digest)
    assert info.value.subject == digest
    assert store.write(data) == digest  # writing the real bytes again repairs the store
    assert store.read(digest) == data


def test_missing_artifact_and_bad_checksum(store: ArtifactStore) -> None:
    with pytest.raises(TamperedArtifact, match="missing"):
        store.read("sha256:" + "0" * 64)
    with pytest.raises(NotFound, match="not a sha256 checksum"):
        store.read("md5:abc")


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
    store.path_for(digest).write_bytes(b"evil" + data)
    with pytest.raises(TamperedArtifact):
        store.checkout(digest)
    assert not (store.checkouts / digest.removeprefix("sha256:")).exists()
