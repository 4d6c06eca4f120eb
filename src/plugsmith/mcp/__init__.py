"""The hub served over the Model Context Protocol: approved plugins as tools any agent can call.

A thin edge over governance and the sandbox, like ``server``; nothing imports it. Each release the
policy lets load (and serves over MCP) becomes a tool named after the plugin, with an input schema made
from its input ports and structured output from its output ports; by default the best-ranked approved
release per capability. Every call is checked by the gatekeeper, runs in the sandbox under the
release's limits (on a warm worker: one sandboxed fork server per release, a fresh child per call),
and is audited and recorded as telemetry. ``request_capability`` lets a client describe a missing
capability; each plugin's README and source are resources. See docs/mcp.md::

    from plugsmith.hub import Hub
    from plugsmith.mcp import Filters, PlugsmithMcp

    edge = PlugsmithMcp(Hub.open(), filters=Filters(capabilities=frozenset({"cost_estimation"})))
    anyio.run(edge.run_stdio)                 # or: anyio.run(edge.run_http, "127.0.0.1", 8000)
"""

from plugsmith.mcp._calls import Caller, CallResult
from plugsmith.mcp._catalog import REQUEST_TOOL, Catalog, Filters, Offer, parse_tier
from plugsmith.mcp._request import Requester
from plugsmith.mcp._schema import MAX_ARGUMENT_BYTES, ports_schema
from plugsmith.mcp._server import POLL_S, PlugsmithMcp

__all__ = [
    "MAX_ARGUMENT_BYTES",
    "POLL_S",
    "REQUEST_TOOL",
    "CallResult",
    "Caller",
    "Catalog",
    "Filters",
    "Offer",
    "PlugsmithMcp",
    "Requester",
    "parse_tier",
    "ports_schema",
]
