"""Port schemas as tables a person can read: field, type, required, description.

A port's JSON Schema (often the whole plan schema, with ``$defs``) becomes one row per port; an object
or an array of objects gets its fields in a nested table inside ``<details>``, one level at a time, so
``plan_json`` reads as "object Plan — 9 fields" until opened. Local ``$ref``s (``#/$defs/Task``) are
followed; a reference cycle or ``MAX_DEPTH`` stops the nesting with a note. The raw schema stays one
click away, in its own ``<details>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from plugsmith.server._html import e

MAX_DEPTH = 6
MAX_FIELDS = 200


def _resolve(schema: Any, root: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """(schema with a local ``$ref`` followed, the referenced name); anything else as it is."""
    if not isinstance(schema, Mapping):
        return {}, None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, Mapping) else None
        if isinstance(target, Mapping):
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return merged, ref.rsplit("/", 1)[-1]
    return schema, None


def _bounds(schema: Mapping[str, Any]) -> str:
    marks = [("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")]
    parts = [f"{sign} {schema[key]}" for key, sign in marks if isinstance(schema.get(key), int | float)]
    if isinstance(schema.get("format"), str):
        parts.append(str(schema["format"]))
    return f" ({', '.join(parts)})" if parts else ""


def type_of(schema: Any, root: Mapping[str, Any], depth: int = 0) -> str:
    """A short, human type: ``array of Task``, ``number | null``, ``map of string → number``, …"""
    resolved, name = _resolve(schema, root)
    if depth > MAX_DEPTH:
        return "…"
    if "enum" in resolved and isinstance(resolved["enum"], list):
        return (
            "one of "
            + ", ".join(json.dumps(v) for v in resolved["enum"][:12])
            + (", …" if len(resolved["enum"]) > 12 else "")
        )
    if "const" in resolved:
        return f"exactly {json.dumps(resolved['const'])}"
    for key in ("anyOf", "oneOf"):
        if isinstance(resolved.get(key), list):
            return " | ".join(type_of(s, root, depth + 1) for s in resolved[key][:8])
    kind = resolved.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    name = name or (resolved.get("title") if depth == 0 and isinstance(resolved.get("title"), str) else None)
    label = f" {name}" if name else ""
    if kind == "array" or "items" in resolved:
        return f"array of {type_of(resolved.get('items', {}), root, depth + 1)}"
    if kind == "object" or "properties" in resolved:
        extra = resolved.get("additionalProperties")
        if not resolved.get("properties") and isinstance(extra, Mapping):
            return f"map of string → {type_of(extra, root, depth + 1)}"
        return f"object{label}"
    if kind:
        return f"{kind}{_bounds(resolved)}"
    return name or "any"


def _fields(schema: Any, root: Mapping[str, Any]) -> tuple[Mapping[str, Any], set[str]] | None:
    """The (properties, required) an object or array-of-objects schema declares, or None."""
    resolved, _ = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):  # "Task | null": show Task's fields
        options = [s for s in resolved.get(key) or [] if _resolve(s, root)[0].get("type") != "null"]
        if len(options) == 1:
            return _fields(options[0], root)
    if resolved.get("type") == "array" or "items" in resolved:
        return _fields(resolved.get("items"), root)
    props = resolved.get("properties")
    if isinstance(props, Mapping) and props:
        return props, {str(r) for r in resolved.get("required") or []}
    extra = resolved.get("additionalProperties")
    if isinstance(extra, Mapping):
        return _fields(extra, root)
    return None


def _describe(field: str, schema: Any, root: Mapping[str, Any]) -> str:
    """The description, else a title that says more than the field name (pydantic titles do not)."""
    resolved, _ = _resolve(schema, root)
    title = str(resolved.get("title") or "")
    auto = title.lower().replace(" ", "_") == field.lower()
    text = str(resolved.get("description") or ("" if auto else title))
    if "default" in resolved:
        text += ("; " if text else "") + f"default {json.dumps(resolved['default'])[:80]}"
    return text


def _rows(items: list[tuple[str, Any, bool]], root: Mapping[str, Any], trail: tuple[str, ...]) -> str:
    rows = []
    for name, schema, required in items[:MAX_FIELDS]:
        rows.append(
            f"<tr><td><code>{e(name)}</code></td><td>{e(type_of(schema, root))}</td>"
            f"<td>{'yes' if required else 'no'}</td><td>{e(_describe(name, schema, root))}</td></tr>"
        )
        nested = _nested(name, schema, root, trail)
        if nested:
            rows.append(f'<tr class="nested"><td colspan="4">{nested}</td></tr>')
    if len(items) > MAX_FIELDS:
        rows.append(f'<tr><td colspan="4" class="muted">and {len(items) - MAX_FIELDS} more</td></tr>')
    return "".join(rows)


def _nested(field: str, schema: Any, root: Mapping[str, Any], trail: tuple[str, ...]) -> str:
    """A ``<details>`` with the fields of an object (or array of objects), or ''."""
    resolved, name = _resolve(schema, root)
    if isinstance(resolved.get("items"), Mapping):
        name = _resolve(resolved["items"], root)[1] or name
    found = _fields(schema, root)
    if not found:
        return ""
    props, required = found
    kind = f" ({name})" if name else ""
    if (name and name in trail) or len(trail) >= MAX_DEPTH:
        return f'<p class="muted">fields of {e(field)}{e(kind)}: as above (the schema nests itself)</p>'
    items = [(str(k), v, str(k) in required) for k, v in props.items()]
    return (
        f"<details><summary>{len(items)} fields of <code>{e(field)}</code>{e(kind)}</summary>"
        f"{_table(_rows(items, root, (*trail, name or field)))}</details>"
    )


def _table(rows: str) -> str:
    return (
        '<div class="scroll"><table class="fields"><thead><tr><th>field</th><th>type</th>'
        f"<th>required</th><th>description</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def ports_html(ports: Mapping[str, Any], *, direction: str) -> str:
    """Every port of one direction as a field table; each port's raw schema one click away."""
    if not ports:
        return f'<p class="muted">no {e(direction)}</p>'
    items = [(str(name), schema, True) for name, schema in ports.items()]
    raw = "".join(
        f"<details><summary>raw JSON Schema of <code>{e(name)}</code></summary>"
        f"<pre>{e(json.dumps(schema, indent=2))}</pre></details>"
        for name, schema in ports.items()
    )
    rows = "".join(
        _rows([item], schema if isinstance(schema, Mapping) else {}, ())
        for item, (_, schema) in zip(items, ports.items(), strict=True)
    )
    return _table(rows) + raw


__all__ = ["ports_html", "type_of"]
