"""The MCP server: the official SDK's low-level ``Server`` over the catalog, the caller and the requester.

Handlers do their blocking work (hub queries, sandbox runs, synthesis) in worker threads, so one slow
call never stalls the others. The tool list follows the hub: a background task compares the hub's
fingerprint every ``poll_s`` seconds (and ``tools/list`` checks it on every request); when the offer
changes — a release published, quarantined, yanked — every client hears it: handshake-era sessions
(what desktop clients speak) get ``notifications/tools/list_changed`` and
``notifications/resources/list_changed`` on their connection, 2026-era clients on their
``subscriptions/listen`` stream.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.subscriptions import (
    InMemorySubscriptionBus,
    ListenHandler,
    ResourcesListChanged,
    ToolsListChanged,
)
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from plugsmith import __version__
from plugsmith.mcp._calls import Caller, CallResult
from plugsmith.mcp._catalog import REQUEST_TOOL, Catalog, Filters, Offer
from plugsmith.mcp._request import DESCRIPTION, INPUT_SCHEMA, OUTPUT_SCHEMA, Requester
from plugsmith.mcp._resources import list_resources, read_resource
from plugsmith.mcp._schema import MAX_ARGUMENT_BYTES

if TYPE_CHECKING:
    from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

    from plugsmith.hub import Hub

POLL_S = 2.0
INSTRUCTIONS = ("Tools from a plugsmith hub: each is a gated, versioned plugin that runs in a sandbox, and "
                "every call is checked against the hub's governance policy. If no tool fits, describe what "
                f"you need to {REQUEST_TOOL}.")


def http_security(host: str) -> Any:
    """The SDK's Host/Origin checks (DNS-rebinding protection) for a server bound to ``host``: requests
    must name that address (any port), and a loopback address also accepts the loopback names. The SDK
    itself protects only the exact strings ``127.0.0.1``, ``localhost`` and ``::1``: bound to
    ``127.0.0.2`` or a LAN address, any web page could reach the tools through a rebinding DNS name.
    None (no check) for a wildcard address (``0.0.0.0``, ``::``), whose names cannot be known here."""
    import ipaddress

    from mcp.server.transport_security import TransportSecuritySettings

    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None  # a host name
    if address is not None and address.is_unspecified:
        return None
    names = [f"[{address}]" if address is not None and address.version == 6 else host.lower()]
    if host.lower() == "localhost" or (address is not None and address.is_loopback):
        names += [n for n in ("127.0.0.1", "localhost", "[::1]") if n not in names]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True,
                                     allowed_hosts=[f"{n}:*" for n in names],
                                     allowed_origins=[f"http://{n}:*" for n in names])


def _stderr(message: str) -> None:
    sys.stderr.write(f"plugsmith mcp: {message}\n")


class _Server(Server[dict[str, Any]]):
    """The SDK server, announcing that the tool and resource lists change."""

    def create_initialization_options(self, notification_options: NotificationOptions | None = None,
                                      experimental_capabilities: dict[str, dict[str, Any]] | None = None,
                                      extensions: dict[str, dict[str, Any]] | None = None) -> Any:
        options = notification_options or NotificationOptions(tools_changed=True, resources_changed=True)
        return super().create_initialization_options(options, experimental_capabilities, extensions)


def _tool(offer: Offer) -> types.Tool:
    rel = offer.release
    deterministic = "deterministic" in {c.value for c in rel.manifest.constraints}
    return types.Tool(name=offer.name, title=f"{rel.name} ({rel.capability})", description=offer.description,
                      input_schema=offer.input_schema, output_schema=offer.output_schema,
                      annotations=types.ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                                        idempotent_hint=deterministic, open_world_hint=False),
                      _meta={"plugsmith/ref": rel.ref, "plugsmith/tier": rel.tier.value if rel.tier else None,
                             "plugsmith/checksum": rel.checksum})


REQUEST = types.Tool(name=REQUEST_TOOL, title="Request a capability", description=DESCRIPTION,
                     input_schema=INPUT_SCHEMA, output_schema=OUTPUT_SCHEMA,
                     annotations=types.ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                                       idempotent_hint=True, open_world_hint=False))


def _result(ok: bool, output: dict[str, Any] | None, error: str | None) -> types.CallToolResult:
    if not ok:
        return types.CallToolResult(content=[types.TextContent(text=error or "failed")], is_error=True)
    return types.CallToolResult(content=[types.TextContent(text=json.dumps(output))],
                                structured_content=output)


class PlugsmithMcp:
    """The MCP edge over one hub: build it, then ``run_stdio()`` or ``run_http(host, port)``."""

    def __init__(self, hub: Hub, *, filters: Filters | None = None, poll_s: float = POLL_S,
                 warm: bool = True, backend: str | None = None, max_argument_bytes: int = MAX_ARGUMENT_BYTES,
                 warn: Callable[[str], None] | None = None) -> None:
        from plugsmith.governance import Gatekeeper
        from plugsmith.sandbox import get_sandbox
        from plugsmith.sandbox._warm import WarmPool

        self.hub, self.poll_s = hub, poll_s
        self.warn: Callable[[str], None] = warn or _stderr
        self.keeper = Gatekeeper(hub)
        self.sandbox = get_sandbox(backend)
        self.pool = WarmPool(self.sandbox.name, getattr(self.sandbox, "binary", None)) if warm else None
        self.catalog = Catalog(hub, self.keeper, filters, self.warn)
        self.caller = Caller(hub, self.keeper, self.sandbox, self.pool, max_argument_bytes)
        self.requester = Requester(hub, self.catalog, self.sandbox)
        self.bus = InMemorySubscriptionBus()
        self._legacy: dict[Any, bool] = {}   # handshake-era connections, for list_changed
        self.server = _Server("plugsmith", version=__version__, instructions=INSTRUCTIONS,
                              lifespan=self._lifespan, on_list_tools=self._list_tools,
                              on_call_tool=self._call_tool, on_list_resources=self._list_resources,
                              on_read_resource=self._read_resource,
                              on_subscriptions_listen=ListenHandler(self.bus))
        self.server.middleware.append(self._track)
        self.catalog.refresh(force=True)

    # ------------------------------------------------------------------ change notifications
    async def _track(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """Remember handshake-era connections so the poller can tell them when the tools change."""
        connection = getattr(ctx.session, "_connection", None)
        if (connection is not None and ctx.request_id is not None and ctx.method != "initialize"
                and ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS and connection not in self._legacy):
            self._legacy[connection] = True
            connection.exit_stack.callback(self._legacy.pop, connection, None)
        return await call_next(ctx)

    async def announce(self) -> None:
        """Tell every client that the tool and resource lists changed."""
        await self.bus.publish(ToolsListChanged())
        await self.bus.publish(ResourcesListChanged())
        for connection in list(self._legacy):
            await connection.notify("notifications/tools/list_changed", None)
            await connection.notify("notifications/resources/list_changed", None)

    def _refresh(self, force: bool = False) -> bool:
        try:
            changed = self.catalog.refresh(force=force)
        except Exception as exc:  # a hub hiccup must not stop the server; say so and keep the old offer
            self.warn(f"could not refresh the tool list: {type(exc).__name__}: {exc}")
            return False
        if changed and self.pool is not None:
            self.pool.retire({o.release.checksum for o in self.catalog.offers.values()})
        return changed

    async def refresh(self, force: bool = False) -> None:
        if await anyio.to_thread.run_sync(self._refresh, force):
            await self.announce()

    async def _poll(self) -> None:
        while True:
            await anyio.sleep(self.poll_s)
            await self.refresh()

    @asynccontextmanager
    async def _lifespan(self, _server: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._poll)
            try:
                yield {}
            finally:
                tasks.cancel_scope.cancel()

    # ------------------------------------------------------------------ handlers
    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        await self.refresh()
        return types.ListToolsResult(tools=[*(_tool(o) for o in self.catalog.offers.values()), REQUEST])

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name == REQUEST_TOOL:
            asked = await anyio.to_thread.run_sync(self.requester.request, params.arguments)
            if asked.changed:
                await self.announce()
            return _result(asked.ok, asked.output, asked.error)
        offer = self.catalog.get(params.name)
        if offer is None:
            await self.refresh()
            offer = self.catalog.get(params.name)
        if offer is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}; list the tools again")
        done: CallResult = await anyio.to_thread.run_sync(self.caller.call, offer, params.arguments)
        if done.stale:
            await self.refresh(force=True)
        return _result(done.ok, done.output, done.error)

    async def _list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=list_resources(self.catalog.offers.values()))

    async def _read_resource(self, ctx: Any,
                             params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        return await anyio.to_thread.run_sync(read_resource, self.hub, self.catalog.offers, str(params.uri))

    # ------------------------------------------------------------------ transports
    async def run_stdio(self) -> None:
        from mcp.server.stdio import stdio_server

        try:
            async with stdio_server() as (read_stream, write_stream):
                await self.server.run(read_stream, write_stream, self.server.create_initialization_options())
        finally:
            self.close()

    async def run_http(self, host: str, port: int) -> None:
        import uvicorn

        security = http_security(host)
        if security is None:
            self.warn(f"bound to every interface ({host}): requests are not checked for a local Host or "
                      "Origin (no DNS-rebinding protection) and nothing authenticates them; bind to one "
                      "address instead")
        app = self.server.streamable_http_app(host=host, transport_security=security)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        try:
            await uvicorn.Server(config).serve()
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        with suppress(Exception):
            self.sandbox.close()


__all__ = ["INSTRUCTIONS", "POLL_S", "PlugsmithMcp", "http_security"]
