"""The gate registry: each gate is a named check over a shared context, run in an explicit order.

Built-in gates register themselves exactly as a later one would (``@gate("name", order)``). A gate returns
a ``GateResult`` with evidence; it never raises for a bad plugin (only for a broken environment).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.spec import CapabilitySpec, GateResult, GateStatus, PluginManifest, TestCase

if TYPE_CHECKING:
    from plugsmith.hub import Hub
    from plugsmith.sandbox import Sandbox, SandboxOutcome


@dataclass
class GateContext:
    """What the gates share while validating one plugin directory."""

    plugin_dir: Path
    spec: CapabilitySpec | None
    hub: Hub | None
    sandbox: Sandbox
    manifest: PluginManifest | None = None
    cases: list[TestCase] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)   # file name -> text of each .py file
    contract_run: SandboxOutcome | None = None               # kept for the determinism gate
    blocked: str | None = None                               # why later gates must not run the code
    extra: dict[str, Any] = field(default_factory=dict)


GateFn = Callable[[GateContext], GateResult]


@dataclass(frozen=True)
class Gate:
    name: str
    order: int
    check: GateFn


GATES: list[Gate] = []


def gate(name: str, order: int) -> Callable[[GateFn], GateFn]:
    """Register ``fn`` as the gate ``name``; gates run by ascending ``order``."""

    def register(fn: GateFn) -> GateFn:
        GATES[:] = sorted([g for g in GATES if g.name != name] + [Gate(name, order, fn)],
                          key=lambda g: g.order)
        return fn

    return register


def result(name: str, status: GateStatus, message: str, evidence: list[Any] | None = None) -> GateResult:
    return GateResult(name=name, status=status, message=message, evidence=evidence or [])


def timed(g: Gate, ctx: GateContext) -> GateResult:
    """Run one gate and stamp its duration. A gate that exhausts the recursion limit (or the parser's
    stack) on a hostile file (JSON nested thousands deep) fails, and later gates do not run the code."""
    start = time.perf_counter()
    try:
        res = g.check(ctx)
    except (RecursionError, MemoryError):
        ctx.blocked = f"the {g.name} gate met input nested too deeply"
        res = result(g.name, GateStatus.failed, "a file of the plugin is nested too deeply to check "
                     "(e.g. JSON thousands of levels deep)")
    res.duration_ms = round((time.perf_counter() - start) * 1000, 2)
    return res


__all__ = ["GATES", "Gate", "GateContext", "gate", "result", "timed"]
