"""The strategy interface and its registry.

A strategy is registered like a hook implementation: an object with a ``name``, a ``cost`` (the order
in which the flow tries strategies: cheapest first) and ``candidates(ctx)``, a generator of
:class:`Candidate` objects. The flow gates each candidate as it is yielded and leaves the verdict on
``ctx.last_verdict`` before asking for the next one, which is how a strategy with a repair loop (``llm``)
learns why its previous candidate failed. The built-in strategies are registered through the same
:func:`register` call as any added later; nothing about them is special-cased in the flow::

    class Mine:
        name, cost = "mine", 25
        def unavailable(self, ctx): return None          # optional: a one-line reason to skip
        def candidates(self, ctx): yield Candidate(...)

    register(Mine())
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from plugsmith.spec import CapabilitySpec, GateReport, Origin, TestCase

if TYPE_CHECKING:
    from plugsmith.hub import Hub, NearMatch, Release
    from plugsmith.sandbox import Sandbox


@dataclass(frozen=True)
class Candidate:
    """One proposed plugin: its ``plugin.py`` source and what the manifest should say about it."""

    strategy: str
    label: str                      # short, human: "enumerate: sum(tasks[].cost)", "llm round 2"
    source: str                     # the complete plugin.py
    origin: Origin = Origin.synthesized
    provenance: dict[str, Any] = field(default_factory=dict)   # merged into the manifest's provenance
    record: dict[str, Any] = field(default_factory=dict)       # strategy-specific part of the record
    readme_notes: tuple[str, ...] = ()                          # extra "how it was made" lines


@dataclass
class Verdict:
    """What the flow decided about one candidate, and the evidence a repair loop can feed back."""

    candidate: Candidate
    accepted: bool
    stage: str                      # "memorised" | "guide" | "holdout" | "edges" | "gates" | "accepted"
    reasons: list[str] = field(default_factory=list)
    feedback: str = ""              # test diffs and gate findings, safe to show the strategy
    report: GateReport | None = None


@dataclass
class SynthContext:
    """Everything a strategy may look at. Held-back cases' expected outputs are deliberately not here.

    ``guide_cases`` may grow between candidates: in a CEGIS round the flow moves a held-back case that
    the last candidate failed into it (``rounds`` counts them). ``unlabelled_inputs`` are the held-back
    cases' *inputs* only, so a search can tell programs apart on them; ``avoid_inputs`` are generated edge
    inputs a candidate raised on, which the next one had better handle.
    """

    spec: CapabilitySpec
    hub: Hub | None
    sandbox: Sandbox | None
    guide_cases: list[TestCase]
    holdout_count: int
    near_matches: list[NearMatch] = field(default_factory=list)
    not_adequate: list[Release] = field(default_factory=list)   # exact-capability releases that failed
    deadline: float = float("inf")                              # time.monotonic() value
    progress: Callable[[str], None] | None = None
    last_verdict: Verdict | None = None
    share: float = 1.0              # of the time left, what the current strategy may spend searching
    unlabelled_inputs: list[dict[str, Any]] = field(default_factory=list)
    avoid_inputs: list[dict[str, Any]] = field(default_factory=list)
    rounds: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)  # the record's ``skipped`` list

    def time_left(self) -> float:
        """Seconds left of the synthesis budget (never negative)."""
        return max(0.0, self.deadline - time.monotonic())

    def search_budget(self) -> float:
        """Seconds a searching strategy may use now: its share of what is left, so that costlier
        strategies after it (an LLM) are not starved by an exhaustive search that finds nothing."""
        return self.time_left() * self.share

    def say(self, message: str) -> None:
        """Report progress to whoever asked (the CLI prints it on stderr)."""
        if self.progress is not None:
            self.progress(message)

    def note_skipped(self, strategy: str, reason: str, **detail: Any) -> None:
        """Put an attempt that produced no candidate (an endpoint that failed, a reply without code)
        on the record's ``skipped`` list, and say it: nothing a strategy tried goes unrecorded."""
        self.skipped.append({"strategy": strategy, "reason": reason, **detail})
        self.say(f"{strategy}: {reason}")


@runtime_checkable
class Strategy(Protocol):
    """The contract every strategy implements: ``name``, ``cost`` and ``candidates(ctx)``.

    A strategy may also define ``unavailable(ctx) -> str | None``: a one-line reason to skip it this
    time (not configured, nothing to start from), recorded in the synthesis record. Without it the
    strategy is always tried. And ``own_budget(ctx) -> float | None``: seconds it may use from when it
    starts, instead of what is left of the request's budget (the ``llm`` strategy's minutes are not
    the offline search's seconds).
    """

    name: str
    cost: int

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]: ...


def unavailable_reason(strategy: Strategy, ctx: SynthContext) -> str | None:
    """The strategy's reason to be skipped, or None (strategies without the optional hook never skip)."""
    hook = getattr(strategy, "unavailable", None)
    return hook(ctx) if callable(hook) else None


def own_budget(strategy: Strategy, ctx: SynthContext) -> float | None:
    """The strategy's own time budget in seconds, or None when it shares the request's."""
    hook = getattr(strategy, "own_budget", None)
    return hook(ctx) if callable(hook) else None


class StrategyRegistry:
    """Strategies by name, handed out in explicit cost order (ties broken by name)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Strategy] = {}
        self._lock = threading.Lock()

    def register(self, strategy: Strategy, *, replace: bool = False) -> Strategy:
        """Add a strategy; a second one under the same name is an error unless ``replace``."""
        problem = _shape_problem(strategy)
        if problem:
            raise TypeError(f"strategy {getattr(strategy, 'name', strategy)!r}: {problem}")
        with self._lock:
            if strategy.name in self._by_name and not replace:
                raise ValueError(f"a strategy named {strategy.name!r} is already registered")
            self._by_name[strategy.name] = strategy
        return strategy

    def unregister(self, name: str) -> None:
        with self._lock:
            self._by_name.pop(name, None)

    def get(self, name: str) -> Strategy | None:
        return self._by_name.get(name)

    def names(self) -> list[str]:
        return [s.name for s in self.ordered()]

    def ordered(self, only: list[str] | None = None) -> list[Strategy]:
        """The strategies to try, cheapest first; ``only`` restricts them (unknown names are an error)."""
        if only is not None:
            unknown = [n for n in only if n not in self._by_name]
            if unknown:
                raise KeyError(", ".join(unknown))
        chosen = [s for s in self._by_name.values() if only is None or s.name in only]
        return sorted(chosen, key=lambda s: (s.cost, s.name))


def _shape_problem(strategy: object) -> str | None:
    """Why an object is not a usable strategy (names the missing piece), or None."""
    if not isinstance(getattr(strategy, "name", None), str) or not strategy.name:  # type: ignore[attr-defined]
        return "needs a non-empty str attribute 'name'"
    if not isinstance(getattr(strategy, "cost", None), int):
        return "needs an int attribute 'cost' (lower runs first)"
    if not callable(getattr(strategy, "candidates", None)):
        return "needs a method candidates(ctx)"
    for hook_name in ("unavailable", "own_budget"):
        hook = getattr(strategy, hook_name, None)
        if hook is not None and not callable(hook):
            return f"'{hook_name}' must be a method {hook_name}(ctx)"
    return None


REGISTRY = StrategyRegistry()
_builtins_loaded = False
_builtins_lock = threading.Lock()


def register(strategy: Strategy, *, replace: bool = False) -> Strategy:
    """Register a strategy with the default registry (built-ins go through here too)."""
    return REGISTRY.register(strategy, replace=replace)


def registry() -> StrategyRegistry:
    """The default registry, with the built-in strategies registered on first use."""
    global _builtins_loaded
    if not _builtins_loaded:
        with _builtins_lock:  # two threads' first synthesis at once: both must see the built-ins
            if not _builtins_loaded:
                from plugsmith.synth._builtins import register_builtins

                register_builtins(register)
                _builtins_loaded = True
    return REGISTRY


__all__ = [
    "REGISTRY",
    "Candidate",
    "Strategy",
    "StrategyRegistry",
    "SynthContext",
    "Verdict",
    "own_budget",
    "register",
    "registry",
    "unavailable_reason",
]
