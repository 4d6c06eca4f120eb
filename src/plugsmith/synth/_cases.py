"""Test cases for synthesis: which guide the search, which are held back, and generated edge cases.

Held-back cases are the cheap guard against over-fitting: a candidate must pass them without any
strategy having seen their expected outputs. In counterexample-guided synthesis (CEGIS) a held-back case
that a candidate fails *joins* the guide cases and the search goes on (:class:`CaseLedger`), but only
while another case stays held back, so whatever is published has passed at least one case it was not
built from. Edge cases are made from the spec's own inputs (an array emptied, an optional field dropped,
numbers tied) so the published plugin documents what it does at the edges; they are *recorded*, not
required, because the spec does not say what the right answer is there.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plugsmith.errors import PlugsmithError, SpecError
from plugsmith.hub._cases import CASES_FORMAT
from plugsmith.spec import CapabilitySpec, JsonSchema, TestCase

if TYPE_CHECKING:
    from plugsmith.hub import Hub

GENERATED_PREFIX = "generated_"


def resolve_named_cases(spec: CapabilitySpec, hub: Hub | None) -> CapabilitySpec:
    """Fill in test cases the spec names but did not find beside it from the hub's benchmark cases for
    the spec's capability (the built-ins' golden cases, regression cases), by name.

    The order of resolution is: inline cases, then ``<stem>.cases.json`` or ``cases/<name>.json`` beside
    the spec (``load_spec`` does that), then the hub. Names still missing stay as names.
    """
    if not spec.missing_cases or hub is None:
        return spec
    try:
        held = {case.name: case for case in hub.benchmark_cases(spec.name)}
    except PlugsmithError:
        return spec
    if not held:
        return spec
    tests = [held.get(t, t) if isinstance(t, str) else t for t in spec.tests]
    return spec.model_copy(update={"tests": tests})


def missing_cases_error(spec: CapabilitySpec, subject: str, stem: str = "<stem>",
                        hub_names: list[str] | None = None) -> SpecError:
    """The error for named cases found nowhere: it names both places looked in and the file format."""
    names = hub_names or []
    held = f" (it holds: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else \
        " (it holds none)"
    return SpecError(
        f"test case(s) not found: {', '.join(spec.missing_cases)}", subject=subject,
        hint=f"looked beside the spec ({stem}.cases.json, cases/<name>.json) and in the hub's benchmark "
             f"cases for {spec.name!r}{held}; put them in {stem}.cases.json as {CASES_FORMAT}, or into "
             f"the hub with `plugsmith hub cases add {spec.name} FILE`")


def hub_case_names(spec: CapabilitySpec, hub: Hub | None) -> list[str]:
    """Names of the hub's benchmark cases for the spec's capability (for the "not found" hint)."""
    if hub is None:
        return []
    try:
        return [case.name for case in hub.benchmark_cases(spec.name)]
    except PlugsmithError:
        return []


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


CEGIS_HOLDOUT = 0.4   # held back at the start when counterexamples can join the guide cases later


@dataclass
class CaseLedger:
    """Which of a spec's cases guide the search and which are held back, as CEGIS rounds move them.

    ``guide`` is the list the strategies see (the flow shares it with the synthesis context); ``held``
    are the cases no strategy has seen the expected output of. ``rounds`` records each move.
    """

    guide: list[TestCase]
    held: list[TestCase]
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def counterexample(self, failed: list[str], candidate: str) -> TestCase | None:
        """Move the first failed held-back case into the guide cases (a CEGIS round) and return it.

        Returns None, moving nothing, when no other case would stay held back: the final candidate must
        still pass a case it was not built from.
        """
        names = set(failed)
        case = next((c for c in self.held if c.name in names), None)
        if case is None or len(self.held) < 2:
            return None
        self.held.remove(case)
        self.guide.append(case)
        self.rounds.append({"round": len(self.rounds) + 1, "counterexample": case.name,
                            "candidate": candidate, "guide_cases": len(self.guide),
                            "held_back": len(self.held)})
        return case


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


__all__ = ["CASES_FORMAT", "CEGIS_HOLDOUT", "GENERATED_PREFIX", "CaseLedger", "EdgeInput", "edge_inputs",
           "hub_case_names", "missing_cases_error", "resolve_named_cases", "split_cases"]
