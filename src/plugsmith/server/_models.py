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
    version: str | None = Field(default=None, max_length=40)
    plan_id: str | None = Field(default=None, max_length=128)
    outcome: str = Field(default="ok", max_length=32)
    duration_ms: float | None = Field(default=None, ge=0, le=1e9)
    detail: dict[str, Any] | None = None


class EventBatch(_Strict):
    """Up to 500 events in one request."""

    events: list[TelemetryEvent] = Field(min_length=1, max_length=500)


__all__ = ["EventBatch", "EventKind", "ReviewDecision", "StatusChange", "TelemetryEvent"]
