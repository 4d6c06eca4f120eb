"""The port catalog: named port types that list-form capability specs resolve against.

A spec may say ``"inputs": ["plan_json"]``; the catalog supplies the JSON Schema for ``plan_json``. A
port name that is not in the catalog gets the permissive schema ``{}`` (any JSON) unless the spec gives
one, which keeps the seed's template (``"outputs": ["cost_breakdown"]``) valid as written.

Schemas are resolved offline. A port schema is a whole ``{"$ref": "plugsmith:NAME"}`` (a catalog entry)
or a schema whose references all stay inside it (``#/$defs/…``, ``#anchor``): ``ref_problem`` says why
any other reference (http, https, file, a relative file name, a nested ``plugsmith:``) is refused, and
``port_validator`` builds validators over a registry that never retrieves anything, so even a schema
that skipped the check cannot make plugsmith open a connection or read a file.

Patterns are matched in linear time (``_regex``): importing this module switches jsonschema's
``pattern``/``patternProperties`` matching to RE2, and ``ref_problem``'s companion check
(``schema_pattern_problem``) refuses the patterns RE2 cannot run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from plugsmith.spec import _regex
from plugsmith.spec._plan import plan_schema

_regex.install()  # before any validator built here (or anywhere) matches a plugin author's pattern

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


def port_validator(schema: JsonSchema) -> jsonschema.Draft202012Validator:
    """A JSON Schema 2020-12 validator for a port schema that resolves references offline only."""
    return jsonschema.Draft202012Validator(schema, registry=OFFLINE)


__all__ = ["OFFLINE", "JsonSchema", "port_catalog", "port_validator", "ref_problem", "remote_ref",
           "resolve_port"]
