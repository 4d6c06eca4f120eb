"""LLM benchmark: the ``llm`` strategy against a real OpenAI-compatible server, when one is configured.

Configure the server as plugsmith does (``PLUGSMITH_LLM_BASE_URL`` + ``PLUGSMITH_LLM_MODEL``, or an
``llm_config.json``); without one the benchmark says so and exits 0. For each spec of
``benchmarks/synth/`` it runs the whole synthesis with ``--strategy llm`` in a private, temporary hub
(nothing is published anywhere else), then runs an accepted plugin on the spec's hidden cases in the
sandbox. It prints, per spec: outcome, rounds, tokens (the server's counts, or the streamed events where
it gives none, and plugsmith's estimate of the prompts), time, hidden cases passed, and what went wrong
in rounds that gave nothing to gate.

    PLUGSMITH_LLM_BASE_URL=http://127.0.0.1:8080/v1 PLUGSMITH_LLM_MODEL=smollm2 \\
        python benchmarks/llm_server.py task_count total_cost --rounds 1

PLUGSMITH_BENCH_SMOKE=1 runs one spec with no repair round.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent / "synth"
DEFAULT_SPECS = ["task_count", "total_cost", "distinct_owners", "mean_task_cost", "cost_by_kind"]


def _endpoints() -> list[Any]:
    from plugsmith.synth._llm_config import load_llm_config

    return list(load_llm_config())


def _hidden(path: Path, outcome: Any, sandbox: Any) -> str:
    """How many hidden cases the accepted plugin passes, as 'k/n' ('-' when nothing was accepted)."""
    from plugsmith.gates import run_cases
    from plugsmith.spec import TestCase

    plugin_dir = outcome.record.get("plugin_dir")
    if outcome.status == "failed" or not plugin_dir:
        return "-"
    hidden = [TestCase.model_validate(c) for c in json.loads(
        path.with_suffix("").with_suffix(".hidden.json").read_text(encoding="utf-8"))]
    checks = run_cases(Path(plugin_dir), hidden, sandbox=sandbox)
    return f"{sum(1 for c in checks if c.passed)}/{len(hidden)}"


def _rounds(record: dict[str, Any]) -> tuple[int, str]:
    """Rounds asked, and the answered rounds' tokens: "prompt+reply (prompt est. N)" ('?' where the
    server gave no count; a stream's events stand in for reply tokens)."""
    entries = [*record.get("candidates", []), *(s for s in record.get("skipped", []) if "round" in s)]
    rounds = max((int(e["round"]) for e in entries), default=0)
    answered = [e for e in entries if "seconds" in e]
    counted = [e["prompt_tokens"] for e in answered if e.get("prompt_tokens") is not None]
    prompt = str(sum(counted)) if counted else "?"
    reply = sum(e.get("completion_tokens") or e.get("stream_chunks") or 0 for e in answered)
    estimate = sum(e.get("prompt_tokens_estimate") or 0 for e in answered)
    return rounds, f"{prompt}+{reply} (prompt est. {estimate})"


def run_one(path: Path, sandbox: Any) -> tuple[str, float]:
    """Synthesize one spec with the llm strategy; its report line and how long it took."""
    from plugsmith.hub import Hub
    from plugsmith.spec import SynthesisRequest, load_spec
    from plugsmith.synth import synthesize

    spec = load_spec(path)
    hub = Hub.open()
    try:
        started = time.monotonic()
        request = SynthesisRequest(spec=spec, strategies=["llm"], publish=False)
        outcome = synthesize(spec, hub, request=request, sandbox=sandbox, force=True,
                             progress=(lambda line: print(f"      {line}", flush=True))
                             if os.environ.get("PLUGSMITH_BENCH_VERBOSE") else None)
        took = time.monotonic() - started
    finally:
        hub.close()
    record = outcome.record
    rounds, tokens = _rounds(record)
    problems = Counter(s.get("kind", "?") for s in record.get("skipped", []) if s.get("strategy") == "llm")
    rejected = Counter(c["stage"] for c in record.get("candidates", []) if not c["accepted"])
    status = "approved" if outcome.status != "failed" else "FAILED"
    line = (f"  {spec.name:24s} {status:8s} rounds {rounds}  tokens {tokens}  {took:6.1f} s  "
            f"hidden {_hidden(path, outcome, sandbox)}")
    if problems or rejected:
        line += "  [" + ", ".join([*(f"{n} {k}" for k, n in problems.items()),
                                   *(f"{n} rejected at {k}" for k, n in rejected.items())]) + "]"
    return line, took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"spec names (default: {', '.join(DEFAULT_SPECS)})")
    parser.add_argument("--rounds", type=int, default=None,
                        help="repair rounds (PLUGSMITH_LLM_REPAIR_ROUNDS)")
    parser.add_argument("--budget", type=float, default=None, help="llm budget per spec, seconds "
                        "(PLUGSMITH_LLM_BUDGET)")
    args = parser.parse_args(argv)
    smoke = bool(os.environ.get("PLUGSMITH_BENCH_SMOKE"))
    endpoints = _endpoints()
    if not endpoints:
        print("llm_server: skipped: no LLM endpoint configured (set PLUGSMITH_LLM_BASE_URL and "
              "PLUGSMITH_LLM_MODEL, or write an llm_config.json)")
        return 0
    names = args.names or (DEFAULT_SPECS[:1] if smoke else DEFAULT_SPECS)
    files = [HERE / f"{name}.json" for name in names]
    missing = [p.stem for p in files if not p.is_file()]
    if missing:
        print(f"llm_server: no spec named {', '.join(missing)} in {HERE}", file=sys.stderr)
        return 2
    if args.rounds is not None or smoke:
        os.environ["PLUGSMITH_LLM_REPAIR_ROUNDS"] = str(0 if args.rounds is None else args.rounds)
    if args.budget is not None:
        os.environ["PLUGSMITH_LLM_BUDGET"] = str(args.budget)
    from plugsmith.sandbox import get_sandbox
    from plugsmith.synth._llm_settings import budget_s, repair_rounds, round_settings

    first = endpoints[0]
    settings = round_settings(first)
    print(f"llm benchmark: {len(files)} spec(s) against {first.id} ({first.model} at {first.base_url}); "
          f"max_tokens {settings.max_tokens}, prompt limit ~{settings.prompt_tokens} tokens, "
          f"{repair_rounds()} repair round(s), budget {budget_s():g} s per spec", flush=True)
    sandbox = get_sandbox()
    times: list[float] = []
    approved = 0
    with tempfile.TemporaryDirectory(prefix="plugsmith-llm-bench-") as home:
        os.environ["PLUGSMITH_HOME"] = home
        try:
            for path in files:
                line, took = run_one(path, sandbox)
                times.append(took)
                approved += " approved " in line
                print(line, flush=True)
        finally:
            sandbox.close()
    print(f"total: {approved}/{len(files)} approved, {sum(times):.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
