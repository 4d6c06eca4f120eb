"""A served hub is a signed hub: every release must carry a valid signature (no stripping)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

import test_server_helpers as helpers
from plugsmith.errors import PolicyDenied
from plugsmith.governance import Gatekeeper
from plugsmith.hub import Hub, pack
from plugsmith.hub._remote import RemoteHub
from plugsmith.server import verify_hub
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import plugsmith
from test_server_helpers import Server, SyncASGITransport, make_plugin, seed_release

server = helpers.server


def _repoint(srv: Server, ref: str, tmp_path: Path) -> str:
    """What an attacker with write access to the store and the database does: store new bytes and
    point a signed release at them (a valid content address, but never signed)."""
    evil = make_plugin(tmp_path / "evil", code="def run(inputs):\n    return {'total': -1.0}\n")
    digest = srv.hub.store.write(pack(evil))
    name, version = ref.split("@")
    with srv.hub.engine.begin() as conn:
        conn.execute(text("UPDATE releases SET checksum = :c WHERE name = :n AND version = :v"),
                     {"c": digest, "n": name, "v": version})
    return digest


def test_a_release_pointed_at_an_unsigned_artifact_is_refused(server: Server, tmp_path: Path) -> None:
    release = seed_release(server, make_plugin(tmp_path))
    assert Gatekeeper(server.hub).check(release).allowed
    _repoint(server, release.ref, tmp_path)
    stripped = server.hub.get(release.ref)
    decision = Gatekeeper(server.hub).check(stripped)
    assert not decision.allowed and "no signature" in decision.reason
    assert decision.hint and "--sign-existing" in decision.hint
    with pytest.raises(PolicyDenied) as refused:
        Gatekeeper(server.hub).load(stripped)
    assert "--sign-existing" in (refused.value.hint or "")


def test_hub_verify_reports_it_without_require_signatures(server: Server, tmp_path: Path) -> None:
    release = seed_release(server, make_plugin(tmp_path))
    seed_release(server, make_plugin(tmp_path, "cost_other"))
    _repoint(server, release.ref, tmp_path)
    key_dir = server.app.state.writes.key.path.parent
    assert [(p.ref, p.kind) for p in verify_hub(server.hub, key_dir=key_dir, require_signatures=False)] == [
        (release.ref, "unsigned")]
    done = plugsmith("hub", "verify", "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    problems = json.loads(done.stdout)["signature_problems"]
    assert [(p["ref"], p["kind"]) for p in problems] == [(release.ref, "unsigned")]


def test_the_first_serve_signs_every_existing_release(tmp_path: Path, plugsmith_home: Path) -> None:
    with Hub.open() as hub:
        for name in ("cost_a", "cost_b"):
            hub.publish(make_plugin(tmp_path, name), status=Status.approved, tier=Tier.tier2)
    srv = helpers.build_server(tmp_path)
    try:
        key_dir = srv.app.state.writes.key.path.parent
        assert verify_hub(srv.hub, key_dir=key_dir, require_signatures=True) == []
        later = srv.hub.publish(make_plugin(tmp_path, "cost_c"), status=Status.approved, tier=Tier.tier2)
    finally:
        srv.client.close()
        srv.hub.close()
    again = helpers.build_server(tmp_path)  # not the first serve: a later unsigned release stays unsigned
    try:
        key_dir = again.app.state.writes.key.path.parent
        assert [p.ref for p in verify_hub(again.hub, key_dir=key_dir)] == [later.ref]
    finally:
        again.client.close()
        again.hub.close()


def test_publishing_on_the_hub_host_signs_into_a_served_hub(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path, "cost_a"))  # the hub is served and signed
    done = plugsmith("hub", "publish", str(make_plugin(tmp_path, "cost_local")), "--json")
    assert done.returncode == 0, done.stderr
    local = server.hub.get("cost_local")
    assert server.app.state.store.signature(local.checksum) is not None
    assert Gatekeeper(server.hub).check(local).allowed


def test_a_remote_client_is_told_the_real_remedy(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path, "cost_a"))
    unsigned = server.hub.publish(make_plugin(tmp_path, "cost_b"), status=Status.approved, tier=Tier.tier2)
    remote = RemoteHub("http://hub.test", transport=SyncASGITransport(server.app))
    try:
        with pytest.raises(PolicyDenied) as refused:
            Gatekeeper(remote).load(remote.get(unsigned.ref))  # type: ignore[arg-type]
    finally:
        remote.close()
    hint = refused.value.hint or ""
    assert "--sign-existing" in hint and "policy.toml" not in hint and "review list" not in hint
