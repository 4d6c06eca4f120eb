"""Judging one candidate: guide cases, held-back cases, edge cases, then the full gates.

Cheap checks first: a candidate that fails its own guide cases never reaches the (slower) gates. The
verdict keeps feedback a repair loop may show the strategy — guide-case diffs and gate findings — but
never the held-back cases' contents, only how many failed. Which held-back cases failed is kept on the
:class:`Judged` for the flow alone (it may turn one into a counterexample, see ``CaseLedger``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.errors import PlugsmithError
from plugsmith.spec import GateReport, GateStatus, TestCase
from plugsmith.synth._cases import EdgeInput
from plugsmith.synth._memo import memorisation_problem
from plugsmith.synth._render import PluginDraft, render_plugin
from plugsmith.synth._strategy import Candidate, Verdict
from plugsmith.synth._text import clip

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.sandbox import Sandbox


@dataclass
class Judged:
    """A verdict plus what the flow needs to publish an accepted candidate."""

    verdict: Verdict
    plugin_dir: Path
    draft: PluginDraft
    edge_results: list[dict[str, Any]] = field(default_factory=list)
    failed_holdout: list[str] = field(default_factory=list)    # names; never shown to a strategy
    failed_edges: list[EdgeInput] = field(default_factory=list)


def _short(value: Any, limit: int = 400) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def _case_feedback(case: TestCase, check: Any) -> str:
    if check.error:
        return f"- case {case.name}: input {_short(case.input)} raised {check.error}"
    diff = check.diff or f"got {_short(check.output)}, expected {_short(case.expected)}"
    return f"- case {case.name}: input {_short(case.input)}: {_short(diff, 800)}"


def _gate_feedback(report: GateReport) -> tuple[list[str], str]:
    failed = [g for g in report.gates if g.status == GateStatus.failed]
    reasons = [f"gate {g.name} failed: {g.message}".rstrip(": ") for g in failed]
    details = []
    for gate in failed:
        for item in gate.evidence[:10]:
            details.append(f"- {gate.name}: {_short(item, 500)}")
    return reasons or [f"verdict {report.verdict}"], "\n".join(details)


def _schema_problem(output: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    import jsonschema

    from plugsmith.spec import port_validator

    if set(output) != set(schemas):
        return f"output ports {sorted(output)} differ from {sorted(schemas)}"
    for port, schema in schemas.items():
        error = jsonschema.exceptions.best_match(
            port_validator(schema).iter_errors(output[port]))  # offline: no $ref is fetched
        if error is not None:
            return f"output {port!r} breaks its schema: {clip(error.message, 200)}"
    return None


def run_edges(plugin_dir: Path, edges: list[EdgeInput], sandbox: Sandbox,
              schemas: dict[str, Any]) -> tuple[list[TestCase], list[dict[str, Any]]]:
    """What the candidate returns on the generated edge inputs.

    An error, or an output that breaks the output schema, is recorded but does not reject the
    candidate: the spec does not say what the edges should give. Only clean results become cases.
    """
    if not edges:
        return [], []
    outcome = sandbox.run(plugin_dir, [e.input for e in edges])
    accepted: list[TestCase] = []
    results: list[dict[str, Any]] = []
    for i, edge in enumerate(edges):
        run = outcome.runs[i] if i < len(outcome.runs) else None
        if run is None or not run.ok or not isinstance(run.output, dict):
            error = run.error if run is not None else (outcome.reason or "not run")
            results.append({"name": edge.name, "what": edge.what, "error": error})
            continue
        problem = _schema_problem(run.output, schemas)
        if problem:
            results.append({"name": edge.name, "what": edge.what, "error": problem})
            continue
        accepted.append(TestCase(name=edge.name, input=edge.input, expected=run.output))
        results.append({"name": edge.name, "what": edge.what, "output": run.output})
    return accepted, results


def judge(candidate: Candidate, draft: PluginDraft, plugin_dir: Path, *, guide: list[TestCase],
          holdout: list[TestCase], edges: list[EdgeInput], hub: Hub | None,
          sandbox: Sandbox, strict_edges: bool = False) -> Judged:
    """Render the candidate and decide: rejected at memorised/guide/holdout/edges/gates, or accepted.

    ``strict_edges``: a candidate that fails (raises, or breaks the output schema) on a generated edge
    input is turned down at stage ``edges`` before the gates, so the search can look for one that does
    not; the flow keeps it as a fallback.
    """
    from plugsmith.gates import run_cases, validate

    render_plugin(draft, plugin_dir)

    def verdict(stage: str, reasons: list[str], feedback: str = "",
                report: GateReport | None = None) -> Judged:
        return Judged(Verdict(candidate, stage == "accepted", stage, reasons, feedback, report),
                      plugin_dir, draft)

    memorised = memorisation_problem(candidate.source, guide)
    if memorised:
        return verdict("memorised", [memorised], "Compute every output from the inputs; do not return "
                       "values copied from the examples.")
    try:
        checks = run_cases(plugin_dir, [*guide, *holdout], sandbox=sandbox)
    except PlugsmithError as exc:
        return verdict("guide", [f"could not run: {exc.one_line()}"], exc.one_line())
    guide_checks, holdout_checks = checks[: len(guide)], checks[len(guide):]
    bad = [(c, k) for c, k in zip(guide, guide_checks, strict=False) if not k.passed]
    if bad or len(guide_checks) < len(guide):
        feedback = "\n".join(_case_feedback(c, k) for c, k in bad[:8])
        return verdict("guide", [f"fails {len(bad)} of {len(guide)} guide cases"], feedback)
    failed = [c.name for c, k in zip(holdout, holdout_checks, strict=False) if not k.passed]
    failed += [c.name for c in holdout[len(holdout_checks):]]
    if failed:
        judged = verdict("holdout", [f"passes every guide case but fails {len(failed)} of {len(holdout)} "
                                     "held-back cases: it does not generalise (over-fitted to the "
                                     "examples?)"],
                         f"{len(failed)} held-back check(s) failed; their contents are not shown. Compute "
                         "the result from the inputs in general, not from the examples.")
        judged.failed_holdout = failed
        return judged
    generated, edge_results = run_edges(plugin_dir, edges, sandbox, dict(draft.spec.outputs))
    broken = [e for e, r in zip(edges, edge_results, strict=False) if "error" in r]
    if strict_edges and broken:
        judged = verdict("edges", [clip(f"fails on {len(broken)} generated edge input(s): "
                                        + "; ".join(clip(f"{e.what}: {r['error']}", 120)
                                                    for e, r in zip(edges, edge_results, strict=False)
                                                    if "error" in r), 400)],
                         "It raises or breaks the output schema on: "
                         + "; ".join(e.what for e in broken) + ". Handle these inputs too.")
        judged.failed_edges, judged.edge_results = broken, edge_results
        return judged
    if generated:
        notes = {e.name: e.what for e in edges if any(g.name == e.name for g in generated)}
        draft = replace(draft, cases=[*draft.cases, *generated], edge_notes=notes)
        render_plugin(draft, plugin_dir)
    report = validate(plugin_dir, spec=draft.spec, hub=hub, sandbox=sandbox)
    if report.verdict != "approved":
        reasons, feedback = _gate_feedback(report)
        judged = verdict("gates", reasons, feedback, report)
    else:
        judged = verdict("accepted", [], "", report)
    judged.draft, judged.edge_results = draft, edge_results
    return judged


__all__ = ["Judged", "judge", "run_edges"]
