"""Helpers for the MCP tests: publish small plugins, start ``plugsmith mcp`` and talk to it with the SDK."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client, StdioServerParameters

from plugsmith.hub import Hub, Release
from plugsmith.spec import Status, Tier
from test_sandbox_helpers import make_plugin

MEAN_CODE = "import statistics\n\ndef run(inputs):\n    return {'mean': statistics.fmean(inputs['xs'])}\n"
NUMBERS = {"xs": {"type": "array", "items": {"type": "number"}, "minItems": 1}}


def publish(hub: Hub, root: Path, name: str, code: str, *, inputs: Any = None, outputs: Any = None,
            tier: Tier = Tier.tier1, capability: str | None = None, keywords: list[str] | None = None,
            version: str = "1.0.0") -> Release:
    """Publish a plugin straight to the hub (approved, at ``tier``) without running the gates."""
    directory = make_plugin(root / f"{name}-{version}", code, name=name, capability=capability,
                            inputs=inputs if inputs is not None else NUMBERS,
                            outputs=outputs if outputs is not None else {"mean": {"type": "number"}},
                            version=version)
    if keywords:
        manifest = json.loads((directory / "plugin.json").read_text())
        (directory / "plugin.json").write_text(json.dumps({**manifest, "keywords": keywords}))
    return hub.publish(directory, status=Status.approved, tier=tier)


def write_policy(home: Path, text: str) -> None:
    (home / "policy.toml").write_text(text)


class Notes:
    """Collects server notifications; ``wait(kind)`` blocks until one of that type arrived."""

    def __init__(self) -> None:
        self.seen: list[Any] = []
        self._event = anyio.Event()

    async def __call__(self, message: Any) -> None:
        self.seen.append(message)
        self._event.set()
        self._event = anyio.Event()

    async def wait(self, kind: type, timeout: float = 20.0) -> None:
        with anyio.fail_after(timeout):
            while not any(isinstance(m, kind) for m in self.seen):
                await self._event.wait()

    def clear(self) -> None:
        self.seen.clear()


def server_args(*extra: str) -> list[str]:
    return ["-m", "plugsmith", "mcp", "--poll", "0.3", *extra]


@asynccontextmanager
async def stdio_session(*extra: str, mode: str = "legacy",
                        notes: Callable[[Any], Any] | None = None) -> AsyncIterator[Client]:
    """``plugsmith mcp`` as a subprocess over stdio, with the official client SDK."""
    params = StdioServerParameters(command=sys.executable, args=server_args(*extra), env={**os.environ})
    async with Client(params, mode=mode, message_handler=notes, read_timeout_seconds=120) as client:
        yield client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def http_server(*extra: str, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """``plugsmith mcp --http`` as a subprocess; yields its URL once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, *server_args("--http", f"{host}:{port}", *extra)],
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"plugsmith mcp --http did not start: {proc.stderr.read()}") from None
                await anyio.sleep(0.1)
        yield f"http://{host}:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        assert proc.stderr is not None
        proc.stderr.close()


def text_of(result: types.CallToolResult) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def tool_names(client: Client) -> set[str]:
    return {tool.name for tool in (await client.list_tools()).tools}
