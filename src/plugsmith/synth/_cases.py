"""Test cases for synthesis: which guide the search, which are held back, and generated edge cases.

Held-back cases are the cheap guard against over-fitting: a candidate must pass them without any
strategy having seen them. Edge cases are made from the spec's own inputs (an array emptied, an optional
field dropped, numbers tied) so the published plugin documents what it does at the edges; they are
*recorded*, not required, because the spec does not say what the right answer is there.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from plugsmith.spec import CapabilitySpec, JsonSchema, TestCase

GENERATED_PREFIX = "generated_"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def split_cases(cases: list[TestCase], fraction: float = 0.25) -> tuple[list[TestCase], list[TestCase]]:
    """Split cases into (guide, holdout), deterministically.

    With three or more cases at least one (about ``fraction`` of them) is held back; fewer cases are all
    needed to guide. The case with the largest input always guides, since it usually carries the most
    information; the rest are held back in the order of a content hash, so the split does not depend
    on how the spec author ordered them.
    """
    if len(cases) < 3 or fraction <= 0:
        return list(cases), []
    count = min(len(cases) - 1, max(1, round(len(cases) * fraction)))
    richest = max(range(len(cases)), key=lambda i: (len(_canonical(cases[i].input)), -i))
    rest = [i for i in range(len(cases)) if i != richest]
    rest.sort(key=lambda i: hashlib.sha256(_canonical(cases[i].model_dump()).encode()).hexdigest())
    held = set(rest[:count])
    guide = [c for i, c in enumerate(cases) if i not in held]
    holdout = [c for i, c in enumerate(cases) if i in held]
    return guide, holdout


@dataclass(frozen=True)
class EdgeInput:
    """A generated input and why it exists (``what`` reads like "tasks emptied")."""

    name: str
    what: str
    input: dict[str, Any]


def _deref(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    """Follow local ``#/$defs/...`` references (one level at a time, enough for the port catalog)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 8:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            return {}
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    if isinstance(schema, dict) and "anyOf" in schema:
        options = [o for o in schema["anyOf"] if isinstance(o, dict) and o.get("type") != "null"]
        if len(options) == 1:
            return _deref(options[0], root)
    return schema if isinstance(schema, dict) else {}


def _arrays(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Every non-empty list inside a value, with its path (outermost first)."""
    found: list[tuple[tuple[Any, ...], list[Any]]] = []
    if isinstance(value, list):
        if value:
            found.append((path, value))
        for i, item in enumerate(value[:1]):
            found.extend(_arrays(item, (*path, i)))
    elif isinstance(value, dict):
        for key in sorted(value):
            found.extend(_arrays(value[key], (*path, key)))
    return found


def _schema_at(schema: JsonSchema, path: tuple[Any, ...], root: JsonSchema) -> JsonSchema:
    node = _deref(schema, root)
    for part in path:
        if isinstance(part, int):
            node = _deref(node.get("items", {}), root)
        else:
            node = _deref(node.get("properties", {}).get(part, {}), root)
    return node


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(value)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    return out


def _label(port: str, path: tuple[Any, ...]) -> str:
    text = port
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _slug(text: str) -> str:
    raw = "".join(ch if ch.isalnum() else "_" for ch in text.lower())
    return "_".join(part for part in raw.split("_") if part)[:60]


def _mutations(port: str, value: Any, schema: JsonSchema) -> list[tuple[str, Any]]:
    """(what, new value) for one port: arrays emptied, optional item fields dropped, numbers tied."""
    out: list[tuple[str, Any]] = []
    for path, items in _arrays(value):
        where = _label(port, path)
        out.append((f"{where} emptied", _set(value, path, []) if path else []))
        item_schema = _schema_at(schema, (*path, 0), schema)
        props = item_schema.get("properties", {})
        required = set(item_schema.get("required", []))
        dicts = all(isinstance(i, dict) for i in items)
        if dicts:
            for key in sorted(k for k in props if k not in required and any(k in i for i in items)):
                dropped = [{k: v for k, v in i.items() if k != key} for i in items]
                out.append((f"{where}[].{key} missing", _set(value, path, dropped) if path else dropped))
            if len(items) >= 2:
                numeric = sorted(k for k, v in items[0].items()
                                 if isinstance(v, int | float) and not isinstance(v, bool))
                for key in numeric:
                    tied = [dict(i, **{key: items[0][key]}) if key in i else i for i in items]
                    if tied != items:
                        out.append((f"{where}[].{key} tied", _set(value, path, tied) if path else tied))
        elif len(items) >= 2 and all(isinstance(i, int | float) and not isinstance(i, bool) for i in items):
            tied = [items[0]] * len(items)
            if tied != items:
                out.append((f"{where} tied", _set(value, path, tied) if path else tied))
    return out


def _normalise(schema: JsonSchema, value: Any) -> Any | None:
    """Bring a mutated value back into the port's contract; None when it no longer fits.

    ``plan_json`` values reach plugins as ``Plan.model_dump()`` (defaults filled in), so a dropped
    optional field comes back as its default, exactly what the pipeline would send.
    """
    import jsonschema

    if schema.get("$id") == "plugsmith:plan":
        from pydantic import ValidationError

        from plugsmith.spec import Plan

        try:
            return Plan.model_validate(value).model_dump(mode="json")
        except ValidationError:
            return None
    from plugsmith.spec import port_validator

    try:
        port_validator(schema).validate(value)  # offline: no $ref is fetched
    except (jsonschema.ValidationError, jsonschema.SchemaError):
        return None
    return value


def edge_inputs(spec: CapabilitySpec, cases: list[TestCase], limit: int = 12) -> list[EdgeInput]:
    """Generated edge-case inputs, derived from the largest guide case and the input schemas.

    Inputs that equal a given case's input, or each other, are dropped; so are those that no longer
    satisfy the port schema.
    """
    if not cases:
        return []
    base = max(cases, key=lambda c: len(_canonical(c.input))).input
    known = {_canonical(c.input) for c in cases}
    found: list[EdgeInput] = []
    for port in sorted(base):
        schema = spec.inputs.get(port, {})
        for what, new in _mutations(port, base[port], schema):
            fixed = _normalise(schema, new)
            if fixed is None:
                continue
            candidate = dict(base, **{port: fixed})
            key = _canonical(candidate)
            if key in known:
                continue
            known.add(key)
            found.append(EdgeInput(GENERATED_PREFIX + _slug(what), what, candidate))
            if len(found) >= limit:
                return found
    return found


__all__ = ["GENERATED_PREFIX", "EdgeInput", "edge_inputs", "split_cases"]
