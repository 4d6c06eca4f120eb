"""Capability specs: what a stage needs computed, and what synthesis must produce.

Two forms are accepted. The seed's template, exactly as written::

    {"name": "cost_estimation", "inputs": ["plan_json"], "outputs": ["cost_breakdown"],
     "constraints": ["deterministic", "schema_validated"], "tests": ["golden_case_1", "edge_case_2"]}

and the richer form, with ports as name → JSON Schema and inline test cases. After validation, ports are
always a mapping name → schema (list entries are resolved against the port catalog) and every schema has
passed jsonschema's meta-schema check.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from functools import lru_cache
from typing import Any

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from plugsmith.spec._ports import JsonSchema, pattern_problem, port_catalog, ref_problem, resolve_port

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MAX_CASE_DEPTH = 32              # nesting of objects and arrays inside one case's input or expected
MAX_CASE_CHARS = 1_000_000       # one case's input and expected as compact JSON


def is_name(value: str) -> bool:
    """Whether ``value`` is a plugin, capability or port name. ``re.match`` with NAME_PATTERN is not
    enough: its ``$`` also matches before a trailing newline (``"result\\n"``)."""
    return re.fullmatch(NAME_PATTERN, value) is not None


class Constraint(StrEnum):
    """Constraints a capability may demand of its plugins. Unknown constraints are an error."""

    deterministic = "deterministic"
    schema_validated = "schema_validated"
    no_network = "no_network"
    pure = "pure"
    sandboxed = "sandboxed"


class TestCase(BaseModel):
    """One example: the inputs (port → value) and the outputs expected (port → value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    __test__ = False  # not a pytest class

    name: str = Field(min_length=1)
    input: dict[str, Any]
    expected: dict[str, Any]


@lru_cache(maxsize=512)
def _schema_problem(canonical: str) -> str | None:
    """The meta-schema error of a schema (given as canonical JSON), or why its references cannot be
    resolved offline, or None. Cached: the plan schema is checked for every ``plan_json`` port and
    costs tens of milliseconds each time."""
    schema = json.loads(canonical)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return f"not valid JSON Schema: {exc.message}"
    return ref_problem(schema) or pattern_problem(schema)


def _catalog_ref(schema: Any) -> str | None:
    """The catalog name of a whole-port ``{"$ref": "plugsmith:NAME"}`` that names no catalog entry."""
    if isinstance(schema, dict) and set(schema) == {"$ref"} and str(schema["$ref"]).startswith("plugsmith:"):
        target = str(schema["$ref"]).split(":", 1)[1]
        if (target if target != "plan" else "plan_json") not in port_catalog():
            return target
    return None


def normalise_ports(value: Any, what: str, *, owner: str) -> dict[str, JsonSchema]:
    """Ports as name → checked JSON Schema, from a list of catalog names or a mapping. ``what`` is
    ``inputs`` or ``outputs`` (outputs may not be empty); ``owner`` names the model in errors."""
    ports = _resolve_ports(value, what)
    if what == "outputs" and not ports:
        raise ValueError(f"a {owner} needs at least one output port")
    return ports


def _resolve_ports(value: Any, what: str) -> dict[str, JsonSchema]:
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise ValueError(f"{what} as a list must hold port names (strings)")
        items: dict[str, Any] = {name: None for name in value}
    elif isinstance(value, dict):
        items = dict(value)
    else:
        raise ValueError(f"{what} must be a list of port names or a mapping of port name to JSON Schema")
    ports: dict[str, JsonSchema] = {}
    for name, schema in items.items():
        if not is_name(name):
            raise ValueError(f"port name {name!r} must match {NAME_PATTERN}")
        if schema is not None and not isinstance(schema, dict):
            raise ValueError(f"schema of port {name!r} must be a JSON object")
        unknown = _catalog_ref(schema)
        if unknown is not None:
            raise ValueError(f"schema of port {name!r} refers to plugsmith:{unknown}, which is not in the "
                             f"port catalog (known: {', '.join(sorted(port_catalog()))})")
        resolved = resolve_port(name, schema)
        problem = _schema_problem(json.dumps(resolved, sort_keys=True))
        if problem:
            raise ValueError(f"schema of port {name!r}: {problem}")
        ports[name] = resolved
    return ports


class CapabilitySpec(BaseModel):
    """A capability: named ports in and out, constraints, and golden test cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    inputs: dict[str, JsonSchema] = Field(default_factory=dict)
    outputs: dict[str, JsonSchema] = Field(default_factory=dict)
    constraints: list[Constraint] = Field(default_factory=list)
    tests: list[TestCase | str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("inputs", "outputs", mode="before")
    @classmethod
    def _ports(cls, value: Any, info: ValidationInfo) -> dict[str, JsonSchema]:
        return normalise_ports(value, str(info.field_name), owner="capability")

    @field_validator("constraints", mode="before")
    @classmethod
    def _constraints(cls, value: Any) -> Any:
        known = {c.value for c in Constraint}
        if isinstance(value, list):
            unknown = [c for c in value if c not in known]
            if unknown:
                raise ValueError(f"unknown constraint(s) {unknown}; known: {sorted(known)}")
        return value

    @property
    def cases(self) -> list[TestCase]:
        """The inline test cases (named-but-unresolved cases are left out)."""
        return [t for t in self.tests if isinstance(t, TestCase)]

    @property
    def missing_cases(self) -> list[str]:
        """Case names the spec refers to that were not found beside it."""
        return [t for t in self.tests if isinstance(t, str)]

    def spec_hash(self) -> str:
        """A stable hash of the spec's content, for provenance and rate limiting."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


__all__ = ["NAME_PATTERN", "CapabilitySpec", "Constraint", "TestCase", "is_name"]
