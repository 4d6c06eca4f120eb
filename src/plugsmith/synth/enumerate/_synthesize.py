"""The entry point: examples in, the smallest fitting ``Program`` (or None) out."""

from __future__ import annotations

import gc
import time
from typing import Any

from plugsmith.spec import JsonSchema, TestCase
from plugsmith.synth.enumerate._dsl import NUMBERS, Node
from plugsmith.synth.enumerate._program import Program
from plugsmith.synth.enumerate._search import Search
from plugsmith.synth.enumerate._values import FIELD_RANK


def _enums(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "enum" and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            else:
                _enums(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _enums(value, found)


def field_rank(inputs: dict[str, JsonSchema]) -> dict[str, int]:
    """Property names of the input schemas in the order each ``properties`` declares them.

    Only ties between equally small programs use this order (e.g. ``duration_days`` before ``days_max``
    for the plan schema); everything else in the schemas is walked in sorted order, and the examples' own
    key order is never used.
    """
    rank: dict[str, int] = {}

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            props = schema.get("properties")
            if isinstance(props, dict):
                for name in props:
                    rank.setdefault(name, len(rank))
            for key in sorted(k for k in schema if k != "properties"):
                walk(schema[key])
            if isinstance(props, dict):
                for value in props.values():
                    walk(value)
        elif isinstance(schema, list):
            for value in schema:
                walk(value)

    for port in sorted(inputs):
        walk(inputs[port])
    return rank


def allowed_constants(inputs: dict[str, JsonSchema]) -> list[Any]:
    """Every literal a program may contain: the fixed small numbers and the input schemas' enum strings.

    Nothing here comes from the examples, so no program can copy an expected output value.
    """
    found: set[str] = set()
    _enums(inputs, found)
    return [*NUMBERS, *sorted(found)]


def _item_fields(schema: JsonSchema) -> list[str] | None:
    """Declared properties of the items of an array output or the values of a dictionary output."""
    if not isinstance(schema, dict):
        return None
    inner = schema.get("items") if schema.get("type") == "array" else schema.get("additionalProperties")
    props = inner.get("properties") if isinstance(inner, dict) else None
    return sorted(props) if isinstance(props, dict) and props else None


def _record_keys(schema: JsonSchema, values: list[Any]) -> list[str] | None:
    """The declared properties of an object output, when every example has exactly those keys."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not props:
        return None
    keys = sorted(props)
    if all(isinstance(v, dict) and sorted(v) == keys for v in values):
        return keys
    return None


def synthesize_program(cases: list[TestCase], inputs: dict[str, JsonSchema], outputs: dict[str, JsonSchema],
                       budget_s: float = 20.0) -> Program | None:
    """The smallest DSL program that maps every case's input to its expected output, or None.

    Each output port is searched for separately (an object output whose schema lists ``properties`` is
    split into one search target per property). Returns None when no program fits within ``budget_s``
    seconds, when there are no cases, or when a case lacks an output port.
    """
    deadline = time.monotonic() + budget_s
    if not cases:
        return None
    ports = sorted(inputs) or sorted({k for c in cases for k in c.input})
    examples = [{p: c.input.get(p) for p in ports} for c in cases]
    targets: dict[str, list[Any]] = {}
    split: dict[str, list[str]] = {}
    for port in sorted(outputs):
        if any(port not in c.expected for c in cases):
            return None
        values = [c.expected[port] for c in cases]
        keys = _record_keys(outputs[port], values)
        if keys is None:
            targets[port] = values
        else:
            split[port] = keys
            for key in keys:
                targets[f"{port}\x00{key}"] = [v[key] for v in values]
    enums = [c for c in allowed_constants(inputs) if isinstance(c, str)]
    fields = {p: keys for p in targets if "\x00" not in p and (keys := _item_fields(outputs[p])) is not None}
    gc_was_on = gc.isenabled()
    gc.disable()  # the banks are many small objects: collecting while they grow costs time
    token = FIELD_RANK.set(field_rank(inputs))
    try:
        found = Search(examples, targets, enums, deadline, fields).run()
    finally:
        FIELD_RANK.reset(token)
        if gc_was_on:
            gc.enable()
        gc.collect()  # the search's cyclic garbage is freed now, on this call's clock
    if len(found) < len(targets):
        return None
    programs: dict[str, Node] = {p: found[p] for p in targets if "\x00" not in p}
    for port, keys in split.items():
        programs[port] = Node("record", tuple(found[f"{port}\x00{k}"] for k in keys), tuple(keys))
    return Program(tuple(sorted(programs.items())), tuple(ports))


__all__ = ["allowed_constants", "synthesize_program"]
