"""The ``request_capability`` tool: a client describes a capability; the hub serves it or grows it.

The arguments are a capability spec in the CLI's richer form — ``name``, ``description``, ``inputs`` and
``outputs`` (catalog port names, or port name → JSON Schema), ``examples`` (``{input, expected}``) and
optional ``constraints``/``keywords``. The examples are the spec's test cases. Then:

* when the policy lets MCP clients synthesize (``[mcp] allow_synthesis = true``), ``synthesize`` runs
  exactly as ``plugsmith synth`` does: an adequate hub plugin is reused, else the strategies search,
  the gates judge and the result is published; the same spec hash is rate-limited by its synthesis
  record, as for the CLI (and concurrent identical requests wait for the first one);
* otherwise only the hub is searched for an adequate plugin (one that passes every example).

A resolved release becomes a tool when the policy serves its tier over MCP (``[mcp] tiers``); the
server then announces the changed tool list. Anything else is a tool error that says why.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from plugsmith.errors import PlugsmithError
from plugsmith.mcp._calls import one_line
from plugsmith.mcp._schema import problem, size_problem, validator
from plugsmith.spec import NAME_PATTERN, CapabilitySpec, Status

if TYPE_CHECKING:
    from plugsmith.hub import Hub, Release
    from plugsmith.mcp._catalog import Catalog
    from plugsmith.sandbox import Sandbox

_PORTS = {"type": ["array", "object"],
          "description": "Catalog port names (e.g. [\"plan_json\"]) or an object: port name -> JSON Schema."}
_EXAMPLE = {"type": "object", "additionalProperties": False, "required": ["input", "expected"],
            "properties": {"name": {"type": "string", "minLength": 1}, "input": {"type": "object"},
                           "expected": {"type": "object"}}}
INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN, "description": "Capability name (snake_case)."},
        "description": {"type": "string", "maxLength": 2000, "description": "What it computes."},
        "inputs": _PORTS,
        "outputs": _PORTS,
        "examples": {"type": "array", "minItems": 1, "maxItems": 200,
                     "description": "Worked examples; they are the spec's test cases.",
                     "items": _EXAMPLE},
        "constraints": {"type": "array", "items": {"type": "string"}},
        "keywords": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "inputs", "outputs", "examples"],
    "additionalProperties": False,
}
OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"status": {"type": "string"}, "tool": {"type": "string"}, "plugin": {"type": "string"},
                   "tier": {"type": ["string", "null"]}, "message": {"type": "string"}},
    "required": ["status", "tool", "plugin", "message"],
}
DESCRIPTION = ("Ask the plugsmith hub for a capability it does not offer yet: describe it (name, "
               "description, input and output ports, worked examples). An adequate hub plugin is "
               "reused, or - when the server's policy allows it - one is synthesized, gated in the sandbox "
               "and published. On success the new tool appears in tools/list.")
_CHECK = validator(INPUT_SCHEMA)


@dataclass(frozen=True)
class RequestResult:
    ok: bool
    output: dict[str, Any] | None
    error: str | None
    changed: bool = False


def build_spec(arguments: dict[str, Any]) -> CapabilitySpec:
    """The capability spec the arguments describe (pydantic errors propagate)."""
    examples = [{"name": str(e.get("name") or f"example_{i}"), "input": e["input"], "expected": e["expected"]}
                for i, e in enumerate(arguments["examples"], 1)]
    fields = {k: arguments[k] for k in ("name", "description", "inputs", "outputs", "constraints", "keywords")
              if k in arguments}
    return CapabilitySpec.model_validate({**fields, "tests": examples})


def _spec_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = "/" + "/".join(str(p) for p in first.get("loc", ()))
    return one_line(f"bad input: spec {where}: {first.get('msg', 'invalid')}")


class Requester:
    """Serves ``request_capability`` for one server (one synthesis at a time)."""

    def __init__(self, hub: Hub, catalog: Catalog, sandbox: Sandbox) -> None:
        self.hub, self.catalog, self.sandbox = hub, catalog, sandbox
        self._busy = threading.Lock()

    def request(self, arguments: dict[str, Any] | None) -> RequestResult:
        arguments = {} if arguments is None else arguments
        refused = size_problem(arguments) or problem(_CHECK, arguments, "argument")
        if refused:
            return RequestResult(False, None, f"bad input: {refused}")
        try:
            spec = build_spec(arguments)
        except ValidationError as exc:
            return RequestResult(False, None, _spec_error(exc))
        with self._busy:  # one at a time: an identical request then meets the first one's record
            try:
                release, status, message = self._resolve(spec)
            except PlugsmithError as exc:
                return RequestResult(False, None, one_line(exc.one_line()))
        if release is None:
            return RequestResult(False, None, one_line(message))
        why = self.catalog.add_requested(release)
        if why is not None:
            return RequestResult(False, None, one_line(f"{message}; it is not served here: {why}"))
        tier = release.tier.value if release.tier else None
        output = {"status": status, "tool": release.name, "plugin": release.ref, "tier": tier,
                  "message": one_line(message, 1000)}
        return RequestResult(True, output, None, changed=True)

    def _resolve(self, spec: CapabilitySpec) -> tuple[Release | None, str, str]:
        """(the release that serves the spec, its status word, what happened) or (None, "", why not)."""
        if self.catalog.keeper.policy.mcp_synthesis:
            return self._synthesize(spec)
        from plugsmith.synth._gap import gap_check

        gap = gap_check(spec, self.hub, self.sandbox)
        if gap.reuse is None:
            tried = "; ".join(f"{c['ref']}: {c['why']}" for c in gap.checked[:3])
            why = (f"no plugin in the hub passes the {len(spec.cases)} example(s) for {spec.name!r}"
                   + (f" ({tried})" if tried else "") + "; this server's policy does not let MCP clients "
                   "synthesize one ([mcp] allow_synthesis in policy.toml)")
            return None, "", why
        self.hub.record_event("reuse", capability=spec.name, plugin_id=gap.reuse.plugin_id,
                              version=gap.reuse.version, detail={"via": "mcp", "match": gap.match,
                                                                 "spec_hash": spec.spec_hash()})
        how = f"reused {gap.reuse.ref} ({gap.match} match): it passes all {len(spec.cases)} examples"
        return gap.reuse, "reused", how

    def _synthesize(self, spec: CapabilitySpec) -> tuple[Release | None, str, str]:
        from plugsmith.synth import synthesize

        outcome = synthesize(spec, self.hub, sandbox=self.sandbox)
        text = str(getattr(outcome.status, "value", outcome.status))
        if outcome.plugin_id is None or outcome.version is None:
            return None, "", f"synthesis found no plugin for {spec.name!r}: {outcome.message}"
        if outcome.status not in (Status.approved, Status.reused):
            return None, "", f"{outcome.message} (status {text})"
        versions = self.hub.versions(outcome.plugin_id)
        release = next((r for r in versions if r.version == outcome.version), None)
        if release is None:
            return None, "", f"{outcome.plugin_id}@{outcome.version} is not in the hub"
        return release, text, outcome.message


__all__ = ["DESCRIPTION", "INPUT_SCHEMA", "OUTPUT_SCHEMA", "RequestResult", "Requester", "build_spec"]
