"""Executing one capability in the sandbox, recovering from runtime capability failures.

A plugin that crashes, times out, or returns output that breaks its output schema is a *capability
failure*. It is recorded (``failure`` event), and the next candidate is tried: the other approved
releases of the capability, then — when synthesis is allowed — a freshly synthesized replacement (the
same path synthesizes a gap that an earlier ``--no-synth`` run left open). A
plugin that crashed or broke its schema on a valid plan is defective, so a non-built-in one is marked
``deprecated`` (it still loads when pinned by version) so that resolution and synthesis stop picking it;
a timeout is not held against the plugin. When no candidate succeeds the capability fails with every
attempt's reason, and the run goes on.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jsonschema

from plugsmith.errors import PlugsmithError
from plugsmith.pipeline._resolve import adequate, needs_check, release_info
from plugsmith.plan import Requirement
from plugsmith.spec import Status, Tier, port_validator

if TYPE_CHECKING:
    from plugsmith.governance import Gatekeeper, Policy
    from plugsmith.hub import Hub, Release
    from plugsmith.sandbox import Sandbox

PLAN_PORTS = ("plan_json", "plan")


def plan_inputs(ports: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """Inputs for a plugin's ports from the plan: the whole plan, its tasks, or a top-level field."""
    inputs: dict[str, Any] = {}
    for port in ports:
        if port in PLAN_PORTS:
            inputs[port] = plan
        elif port in plan:
            inputs[port] = plan[port]
        else:
            raise ValueError(f"cannot supply input port {port!r} from a plan")
    return inputs


def output_problem(output: Any, schemas: list[dict[str, Any]]) -> str | None:
    """Why an output breaks the port schemas (one line), or None when it conforms."""
    if not isinstance(output, dict):
        return f"output is {type(output).__name__}, not an object"
    for ports in schemas:
        for port, schema in ports.items():
            if port not in output:
                return f"output port {port!r} missing"
            validator = port_validator(schema)  # offline: a stored schema never fetches a $ref
            error = jsonschema.exceptions.best_match(validator.iter_errors(output[port]))
            if error is not None:
                where = "/".join(str(p) for p in error.absolute_path)
                return f"output {port}{'/' + where if where else ''}: {error.message}"[:300]
    return None


@dataclass
class Execution:
    """What happened to one capability: its output or its failure, and every attempt on the way."""

    capability: str
    status: str = "failed"
    output: dict[str, Any] | None = None
    release: dict[str, Any] | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    replacement: dict[str, Any] | None = None
    error: str | None = None
    note: str | None = None  # status "no_data": what the plan lacks for this capability

    @property
    def recovered(self) -> bool:
        return self.status == "ok" and any(not a["ok"] for a in self.attempts)

    def to_json(self) -> dict[str, Any]:
        return {"capability": self.capability, "status": self.status, "recovered": self.recovered,
                "release": self.release, "output": self.output, "attempts": self.attempts,
                "replacement": self.replacement, "error": self.error, "note": self.note}


@dataclass
class Executor:
    """Runs capabilities for one plan; one sandbox and one gatekeeper for the whole stage."""

    hub: Hub
    gatekeeper: Gatekeeper
    policy: Policy
    sandbox: Sandbox
    plan: dict[str, Any]
    plan_id: str
    run_id: str
    synthesize: bool = True
    progress: Callable[[str], None] | None = None

    def execute(self, req: Requirement, chosen: Release | None, how: str) -> Execution:
        """Run the chosen release; on failure try the next candidate, then a synthesized replacement."""
        result = Execution(req.name)
        queue: list[tuple[Release, str]] = [(chosen, how)] if chosen is not None else []
        tried: set[str] = set()
        replaced = False
        while True:
            if not queue:
                queue = [(r, "fallback") for r in self._fallbacks(req, tried)]
            if not queue and self.synthesize and not replaced:
                replaced = True
                queue = self._replacement(req, result, tried)
            if not queue:
                break
            release, source = queue.pop(0)
            if release.checksum in tried:
                continue
            tried.add(release.checksum)
            if self._attempt(req, release, source, result):
                return result
        reasons = "; ".join(f"{a['ref']}: {a['reason']}" for a in result.attempts) or "no plugin provides it"
        result.error = f"capability {req.name!r} could not be computed ({reasons})"
        return result

    def _fallbacks(self, req: Requirement, tried: set[str]) -> list[Release]:
        """Other approved releases of the capability, adequate for the requirement's own cases."""
        return [r for r in self.hub.lookup(req.name) if r.checksum not in tried
                and (not needs_check(req, r) or adequate(self.hub, r, req, self.sandbox)[0])]

    def _attempt(self, req: Requirement, release: Release, source: str, result: Execution) -> bool:
        t0 = time.perf_counter()
        ok, reason, output, defective = self._run(req, release)
        ms = round((time.perf_counter() - t0) * 1000, 1)
        result.attempts.append({"ref": release.ref, "source": source, "ok": ok, "reason": reason,
                                "duration_ms": ms})
        detail = {"run_id": self.run_id, "source": source, "plan_kind": self.plan.get("kind")}
        if not ok:
            self._event("failure", release, ms, {**detail, "reason": reason}, outcome="failed")
            if defective and release.tier is not Tier.tier0:  # built-in by the hub's judgement, not by claim
                self._deprecate(release, reason)
            return False
        result.status, result.output, result.release = "ok", output, release_info(release)
        self._event("use", release, ms, detail)
        if result.recovered:
            self._event("recovery", release, ms, {**detail, "failed_attempts": len(result.attempts) - 1})
        return True

    def _deprecate(self, release: Release, reason: str) -> None:
        """Stop resolution and synthesis from choosing a defective plugin again (best effort)."""
        with contextlib.suppress(PlugsmithError):  # e.g. a read-only shared hub; the failure is recorded
            self.hub.set_status(release.ref, Status.deprecated, reason=f"failed at run time: {reason}")

    def _event(self, kind: str, release: Release, ms: float, detail: dict[str, Any],
               outcome: str = "ok") -> None:
        self.hub.record_event(kind, capability=release.capability, plugin_id=release.plugin_id,
                              version=release.version, plan_id=self.plan_id, outcome=outcome, duration_ms=ms,
                              detail=detail)

    def _run(self, req: Requirement, release: Release) -> tuple[bool, str, dict[str, Any] | None, bool]:
        """(ok, reason, output, defective) for one sandboxed run of the release on this plan."""
        decision = self.gatekeeper.check(release)
        if not decision.allowed:
            return False, f"not allowed to load: {decision.reason}", None, False
        try:
            inputs = plan_inputs(release.manifest.inputs, self.plan)
        except ValueError as exc:
            return False, str(exc), None, False
        outcome = self.sandbox.run(self.hub.checkout(release), [inputs], self.policy.limits_for(release.tier))
        if not outcome.completed or not outcome.runs:
            why = f"{outcome.reason or 'crashed'}: {outcome.stderr.strip()[-200:]}".rstrip(": ")
            return False, why, None, outcome.reason not in ("timeout", "memory")
        run = outcome.runs[0]
        if not run.ok:
            return False, f"crashed: {run.error}", None, True
        problem = output_problem(run.output, [dict(release.manifest.outputs), dict(req.spec.outputs)])
        if problem:
            return False, f"output breaks its schema: {problem}", None, True
        return True, "ok", run.output, False

    def _replacement(self, req: Requirement, result: Execution, tried: set[str]) -> list[tuple[Release, str]]:
        """Synthesize the capability: a replacement after failures, or a gap left open earlier.

        After a failure the spec notes it, so the request is new (new spec hash) rather than answered
        from the synthesis record of the plugin that just failed.
        """
        from plugsmith.synth import synthesize

        spec = req.spec
        if result.attempts:
            failures = "; ".join(f"{a['ref']} {a['reason']}" for a in result.attempts)
            spec = spec.model_copy(update={"description": f"{spec.description} "
                                           f"(replacement after run-time failure: {failures})"[:2000]})
        if self.progress:
            self.progress(f"synthesizing {req.name}")
        outcome = synthesize(spec, self.hub, sandbox=self.sandbox)
        result.replacement = outcome.model_dump(mode="json")
        if outcome.plugin_id is None or outcome.status not in (Status.approved, Status.reused):
            return []
        versions = self.hub.versions(outcome.plugin_id)
        release = next((r for r in versions if r.version == outcome.version), None)
        if release is None or release.checksum in tried:
            return []
        return [(release, "synthesized" if outcome.status == Status.approved else "reused")]


__all__ = ["Execution", "Executor", "output_problem", "plan_inputs"]
