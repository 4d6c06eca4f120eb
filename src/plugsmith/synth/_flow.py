"""``synthesize``: gap check -> split cases -> strategies cheapest first -> gates -> publish -> Outcome.

Every path ends in an :class:`~plugsmith.spec.Outcome` (``reused``, ``approved``, ``pending_review`` or
``failed``) and, when synthesis actually ran, a synthesis record in the hub keyed by the spec hash: what
was tried, what was rejected and why, what was published. That record is also the rate limit: the same
spec is not synthesized again while its earlier answer still stands.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith import __version__
from plugsmith.errors import NotFound, PlugsmithError, SpecError
from plugsmith.hub._cases import port_problem
from plugsmith.hub._leases import synthesis_lease
from plugsmith.spec import CapabilitySpec, Origin, Outcome, SynthesisRequest
from plugsmith.synth._bounds import check_case_values, check_port_schemas
from plugsmith.synth._cases import (
    CASES_FORMAT,
    CEGIS_HOLDOUT,
    CaseLedger,
    edge_inputs,
    hub_case_names,
    missing_cases_error,
    resolve_named_cases,
    split_cases,
)
from plugsmith.synth._gap import earlier_result, gap_check
from plugsmith.synth._publish import finish, reused_outcome
from plugsmith.synth._render import PluginDraft
from plugsmith.synth._strategy import (
    Candidate,
    Strategy,
    SynthContext,
    own_budget,
    registry,
    unavailable_reason,
)
from plugsmith.synth._text import clip

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.sandbox import Sandbox
    from plugsmith.synth._judge import Judged


SEARCH_SHARE = 0.6   # of the time left, what a strategy may search when another one could follow it
EDGE_ROUNDS = 4      # candidates turned down for failing on generated edge inputs before one is accepted


def check_cases(spec: CapabilitySpec, hub: Hub | None = None) -> None:
    """A spec must come with test cases; they are the only definition of 'correct' synthesis has.

    Also bounds what synthesis will read (``check_case_values``, ``check_port_schemas``): a spec is
    refused, not searched, when its cases are nested too deeply or too large, or its port schemas are too
    large for a plugin to carry (an enum of ten thousand strings).
    """
    if spec.missing_cases:
        raise missing_cases_error(spec, spec.name, hub_names=hub_case_names(spec, hub))
    if not spec.cases:
        raise SpecError("spec has no test cases; add inline cases or <stem>.cases.json", subject=spec.name,
                        hint=f"a cases file holds {CASES_FORMAT}")
    check_case_values(spec)
    check_port_schemas(spec)
    for case in spec.cases:  # named cases from the hub were kept unchecked when no plugin existed yet
        why = port_problem(spec, case)
        if why:
            raise SpecError(clip(f"case {case.name!r} does not fit the spec's ports: {why}", 300),
                            subject=spec.name,
                            hint=f"the spec takes {', '.join(sorted(spec.inputs)) or 'no ports'} and gives "
                                 f"{', '.join(sorted(spec.outputs))}: fix the case or the spec's ports")


def _strategies(request: SynthesisRequest) -> list[Strategy]:
    reg = registry()
    try:
        return reg.ordered(request.strategies)
    except KeyError as exc:
        raise NotFound(f"unknown strategy {exc.args[0]}", subject="--strategy",
                       hint=f"choose from: {', '.join(reg.names())}") from None


def plugin_name(spec: CapabilitySpec, hub: Hub, strategy: str) -> str:
    """``<capability>``, or ``<capability>_<strategy>`` when that name belongs to a hand-made plugin."""
    try:
        existing = hub.versions(spec.name)
    except NotFound:
        return spec.name
    if existing and (existing[0].capability != spec.name
                     or existing[0].origin in (Origin.builtin, Origin.handwritten)):
        return f"{spec.name}_{strategy}"[:64]
    return spec.name


def next_version(hub: Hub, name: str) -> str:
    try:
        return hub.next_version(name)
    except NotFound:
        return "1.0.0"


class _Run:
    """One synthesis: the state shared by the steps of :func:`synthesize`."""

    def __init__(self, spec: CapabilitySpec, hub: Hub, request: SynthesisRequest, sandbox: Sandbox,
                 progress: Callable[[str], None] | None) -> None:
        self.spec, self.hub, self.request, self.sandbox = spec, hub, request, sandbox
        self.progress = progress
        self.started = time.monotonic()
        self.spec_hash = spec.spec_hash()
        self.tried = 0
        self.candidates: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.strategies_run: list[str] = []
        self.split = (0, 0)                 # (guide, held-back) case counts
        self.ledger = CaseLedger([], [])
        self.fallback: Judged | None = None     # passed everything but some generated edge inputs
        self.edge_rounds = 0
        self.workdir = Path(tempfile.mkdtemp(prefix="plugsmith-synth-"))

    @property
    def rounds(self) -> list[dict[str, Any]]:
        """The CEGIS rounds so far: which held-back case became a counterexample, after which candidate."""
        return self.ledger.rounds

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)

    def draft(self, candidate: Candidate, name: str, version: str) -> PluginDraft:
        provenance = {"spec_hash": self.spec_hash, "strategy": candidate.strategy,
                      "candidates_tried": self.tried, "plugsmith_version": __version__,
                      "time_taken_s": round(time.monotonic() - self.started, 3),
                      "guide_cases": len(self.ledger.guide), "holdout_cases": len(self.ledger.held),
                      "cegis_rounds": len(self.rounds),
                      "synthesized_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                      **candidate.provenance}
        return PluginDraft(spec=self.spec, name=name, version=version, source=candidate.source,
                           origin=candidate.origin, provenance=provenance, cases=list(self.spec.cases),
                           how_made=(*candidate.readme_notes, self._how_checked()))

    def _how_checked(self) -> str:
        guide, held = len(self.ledger.guide), len(self.ledger.held)
        text = f"guided by {guide} of the spec's cases; checked on {held} held-back case(s) it never saw"
        if self.rounds:
            text += (f" ({len(self.rounds)} counterexample round(s): held-back cases an earlier candidate "
                     "failed joined the guide cases)")
        return text

    def try_candidate(self, candidate: Candidate, ctx: SynthContext, edges: list[Any]) -> Judged:
        from plugsmith.synth._judge import judge

        self.tried += 1
        name = plugin_name(self.spec, self.hub, candidate.strategy)
        version = next_version(self.hub, name)
        target = self.workdir / f"candidate-{self.tried}"
        self.say(f"{candidate.label}: gating as {name}@{version}")
        judged = judge(candidate, self.draft(candidate, name, version), target, guide=list(self.ledger.guide),
                       holdout=list(self.ledger.held), edges=edges, hub=self.hub, sandbox=self.sandbox,
                       strict_edges=self.edge_rounds < EDGE_ROUNDS)
        verdict = judged.verdict
        entry: dict[str, Any] = {"strategy": candidate.strategy, "label": candidate.label,
                                 "accepted": verdict.accepted, "stage": verdict.stage,
                                 "reasons": verdict.reasons, **candidate.record}
        if verdict.feedback and not verdict.accepted:
            entry["details"] = verdict.feedback[:2000]
        if verdict.report is not None:
            entry["gates"] = {g.name: g.status.value for g in verdict.report.gates}
        if candidate.strategy == "adapt":
            entry.update(plugin_id=_id(name), version=version,
                         test_status="passed" if verdict.accepted else f"failed at {verdict.stage}")
        self.candidates.append(entry)
        self.hub.record_event("gate", capability=self.spec.name, plugin_id=_id(name), version=version,
                              plan_id=self.request.plan_id,
                              outcome="approved" if verdict.accepted else "rejected",
                              detail={"strategy": candidate.strategy, "label": candidate.label,
                                      "stage": verdict.stage, "reasons": verdict.reasons[:5]})
        self.say(f"{candidate.label}: " + ("accepted" if verdict.accepted
                                           else f"rejected ({clip('; '.join(verdict.reasons), 200)})"))
        return judged

    def learn(self, judged: Judged, ctx: SynthContext) -> None:
        """After a rejection: a failed held-back case may become a counterexample (a CEGIS round), and a
        candidate failing only generated edge inputs is kept as the fallback while the search goes on."""
        verdict = judged.verdict
        if verdict.stage == "holdout":
            case = self.ledger.counterexample(judged.failed_holdout, verdict.candidate.label)
            if case is not None:
                ctx.holdout_count = len(self.ledger.held)
                ctx.unlabelled_inputs = [c.input for c in self.ledger.held]
                ctx.rounds = len(self.rounds)
                self.say(f"round {ctx.rounds}: held-back case {case.name} joins the guide cases; "
                         f"{len(self.ledger.held)} still held back")
        elif verdict.stage == "edges":  # the first such candidate is the fallback; a later one must do better
            self.edge_rounds += 1
            if self.fallback is None:
                self.fallback = judged
            ctx.avoid_inputs.extend(e.input for e in judged.failed_edges)

    def settle_fallback(self, ctx: SynthContext, edges: list[Any]) -> Judged | None:
        """Nothing better came: gate the candidate that failed only on generated edge inputs."""
        if self.fallback is None:
            return None
        candidate = self.fallback.verdict.candidate
        self.fallback = None
        self.edge_rounds = EDGE_ROUNDS
        judged = self.try_candidate(candidate, ctx, edges)
        return judged if judged.verdict.accepted else None


def _id(name: str) -> str:
    from plugsmith.spec import plugin_id_for

    return plugin_id_for(name)


def _search(run: _Run, ctx: SynthContext, strategies: list[Strategy], edges: list[Any]) -> Judged | None:
    """Try the strategies cheapest first; the first accepted candidate wins (CEGIS: see ``learn``)."""
    shared_deadline = ctx.deadline
    for strategy in strategies:
        own = own_budget(strategy, ctx)
        ctx.deadline = shared_deadline if own is None else time.monotonic() + own
        if ctx.time_left() <= 0:
            run.skipped.append({"strategy": strategy.name, "reason": "time budget used up"})
            continue
        reason = unavailable_reason(strategy, ctx)
        if reason:
            run.skipped.append({"strategy": strategy.name, "reason": reason})
            run.say(f"{strategy.name}: skipped ({reason})")
            continue
        run.strategies_run.append(strategy.name)
        later = strategies[strategies.index(strategy) + 1:]
        # leave time for a later strategy only if it spends the shared budget (not one with its own)
        ctx.share = SEARCH_SHARE if any(unavailable_reason(s, ctx) is None and own_budget(s, ctx) is None
                                        for s in later) else 1.0
        generator = strategy.candidates(ctx)
        try:
            for candidate in generator:
                judged = run.try_candidate(candidate, ctx, edges)
                ctx.last_verdict = judged.verdict
                if judged.verdict.accepted:
                    return judged
                run.learn(judged, ctx)
                if ctx.time_left() <= 0:
                    break
        except PlugsmithError as exc:
            if exc.exit_code == 2:
                raise
            run.skipped.append({"strategy": strategy.name, "reason": f"failed: {exc.one_line()}"})
        except Exception as exc:  # a broken strategy must not take the others down with it
            run.skipped.append({"strategy": strategy.name, "reason": f"crashed: {type(exc).__name__}: {exc}"})
            run.say(f"{strategy.name}: crashed ({type(exc).__name__}: {exc})")
        finally:
            close = getattr(generator, "close", None)
            if callable(close):
                close()
    ctx.deadline = shared_deadline
    return run.settle_fallback(ctx, edges)


def synthesize(spec: CapabilitySpec, hub: Hub, *, request: SynthesisRequest | None = None,
               sandbox: Sandbox | None = None, progress: Callable[[str], None] | None = None,
               force: bool = False) -> Outcome:
    """Resolve a capability gap: reuse an adequate plugin, or synthesize, gate and publish one.

    ``force`` ignores the rate limit (an earlier record for the same spec hash). Raises ``SpecError``
    for a spec without test cases and ``NotFound`` for an unknown strategy name.
    """
    spec = resolve_named_cases(spec, hub)
    check_cases(spec, hub)
    request = request or SynthesisRequest(spec=spec)
    if request.spec is not spec:
        request = request.model_copy(update={"spec": spec})
    strategies = _strategies(request)
    own_sandbox = sandbox is None
    if sandbox is None:
        from plugsmith.sandbox import get_sandbox

        sandbox = get_sandbox()
    run = _Run(spec, hub, request, sandbox, progress)
    lease = None
    try:
        lease = synthesis_lease(hub, run.spec_hash)  # one synthesis per spec hash, across replicas too
        gap = gap_check(spec, hub, sandbox)
        if gap.reuse is not None:
            return reused_outcome(run, gap)
        earlier = None if force else earlier_result(hub, run.spec_hash, request.strategies)
        if earlier is not None:
            outcome = Outcome.model_validate(earlier["outcome"])
            run.say(f"returning the earlier synthesis record for {run.spec_hash[:19]}")
            return outcome.model_copy(update={
                "message": f"rate-limited: the same spec was synthesized at {earlier.get('finished_at')}; "
                           f"returning that result (use --force to try again). {outcome.message}",
                "record": {**earlier, "rate_limited": True}})
        fraction = (request.holdout_fraction if "holdout_fraction" in request.model_fields_set
                    else CEGIS_HOLDOUT)
        guide, holdout = split_cases(spec.cases, fraction)
        run.ledger = CaseLedger(guide, holdout)
        edges = edge_inputs(spec, guide)
        run.split = (len(guide), len(holdout))
        run.say(f"synthesizing {spec.name}: {len(guide)} guide case(s), {len(holdout)} held back, "
                f"{len(edges)} generated edge input(s)")
        ctx = SynthContext(spec=spec, hub=hub, sandbox=sandbox, guide_cases=run.ledger.guide,
                           holdout_count=len(holdout), near_matches=gap.near,
                           not_adequate=gap.not_adequate,
                           deadline=run.started + request.time_budget_s, progress=progress,
                           unlabelled_inputs=[c.input for c in holdout], skipped=run.skipped)
        judged = _search(run, ctx, strategies, edges)
        return finish(run, gap, judged, run.ledger.guide, run.ledger.held)
    finally:
        if lease is not None:
            lease.release()
        shutil.rmtree(run.workdir, ignore_errors=True)
        if own_sandbox:
            sandbox.close()


__all__ = ["check_cases", "next_version", "plugin_name", "synthesize"]
