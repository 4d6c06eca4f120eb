"""The hub's benchmark cases: what a named case must look like, and whether it fits the capability.

Named cases are how a spec written as the seed's template (``"tests": ["golden_case_1",
"edge_case_2"]``) finds its examples (``synth._cases.resolve_named_cases``), and what the benchmark gate
and harness grade every plugin of the capability on. A bad case binds every later version, so what goes
in is checked here, once, for the command line (``plugsmith hub cases add``) and the server
(``POST /api/v1/capabilities/{cap}/benchmark-cases``) alike:

* the shape (``parse_cases``): one case or a list, each exactly ``{"name", "input", "expected"}`` with
  JSON objects for ``input`` and ``expected``; names of 1-100 letters, digits, ``_``, ``.`` or ``-``,
  unique in the batch; no deeper or larger than synthesis reads (``MAX_CASE_DEPTH``, ``MAX_CASE_CHARS``).
* the ports (``check_ports``): when the capability has published plugins (approved, deprecated or pending
  review), each case must fit one of them: its input gives exactly that plugin's input ports, values
  matching their schemas, and its expected names only output ports, values matching theirs. With none
  published yet the cases are kept with a warning: a plugin synthesized from a spec naming them takes
  its ports from that spec, which synthesis checks the cases against.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from plugsmith.errors import BadInput
from plugsmith.spec import (
    MAX_CASE_CHARS,
    MAX_CASE_DEPTH,
    NAME_PATTERN,
    CapabilitySpec,
    PluginManifest,
    TestCase,
)
from plugsmith.spec._load import format_validation_error, nesting_depth

KINDS = ("golden", "edge", "regression")
CASE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
MAX_BATCH = 500
CASES_FORMAT = ('a JSON list of {"name": ..., "input": {port: value}, "expected": {port: value}} objects '
                "(docs/synthesis.md, \"Test cases\")")
_FIELDS = ("name", "input", "expected")


@dataclass(frozen=True, slots=True)
class HeldCase:
    """A benchmark case as the hub keeps it: the case and its kind (golden, edge, regression …)."""

    kind: str
    case: TestCase

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.case.model_dump(mode="json")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeldCase:
        kind = str(data.get("kind", "unknown"))  # a server that does not send kinds: say so, not "golden"
        return cls(kind, TestCase.model_validate({k: data[k] for k in _FIELDS}))


@dataclass(frozen=True, slots=True)
class CasesAdded:
    """What adding a batch did, name by name; ``warnings`` say what could not be checked."""

    capability: str
    kind: str
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CasesAdded:
        names = ("capability", "kind", "added", "replaced", "unchanged", "warnings")
        return cls(**{k: data[k] for k in names})


def _shown(name: object) -> str:
    text = str(name)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def check_target(capability: str, kind: str | None = None) -> None:
    """A capability name as specs spell it and, when given, a known kind (``BadInput`` otherwise)."""
    if not re.fullmatch(NAME_PATTERN, capability):
        raise BadInput(f"{_shown(capability)} is not a capability name", subject="CAPABILITY",
                       hint="lower case letters, digits and _, starting with a letter (as the spec's name)")
    if kind is not None and kind not in KINDS:
        raise BadInput(f"unknown case kind {_shown(kind)}", subject="--kind",
                       hint=f"one of: {', '.join(KINDS)}")


def parse_cases(data: Any, *, subject: str) -> list[TestCase]:
    """Cases from parsed JSON: one case object or a list of them, checked by ``check_cases``."""
    items = data if isinstance(data, list) else [data]
    if not items:
        raise BadInput("the list holds no cases", subject=subject, hint=f"a cases file holds {CASES_FORMAT}")
    if len(items) > MAX_BATCH:
        raise BadInput(f"{len(items)} cases in one batch; at most {MAX_BATCH}", subject=subject,
                       hint="add them in smaller files (a handful of cases per capability is plenty)")
    if isinstance(data, dict) and not set(data) & set(_FIELDS):
        keys = ", ".join(sorted(str(k) for k in data)[:5]) or "none"
        raise BadInput(f"neither a case nor a list of cases (its keys: {keys})", subject=subject,
                       hint=f"a cases file holds one case object or {CASES_FORMAT}")
    cases = []
    for index, raw in enumerate(items, 1):
        if not isinstance(raw, dict):
            raise BadInput(f"case {index} is not a JSON object", subject=subject,
                           hint=f"a cases file holds one case object or {CASES_FORMAT}")
        where = f"case {index}" + (f" ({_shown(raw['name'])})" if isinstance(raw.get("name"), str) else "")
        missing = [k for k in _FIELDS if k not in raw]
        unknown = sorted(str(k) for k in raw if k not in _FIELDS)
        if missing or unknown:
            what = f"has no {', '.join(missing)}" if missing else f"has unknown field(s) {', '.join(unknown)}"
            raise BadInput(f"{where} {what}", subject=subject,
                           hint='a case holds exactly "name", "input" and "expected"')
        for part in ("input", "expected"):
            if not isinstance(raw[part], dict):
                raise BadInput(f"{where}: {part} must be a JSON object (port name → value)", subject=subject,
                               hint=f"a cases file holds {CASES_FORMAT}")
        if not raw["expected"]:
            raise BadInput(f"{where}: expected is empty, so the case would check nothing", subject=subject,
                           hint="give the expected value of at least one output port")
        if not isinstance(raw["name"], str):
            raise BadInput(f"{where}: name must be a string", subject=subject, hint=_NAME_HINT)
        try:
            cases.append(TestCase(name=raw["name"], input=raw["input"], expected=raw["expected"]))
        except ValidationError as exc:  # e.g. a YAML key that is not a string
            raise BadInput(f"{where}: {format_validation_error(exc)}", subject=subject,
                           hint=f"a cases file holds {CASES_FORMAT}") from None
    check_cases(cases, subject=subject)
    return cases


_NAME_HINT = "1-100 letters, digits, _, . or -, starting with a letter or digit (e.g. golden_case_1)"


def check_name(name: str, *, subject: str, where: str = "") -> None:
    """``BadInput`` unless ``name`` is a usable case name (``CASE_NAME_PATTERN``)."""
    if not re.fullmatch(CASE_NAME_PATTERN, name):
        raise BadInput(f"{where}{_shown(name)} is not a usable case name", subject=subject, hint=_NAME_HINT)


def check_cases(cases: list[TestCase], *, subject: str) -> None:
    """Names sane and unique in the batch; every case within the bounds synthesis reads."""
    seen: set[str] = set()
    for index, case in enumerate(cases, 1):
        check_name(case.name, subject=subject, where=f"case {index}: ")
        if case.name in seen:
            raise BadInput(f"case {index}: the name {_shown(case.name)} is used twice", subject=subject,
                           hint="give every case its own name")
        seen.add(case.name)
        for part in ("input", "expected"):
            if nesting_depth(getattr(case, part), MAX_CASE_DEPTH) > MAX_CASE_DEPTH:
                raise BadInput(f"case {_shown(case.name)}: its {part} nests deeper than {MAX_CASE_DEPTH} "
                               "levels", subject=subject, hint="test cases are examples: keep them shallow")
        try:  # strict: what any JSON reader (and every database) can take back
            size = len(json.dumps({"input": case.input, "expected": case.expected}, separators=(",", ":"),
                                  allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise BadInput(f"case {_shown(case.name)} holds a value JSON cannot represent ({exc})",
                           subject=subject, hint="use JSON values only: finite numbers, strings, lists, "
                                                 "objects, true/false, null") from None
        if size > MAX_CASE_CHARS:
            raise BadInput(f"case {_shown(case.name)} is {size:,} characters of JSON; the limit is "
                           f"{MAX_CASE_CHARS:,}", subject=subject,
                           hint="test cases are examples: use small inputs that show the rule")


def check_ports(releases: list[Any], capability: str, cases: list[TestCase]) -> list[str]:
    """Warnings about what could not be checked; ``BadInput`` for a case that fits no published plugin.

    ``releases`` are the capability's published plugins, preferred first (``Hub.lookup``).
    """
    if not releases:
        return [f"no plugin of {capability!r} is published yet, so the cases' ports were not checked; a "
                "spec naming these cases must give the ports they use"]
    for case in cases:
        problems = [port_problem(release.manifest, case) for release in releases]
        if all(problems):
            first = releases[0]
            raise BadInput(f"case {_shown(case.name)} does not fit {first.ref}: {problems[0]}",
                           subject=capability,
                           hint=f"the plugins of {capability!r} take {_ports(first.manifest.inputs)} and "
                                f"give {_ports(first.manifest.outputs)} (`plugsmith hub show {first.ref}`)")
    return []


def _ports(ports: dict[str, Any]) -> str:
    return ", ".join(sorted(ports)) or "no ports"


def port_problem(manifest: PluginManifest | CapabilitySpec, case: TestCase) -> str | None:
    """Why ``case`` cannot be run on (and graded against) a plugin with these ports, or None."""
    missing = sorted(set(manifest.inputs) - set(case.input))
    if missing:
        return f"its input lacks the port(s) {', '.join(missing)}"
    unknown = sorted(set(case.input) - set(manifest.inputs))
    if unknown:
        return f"its input has port(s) the plugin does not take: {', '.join(unknown)}"
    unknown = sorted(set(case.expected) - set(manifest.outputs))
    if unknown:
        return f"its expected names port(s) the plugin does not give: {', '.join(unknown)}"
    for part, values, schemas in (("input", case.input, manifest.inputs),
                                  ("expected", case.expected, manifest.outputs)):
        for port in sorted(values):
            why = _schema_problem(schemas[port], values[port])
            if why:
                return f"its {part} {port!r} does not match the port's schema ({why})"
    return None


def _schema_problem(schema: dict[str, Any], value: Any) -> str | None:
    from jsonschema.exceptions import best_match

    from plugsmith.spec import port_validator

    error = best_match(port_validator(schema).iter_errors(value))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    text = f"at /{where}: {error.message}" if where else error.message
    return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + " …"


def batch_result(capability: str, kind: str, cases: list[TestCase], held: dict[str, HeldCase], *,
                 replace: bool, warnings: list[str]) -> CasesAdded:
    """Sort a batch into added, replaced and unchanged against the cases ``held``; without ``replace``,
    a different case under a name already held is refused (nothing of the batch is kept)."""
    result = CasesAdded(capability, kind, warnings=list(warnings))
    for case in cases:
        old = held.get(case.name)
        if old is None:
            result.added.append(case.name)
        elif old.case == case and old.kind == kind:
            result.unchanged.append(case.name)
        else:
            result.replaced.append(case.name)
    if result.replaced and not replace:
        names = ", ".join(_shown(n) for n in result.replaced[:5])
        raise BadInput(f"the hub already holds different case(s) named {names} for {capability!r}; "
                       "nothing was added", subject=capability,
                       hint="add them again with --replace (\"replace\": true over the API) to overwrite "
                            "them, or rename the new cases")
    return result


__all__ = ["CASES_FORMAT", "CASE_NAME_PATTERN", "KINDS", "MAX_BATCH", "CasesAdded", "HeldCase",
           "batch_result", "check_cases", "check_name", "check_ports", "check_target", "parse_cases",
           "port_problem"]
