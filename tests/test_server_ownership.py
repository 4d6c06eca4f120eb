"""Name ownership and telemetry trust on the server: what one publisher cannot do to another's plugin."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

import test_server_helpers as helpers
from plugsmith.hub import Hub
from plugsmith.hub._db import _alembic_config
from test_sandbox_helpers import plugsmith
from test_server_helpers import Server, make_plugin, seed_release

server = helpers.server

pytest_plugins = ["_postgres", "test_hub_helpers"]


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_the_first_publisher_owns_the_name(server: Server, tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path, version="1.0.0")).status_code == 201
    hijack = server.publish(make_plugin(tmp_path / "evil", version="1.1.0"), who="publisher2")
    assert hijack.status_code == 403, hijack.text
    assert _error(hijack)["slug"] == "not-owner"
    assert "belongs to another publisher" in _error(hijack)["message"]
    assert _error(hijack)["hint"]
    detail = server.client.get("/api/v1/plugins/cost_total").json()
    assert detail["version"] == "1.0.0" and detail["owner"] == server.ids["publisher"]
    assert server.publish(make_plugin(tmp_path, version="1.1.0")).status_code == 201  # the owner may
    assert server.publish(make_plugin(tmp_path, "cost_other"), who="publisher2").status_code == 201
    yank = server.client.post("/api/v1/plugins/cost_total@1.1.0/yank", headers=server.auth("publisher"))
    assert yank.status_code == 200  # the owner curates every version of its name


def test_admins_transfer_names(server: Server, tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path)).status_code == 201
    body = {"owner": server.ids["publisher2"]}
    url = "/api/v1/plugins/cost_total/owner"
    refused = server.client.post(url, json=body, headers=server.auth("publisher"))
    assert refused.status_code == 403
    moved = server.client.post(url, json=body, headers=server.auth("admin"))
    assert moved.status_code == 200
    assert moved.json() == {"name": "cost_total", "plugin_id": moved.json()["plugin_id"],
                            "owner": server.ids["publisher2"], "previous": server.ids["publisher"]}
    assert server.publish(make_plugin(tmp_path / "b", version="1.1.0"), who="publisher2").status_code == 201
    assert server.publish(make_plugin(tmp_path / "c", version="1.2.0")).status_code == 403
    server.app.state.store.revoke_token(server.ids["reviewer2"])
    for owner in (server.ids["reviewer2"], "tok_000000000000"):
        gone = server.client.post("/api/v1/plugins/cost_total/owner", json={"owner": owner},
                                  headers=server.auth("admin"))
        assert gone.status_code == 404
    nobody = server.client.post("/api/v1/plugins/no_such_plugin/owner", json=body,
                                headers=server.auth("admin"))
    assert nobody.status_code == 404


def test_names_published_on_the_hub_host_are_admins_only(server: Server, tmp_path: Path) -> None:
    seed_release(server, make_plugin(tmp_path))  # straight into the hub: no token published it
    refused = server.publish(make_plugin(tmp_path / "b", version="1.1.0"))
    assert refused.status_code == 403 and "hub host" in _error(refused)["message"]
    assert server.publish(make_plugin(tmp_path / "c", version="1.1.0"), who="admin").status_code == 201


def test_a_rejected_first_upload_does_not_squat_the_name(server: Server, tmp_path: Path) -> None:
    evil = make_plugin(tmp_path / "evil", code="import subprocess\n\ndef run(inputs):\n    return {}\n")
    assert server.publish(evil, who="publisher2").status_code == 422
    assert server.publish(make_plugin(tmp_path)).status_code == 201
    assert server.client.get("/api/v1/plugins/cost_total").json()["owner"] == server.ids["publisher"]


def test_token_transfer_on_the_hub_host(server: Server, tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path)).status_code == 201
    done = plugsmith("token", "transfer", "cost_total", "--to", server.ids["publisher2"], "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["previous"] == server.ids["publisher"]
    assert server.app.state.store.owner("cost_total") == server.ids["publisher2"]
    assert plugsmith("token", "transfer", "cost_total", "--to", "tok_nope").returncode == 2
    assert plugsmith("token", "transfer", "nothing_here", "--to", server.ids["admin"]).returncode == 2


def _events(server: Server, who: str, *events: dict[str, Any]) -> httpx.Response:
    return server.client.post("/api/v1/events", json={"events": list(events)}, headers=server.auth(who))


def test_failures_are_accepted_only_from_owner_reviewer_or_admin(server: Server, tmp_path: Path) -> None:
    pid = server.publish(make_plugin(tmp_path)).json()["plugin_id"]
    failure = {"kind": "failure", "capability": "cost_total", "plugin_id": pid, "outcome": "error"}
    bad_use = {"kind": "use", "capability": "cost_total", "plugin_id": pid, "outcome": "error"}
    good_use = {"kind": "use", "capability": "cost_total", "plugin_id": pid, "plan_id": "p1"}
    for event in (failure, bad_use):
        refused = _events(server, "publisher2", good_use, event)
        assert refused.status_code == 403 and "events/1" in _error(refused)["message"]
    assert server.hub.events("failure") == [] and server.hub.events("use") == []  # all or nothing
    assert _events(server, "publisher2", good_use).status_code == 202  # anyone may report a success
    for who in ("publisher", "reviewer", "admin"):
        assert _events(server, who, failure).status_code == 202
    assert _events(server, "publisher2", {"kind": "gap", "capability": "cost_total"}).status_code == 202
    assert len(server.hub.events("failure")) == 3


def test_failure_reports_and_cases(server: Server, tmp_path: Path) -> None:
    pid = server.publish(make_plugin(tmp_path)).json()["plugin_id"]
    report = {"capability": "cost_total", "plugin_id": pid, "error": "boom",
              "inputs": {"plan_json": {"title": "p", "tasks": []}}}
    post = server.client.post
    assert post("/api/v1/failures", json=report, headers=server.auth("publisher2")).status_code == 403
    assert post("/api/v1/failures", json=report, headers=server.auth("publisher")).status_code == 202
    case = {**report, "expected": {"total": 99.0}}
    for who in ("publisher", "publisher2"):
        assert post("/api/v1/failures", json=case, headers=server.auth(who)).status_code == 403
    assert server.hub.benchmark_cases("cost_total") == []  # no one but a reviewer binds later versions
    assert post("/api/v1/failures", json=case, headers=server.auth("reviewer")).status_code == 202
    assert len(server.hub.benchmark_cases("cost_total")) == 1
    anonymous = {k: v for k, v in report.items() if k != "plugin_id"}
    assert post("/api/v1/failures", json=anonymous, headers=server.auth("publisher2")).status_code == 202


def test_poisoning_cannot_deprecate_anothers_plugin(server: Server, tmp_path: Path) -> None:
    pid = server.publish(make_plugin(tmp_path)).json()["plugin_id"]
    failure = {"kind": "failure", "capability": "cost_total", "plugin_id": pid, "outcome": "error"}
    assert _events(server, "publisher2", *[failure] * 20).status_code == 403
    run = server.client.post("/api/v1/lifecycle/deprecate", json={"unused_days": None},
                             headers=server.auth("admin"))
    assert run.json()["deprecated"] == []
    assert server.client.get("/api/v1/plugins/cost_total").json()["status"] == "approved"


def test_migration_0004_gives_names_to_their_first_server_publisher(db_url: str, tmp_path: Path) -> None:
    from alembic import command

    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0003")
    engine.dispose()
    with Hub.open(db_url) as hub:  # publish into a hub at head, then rewind the owners table away
        first = hub.publish(make_plugin(tmp_path, version="1.0.0"), status="approved", tier=None)
        second = hub.publish(make_plugin(tmp_path, version="1.1.0"), status="approved", tier=None)
        local = hub.publish(make_plugin(tmp_path, "cost_local"), status="approved", tier=None)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")  # drops server_owners (and any later table)
    with engine.begin() as conn:
        for release, who, minute in ((second, "tok_second", 2), (first, "tok_first", 1), (local, None, 3)):
            conn.execute(text(
                "INSERT INTO server_signatures (checksum, plugin_id, version, manifest_digest, signature, "
                "key_id, published_by, downloads, created_at) VALUES (:c, :p, :v, 'd', 's', 'k', :b, 0, :t)"),
                {"c": release.checksum, "p": release.plugin_id, "v": release.version, "b": who,
                 "t": datetime(2026, 1, 1, 0, minute, tzinfo=UTC)})
    engine.dispose()
    with Hub.open(db_url) as hub, hub.engine.connect() as conn:
        owners = dict(conn.execute(text("SELECT name, owner FROM server_owners")).all())
    assert owners == {"cost_total": "tok_first"}


def test_telemetry_cannot_buy_a_ranking(server: Server, tmp_path: Path) -> None:
    """Successful uses move reliability and adoption: a plugin's owner cannot report them, and another
    token vouches for at most PLANS_PER_REPORTER made-up plans however many it sends."""
    from plugsmith.ranking import PLANS_PER_REPORTER

    pid = server.publish(make_plugin(tmp_path)).json()["plugin_id"]
    uses = [{"kind": "use", "capability": "cost_total", "plugin_id": pid, "plan_id": f"fake-{i}"}
            for i in range(200)]
    own = _events(server, "publisher", *uses)
    assert own.status_code == 202 and own.json() == {"recorded": 0, "ignored": 200}
    assert _events(server, "publisher2", *uses).status_code == 202
    assert _events(server, "reviewer", *uses[:2]).status_code == 202
    reporters = {e["detail"]["reported_by"] for e in server.hub.events("use")}
    assert reporters == {server.ids["publisher2"], server.ids["reviewer"]}
    from plugsmith.ranking import usage_stats

    counted = usage_stats(server.hub.events())[pid]
    assert counted.uses == PLANS_PER_REPORTER + 2 and len(counted.plans) == PLANS_PER_REPORTER, counted
