"""The server against its own users: absurd refs, leaked paths, concurrent identical uploads."""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path
from typing import Any

import test_server_helpers as helpers
from plugsmith.hub import pack
from test_server_helpers import Server, make_plugin

server = helpers.server
TMP = tempfile.gettempdir()


def test_absurd_version_refs_are_4xx_not_500(server: Server, tmp_path: Path) -> None:
    helpers.seed_release(server, make_plugin(tmp_path))
    digits = "9" * 5000
    for path in (f"/api/v1/plugins/cost_total@{digits}", f"/api/v1/plugins/cost_total@{digits[:150]}",
                 f"/plugins/cost_total@{digits}", f"/plugins/cost_total@1.{digits[:190]}",
                 f"/api/v1/plugins/cost_total@1.0{'.0' * 90}/versions"):
        response = server.client.get(path)
        assert 400 <= response.status_code < 500, (path[:60], response.status_code, response.text[:200])


def _upload(server: Server, data: bytes) -> Any:
    return server.client.post("/api/v1/publish", content=data,
                              headers={**server.auth("publisher"), "Content-Type": "application/gzip"})


def test_errors_and_gate_reports_never_name_server_paths(server: Server, tmp_path: Path) -> None:
    bad_manifest = make_plugin(tmp_path, "cost_bad")
    (bad_manifest / "plugin.json").write_text(json.dumps({"name": "Bad Name"}))
    no_manifest = make_plugin(tmp_path, "cost_none")
    (no_manifest / "plugin.json").unlink()
    not_utf8 = make_plugin(tmp_path, "cost_latin")
    (not_utf8 / "plugin.json").write_bytes(b'{"name": "caf\xe9"}')
    rejected = make_plugin(tmp_path, "cost_rejected", code="import os\n\ndef run(inputs):\n"
                                                           "    return {'total': float(len(os.listdir()))}\n")
    seen = []
    for plugin in (bad_manifest, no_manifest, not_utf8, rejected):
        response = _upload(server, pack(plugin))
        assert 400 <= response.status_code < 500, response.text
        seen.append(response.status_code)
        assert TMP + "/" not in response.text and "plugsmith-upload" not in response.text, response.text
    assert seen[:3] == [400, 400, 400] and seen[3] == 422  # an upload without plugin.json is bad input


def test_identical_concurrent_uploads_create_once(tmp_path: Path, plugsmith_home: Path) -> None:
    from plugsmith.gates import validate

    barrier = threading.Barrier(3, timeout=60)

    def gates_together(plugin_dir: Path, **kwargs: Any) -> Any:
        barrier.wait()  # all three are past the "already published?" check before any publishes
        return validate(plugin_dir, **kwargs)

    srv = helpers.build_server(tmp_path, validator=gates_together)
    try:
        data = pack(make_plugin(tmp_path))
        results: list[Any] = [None] * 3
        threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, _upload(srv, data)))
                   for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        bodies = [r.json() for r in results]
        assert sorted(r.status_code for r in results) == [200, 200, 201], bodies
        assert sorted(b["already_published"] for b in bodies) == [False, True, True]
        assert len({b["checksum"] for b in bodies}) == 1
        created = next(b for b in bodies if not b["already_published"])
        assert created["signature"] and srv.app.state.store.signature(created["checksum"])
    finally:
        srv.client.close()
        srv.hub.close()
