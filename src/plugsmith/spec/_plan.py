"""The plan document: the data every capability works on.

These models are the contract for the ``plan_json`` port: a plugin that takes ``plan_json`` receives
``Plan.model_dump(mode="json")`` — every field present, defaults filled in — so synthesized code can rely
on the keys being there.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Resource(BaseModel):
    """A role booked on a task: ``hours`` at ``rate`` per hour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    hours: float = Field(default=0.0, ge=0)
    rate: float = Field(default=0.0, ge=0)


class Risk(BaseModel):
    """A risk on a task or in the plan's register; likelihood and impact on a 1–5 scale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    description: str = ""
    likelihood: int = Field(default=1, ge=1, le=5)
    impact: int = Field(default=1, ge=1, le=5)
    mitigation: str = ""


class Task(BaseModel):
    """One unit of work. ``duration_days`` is the realistic estimate; min/max keep PlanExe's range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    name: str = ""
    kind: str = "general"
    owner: str = ""
    phase: str | None = None
    duration_days: float = Field(default=0.0, ge=0)
    days_min: float | None = Field(default=None, ge=0)
    days_max: float | None = Field(default=None, ge=0)
    cost: float = Field(default=0.0, ge=0)
    start: str | None = Field(default=None, description="ISO date YYYY-MM-DD")
    depends_on: list[str] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    risk: Risk | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class Phase(BaseModel):
    """A grouping of tasks (PlanExe's WBS level 1/2 nodes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = ""
    parent: str | None = None


class Plan(BaseModel):
    """A plan document. ``requires`` lists capability specs (or names) the author wants computed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    goal: str = ""
    kind: str = "general"
    budget: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    start: str | None = Field(default=None, description="ISO date the plan starts")
    tasks: list[Task] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    requires: list[Any] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of the plan document (``plugsmith schema plan``)."""
    schema = Plan.model_json_schema()
    schema["$id"] = "plugsmith:plan"
    return schema


__all__ = ["Phase", "Plan", "Resource", "Risk", "Task", "plan_schema"]
