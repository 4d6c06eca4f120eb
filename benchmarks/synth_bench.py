"""Synthesis benchmark: can the offline `enumerate` synthesizer solve the benchmark specs?

Two sets: ``benchmarks/synth/`` (55 specs over the plan document, four visible cases each) and
``benchmarks/synth_project/`` (34 specs over a project with phases, three-point estimates and a deadline,
five visible cases each; written before the search work of issue #12 as its measure). For each spec,
``synthesize_program`` sees only the spec's visible cases; the emitted ``plugin.py`` is then run on the
hidden cases (``<name>.hidden.json``) in plugsmith's sandbox and its outputs compared with the expected
ones; the plugin must also pass the security gate's AST policy. Prints one line per spec (solved,
strategy, time, program size) and the totals per set.
Targets: >= 95% solved on the first set, >= 90% on the project set, median time < 5 s, none > 60 s.

PLUGSMITH_BENCH_SMOKE=1 runs a handful of specs with a small budget. ``--budget S``, ``--set NAME`` and
spec names as arguments narrow a run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SETS = {"synth": Path(__file__).parent / "synth", "project": Path(__file__).parent / "synth_project"}
TARGETS = {"synth": 0.95, "project": 0.90}
SMOKE_SPECS = ["total_cost", "cost_by_kind", "most_expensive_task", "critical_path_length", "task_end_dates",
               "task_phase_names", "pert_estimates"]


def _same(a: Any, b: Any) -> bool:
    from plugsmith.synth.enumerate._values import same
    return bool(same(a, b))


def _policy_findings(source: str) -> str:
    """The security gate's AST policy on the emitted plugin ('' when clean or when gates are absent)."""
    try:
        from plugsmith.gates import check_source
    except ImportError:
        return ""
    return "; ".join(f"line {f.line}: {f.message}" for f in check_source(source))


def _check_hidden(program: Any, hidden: list[Any], sandbox: Any) -> tuple[int, str]:
    """How many hidden cases the emitted code passes, and the first failure (or '')."""
    if sandbox is None:
        passed = 0
        first = ""
        for case in hidden:
            try:
                out = program.evaluate(case.input)
            except Exception as exc:  # the interpreter says the program does not apply
                out = {"error": str(exc)}
            if all(_same(out.get(k), v) for k, v in case.expected.items()):
                passed += 1
            elif not first:
                first = f"{case.name}: got {json.dumps(out)[:120]}"
        return passed, first
    with tempfile.TemporaryDirectory() as tmp:
        plugin = Path(tmp)
        (plugin / "plugin.py").write_text(program.to_python(), encoding="utf-8")
        outcome = sandbox.run(plugin, [c.input for c in hidden])
    passed = 0
    first = "" if outcome.completed else f"sandbox: {outcome.reason}"
    for case, run in zip(hidden, outcome.runs, strict=False):
        if run.ok and run.output is not None and all(_same(run.output.get(k), v)
                                                     for k, v in case.expected.items()):
            passed += 1
        elif not first:
            first = f"{case.name}: {run.error or json.dumps(run.output)[:120]}"
    return passed, first


def _run_one(path: Path, budget: float, sandbox: Any) -> tuple[bool, float]:
    """Synthesize one spec from its visible cases and check the result on its hidden cases."""
    from plugsmith.spec import TestCase, load_spec
    from plugsmith.synth.enumerate import synthesize_program

    spec = load_spec(path)
    hidden = [TestCase.model_validate(c) for c in json.loads(path.with_suffix("").with_suffix(
        ".hidden.json").read_text(encoding="utf-8"))]
    start = time.perf_counter()
    program = synthesize_program(spec.cases, spec.inputs, spec.outputs, budget_s=budget)
    took = time.perf_counter() - start
    if program is None:
        print(f"  {spec.name:28s} NOT SOLVED  enumerate  {took:6.2f} s  no program within budget", flush=True)
        return False, took
    passed, first = _check_hidden(program, hidden, sandbox)
    findings = _policy_findings(program.to_python())
    if findings:
        first = f"security policy: {findings}; {first}"
    ok = passed == len(hidden) and not findings
    note = "" if ok else f"  {passed}/{len(hidden)} hidden; {first}"
    print(f"  {spec.name:28s} {'solved    ' if ok else 'NOT SOLVED'}  enumerate  {took:6.2f} s  "
          f"size {program.size:2d}{note}", flush=True)
    if not ok or os.environ.get("PLUGSMITH_BENCH_VERBOSE"):
        print(f"      {program.describe()}")
    return ok, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="spec names (default: all)")
    parser.add_argument("--budget", type=float, default=None, help="seconds per spec (default 20, smoke 8)")
    parser.add_argument("--set", choices=[*SETS, "all"], default="all", help="which benchmark set")
    args = parser.parse_args(argv)
    smoke = bool(os.environ.get("PLUGSMITH_BENCH_SMOKE"))
    budget = args.budget or (8.0 if smoke else 20.0)
    chosen: dict[str, list[Path]] = {}
    for name, folder in SETS.items():
        if args.set not in (name, "all"):
            continue
        files = sorted(p for p in folder.glob("*.json") if not p.name.endswith(".hidden.json"))
        if args.names:
            files = [p for p in files if p.stem in args.names]
        elif smoke:
            files = [p for p in files if p.stem in SMOKE_SPECS]
        if files:
            chosen[name] = files
    try:
        from plugsmith.sandbox import get_sandbox
        sandbox: Any = get_sandbox()
        where = f"sandbox ({sandbox.name}{', weaker fallback' if sandbox.weaker else ''})"
    except Exception as exc:  # no usable sandbox here: fall back to the trusted interpreter
        sandbox = None
        where = f"Program.evaluate (sandbox unavailable: {exc})"
    count = sum(len(files) for files in chosen.values())
    print(f"synthesis benchmark: {count} specs, budget {budget:g} s each, hidden cases checked in {where}")
    times: list[float] = []
    for name, files in chosen.items():
        print(f"set {name} ({SETS[name].name}/): {len(files)} specs", flush=True)
        results = [_run_one(path, budget, sandbox) for path in files]
        solved = sum(ok for ok, _ in results)
        took = [t for _, t in results]
        times += took
        print(f"set {name}: {solved}/{len(files)} solved ({solved / len(files):.0%}), median "
              f"{statistics.median(took):.2f} s, max {max(took):.2f} s (target >= {TARGETS[name]:.0%})",
              flush=True)
    if sandbox is not None:
        sandbox.close()
    if not times:
        print("no specs selected")
        return 1
    print(f"total: {count} specs, median {statistics.median(times):.2f} s, max {max(times):.2f} s "
          "(targets: median < 5 s, max < 60 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
