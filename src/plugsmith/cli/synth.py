"""``plugsmith synth SPEC``: fill a capability gap (reuse, or synthesize + gate + publish).

Exit status: 0 approved, pending review or reused; 1 nothing passed the gates; 2 bad spec.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.spec import CapabilitySpec, Outcome


def _strategies(values: list[str] | None) -> list[str] | None:
    """``--strategy adapt --strategy llm`` or ``--strategy adapt,llm``."""
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def synth(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="Capability spec (JSON or YAML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
    strategy: Annotated[list[str] | None, typer.Option(
        "--strategy", "-s", help="Only these strategies (repeat or comma-separate): adapt, enumerate, "
        "llm. Default: all, cheapest first.")] = None,
    budget: Annotated[float | None, typer.Option(
        "--budget", min=0.1, help="Time budget in seconds for the offline search (default 30); the llm "
        "strategy has its own (PLUGSMITH_LLM_BUDGET, default 600).")] = None,
    no_publish: Annotated[bool, typer.Option(
        "--no-publish", help="Gate the result but keep it as a draft directory instead of publishing.")
    ] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Synthesize even if this exact spec was tried recently.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")] = False,
) -> None:
    """Synthesize, validate and publish a plugin for a capability spec (or reuse an adequate one)."""
    from plugsmith.cli._common import err, open_hub, print_json
    from plugsmith.errors import SpecError, SynthesisFailed
    from plugsmith.spec import load_spec
    from plugsmith.synth._cases import CASES_FORMAT
    from plugsmith.synth._text import clip

    try:
        spec = load_spec(spec_path)
    except RecursionError:
        raise SpecError("the spec nests too deeply to read", subject=str(spec_path),
                        hint="test cases are examples: keep them shallow") from None
    if not spec.tests:
        raise SpecError(f"spec has no test cases; add inline cases or {spec_path.stem}.cases.json",
                        subject=str(spec_path), hint=f"a cases file holds {CASES_FORMAT}")
    hub = open_hub()
    try:
        outcome = _synthesize(spec, spec_path, hub, no_publish=no_publish, strategy=strategy, budget=budget,
                              progress=None if quiet else (lambda line: err(f"synth: {line}")), force=force)
    finally:
        hub.close()
    if as_json:
        print_json(outcome)
    else:
        _print_outcome(outcome)
    if outcome.status == "failed":
        # an error (not typer.Exit) so the exit status is 1 however the app is invoked
        raise SynthesisFailed(clip(f"no plugin for {spec.name!r}: {outcome.message}", 300),
                              subject=str(spec_path),
                              hint="run again with --json to see each candidate and why it was turned "
                                   "down (record.candidates[].reasons); then add cases, configure an LLM, "
                                   "or raise --budget")


def _synthesize(spec: CapabilitySpec, spec_path: Path, hub: Hub, *, no_publish: bool,
                strategy: list[str] | None, budget: float | None, progress: Callable[[str], None] | None,
                force: bool) -> Outcome:
    """Resolve named cases from the hub (after those beside the spec), then synthesize."""
    from plugsmith.spec import SynthesisRequest
    from plugsmith.synth import synthesize
    from plugsmith.synth._cases import hub_case_names, missing_cases_error, resolve_named_cases

    spec = resolve_named_cases(spec, hub)
    if spec.missing_cases:
        raise missing_cases_error(spec, str(spec_path), spec_path.stem, hub_case_names(spec, hub))
    fields: dict[str, object] = {"spec": spec, "publish": not no_publish}
    chosen = _strategies(strategy)
    if chosen:
        fields["strategies"] = chosen
    if budget is not None:
        fields["time_budget_s"] = budget
    request = SynthesisRequest.model_validate(fields)
    return synthesize(spec, hub, request=request, progress=progress, force=force)


def _print_outcome(outcome: object) -> None:
    data = outcome.model_dump(mode="json", exclude={"record"})  # type: ignore[attr-defined]
    width = max(len(k) for k in data)
    for key, value in data.items():
        if value in (None, "", {}, 0) and key not in ("candidates_tried",):
            continue
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        sys.stdout.write(f"{key:<{width}}  {value}\n")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
