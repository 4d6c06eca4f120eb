"""The server's edge: security headers on every answer, NUL characters refused before any route, the
database's refusals and outages told without naming the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import test_server_helpers as helpers
from plugsmith.errors import ConfigError
from plugsmith.server._edge import CONTENT_SECURITY_POLICY
from test_server_helpers import Server, build_server, make_plugin

server = helpers.server

pytest_plugins = ["_postgres", "test_hub_helpers"]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def any_server(request: pytest.FixtureRequest, tmp_path: Path, plugsmith_home: Path) -> Iterator[Server]:
    url = None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    settings = {} if url is None else {"key_secret": b"edge tests key secret"}
    srv = build_server(tmp_path, url, **settings)
    yield srv
    srv.client.close()
    srv.hub.close()


def test_every_answer_carries_the_security_headers(server: Server, tmp_path: Path) -> None:
    assert server.publish(make_plugin(tmp_path)).status_code == 201
    checksum = server.hub.get("cost_total").checksum
    answers = [
        server.client.get("/"), server.client.get("/plugins/cost_total"), server.client.get("/login"),
        server.client.get("/review"), server.client.get("/no/such/page"), server.client.get("/api/v1/search"),
        server.client.get(f"/api/v1/artifacts/{checksum}"),
        server.client.post("/api/v1/events", content=b"x" * 300_000, headers=server.auth("publisher")),
    ]
    assert answers[-1].status_code == 413
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "script-src" not in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_a_nul_in_the_path_or_query_is_a_400(any_server: Server, tmp_path: Path) -> None:
    assert any_server.publish(make_plugin(tmp_path)).status_code == 201
    for url in ("/api/v1/plugins/%00", "/api/v1/plugins/cost_total%00@1.0.0", "/api/v1/events?kind=%00",
                "/api/v1/search?q=a%00b", "/api/v1/plugins/%00/versions"):
        answer = any_server.client.get(url)
        assert answer.status_code == 400, (url, answer.text)
        assert answer.json()["error"]["slug"] == "bad-request" and "NUL" in answer.json()["error"]["message"]
    for url in ("/plugins/%00", "/diff?from=%00&to=cost_total", "/?q=%00"):
        page = any_server.client.get(url)
        assert page.status_code == 400 and "NUL" in page.text and "text/html" in page.headers["content-type"]


def test_a_nul_in_a_body_is_a_400_that_names_no_database(any_server: Server, tmp_path: Path) -> None:
    ref = any_server.publish(make_plugin(tmp_path)).json()["ref"]
    answers = [
        any_server.client.post(f"/api/v1/plugins/{ref}/deprecate", json={"reason": "x\x00y"},
                               headers=any_server.auth("publisher")),
        any_server.client.post("/api/v1/events", json={"events": [{"kind": "gap", "capability": "cost_total",
                                                                    "plan_id": "a\x00b"}]},
                               headers=any_server.auth("publisher")),
    ]
    for answer in answers:
        # SQLite stores the text as it is; PostgreSQL cannot, and says so as bad input
        assert answer.status_code in (200, 202, 400), answer.text
        if answer.status_code == 400:
            error = answer.json()["error"]
            assert error["slug"] == "bad-input" and "NUL" in error["hint"]
            assert "postgres" not in answer.text and "127.0.0.1" not in answer.text
    if "postgresql" in str(any_server.hub.engine.url):
        assert [a.status_code for a in answers] == [400, 400]
        assert any_server.hub.get(ref).status.value == "approved"


def test_a_database_outage_is_a_503_without_the_database_url(server: Server, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*_: object, **__: object) -> None:
        raise ConfigError("cannot open the hub database: connection refused",
                          subject="postgresql://hub@db.internal:5432/hub", hint="check the URL")

    monkeypatch.setattr(server.hub, "get", down)
    for url in ("/api/v1/plugins/cost_total", "/plugins/cost_total"):
        answer = server.client.get(url)
        assert answer.status_code == 503, answer.text
        assert "db.internal" not in answer.text and "postgresql" not in answer.text


def test_security_headers_reach_the_browser_unchanged(server: Server) -> None:
    page = server.client.get("/")
    assert isinstance(page, httpx.Response) and page.headers.get_list("content-security-policy") == [
        CONTENT_SECURITY_POLICY]


HEAD = b"POST /api/v1/near-matches HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"


def _answer(sock: Any) -> bytes:
    """One whole HTTP answer from ``sock`` (headers, then Content-Length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = int(next(line.split(b":")[1] for line in lines if line.lower().startswith(b"content-length")))
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, data
        body += chunk
    return head + b"\r\n\r\n" + body


def test_a_body_that_stops_arriving_is_cut_off_with_408(tmp_path: Path, plugsmith_home: Path) -> None:
    """Over a real socket: a client that declares a body and then sends nothing more no longer keeps
    its request open as long as it likes; a normal upload and a slow-but-steady one still work."""
    import socket
    import threading
    import time

    import uvicorn

    from plugsmith.hub import Hub
    from plugsmith.server import ServerSettings, create_app

    hub = Hub.open()
    app = create_app(ServerSettings(validator=helpers.validator(), body_timeout_s=1.0), hub=hub)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(HEAD + b"Content-Length: 1000\r\n\r\n{")
            started = time.monotonic()
            answer = _answer(sock)
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"stopped arriving" in answer and waited < 9
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            body = b'{"name": "cost_total", "inputs": ["plan_json"], "outputs": ["total"]}'
            sock.sendall(HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode())
            for i in range(0, len(body), 20):  # steady: every pause shorter than the limit
                time.sleep(0.3)
                sock.sendall(body[i:i + 20])
            assert _answer(sock).startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hub.close()


def test_the_events_route_asks_the_database_for_limit_rows_only(server: Server) -> None:
    """A public read of a hub holding millions of events loaded every one of them to answer 20."""
    from sqlalchemy import event

    batch = {"events": [{"kind": "gap", "capability": "cost_total", "plan_id": f"p{i}"} for i in range(30)]}
    sent = server.client.post("/api/v1/events", json=batch, headers=server.auth("publisher"))
    assert sent.status_code == 202
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(server.hub.engine, "before_cursor_execute", seen)
    try:
        newest = server.client.get("/api/v1/events", params={"kind": "gap", "limit": 5}).json()
    finally:
        event.remove(server.hub.engine, "before_cursor_execute", seen)
    assert [e["plan_id"] for e in newest] == ["p25", "p26", "p27", "p28", "p29"]  # newest 5, oldest first
    reads = [s for s in statements if "FROM events" in s]
    assert reads and all("LIMIT" in s for s in reads), reads
