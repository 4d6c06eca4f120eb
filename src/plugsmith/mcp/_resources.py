"""Hub resources: each offered plugin's README and source, read from its verified checkout.

URIs are ``plugsmith://plugin/NAME@VERSION/README.md`` and ``plugsmith://plugin/NAME@VERSION/plugin.py``;
only releases currently offered as tools are readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import mcp_types as types
from mcp.shared.exceptions import MCPError

from plugsmith.spec import CODE_FILE, README_FILE

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.mcp._catalog import Offer

PREFIX = "plugsmith://plugin/"
FILES = {README_FILE: "text/markdown", CODE_FILE: "text/x-python"}


def uri(ref: str, name: str) -> str:
    return f"{PREFIX}{ref}/{name}"


def list_resources(offers: Iterable[Offer]) -> list[types.Resource]:
    out = []
    for offer in offers:
        rel = offer.release
        for name, mime in FILES.items():
            what = "documentation" if name == README_FILE else "source code (runs only in the sandbox)"
            out.append(types.Resource(uri=uri(rel.ref, name), name=f"{rel.ref}/{name}", mime_type=mime,
                                      description=f"{what} of the {offer.name} tool"))
    return out


def read_resource(hub: Hub, offers: Mapping[str, Offer], address: str) -> types.ReadResourceResult:
    """The file's text; an unknown URI or a release that is no longer offered is an MCP error."""
    ref, _, name = address.removeprefix(PREFIX).rpartition("/")
    offer = offers.get(ref.partition("@")[0]) if address.startswith(PREFIX) else None
    if offer is None or offer.release.ref != ref or name not in FILES:
        raise MCPError(types.INVALID_PARAMS, f"no such resource {address!r}; see resources/list")
    text = (hub.checkout(offer.release) / name).read_text(encoding="utf-8", errors="replace")
    return types.ReadResourceResult(contents=[types.TextResourceContents(uri=address, mime_type=FILES[name],
                                                                         text=text)])


__all__ = ["FILES", "PREFIX", "list_resources", "read_resource", "uri"]
