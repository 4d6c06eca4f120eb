"""``verify_hub``: every artifact against its checksum and the hub key's signature."""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

import test_server_helpers as helpers
from plugsmith.server import verify_hub
from plugsmith.spec import Status
from test_server_helpers import Server, make_plugin, seed_release

server = helpers.server


def kinds(srv: Server, **kwargs: object) -> dict[str, str]:
    key_dir = srv.app.state.writes.key.path.parent
    return {p.ref: p.kind for p in verify_hub(srv.hub, key_dir=key_dir, **kwargs)}  # type: ignore[arg-type]


def test_clean_hub_has_no_problems(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path, "cost_a"))
    seed_release(server, make_plugin(tmp_path, "cost_b"))
    assert kinds(server) == {}


def test_each_kind_of_corruption_is_found(server: Server, tmp_path: Path) -> None:
    tampered = seed_release(server, make_plugin(tmp_path, "cost_tampered"))
    path = server.hub.store.path_for(tampered.checksum)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes() + b"x")
    edited = seed_release(server, make_plugin(tmp_path, "cost_edited"))
    manifest = {**edited.manifest.model_dump(mode="json"), "permissions": ["network"]}
    forged = seed_release(server, make_plugin(tmp_path, "cost_forged"))
    unsigned = server.hub.publish(make_plugin(tmp_path, "cost_unsigned"), status=Status.approved, tier=None)
    with server.hub.engine.execution_options(plugsmith_write=True).begin() as conn:
        conn.execute(
            sa.text("UPDATE releases SET manifest = :m WHERE name = 'cost_edited'"),
            {"m": json.dumps(manifest)},
        )
        conn.execute(
            sa.text("UPDATE server_signatures SET signature = :s WHERE checksum = :c"),
            {"s": "A" * 88, "c": forged.checksum},
        )
    found = kinds(server)
    assert found == {
        tampered.ref: "tampered",
        "cost_edited@1.0.0": "manifest-changed",
        forged.ref: "bad-signature",
        unsigned.ref: "unsigned",
    }
    # a served hub signs every release: an unsigned one is a problem even without require_signatures
    assert kinds(server, require_signatures=False)[unsigned.ref] == "unsigned"


def test_a_never_served_hub_relies_on_checksums(tmp_path: Path, plugsmith_home: Path) -> None:
    from plugsmith.hub import Hub

    with Hub.open() as hub:
        hub.publish(make_plugin(tmp_path, "cost_local"), status=Status.approved, tier=None)
        assert verify_hub(hub, key_dir=plugsmith_home / "keys", require_signatures=False) == []
        assert [p.kind for p in verify_hub(hub, key_dir=plugsmith_home / "keys")] == ["unsigned"]


def test_sign_existing_signs_only_unsigned_releases(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path, "cost_a"))
    server.hub.publish(make_plugin(tmp_path, "cost_b"), status=Status.approved, tier=None)
    assert server.app.state.writes.sign_existing() == 1
    assert server.app.state.writes.sign_existing() == 0
    assert kinds(server) == {}
