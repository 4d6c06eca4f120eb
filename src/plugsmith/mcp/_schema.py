"""Tool schemas from a plugin's ports, and validation that names the offending place by JSON pointer.

A tool's ``inputSchema`` is an object whose properties are the plugin's input ports (all required, no
others); its ``outputSchema`` likewise for the output ports. Port schemas that carry their own ``$defs``
and ``$id`` (the plan port does) have them hoisted to the top, so ``#/$defs/...`` references resolve in
any client's validator without knowing plugsmith's schema ids.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import jsonschema

MAX_ARGUMENT_BYTES = 1_000_000   # a call's arguments, as compact JSON; larger ones are refused
_DROP = ("$id", "$schema")


def _hoist(schema: Mapping[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The port schema without ``$id``/``$schema``; its ``$defs`` move into ``defs`` when they agree."""
    port = copy.deepcopy(dict(schema))
    local = port.get("$defs")
    if isinstance(local, dict) and all(defs.get(k, v) == v for k, v in local.items()):
        defs.update(local)
        del port["$defs"]
        for key in _DROP:
            port.pop(key, None)
    elif not isinstance(local, dict):
        port.pop("$schema", None)
    return port


def ports_schema(ports: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """An object schema with one required property per port and nothing else."""
    defs: dict[str, Any] = {}
    properties = {name: _hoist(schema, defs) for name, schema in ports.items()}
    out: dict[str, Any] = {"type": "object", "properties": properties, "required": sorted(properties),
                           "additionalProperties": False}
    if defs:
        out["$defs"] = defs
    return out


def pointer(path: Any) -> str:
    """An RFC 6901 JSON pointer for a jsonschema error path (``""`` is the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _where(error: jsonschema.ValidationError) -> str:
    """The pointer of the bad place; for a missing or unexpected property, that property's own."""
    base = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        wanted = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [p for p in wanted if p not in error.instance]
        if missing:
            return pointer([*base, missing[0]])
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        allowed = set(schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        if extra:
            return pointer([*base, extra[0]])
    return pointer(base) or "/"


def validator(schema: Mapping[str, Any]) -> jsonschema.Draft202012Validator:
    from plugsmith.spec import port_validator

    return port_validator(dict(schema))  # no $ref is ever fetched; patterns run in linear time (RE2)


def problem(check: jsonschema.Draft202012Validator, value: Any, what: str) -> str | None:
    """One line naming the JSON pointer and the rule broken, or None when ``value`` conforms."""
    error = jsonschema.exceptions.best_match(check.iter_errors(value))
    if error is None:
        return None
    message = " ".join(str(error.message).split())
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{what} {_where(error)}: {message}"


def size_problem(arguments: Any, limit: int = MAX_ARGUMENT_BYTES) -> str | None:
    """Arguments beyond the documented size limit (or not JSON at all) are refused before anything runs."""
    try:
        size = len(json.dumps(arguments, allow_nan=False, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:
        return f"arguments are not JSON: {exc}"
    if size > limit:
        return f"arguments are {size:,} bytes of JSON; the limit is {limit:,} (see docs/mcp.md)"
    return None


__all__ = ["MAX_ARGUMENT_BYTES", "pointer", "ports_schema", "problem", "size_problem", "validator"]
