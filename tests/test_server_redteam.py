"""The second red-team round against the server: each test is an attack that worked before its fix.

Lifecycle writes that ran backwards (a deprecate that undid a yank or skipped a review), self-review,
a former owner still curating a transferred name, uploads the edge did not refuse cleanly, and the
response headers every page and answer carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import test_server_helpers as helpers
from plugsmith.governance import Gatekeeper, Policy
from test_server_helpers import Server, make_plugin, seed_release

server = helpers.server

pytest_plugins = ["test_hub_helpers"]


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def _post(server: Server, path: str, who: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return server.client.post(path, json=body or {}, headers=server.auth(who))


@pytest.mark.parametrize("status", ["yanked", "quarantined", "rejected", "pending_review"])
def test_deprecate_never_makes_a_release_loadable_again(server: Server, tmp_path: Path, status: str) -> None:
    ref = server.publish(make_plugin(tmp_path)).json()["ref"]
    server.hub.set_status(ref, status)  # an admin's yank, the kill switch, a reviewer's rejection …
    for who in ("publisher", "reviewer", "admin"):
        undo = _post(server, f"/api/v1/plugins/{ref}/deprecate", who, {"reason": "undo"})
        assert undo.status_code == 409, undo.text
        assert _error(undo)["slug"] == "bad-transition" and status in _error(undo)["message"]
    release = server.hub.get(ref)
    assert release.status.value == status
    assert not Gatekeeper(server.hub, Policy()).check(release, pinned=True).allowed


def test_deprecate_and_yank_still_go_forward(server: Server, tmp_path: Path) -> None:
    ref = server.publish(make_plugin(tmp_path)).json()["ref"]
    assert _post(server, f"/api/v1/plugins/{ref}/deprecate", "publisher").json()["status"] == "deprecated"
    assert _post(server, f"/api/v1/plugins/{ref}/deprecate", "reviewer").status_code == 200  # idempotent
    assert _post(server, f"/api/v1/plugins/{ref}/yank", "publisher").json()["status"] == "yanked"
    assert _post(server, f"/api/v1/plugins/{ref}/yank", "admin").status_code == 200
    pending = server.publish(make_plugin(tmp_path / "p", "cost_perm", permissions=["network"])).json()
    assert pending["status"] == "pending_review"
    assert _post(server, f"/api/v1/plugins/{pending['ref']}/yank", "publisher").status_code == 200


def test_a_former_owner_no_longer_curates_the_name(server: Server, tmp_path: Path) -> None:
    ref = server.publish(make_plugin(tmp_path)).json()["ref"]
    moved = _post(server, "/api/v1/plugins/cost_total/owner", "admin", {"owner": server.ids["publisher2"]})
    assert moved.status_code == 200
    for action in ("yank", "deprecate"):
        refused = _post(server, f"/api/v1/plugins/{ref}/{action}", "publisher")
        assert refused.status_code == 403, refused.text
    assert server.hub.get(ref).status.value == "approved"
    assert _post(server, f"/api/v1/plugins/{ref}/deprecate", "publisher2").status_code == 200


def test_nobody_approves_their_own_pending_release(server: Server, tmp_path: Path) -> None:
    """A release waits for review because it asks for permissions: its publisher, even a reviewer,
    cannot be the one who approves it (before, only sensitive capabilities were guarded)."""
    mine = server.publish(make_plugin(tmp_path, "cost_net", permissions=["network"]), who="reviewer").json()
    assert mine["status"] == "pending_review"
    own = _post(server, f"/api/v1/reviews/{mine['ref']}", "reviewer", {"decision": "approve"})
    assert own.status_code == 403 and "own plugin" in _error(own)["message"]
    assert "network" in _error(own)["message"]
    assert server.hub.get(mine["ref"]).status.value == "pending_review"
    other = _post(server, f"/api/v1/reviews/{mine['ref']}", "reviewer2", {"decision": "approve"})
    assert other.status_code == 200 and other.json()["status"] == "approved"


def test_the_owner_of_a_name_cannot_approve_a_version_an_admin_published(server: Server,
                                                                          tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path, "cost_net"), who="reviewer").status_code == 201
    newer = make_plugin(tmp_path / "b", "cost_net", version="1.1.0", permissions=["network"])
    pending = server.publish(newer, who="admin").json()
    assert pending["status"] == "pending_review"
    own = _post(server, f"/api/v1/reviews/{pending['ref']}", "reviewer", {"decision": "approve"})
    assert own.status_code == 403
    assert _post(server, f"/api/v1/reviews/{pending['ref']}", "reviewer", {"decision": "reject",
                                                                         "reason": "no"}).status_code == 200


def test_a_seeded_release_stays_curated_by_admins_only(server: Server, tmp_path: Path) -> None:
    ref = seed_release(server, make_plugin(tmp_path)).ref  # no owner, no publishing token
    assert _post(server, f"/api/v1/plugins/{ref}/yank", "publisher").status_code == 403
    assert _post(server, f"/api/v1/plugins/{ref}/yank", "admin").status_code == 200


def _upload(server: Server, plugin_dir: Path, **replace: bytes) -> httpx.Response:
    """Publish ``plugin_dir`` with some files' bytes replaced, packed as the hub packs."""
    for name, data in replace.items():
        (plugin_dir / name).write_bytes(data)
    return server.publish(plugin_dir)


def test_a_manifest_integer_too_long_to_convert_is_a_400(server: Server, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    text = (plugin / "plugin.json").read_text().rstrip().removesuffix("}")
    huge = text + ', "schema_version": 1' + "0" * 5000 + "}"
    refused = _upload(server, plugin, **{"plugin.json": huge.encode()})
    assert refused.status_code == 400, refused.text
    assert _error(refused)["slug"] == "bad-manifest" and "digits" in _error(refused)["message"]


def test_a_key_given_twice_in_plugin_json_is_refused(server: Server, tmp_path: Path) -> None:
    """A reviewer reading the raw file (or a first-key-wins JSON reader) would see ``cost_total``; the
    hub would have published ``other_name``."""
    plugin = make_plugin(tmp_path)
    text = (plugin / "plugin.json").read_text().rstrip().removesuffix("}")
    refused = _upload(server, plugin, **{"plugin.json": (text + ', "name": "other_name"}').encode()})
    assert refused.status_code == 400, refused.text
    assert "'name' appears twice" in _error(refused)["message"]
    assert server.hub.search("", limit=10) == []


def test_a_key_given_twice_in_the_cases_fails_the_manifest_gate(server: Server, tmp_path: Path) -> None:
    case = (b'[{"name": "a", "name": "b", "input": {"plan_json": {"title": "p", "tasks": []}}, '
            b'"expected": {"total": 0}}]')
    plugin = make_plugin(tmp_path)
    (plugin / "tests" / "cases.json").write_bytes(case)
    refused = server.publish(plugin)
    assert refused.status_code == 422, refused.text
    manifest_gate = refused.json()["error"]["gate_report"]["gates"][0]
    assert manifest_gate["name"] == "manifest" and "appears twice" in manifest_gate["message"]


def test_an_archive_without_a_manifest_is_a_400(server: Server, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    (plugin / "plugin.json").unlink()
    refused = server.publish(plugin)
    assert refused.status_code == 400, refused.text
    assert _error(refused)["slug"] == "bad-manifest" and "no plugin.json" in _error(refused)["message"]


def _backtracking_plugin(root: Path) -> Path:
    """A plugin whose output port's pattern backtracks for hours on the output its cases expect."""
    import json

    from test_spec_patterns import EVIL, TEXT

    plugin = make_plugin(root, code=f"def run(inputs):\n    return {{'total': {TEXT!r}}}\n")
    manifest = json.loads((plugin / "plugin.json").read_text())
    manifest["outputs"] = {"total": {"type": "string", "pattern": EVIL}}
    (plugin / "plugin.json").write_text(json.dumps(manifest))
    cases = [{"name": "c", "input": {"plan_json": {"title": "p", "tasks": []}}, "expected": {"total": TEXT}}]
    (plugin / "tests" / "cases.json").write_text(json.dumps(cases))
    return plugin


@pytest.fixture
def pooled(tmp_path: Path, plugsmith_home: Path) -> Iterator[Server]:
    """A server that gates uploads in its worker process, as ``plugsmith serve`` does."""
    srv = helpers.build_server(tmp_path, validator=None, gate_workers=1, gate_timeout_s=60)
    yield srv
    srv.app.state.writes.close()
    srv.client.close()
    srv.hub.close()


def test_an_output_pattern_that_backtracks_does_not_stall_the_gates(pooled: Server, tmp_path: Path) -> None:
    """The contract gate matched the plugin author's ``pattern`` with Python's re, in the server's one
    gate worker: this upload kept it busy for hours and every later publish waited behind it."""
    import json

    from test_spec_patterns import finishes

    refused = finishes(lambda: pooled.publish(_backtracking_plugin(tmp_path)), seconds=50)
    assert refused.status_code == 422, refused.text
    contract = {g["name"]: g for g in refused.json()["error"]["gate_report"]["gates"]}["contract"]
    assert contract["status"] == "fail" and "does not match" in json.dumps(contract)
    assert finishes(lambda: pooled.publish(make_plugin(tmp_path / "next", "cost_next"))).status_code == 201


def test_a_gate_worker_that_does_not_finish_is_replaced(tmp_path: Path, plugsmith_home: Path) -> None:
    """Whatever keeps the worker busy (here: a limit no gate run can meet), the upload is refused in
    time and the worker replaced, so the next upload is gated."""
    from test_spec_patterns import finishes

    srv = helpers.build_server(tmp_path, validator=None, gate_workers=1, gate_timeout_s=0.001)
    try:
        refused = finishes(lambda: srv.publish(make_plugin(tmp_path)), seconds=60)
        assert refused.status_code == 422 and "did not finish within" in _error(refused)["message"]
        srv.app.state.writes._pool.timeout_s = 120
        assert finishes(lambda: srv.publish(make_plugin(tmp_path))).status_code == 201
    finally:
        srv.app.state.writes.close()
        srv.client.close()
        srv.hub.close()


def test_a_claimed_origin_is_shown_as_a_claim(server: Server, tmp_path: Path) -> None:
    for name, origin in (("cost_claim", "builtin"), ("cost_said", "synthesized")):
        body = server.publish(make_plugin(tmp_path / name, name, origin=origin)).json()
        assert body["tier"] == "Tier 2" and body["origin"] == origin
        page = server.client.get(f"/plugins/{name}").text
        assert f"{origin} <span class=\"muted\">(claimed by plugin.json; not attested by this hub)" in page
    pending = server.publish(make_plugin(tmp_path / "p", "cost_perm", origin="builtin",
                                         permissions=["network"])).json()
    assert pending["status"] == "pending_review"
    cookie = {"Cookie": f"plugsmith_token={server.tokens['reviewer']}"}
    queue = server.client.get("/review", headers=cookie).text
    assert "claimed by plugin.json; not attested by this hub" in queue
