"""The port catalog: named port types that list-form capability specs resolve against.

A spec may say ``"inputs": ["plan_json"]``; the catalog supplies the JSON Schema for ``plan_json``. A
port name that is not in the catalog gets the permissive schema ``{}`` (any JSON) unless the spec gives
one, which keeps the seed's template (``"outputs": ["cost_breakdown"]``) valid as written.

Schemas are resolved offline. A port schema is a whole ``{"$ref": "plugsmith:NAME"}`` (a catalog entry)
or a schema whose references all stay inside it (``#/$defs/…``, ``#anchor``): ``ref_problem`` says why
any other reference (http, https, file, a relative file name, a nested ``plugsmith:``) is refused, and
``port_validator`` builds validators over a registry that never retrieves anything, so even a schema
that skipped the check cannot make plugsmith open a connection or read a file.

Patterns (``pattern``, ``patternProperties`` and the ``additionalProperties`` they shape) are evaluated
with RE2, in time linear in the text: a port schema is written by whoever wrote the plugin, and with
Python's backtracking ``re`` a pattern like ``^(a+)+$`` held ``validate`` (and a server's publish) for
hours on a 41-character output. ``pattern_problem`` refuses, at the edge, patterns RE2 cannot evaluate
(lookaround, backreferences) and ``unevaluatedProperties`` beside ``patternProperties`` (jsonschema would
evaluate those patterns itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

import jsonschema
import re2
from jsonschema import ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from plugsmith.spec._plan import plan_schema

JsonSchema = dict[str, Any]
REF_KEYWORDS = ("$ref", "$dynamicRef")
_BASE = "urn:plugsmith:port"
OFFLINE = Registry()  # no ``retrieve``: an unknown URI is Unresolvable, never fetched

_NUMBER_MAP: JsonSchema = {"type": "object", "additionalProperties": {"type": "number"}}


@cache
def port_catalog() -> dict[str, JsonSchema]:
    """Known port names and their schemas. Built once; treat the result as read-only."""
    return {
        "plan_json": plan_schema(),
        "tasks": plan_schema()["properties"]["tasks"] | {"$defs": plan_schema()["$defs"]},
        "cost_breakdown": _NUMBER_MAP,
        "labour_cost": _NUMBER_MAP,
        "resource_load": {"type": "object", "additionalProperties": _NUMBER_MAP},
        "risk_matrix": {"type": "object"},
        "schedule": {"type": "object"},
        "critical_path": {"type": "array", "items": {"type": "string"}},
        "budget_check": {"type": "object"},
        "result": {},
    }


def resolve_port(name: str, ref_or_schema: Any = None) -> JsonSchema:
    """The schema of a port: an explicit schema, a ``{"$ref": "plugsmith:NAME"}``, or the catalog entry."""
    if isinstance(ref_or_schema, dict) and set(ref_or_schema) == {"$ref"}:
        ref = str(ref_or_schema["$ref"])
        if ref.startswith("plugsmith:"):
            target = ref.split(":", 1)[1]
            if target == "plan":
                target = "plan_json"
            return dict(port_catalog().get(target, {}))
    if isinstance(ref_or_schema, dict):
        return ref_or_schema
    return dict(port_catalog().get(name, {}))


def _refs(resource: Any, resolver: Any) -> Iterator[tuple[str, str, Any]]:
    """Every (keyword, reference, resolver in scope) in ``resource`` and the subschemas below it."""
    resolver = resolver.in_subresource(resource)
    contents = resource.contents
    if isinstance(contents, dict):
        for keyword in REF_KEYWORDS:
            ref = contents.get(keyword)
            if isinstance(ref, str):  # a non-string is the meta-schema check's to report
                yield keyword, ref, resolver
    for sub in resource.subresources():
        yield from _refs(sub, resolver)


def _all_refs(schema: JsonSchema) -> Iterator[tuple[str, str, Any]]:
    root = DRAFT202012.create_resource(schema)
    registry = OFFLINE.with_resource(_BASE, root).crawl()
    return _refs(root, registry.resolver(_BASE))


def remote_ref(schema: JsonSchema) -> str | None:
    """Why ``schema`` refers outside itself (http, https, file, a relative name, a nested
    ``plugsmith:``), or None. Walks only the places the 2020-12 vocabulary says hold subschemas, so data
    that merely looks like a reference (inside ``const``, ``enum`` or ``default``) is left alone."""
    for keyword, ref, _resolver in _all_refs(schema):
        if not ref.startswith("#"):
            what = "a nested plugsmith: reference" if ref.startswith("plugsmith:") else "a remote reference"
            return (f"{keyword} {ref[:120]!r} is {what}; schemas are resolved offline, so only references "
                    "inside the schema ('#/$defs/...') or a whole-port {\"$ref\": \"plugsmith:NAME\"} "
                    "are allowed")
    return None


def ref_problem(schema: JsonSchema) -> str | None:
    """Why ``schema``'s references cannot be resolved offline (remote, or pointing nowhere), or None."""
    remote = remote_ref(schema)
    if remote:
        return remote
    for keyword, ref, resolver in _all_refs(schema):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            return f"{keyword} {ref[:120]!r} does not resolve within the schema"
    return None


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported by us, not printed by the C++ library


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    """``pattern`` compiled by RE2, or the reason (a str) RE2 refuses it."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        text = exc.args[0] if exc.args else exc
        return (text.decode(errors="replace") if isinstance(text, bytes) else str(text)) or "unsupported"


def _search(pattern: str, text: str) -> bool | str:
    """Whether ``pattern`` matches somewhere in ``text`` (linear time), or why it cannot be evaluated."""
    compiled = _compiled(pattern)
    return compiled if isinstance(compiled, str) else compiled.search(text) is not None


def _refused(pattern: str, why: str) -> ValidationError:
    return ValidationError(f"pattern {pattern[:80]!r} cannot be evaluated ({why}); plugsmith evaluates "
                           "patterns in linear time: no lookaround, no backreferences")


def _pattern(validator: Any, pattern: str, instance: Any, schema: JsonSchema) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string"):
        found = _search(pattern, instance)
        if isinstance(found, str):
            yield _refused(pattern, found)
        elif not found:
            yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any,
                        schema: JsonSchema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            found = _search(pattern, key)
            if isinstance(found, str):
                yield _refused(pattern, found)
                break
            if found:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_ADDITIONAL = jsonschema.Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: JsonSchema) -> Iterator[ValidationError]:
    """jsonschema's own rule, except that the patterns that exempt a key are matched by RE2."""
    patterns = schema.get("patternProperties") if isinstance(schema, dict) else None
    if not patterns or not validator.is_type(instance, "object"):
        yield from _ADDITIONAL(validator, additional, instance, schema)
        return
    known = schema.get("properties", {})
    extras = sorted((k for k in instance
                     if k not in known and not any(_search(p, k) is True for p in patterns)), key=str)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        verb = "does" if len(extras) == 1 else "do"
        yield ValidationError(f"{', '.join(repr(e) for e in extras)} {verb} not match any of the regexes: "
                              f"{', '.join(repr(p) for p in sorted(patterns))}")


_VALIDATORS: Any = jsonschema.validators  # ``extend`` is untyped
PortValidator: Any = _VALIDATORS.extend(
    jsonschema.Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties,
     "additionalProperties": _additional_properties},
)


def pattern_problem(schema: JsonSchema) -> str | None:
    """Why a pattern in ``schema`` cannot be evaluated in linear time, or None."""
    patterned = unevaluated = False
    for contents in _subschemas(schema):
        found = contents.get("pattern")
        keys = contents.get("patternProperties")
        patterns = [found] if isinstance(found, str) else []
        patterns += list(keys) if isinstance(keys, dict) else []
        patterned = patterned or isinstance(keys, dict)
        unevaluated = unevaluated or "unevaluatedProperties" in contents
        for pattern in patterns:
            compiled = _compiled(pattern)
            if isinstance(compiled, str):
                return (f"pattern {pattern[:80]!r} cannot be evaluated in linear time ({compiled}): no "
                        "lookaround, no backreferences")
    if patterned and unevaluated:
        return "unevaluatedProperties beside patternProperties is not supported (it would run the patterns " \
               "with a backtracking engine)"
    return None


def _subschemas(schema: JsonSchema) -> Iterator[dict[str, Any]]:
    """The schema and every subschema the 2020-12 vocabulary names, as dicts."""
    todo = [DRAFT202012.create_resource(schema)]
    while todo:
        resource = todo.pop()
        if isinstance(resource.contents, dict):
            yield resource.contents
        todo += list(resource.subresources())


def port_validator(schema: JsonSchema) -> jsonschema.Draft202012Validator:
    """A JSON Schema 2020-12 validator for a port schema that resolves references offline only and
    evaluates patterns with RE2 (linear time)."""
    validator: jsonschema.Draft202012Validator = PortValidator(schema, registry=OFFLINE)
    return validator


__all__ = ["OFFLINE", "JsonSchema", "PortValidator", "pattern_problem", "port_catalog", "port_validator",
           "ref_problem", "remote_ref", "resolve_port"]
