"""RemoteHub against an in-process server: the Hub interface over HTTP, and refusing bad artifacts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import test_server_helpers as helpers
from plugsmith.errors import (
    ConfigError,
    GateFailed,
    NotFound,
    PolicyDenied,
    TamperedArtifact,
    VersionConflict,
)
from plugsmith.hub._remote import RemoteHub, release_from_dict
from plugsmith.server._serialize import release_to_dict
from plugsmith.spec import Permission, Status
from test_server_helpers import Server, SyncASGITransport, make_plugin, seed_release

server = helpers.server


class Meddler(httpx.BaseTransport):
    """Passes requests to the app, then lets a test alter artifact responses on the way back."""

    def __init__(self, inner: httpx.BaseTransport, change: str) -> None:
        self.inner, self.change = inner, change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "/artifacts/" not in request.url.path:
            return response
        content, headers = response.read(), dict(response.headers)
        headers.pop("content-length", None)
        if self.change == "bytes":
            content = content[:-1] + bytes([content[-1] ^ 1])
        elif self.change == "signature":
            headers["x-plugsmith-signature"] = "A" * 88
        elif self.change == "unsigned":
            headers.pop("x-plugsmith-signature")
        return httpx.Response(response.status_code, headers=headers, content=content)


def remote(srv: Server, who: str | None = "publisher", change: str | None = None) -> RemoteHub:
    transport: httpx.BaseTransport = SyncASGITransport(srv.app)
    if change:
        transport = Meddler(transport, change)
    return RemoteHub("http://hub.test", token=srv.tokens[who] if who else None, transport=transport)


def test_release_json_round_trips(server: Server, tmp_path: Path) -> None:
    local = server.hub.publish(make_plugin(tmp_path), status=Status.approved, tier=None)
    again = release_from_dict(release_to_dict(local))
    assert again == local


def test_read_side_and_verified_checkout(server: Server, tmp_path: Path) -> None:
    hub = remote(server, who=None)
    published = {"checksum": seed_release(server, make_plugin(tmp_path)).checksum}
    rel = hub.get("cost_total")
    assert rel.checksum == published["checksum"] and rel.manifest.name == "cost_total"
    assert [r.version for r in hub.versions("cost_total")] == ["1.0.0"]
    assert [r.ref for r in hub.lookup("cost_total")] == ["cost_total@1.0.0"]
    assert [r.ref for r in hub.search("cost")] == ["cost_total@1.0.0"]
    assert hub.ranked_search("cost")[0]["plugin_id"] == rel.plugin_id
    assert hub.next_version("cost_total") == "1.1.0"
    path = hub.checkout(rel)
    assert (path / "plugin.py").read_text() == helpers.GOOD_CODE
    assert not (path / "plugin.py").stat().st_mode & 0o222  # read-only copy
    with pytest.raises(NotFound):
        hub.get("nothing_here")
    hub.close()


@pytest.mark.parametrize("change", ["bytes", "signature", "unsigned"])
def test_refuses_tampered_artifacts(server: Server, tmp_path: Path, change: str) -> None:
    seed_release(server, make_plugin(tmp_path))
    hub = remote(server, change=change)
    rel = hub.get("cost_total")
    with pytest.raises(TamperedArtifact):
        hub.checkout(rel)
    assert not (Path(str(hub.url)) / "x").exists()
    hub.close()


def test_refuses_a_key_other_than_the_pinned_one(
    server: Server, tmp_path: Path, plugsmith_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plugsmith.governance._signing import HubKey

    seed_release(server, make_plugin(tmp_path))
    stranger = HubKey.load_or_create(tmp_path / "stranger")
    pinned = tmp_path / "pinned.pem"
    pinned.write_text(stranger.public_pem())
    monkeypatch.setenv("PLUGSMITH_HUB_KEY", str(pinned))
    hub = remote(server)
    with pytest.raises(TamperedArtifact, match="bad signature"):
        hub.checkout(hub.get("cost_total"))
    hub.close()


def test_manifest_must_match_what_was_signed(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path))
    hub = remote(server)
    rel = hub.get("cost_total")
    forged = rel.manifest.model_copy(update={"permissions": [Permission.network]})
    with pytest.raises(TamperedArtifact):
        hub.read_artifact(rel.checksum, manifest=forged)
    assert hub.read_artifact(rel.checksum, manifest=rel.manifest)
    hub.close()


def test_first_contact_pins_the_key(server: Server, tmp_path: Path, plugsmith_home: Path) -> None:
    seed_release(server, make_plugin(tmp_path))
    hub = remote(server)
    hub.checkout(hub.get("cost_total"))
    pinned = list((plugsmith_home / "keys" / "trusted").glob("*.pem"))
    assert [p.read_text() for p in pinned] == [server.app.state.writes.key.public_pem()]
    hub.close()


def test_publish_and_lifecycle_through_remote(server: Server, tmp_path: Path) -> None:
    hub = remote(server)
    rel = hub.publish(make_plugin(tmp_path), status=Status.approved, tier=None)
    assert rel.status is Status.approved and rel.tier is not None
    changed = make_plugin(tmp_path / "b")
    (changed / "README.md").write_text("# other bytes\n")
    with pytest.raises(VersionConflict):
        hub.publish(changed)
    evil = make_plugin(
        tmp_path / "c", "cost_evil", code="import subprocess\ndef run(inputs):\n    return {}\n"
    )
    with pytest.raises(GateFailed):
        hub.publish(evil)
    assert hub.set_status(rel.ref, Status.deprecated, reason="old").status is Status.deprecated
    with pytest.raises(PolicyDenied):
        remote(server, who="publisher2").set_status(rel.ref, Status.yanked)
    hub.record_event("use", capability="cost_total", plugin_id=rel.plugin_id, plan_id="p0")  # its owner
    consumer = remote(server, who="publisher2")
    consumer.record_event("use", capability="cost_total", plugin_id=rel.plugin_id, plan_id="p1")
    assert [e["plan_id"] for e in hub.events("use")] == ["p1"]  # nobody vouches for their own plugin
    consumer.close()
    hub.close()


def test_writes_without_a_token_and_unreachable_server(server: Server, tmp_path: Path) -> None:
    anon = remote(server, who=None)
    anon.record_event("use", capability="cost_total")  # skipped with a warning, not an error
    assert server.hub.events("use") == []
    with pytest.raises(ConfigError, match="token") as info:
        anon.publish(make_plugin(tmp_path))
    assert "PLUGSMITH_HUB_TOKEN" in (info.value.hint or "")
    dead = RemoteHub("http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="cannot reach"):
        dead.get("x")
    with pytest.raises(ConfigError):
        RemoteHub("ftp://nope")


def test_synthesis_records_stay_local(server: Server) -> None:
    hub = remote(server)
    assert hub.synthesis_record("sha256:1") is None
    hub.save_synthesis_record("sha256:1", "cost_total", {"outcome": "ok"})
    assert hub.synthesis_record("sha256:1") == {"outcome": "ok"}


def test_verify_artifacts_over_http(server: Server, tmp_path: Path) -> None:
    good = seed_release(server, make_plugin(tmp_path, "cost_a"))
    unsigned = server.hub.publish(make_plugin(tmp_path, "cost_b"), status=Status.approved, tier=None)
    report = {entry["refs"][0]: entry for entry in remote(server).verify_artifacts()}
    assert report[good.ref]["ok"] and not report[unsigned.ref]["ok"]
    assert "not signed" in report[unsigned.ref]["problem"]
