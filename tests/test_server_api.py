"""The JSON API, driven in-process over httpx's ASGI transport."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import test_server_helpers as helpers
from plugsmith.governance._signing import manifest_digest, verify_signature
from test_server_helpers import Server, archive_of, evil_archive, make_plugin

server = helpers.server


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error


def test_empty_hub_search_and_openapi(server: Server) -> None:
    r = server.client.get("/api/v1/search", params={"q": "anything"})
    assert r.status_code == 200 and r.json() == {"count": 0, "results": []}
    spec = server.client.get("/openapi.json").json()
    assert "/api/v1/publish" in spec["paths"] and "/api/v1/search" in spec["paths"]


def test_publish_needs_a_token(server: Server, tmp_path: Path) -> None:
    r = server.client.post(
        "/api/v1/publish",
        content=archive_of(make_plugin(tmp_path)),
        headers={"Content-Type": "application/gzip"},
    )
    assert r.status_code == 401
    assert _error(r)["slug"] == "unauthorized"
    bad = server.client.post("/api/v1/publish", content=b"x", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_publish_gates_signs_and_serves(server: Server, tmp_path: Path) -> None:
    r = server.publish(make_plugin(tmp_path))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "approved" and body["tier"] == body["gate_report"]["tier"] is not None
    assert body["gate_report"]["verdict"] == "approved"
    sig = body["signature"]
    pem = server.client.get("/api/v1/key").json()["public_key"]
    assert verify_signature(pem, body["checksum"], manifest_digest(body["manifest"]), sig["signature"])

    art = server.client.get(f"/api/v1/artifacts/{body['checksum']}")
    assert art.status_code == 200
    assert "sha256:" + hashlib.sha256(art.content).hexdigest() == body["checksum"]
    assert art.headers["x-plugsmith-checksum"] == body["checksum"]
    assert verify_signature(
        pem,
        body["checksum"],
        art.headers["x-plugsmith-manifest-digest"],
        art.headers["x-plugsmith-signature"],
    )

    found = server.client.get("/api/v1/search", params={"q": "cost"}).json()["results"]
    assert [f["plugin_id"] for f in found] == [body["plugin_id"]]
    assert {"plugin_id", "version", "ranking_score", "downloads", "safety_tier"} <= set(found[0])
    assert found[0]["downloads"] == 1  # the download above was counted


def test_detail_has_versions_provenance_gates_telemetry(server: Server, tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path, version="1.0.0")).status_code == 201
    assert server.publish(make_plugin(tmp_path, version="1.1.0")).status_code == 201
    d = server.client.get("/api/v1/plugins/cost_total").json()
    assert d["version"] == "1.1.0"
    assert [v["version"] for v in d["versions"]] == ["1.1.0", "1.0.0"]
    assert d["provenance"] == {"strategy": "handwritten", "by": "tests"}
    assert d["gate_report"]["gates"]
    assert set(d["telemetry"]) == {"uses", "failures", "plans", "downloads"}
    assert 0 <= d["ranking"]["ranking_score"] <= 1
    pinned = server.client.get("/api/v1/plugins/cost_total@1.0.0").json()
    assert pinned["version"] == "1.0.0"
    missing = server.client.get("/api/v1/plugins/nope")
    assert missing.status_code == 404 and _error(missing)["slug"] == "not-found"


def test_version_conflict_and_idempotent_republish(server: Server, tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    first = server.publish(plugin).json()
    assert first["already_published"] is False
    again = server.publish(plugin)  # nothing is created: 200, not 201
    assert again.status_code == 200 and again.json()["checksum"] == first["checksum"]
    assert again.json()["already_published"] is True
    (plugin / "README.md").write_text("# changed\n")
    conflict = server.publish(plugin)
    assert conflict.status_code == 409 and _error(conflict)["slug"] == "version-conflict"


def test_unsafe_archive_and_size_limits(tmp_path: Path, plugsmith_home: Path) -> None:
    from test_server_helpers import build_server

    srv = build_server(tmp_path, archive_limit=4096, body_limit=512)
    try:
        evil = srv.client.post(
            "/api/v1/publish",
            content=evil_archive(),
            headers={**srv.auth("publisher"), "Content-Type": "application/gzip"},
        )
        assert evil.status_code == 400 and _error(evil)["slug"] == "bad-archive"
        big = srv.client.post(
            "/api/v1/publish",
            content=b"\0" * 5000,
            headers={**srv.auth("publisher"), "Content-Type": "application/gzip"},
        )
        assert big.status_code == 413 and "larger than 4096" in _error(big)["message"]
        events = {"events": [{"kind": "use", "capability": "x", "detail": {"pad": "y" * 600}}]}
        assert (
            srv.client.post("/api/v1/events", json=events, headers=srv.auth("publisher")).status_code == 413
        )
        assert not list(srv.hub.search(""))
    finally:
        srv.client.close()
        srv.hub.close()


def test_gates_rejection_is_422_with_report(server: Server, tmp_path: Path) -> None:
    evil = make_plugin(
        tmp_path,
        "cost_evil",
        code="import subprocess\n\ndef run(inputs):\n"
        "    return {'total': float(len(subprocess.run(['id'], capture_output=True).stdout))}\n",
    )
    r = server.publish(evil)
    assert r.status_code == 422, r.text
    err = _error(r)
    assert err["slug"] == "gate-failed" and err["gate_report"]["verdict"] == "rejected"
    assert server.client.get("/api/v1/plugins/cost_evil").status_code == 404


def test_claimed_origins_raise_no_tier(server: Server, tmp_path: Path) -> None:
    for name, origin, who in (("cost_builtin", "builtin", "publisher"), ("cost_builtin2", "builtin", "admin"),
                              ("cost_synth", "synthesized", "publisher"), ("cost_adapt", "adapted", "admin")):
        body = server.publish(make_plugin(tmp_path, name, origin=origin), who=who).json()
        assert body["tier"] == body["gate_report"]["tier"] == "Tier 2", (name, body["tier"])
        assert any("claims origin" in line for line in body["gate_report"]["audit_log"])


def test_sensitive_capability_review_rules(server: Server, tmp_path: Path) -> None:
    mine = server.publish(make_plugin(tmp_path, "payroll_total"), who="reviewer").json()
    assert mine["status"] == "pending_review"
    ref = mine["ref"]
    queue = server.client.get("/api/v1/reviews").json()
    assert [q["ref"] for q in queue] == [ref]
    approve = {"decision": "approve", "reason": "looks fine"}
    as_pub = server.client.post(f"/api/v1/reviews/{ref}", json=approve, headers=server.auth("publisher"))
    assert as_pub.status_code == 403
    own = server.client.post(f"/api/v1/reviews/{ref}", json=approve, headers=server.auth("reviewer"))
    assert own.status_code == 403 and "own plugin" in _error(own)["message"]
    other = server.client.post(f"/api/v1/reviews/{ref}", json=approve, headers=server.auth("reviewer2"))
    assert other.status_code == 200 and other.json()["status"] == "approved"
    again = server.client.post(f"/api/v1/reviews/{ref}", json=approve, headers=server.auth("reviewer2"))
    assert again.status_code == 409
    assert server.client.get("/api/v1/reviews").json() == []
    detail = server.client.get(f"/api/v1/plugins/{ref}").json()
    assert [r["decision"] for r in detail["reviews"]] == ["approve"]
    from plugsmith.governance import Gatekeeper, Policy

    policy = Policy.load()
    policy.sensitive_capabilities = {"payroll_total"}
    assert Gatekeeper(server.hub, policy).check(server.hub.get(ref)).allowed  # the review event counts


def test_permissions_need_review_and_reject(server: Server, tmp_path: Path) -> None:
    body = server.publish(make_plugin(tmp_path, "cost_net", permissions=["network"])).json()
    assert body["status"] == "pending_review"
    r = server.client.post(
        f"/api/v1/reviews/{body['ref']}", json={"decision": "reject"}, headers=server.auth("reviewer")
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"


def test_lifecycle_roles(server: Server, tmp_path: Path) -> None:
    ref = server.publish(make_plugin(tmp_path)).json()["ref"]
    other = server.client.post(
        f"/api/v1/plugins/{ref}/yank", json={"reason": "x"}, headers=server.auth("publisher2")
    )
    assert other.status_code == 403
    dep = server.client.post(
        f"/api/v1/plugins/{ref}/deprecate", json={"reason": "old"}, headers=server.auth("publisher")
    )
    assert dep.status_code == 200 and dep.json()["status"] == "deprecated"
    yank = server.client.post(f"/api/v1/plugins/{ref}/yank", headers=server.auth("admin"))
    assert yank.status_code == 200 and yank.json()["status"] == "yanked"


def test_unknown_fields_and_bad_input_are_json_errors(server: Server) -> None:
    r = server.client.post(
        "/api/v1/events",
        json={"events": [{"kind": "use", "capability": "x", "oops": 1}]},
        headers=server.auth("publisher"),
    )
    assert r.status_code == 422 and "oops" in _error(r)["message"]
    r = server.client.post("/api/v1/near-matches", json={"name": "Bad Name"})
    assert r.status_code == 400 and _error(r)["slug"] == "bad-spec"
    r = server.client.get("/api/v1/search", params={"limit": 0})
    assert r.status_code == 422
    r = server.client.post(
        "/api/v1/publish",
        content=b"{}",
        headers={**server.auth("publisher"), "Content-Type": "application/json"},
    )
    assert r.status_code == 415


def test_revoked_token_is_refused(server: Server) -> None:
    server.app.state.store.revoke_token(server.ids["publisher"])
    r = server.client.post(
        "/api/v1/events",
        json={"events": [{"kind": "use", "capability": "x"}]},
        headers=server.auth("publisher"),
    )
    assert r.status_code == 401


def test_telemetry_changes_ranking_and_metrics(server: Server, tmp_path: Path) -> None:
    a = server.publish(make_plugin(tmp_path, "cost_a", capability="cost_total")).json()
    b = server.publish(
        make_plugin(tmp_path, "cost_b", capability="cost_total", description="Sum of costs.")
    ).json()
    events = [
        {"kind": "failure", "capability": "cost_total", "plugin_id": a["plugin_id"], "outcome": "error"}
    ] * 4
    events += [
        {"kind": "use", "capability": "cost_total", "plugin_id": b["plugin_id"], "plan_id": f"p{i}"}
        for i in range(3)
    ]
    events += [
        {"kind": "gap", "capability": "cost_total"},
        {"kind": "recovery", "capability": "cost_total"},
        {"kind": "synthesis", "capability": "cost_total", "duration_ms": 1500.0},
    ]
    assert server.client.post(
        "/api/v1/events", json={"events": events}, headers=server.auth("publisher")
    ).json() == {"recorded": len(events)}
    grouped = server.client.get("/api/v1/search", params={"capability": "cost_total"}).json()["results"]
    assert len(grouped) == 1  # near-duplicates (same capability and ports) are grouped
    assert grouped[0]["plugin_id"] == b["plugin_id"]
    assert [alt["plugin_id"] for alt in grouped[0]["alternatives"]] == [a["plugin_id"]]
    flat = server.client.get("/api/v1/search", params={"capability": "cost_total", "group": "false"}).json()
    assert [r["plugin_id"] for r in flat["results"]] == [b["plugin_id"], a["plugin_id"]]
    assert flat["results"][0]["ranking_score"] > flat["results"][1]["ranking_score"]
    m = server.client.get("/api/v1/metrics").json()["overall"]
    assert m["recovery_rate"] == 1.0 and m["time_to_add_capability_s"] == 1.5
    assert m["counts"]["failure"] == 4


def test_html_pages_and_html_errors(server: Server, tmp_path: Path) -> None:
    server.publish(make_plugin(tmp_path, readme="# cost_total\n\nHello <b>reader</b>\n"))
    page = server.client.get("/", params={"q": "cost"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    tier = server.client.get("/api/v1/plugins/cost_total").json()["tier"]
    assert f">{tier}</span>" in page.text and "cost_total@1.0.0" in page.text
    plugin = server.client.get("/plugins/cost_total")
    assert "Hello &lt;b&gt;reader&lt;/b&gt;" in plugin.text and "No recorded uses yet" in plugin.text
    missing = server.client.get("/plugins/nope")
    assert missing.status_code == 404 and missing.text.startswith("<!doctype html>")
    review = server.client.get("/review")
    assert review.status_code == 401 and 'name="token"' in review.text
    assert "<svg" in server.client.get("/dashboard").text


@pytest.mark.slow
@pytest.mark.skipif(not helpers.gates_available(), reason="needs plugsmith.gates and plugsmith.governance")
def test_default_gates_run_in_a_worker_process(tmp_path: Path, plugsmith_home: Path) -> None:
    srv = helpers.build_server(tmp_path, db_url=f"sqlite:///{plugsmith_home / 'hub.db'}", validator=None)
    try:
        body = srv.publish(make_plugin(tmp_path)).json()
        assert body["gate_report"]["verdict"] == "approved" and body["status"] == "approved"
        worker_pids = {p.pid for p in srv.app.state.writes._pool._pool._processes.values()}
        assert worker_pids and os.getpid() not in worker_pids
    finally:
        srv.app.state.writes.close()
        srv.client.close()
        srv.hub.close()


def test_metrics_follow_the_pipeline_runs_when_recorded(server: Server) -> None:
    from plugsmith.pipeline.metrics import aggregate

    runs = [
        {
            "run_id": "r1",
            "capabilities_required": 4,
            "met_without_synthesis": 1,
            "synthesized": 3,
            "missing_capability_failures": 3,
            "recovered": 2,
            "candidates_tried": 5,
            "candidates_approved": 3,
            "time_to_add_capability_s": {"a": 2.0, "b": 4.0},
            "tasks": 10,
            "tasks_covered": 8,
            "plan_kind": "it",
        },
        {
            "run_id": "r2",
            "capabilities_required": 4,
            "met_without_synthesis": 4,
            "synthesized": 0,
            "missing_capability_failures": 0,
            "recovered": 0,
            "candidates_tried": 0,
            "candidates_approved": 0,
            "tasks": 10,
            "tasks_covered": 10,
            "plan_kind": "it",
        },
    ]
    for run in runs:
        server.hub.record_event("run", capability="plan_pipeline", plan_id=str(run["run_id"]), detail=run)
    body = server.client.get("/api/v1/metrics").json()
    expected = aggregate(runs)
    assert body["source"] == "runs"
    overall = body["overall"]
    assert overall["recovery_rate"] == expected["recovery_rate"] == round(2 / 3, 4)
    assert overall["gate_pass_rate"] == 0.6 and overall["reuse_lift"] == 1.0
    assert overall["coverage"] == 0.9 and overall["time_to_add_capability_s"] == 3.0
    assert body["daily"]["events"] == [2]
    assert "Capabilities per run" in server.client.get("/dashboard").text  # per run: fewer than 4 days


def test_pages_handle_odd_input_and_roles(server: Server) -> None:
    odd = server.client.get("/", params={"tier": "Tier 9", "status": "weird", "capability": "Not A Name"})
    assert odd.status_code == 200 and "0 result(s)" in odd.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', server.client.get("/login").text).group(1)  # type: ignore[union-attr]
    bad_login = server.client.post("/login", data={"token": "psk_nope", "csrf": csrf})
    assert bad_login.status_code == 401 and "unknown or revoked" in bad_login.text
    anon = server.client.post("/review/cost_total@1.0.0", data={"decision": "approve"})
    assert anon.status_code == 303 and anon.headers["location"] == "/login"
    login = server.client.post("/login", data={"token": server.tokens["publisher"], "csrf": csrf})
    assert login.status_code == 303 and "httponly" in login.headers["set-cookie"].lower()
    server.client.cookies.set("plugsmith_token", server.tokens["publisher"])
    assert server.client.get("/review").status_code == 403
    denied = server.client.post("/review/cost_total@1.0.0", data={"decision": "approve"})
    assert denied.status_code == 403 and denied.text.startswith("<!doctype html>")
    invalid = server.client.post("/review/cost_total@1.0.0", data={"decision": "maybe"})
    assert invalid.status_code == 422
    server.client.cookies.clear()


def test_multipart_upload_and_chunked_body_limit(tmp_path: Path, plugsmith_home: Path) -> None:
    srv = helpers.build_server(tmp_path, archive_limit=64 * 1024)
    try:
        data = archive_of(make_plugin(tmp_path))
        r = srv.client.post(
            "/api/v1/publish",
            files={"archive": ("p.tar.gz", data, "application/gzip")},
            headers=srv.auth("publisher"),
        )
        assert r.status_code == 201, r.text
        missing = srv.client.post(
            "/api/v1/publish", files={"other": ("p.tar.gz", data)}, headers=srv.auth("publisher")
        )
        assert missing.status_code == 400 and "archive" in _error(missing)["message"]

        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                yield b"\0" * 1024

        big = srv.client.post(
            "/api/v1/publish",
            content=chunks(),
            headers={**srv.auth("publisher"), "Content-Type": "application/gzip"},
        )
        assert big.status_code == 413
    finally:
        srv.client.close()
        srv.hub.close()


def test_body_limit_counts_streamed_chunks() -> None:
    import asyncio

    from plugsmith.server._limits import BodyLimitMiddleware

    seen: list[int] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            seen.append(total)
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def run(chunks: int) -> list[dict]:  # type: ignore[type-arg]
        sent: list[dict] = []  # type: ignore[type-arg]
        queue = [
            {"type": "http.request", "body": b"x" * 100, "more_body": i < chunks - 1} for i in range(chunks)
        ]

        async def receive():  # type: ignore[no-untyped-def]
            return queue.pop(0)

        async def send(message):  # type: ignore[no-untyped-def]
            sent.append(message)

        middleware = BodyLimitMiddleware(app, default_limit=1000, archive_limit=5000)
        await middleware({"type": "http", "path": "/api/v1/events", "headers": []}, receive, send)
        return sent

    assert asyncio.run(run(5))[0]["status"] == 200
    assert asyncio.run(run(20))[0]["status"] == 413  # no Content-Length: stopped while streaming
    assert max(seen) <= 1100


def test_no_page_pulls_external_assets(server: Server) -> None:
    assert server.client.get("/docs").status_code == 404  # Swagger UI would load a CDN script
    for path in ("/", "/dashboard", "/review", "/login"):
        text = server.client.get(path).text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "<script" not in text and "http://" not in text and "https://" not in text
