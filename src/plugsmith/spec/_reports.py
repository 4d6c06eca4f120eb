"""What the gates, synthesis and the pipeline report: ``GateReport``, ``SynthesisRequest``, ``Outcome``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugsmith.spec._capability import CapabilitySpec
from plugsmith.spec._manifest import Origin, Status, Tier


class GateStatus(StrEnum):
    passed = "pass"
    warned = "warn"
    failed = "fail"
    skipped = "skip"


class GateResult(BaseModel):
    """One gate's verdict with its evidence (findings, test diffs, timings)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    status: GateStatus
    message: str = ""
    evidence: list[Any] = Field(default_factory=list)
    duration_ms: float = 0.0


class GateReport(BaseModel):
    """The gates' report on one plugin: verdict, tier and each gate's result in order."""

    model_config = ConfigDict(extra="forbid")

    plugin_id: str
    name: str = ""
    version: str = ""
    verdict: Literal["approved", "rejected"]
    tier: Tier | None = None
    gates: list[GateResult] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    execution_limit_ms: int = 0
    audit_log: list[str] = Field(default_factory=list)
    sandbox_backend: str = ""

    def gate(self, name: str) -> GateResult | None:
        return next((g for g in self.gates if g.name == name), None)


class SynthesisRequest(BaseModel):
    """A request to synthesize a capability: the spec plus how hard to try."""

    model_config = ConfigDict(extra="forbid")

    spec: CapabilitySpec
    strategies: list[str] = Field(default_factory=lambda: ["adapt", "enumerate", "llm"])
    time_budget_s: float = Field(default=30.0, gt=0)
    holdout_fraction: float = Field(default=0.25, ge=0, lt=1)
    publish: bool = True
    plan_id: str | None = None


class Outcome(BaseModel):
    """The seed's output schema, extended: what synthesis (or resolution) produced."""

    model_config = ConfigDict(extra="forbid")

    plugin_id: str | None
    origin: Origin | None = None
    capability: str
    status: Status | Literal["failed"]
    trust_tier: Tier | None = None
    version: str | None = None
    checksum: str | None = None
    strategy: str | None = None
    gates: dict[str, str] = Field(default_factory=dict)
    message: str = ""
    candidates_tried: int = 0
    guide_cases: int = 0
    holdout_cases: int = 0
    rounds: int = 0                 # counterexample (CEGIS) rounds: held-back cases that joined the guide
    duration_s: float = 0.0
    record: dict[str, Any] = Field(default_factory=dict)


__all__ = ["GateReport", "GateResult", "GateStatus", "Outcome", "SynthesisRequest"]
