"""``plugsmith mcp``: serve the hub's approved plugins as MCP tools (stdio by default, or streamable HTTP).

Only typer at import time; the MCP SDK is imported when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer


def _address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8000`` for IPv6) or a one-line BadInput."""
    from plugsmith.errors import BadInput

    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BadInput(f"{value!r} is not HOST:PORT", subject="--http", hint="e.g. --http 127.0.0.1:8000")
    return host, int(port)


def mcp(
    http: Annotated[str | None, typer.Option("--http", metavar="HOST:PORT", help="Serve streamable HTTP "
                                              "at http://HOST:PORT/mcp instead of stdio.")] = None,
    capability: Annotated[list[str] | None, typer.Option("--capability", "-c", help="Only plugins for this "
                                                          "capability (repeatable).")] = None,
    tier: Annotated[list[str] | None, typer.Option("--tier", help="Only this tier: 0, 1 or 2 (repeatable; "
                                                    "the policy's mcp.tiers still apply).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only plugins with this keyword "
                                                   "(repeatable).")] = None,
    poll: Annotated[float, typer.Option("--poll", min=0.2, help="Seconds between checks of the hub for "
                                         "changed releases.")] = 2.0,
    cold: Annotated[bool, typer.Option("--cold", help="Start a fresh sandbox for every call (no warm "
                                        "workers).")] = False,
    backend: Annotated[str | None, typer.Option("--backend", help="bwrap or rlimit (default: the best that "
                                                 "works here).")] = None,
) -> None:
    """Serve the hub's approved plugins as MCP tools; every call is governed and sandboxed."""
    import anyio

    from plugsmith.cli._common import err, open_hub
    from plugsmith.mcp import Filters, PlugsmithMcp, parse_tier

    address = _address(http) if http else None
    filters = Filters(capabilities=frozenset(capability or ()),
                      tiers=frozenset(parse_tier(t) for t in tier or ()),
                      tags=frozenset(t.lower() for t in tag or ()))
    edge = PlugsmithMcp(open_hub(), filters=filters, poll_s=poll, warm=not cold, backend=backend)
    tools = ", ".join(sorted(edge.catalog.offers)) or "none yet (`plugsmith hub init` installs the built-ins)"
    where = f"http://{address[0]}:{address[1]}/mcp" if address else "stdio"
    mode = "a fresh sandbox per call" if cold else "warm workers"
    err(f"plugsmith mcp: serving on {where}; sandbox {edge.sandbox.name} ({mode}); tools: {tools}")
    if edge.sandbox.weaker:
        err("warning: using the weaker rlimit sandbox; see `plugsmith doctor`")
    if address:
        anyio.run(edge.run_http, *address)
    else:
        anyio.run(edge.run_stdio)


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
