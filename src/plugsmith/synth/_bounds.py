"""Bounds on what synthesis reads: a spec whose cases are nested too deeply or are too large, or whose
port schemas are too large for a plugin to carry, is refused
with a clear error (exit status 2) before any search starts, so time and memory stay bounded.

Cases are examples: they should be small. The limits are far above what a plan or a capability's golden
cases need (a plan with a thousand tasks is about half a megabyte of JSON).
"""

from __future__ import annotations

import json
from typing import Any

from plugsmith.errors import SpecError
from plugsmith.spec import MAX_CASE_CHARS, MAX_CASE_DEPTH, CapabilitySpec, nesting_depth

MAX_DEPTH = MAX_CASE_DEPTH  # the same bounds as the hub keeps its benchmark cases to (spec._capability)
MAX_CASES = 500
MAX_ELEMENTS = 20_000       # list elements over all cases, what the offline search evaluates on
# The port schemas travel in every plugin's plugin.json and README, and a plugin directory is limited to
# gates._static.MAX_BYTES (256,000 bytes) with its code and cases: schemas past this could never publish.
MAX_SCHEMA_CHARS = 100_000


def elements(value: Any) -> int:
    """Number of list elements inside a JSON value (the environments a search evaluates on)."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            count += len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return count


def check_case_values(spec: CapabilitySpec) -> None:
    """Refuse cases beyond the bounds above (``SpecError``, exit status 2), naming the case and limit."""
    cases = spec.cases
    if len(cases) > MAX_CASES:
        raise SpecError(f"the spec has {len(cases)} test cases; at most {MAX_CASES} are used for synthesis",
                        subject=spec.name, hint="keep a representative few (5-20 cases are plenty)")
    for case in cases:
        try:  # the size first: serialising is fast, and refuses a huge case before any slower walk
            size = len(json.dumps({"input": case.input, "expected": case.expected}, separators=(",", ":"),
                                  default=str))
        except RecursionError:
            size = 0  # nested too deeply to serialise: the depth check below says so
        if size > MAX_CASE_CHARS:
            raise SpecError(f"case {case.name!r} is {size:,} characters of JSON; the limit is "
                            f"{MAX_CASE_CHARS:,}", subject=spec.name,
                            hint="test cases are examples: use small inputs that show the rule")
        for part in ("input", "expected"):
            value = getattr(case, part)
            if nesting_depth(value, MAX_DEPTH) > MAX_DEPTH:
                raise SpecError(f"case {case.name!r}: its {part} nests deeper than {MAX_DEPTH} levels",
                                subject=spec.name, hint="test cases are examples: keep them shallow")


def check_port_schemas(spec: CapabilitySpec) -> None:
    """Refuse port schemas too large for any plugin to carry (``SpecError``, exit status 2), naming the
    largest ``enum`` when that is the cause (an enum of ten thousand strings), before any search runs."""
    ports = {"inputs": spec.inputs, "outputs": spec.outputs}
    size = len(json.dumps(ports, separators=(",", ":"), default=str))
    if size <= MAX_SCHEMA_CHARS:
        return
    where, count = _largest_enum(ports)
    cause = f"; {where} lists {count:,} enum values" if count else ""
    raise SpecError(f"the port schemas are {size:,} characters of JSON{cause}; a plugin carries them in "
                    f"plugin.json and is limited to 256,000 bytes, so the limit is {MAX_SCHEMA_CHARS:,}",
                    subject=spec.name, hint="list only the values the capability tells apart, or describe "
                    "the strings with a \"pattern\" instead of an enum")


def _largest_enum(schema: Any) -> tuple[str, int]:
    """(JSON pointer, length) of the longest ``enum`` list in a schema; ("", 0) when there is none."""
    best = ("", 0)
    stack: list[tuple[Any, str]] = [(schema, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            enum = item.get("enum")
            if isinstance(enum, list) and len(enum) > best[1]:
                best = (where or "/", len(enum))
            stack.extend((v, f"{where}/{k}") for k, v in item.items() if k != "enum")
        elif isinstance(item, list):
            stack.extend((v, f"{where}/{i}") for i, v in enumerate(item))
    return best


def too_many_elements(inputs: list[dict[str, Any]]) -> str | None:
    """Why the offline search should not run on these case inputs (too many list elements), or None."""
    total = sum(elements(value) for value in inputs)
    if total > MAX_ELEMENTS:
        return (f"the cases hold {total:,} list elements; the offline search evaluates every expression on "
                f"each and handles up to {MAX_ELEMENTS:,} (use smaller examples)")
    return None


__all__ = ["MAX_CASES", "MAX_CASE_CHARS", "MAX_DEPTH", "MAX_ELEMENTS", "MAX_SCHEMA_CHARS",
           "check_case_values", "check_port_schemas", "elements", "too_many_elements"]
