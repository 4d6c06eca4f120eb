"""The gates that run the plugin, always in the sandbox: contract, determinism, benchmark.

All cases of one gate run in ONE sandboxed process. Outputs are compared with expected values (numbers
within a small tolerance) and validated against the output port schemas; mismatches become diffs.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from plugsmith.errors import PlugsmithError
from plugsmith.gates._registry import GateContext, gate, result
from plugsmith.sandbox import Limits, Sandbox, SandboxOutcome, get_sandbox
from plugsmith.spec import (
    Constraint,
    GateResult,
    GateStatus,
    JsonSchema,
    TestCase,
    load_manifest,
    port_validator,
)

REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_DIFFS = 10


@dataclass
class CaseCheck:
    """One case's verdict: passed, the differences found, what came out, or why nothing did."""

    name: str
    passed: bool
    diff: list[dict[str, Any]] = field(default_factory=list)
    output: dict[str, Any] | None = None
    error: str | None = None
    duration_ms: float = 0.0

    def as_evidence(self) -> dict[str, Any]:
        return {"case": self.name, "passed": self.passed, "diff": self.diff[:MAX_DIFFS], "error": self.error,
                "duration_ms": self.duration_ms}


def diff_values(expected: Any, got: Any, path: str = "") -> list[dict[str, Any]]:
    """Where ``got`` differs from ``expected`` (JSON pointers); numbers compare within a tolerance."""
    if isinstance(expected, bool) or isinstance(got, bool):
        same = expected is got or (type(expected) is type(got) and expected == got)
        return [] if same else [{"path": path or "/", "expected": expected, "got": got}]
    if isinstance(expected, int | float) and isinstance(got, int | float):
        try:
            close = math.isclose(expected, got, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        except OverflowError:  # an integer beyond a double (a plugin's output may be anything)
            close = expected == got
        return [] if close else [{"path": path or "/", "expected": expected, "got": got}]
    if isinstance(expected, dict) and isinstance(got, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(expected) | set(got), key=str):
            sub = f"{path}/{key}"
            if key not in got:
                out.append({"path": sub, "expected": expected[key], "got": "<missing>"})
            elif key not in expected:
                out.append({"path": sub, "expected": "<absent>", "got": got[key]})
            else:
                out += diff_values(expected[key], got[key], sub)
        return out
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [{"path": path or "/", "expected": f"{len(expected)} items", "got": f"{len(got)} items"}]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=True))
                for d in diff_values(e, g, f"{path}/{i}")]
    return [] if expected == got else [{"path": path or "/", "expected": expected, "got": got}]


def schema_errors(output: dict[str, Any], schemas: dict[str, JsonSchema]) -> list[dict[str, Any]]:
    """Output ports missing, undeclared, or not matching their JSON Schema."""
    problems: list[dict[str, Any]] = []
    for port, schema in schemas.items():
        if port not in output:
            problems.append({"path": f"/{port}", "schema": "output port missing"})
            continue
        validator = port_validator(schema)
        err = jsonschema.exceptions.best_match(validator.iter_errors(output[port]))
        if err is not None:
            where = "/".join(str(p) for p in err.absolute_path)
            pointer = f"/{port}" + (f"/{where}" if where else "")
            problems.append({"path": pointer, "schema": err.message[:300]})
    problems += [{"path": f"/{k}", "schema": "undeclared output port"} for k in output if k not in schemas]
    return problems


def _checks(cases: list[TestCase], outcome: SandboxOutcome, schemas: dict[str, JsonSchema] | None
            ) -> list[CaseCheck]:
    checks = []
    for i, case in enumerate(cases):
        if i >= len(outcome.runs):
            checks.append(CaseCheck(case.name, False, error=f"not run: {outcome.explain()}"))
            continue
        run = outcome.runs[i]
        if not run.ok or run.output is None:
            checks.append(CaseCheck(case.name, False, error=run.error, duration_ms=run.duration_ms))
            continue
        diff = diff_values(case.expected, run.output)
        if schemas is not None:
            diff += schema_errors(run.output, schemas)
        checks.append(CaseCheck(case.name, not diff, diff, run.output, None, run.duration_ms))
    return checks


def run_cases(plugin_dir: Path, cases: list[TestCase], *, sandbox: Sandbox | None = None,
              limits: Limits | None = None) -> list[CaseCheck]:
    """Run every case in one sandboxed process and check each output (expected values, port schemas)."""
    try:
        schemas: dict[str, JsonSchema] | None = load_manifest(plugin_dir).outputs
    except PlugsmithError:
        schemas = None
    if not cases:
        return []
    outcome = (sandbox or get_sandbox()).run(plugin_dir, [dict(c.input) for c in cases], limits)
    return _checks(cases, outcome, schemas)


def _input_errors(ctx: GateContext) -> list[dict[str, Any]]:
    assert ctx.manifest is not None
    bad = []
    for case in ctx.cases:
        for port, schema in ctx.manifest.inputs.items():
            if port in case.input and not port_validator(schema).is_valid(case.input[port]):
                bad.append({"case": case.name, "error": f"input {port!r} does not match its port schema"})
    return bad


@gate("contract", 40)
def contract_gate(ctx: GateContext) -> GateResult:
    """Every case (tests/cases.json and the spec's) in one sandboxed process; outputs checked and diffed."""
    if ctx.blocked or ctx.manifest is None:
        return result("contract", GateStatus.skipped, f"not run: {ctx.blocked or 'no manifest'}")
    if not ctx.cases:
        return result("contract", GateStatus.failed, "no test cases (tests/cases.json is empty or missing)")
    bad_inputs = _input_errors(ctx)
    if bad_inputs:
        return result("contract", GateStatus.failed, bad_inputs[0]["error"], bad_inputs)
    schemas = dict(ctx.manifest.outputs)
    if ctx.spec is not None:
        schemas.update(ctx.spec.outputs)
    outcome = ctx.sandbox.run(ctx.plugin_dir, [dict(c.input) for c in ctx.cases], ctx.extra.get("limits"))
    ctx.contract_run = outcome
    checks = _checks(ctx.cases, outcome, schemas)
    failed = [c for c in checks if not c.passed]
    evidence = [c.as_evidence() for c in checks]
    if not outcome.completed:
        evidence.append({"sandbox": outcome.reason, "stderr": outcome.stderr[-2000:]})
    if failed or not outcome.completed:
        first = failed[0] if failed else None
        why = (first.error or json.dumps(first.diff[:1], default=str)) if first else outcome.explain()
        head = f"{len(failed)}/{len(checks)} case(s) failed; first: {first.name if first else ''}: "
        return result("contract", GateStatus.failed, (head + why)[:500], evidence)
    return result("contract", GateStatus.passed, f"{len(checks)}/{len(checks)} cases passed", evidence)


@gate("determinism", 50)
def determinism_gate(ctx: GateContext) -> GateResult:
    """For deterministic plugins: the same inputs in a second process give byte-identical outputs."""
    constraints = set(ctx.manifest.constraints if ctx.manifest else []) | set(ctx.spec.constraints if ctx.spec
                                                                             else [])
    if Constraint.deterministic not in constraints:
        return result("determinism", GateStatus.skipped, "the plugin does not claim to be deterministic")
    first = ctx.contract_run
    if ctx.blocked or first is None or not first.completed:
        return result("determinism", GateStatus.skipped, "not run: the contract gate did not complete")
    second = ctx.sandbox.run(ctx.plugin_dir, [dict(c.input) for c in ctx.cases], ctx.extra.get("limits"))
    differ = [{"case": c.name, "first": a.output, "second": b.output}
              for c, a, b in zip(ctx.cases, first.runs, second.runs, strict=False)
              if _canonical(a.output) != _canonical(b.output) or a.error != b.error]
    if not second.completed or len(second.runs) != len(first.runs):
        differ.append({"second_run": second.reason or "incomplete"})
    if differ:
        return result("determinism", GateStatus.failed, f"{len(differ)} case(s) differ between two runs",
                      differ)
    return result("determinism", GateStatus.passed, f"{len(first.runs)} case(s) identical in two processes")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@gate("benchmark", 60)
def benchmark_gate(ctx: GateContext) -> GateResult:
    """The hub's benchmark cases for the capability: pass rate and latency (all pass, or ≥ 90 % warns)."""
    if ctx.hub is None or ctx.manifest is None:
        return result("benchmark", GateStatus.skipped, "no hub given")
    if ctx.blocked:
        return result("benchmark", GateStatus.skipped, f"not run: {ctx.blocked}")
    cases = ctx.hub.benchmark_cases(ctx.manifest.capability)
    if not cases:
        return result("benchmark", GateStatus.skipped, f"the hub holds no benchmark cases for "
                      f"{ctx.manifest.capability!r}")
    outcome = ctx.sandbox.run(ctx.plugin_dir, [dict(c.input) for c in cases], ctx.extra.get("limits"))
    checks = _checks(cases, outcome, dict(ctx.manifest.outputs))
    rate = sum(c.passed for c in checks) / len(checks)
    times = sorted(c.duration_ms for c in checks if c.duration_ms)
    latency = {"mean_ms": round(statistics.fmean(times), 3) if times else None,
               "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))] if times else None}
    evidence: list[Any] = [{"pass_rate": rate, "cases": len(checks), **latency},
                           *[c.as_evidence() for c in checks if not c.passed]]
    status = GateStatus.passed if rate == 1 else GateStatus.warned if rate >= 0.9 else GateStatus.failed
    return result("benchmark", status, f"pass rate {rate:.0%} over {len(checks)} hub case(s)", evidence)


__all__ = ["CaseCheck", "diff_values", "run_cases", "schema_errors"]
