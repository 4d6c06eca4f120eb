"""Builders and fixtures shared by the server, remote, signing and browser tests (no tests here).

``SyncASGITransport`` lets a plain ``httpx.Client`` (and so ``RemoteHub``) talk to the app in-process
over ``httpx.ASGITransport``: requests run on one background event loop.
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from plugsmith.hub import Hub
from plugsmith.server import ServerSettings, create_app
from plugsmith.spec import GateReport, GateResult, GateStatus, Tier

SENSITIVE = {"payroll_total"}


class SyncASGITransport(httpx.BaseTransport):
    """A sync httpx transport over ``httpx.ASGITransport`` (one private event loop thread)."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            body = request.read()
            forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            response = await self.inner.handle_async_request(forwarded)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(timeout=120)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def gates_available() -> bool:
    try:
        from plugsmith.gates import validate  # noqa: F401
        from plugsmith.governance import Policy  # noqa: F401  (the gates need it)
    except ImportError:
        return False
    return True


def double_validator(plugin_dir: Path, **_: Any) -> GateReport:
    """Stands in for ``plugsmith.gates.validate`` only while the gates package is not there yet:
    rejects code that imports subprocess or os, approves the rest as Tier 1 (Tier 0 for builtins)."""
    manifest = json.loads((plugin_dir / "plugin.json").read_text())
    code = (plugin_dir / "plugin.py").read_text()
    bad = "import subprocess" in code or "import os" in code
    gates = [
        GateResult(name="manifest", status=GateStatus.passed),
        GateResult(
            name="security",
            status=GateStatus.failed if bad else GateStatus.passed,
            message="forbidden import" if bad else "",
        ),
    ]
    tier = Tier.tier0 if manifest.get("origin") == "builtin" else Tier.tier1
    return GateReport(
        plugin_id=manifest.get("id", ""),
        name=manifest["name"],
        version=manifest["version"],
        verdict="rejected" if bad else "approved",
        tier=None if bad else tier,
        gates=gates,
    )


def validator() -> Any:
    """The real gates when they exist; the double otherwise."""
    if gates_available():
        from plugsmith.gates import validate

        return validate
    return double_validator


GOOD_CODE = """def run(inputs):
    tasks = inputs["plan_json"].get("tasks", [])
    return {"total": sum(float(t.get("cost", 0)) for t in tasks)}
"""
CASES = [
    {"name": "empty", "input": {"plan_json": {"title": "p", "tasks": []}}, "expected": {"total": 0.0}},
    {
        "name": "two",
        "input": {
            "plan_json": {
                "title": "p",
                "tasks": [{"id": "a", "name": "a", "cost": 2}, {"id": "b", "name": "b", "cost": 3}],
            }
        },
        "expected": {"total": 5.0},
    },
]


def make_plugin(
    root: Path,
    name: str = "cost_total",
    *,
    version: str = "1.0.0",
    capability: str | None = None,
    code: str = GOOD_CODE,
    origin: str = "handwritten",
    permissions: list[str] | None = None,
    description: str = "Total cost of all tasks.",
    readme: str | None = None,
) -> Path:
    """A small, valid plugin directory that sums task costs."""
    plugin = root / f"{name}-{version}"
    (plugin / "tests").mkdir(parents=True, exist_ok=True)
    manifest = {
        "name": name,
        "capability": capability or name,
        "version": version,
        "origin": origin,
        "description": description,
        "inputs": ["plan_json"],
        "outputs": {"total": {"type": "number"}},
        "constraints": ["deterministic"],
        "permissions": permissions or [],
        "provenance": {"strategy": "handwritten", "by": "tests"},
    }
    (plugin / "plugin.json").write_text(json.dumps(manifest, indent=2))
    (plugin / "plugin.py").write_text(code)
    (plugin / "tests" / "cases.json").write_text(json.dumps(CASES))
    (plugin / "README.md").write_text(readme or f"# {name}\n\nSums the cost of every task.\n")
    return plugin


def archive_of(plugin_dir: Path) -> bytes:
    from plugsmith.hub import pack

    return pack(plugin_dir)


def evil_archive() -> bytes:
    """A gzip tar with a member that escapes the target directory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b"owned"
        info = tarfile.TarInfo("../escape.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@dataclass
class Server:
    """An in-process hub server with one token per role (and a second reviewer)."""

    app: Any
    hub: Hub
    client: httpx.Client
    tokens: dict[str, str]
    ids: dict[str, str]
    root: Path

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def publish(self, plugin_dir: Path, who: str = "publisher") -> httpx.Response:
        return self.client.post(
            "/api/v1/publish",
            content=archive_of(plugin_dir),
            headers={**self.auth(who), "Content-Type": "application/gzip"},
        )


def build_server(root: Path, db_url: str | None = None, **settings: Any) -> Server:
    hub = Hub.open(db_url)
    settings.setdefault("validator", validator())
    conf = ServerSettings(db_url=db_url, sensitive_capabilities=set(SENSITIVE), **settings)
    app = create_app(conf, hub=hub)
    tokens, ids = {}, {}
    for who, role in (
        ("publisher", "publisher"),
        ("publisher2", "publisher"),
        ("reviewer", "reviewer"),
        ("reviewer2", "reviewer"),
        ("admin", "admin"),
    ):
        info, secret = app.state.store.create_token(role, who)
        tokens[who], ids[who] = secret, info.id
    client = httpx.Client(transport=SyncASGITransport(app), base_url="http://hub.test")
    return Server(app, hub, client, tokens, ids, root)


@pytest.fixture
def server(tmp_path: Path, plugsmith_home: Path) -> Iterator[Server]:
    srv = build_server(tmp_path)
    yield srv
    srv.client.close()
    srv.hub.close()


def seed_release(
    srv: Server, plugin_dir: Path, *, status: str = "approved", tier: Tier | None = Tier.tier1
) -> Any:
    """Publish straight into the hub and sign it, skipping the gates (for tests about something else)."""
    from plugsmith.spec import Status

    release = srv.hub.publish(plugin_dir, status=Status(status), tier=tier)
    srv.app.state.writes._sign(release, None)
    srv.app.state.reads.invalidate()
    return release
