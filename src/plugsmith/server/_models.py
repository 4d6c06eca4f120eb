"""Request bodies of the JSON API. Every model forbids unknown fields and bounds its strings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plugsmith.spec import NAME_PATTERN

EventKind = Literal["use", "failure", "synthesis", "reuse", "gap", "recovery", "gate"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatusChange(_Strict):
    """Body of deprecate / yank."""

    reason: str = Field(default="", max_length=500)


class ReviewDecision(_Strict):
    """Body of a review: approve or reject a pending release."""

    decision: Literal["approve", "reject"]
    reason: str = Field(default="", max_length=500)


class TelemetryEvent(_Strict):
    """One telemetry event, as ``Hub.record_event`` takes it."""

    kind: EventKind
    capability: str = Field(pattern=NAME_PATTERN)
    plugin_id: str | None = Field(default=None, max_length=40)
    version: str | None = Field(default=None, max_length=64)
    plan_id: str | None = Field(default=None, max_length=128)
    outcome: str = Field(default="ok", max_length=32)
    duration_ms: float | None = Field(default=None, ge=0, le=1e9)
    detail: dict[str, Any] | None = None


class FailureReport(_Strict):
    """A capability failure seen in production, with the inputs that caused it."""

    capability: str = Field(pattern=NAME_PATTERN)
    plugin_id: str | None = Field(default=None, max_length=40)
    version: str | None = Field(default=None, max_length=64)
    plan_id: str | None = Field(default=None, max_length=128)
    error: str = Field(default="", max_length=2000)
    inputs: dict[str, Any]
    expected: dict[str, Any] | None = Field(
        default=None, description="the right outputs, when known: the inputs then become a regression case"
    )


class BenchmarkCases(_Strict):
    """Named benchmark cases to keep for a capability; checked by ``plugsmith.hub._cases``."""

    cases: list[dict[str, Any]] = Field(min_length=1, max_length=500)
    kind: Literal["golden", "edge", "regression"] = "golden"
    replace: bool = Field(default=False, description="overwrite different cases already held under a name")


class OwnerChange(_Strict):
    """Body of an ownership transfer: the id of the token that is to own the name."""

    owner: str = Field(min_length=1, max_length=32, pattern=r"^tok_[0-9a-f]+$")


class LifecycleRun(_Strict):
    """Options of an auto-deprecation pass (omitted fields keep the policy defaults)."""

    dry_run: bool = False
    unused_days: int | None = Field(default=90, ge=1, le=36500)
    max_failure_rate: float | None = Field(default=0.5, ge=0, le=1)
    min_accuracy: float | None = Field(default=0.9, ge=0, le=1)
    supersede: bool = True


class EventBatch(_Strict):
    """Up to 500 events in one request."""

    events: list[TelemetryEvent] = Field(min_length=1, max_length=500)


__all__ = [
    "BenchmarkCases",
    "EventBatch",
    "EventKind",
    "FailureReport",
    "LifecycleRun",
    "OwnerChange",
    "ReviewDecision",
    "StatusChange",
    "TelemetryEvent",
]
