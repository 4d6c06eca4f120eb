"""What the report shows, computed once from a run and rendered twice (HTML and Markdown).

Plans from PlanExe have 100-250 tasks named by UUIDs, in a work breakdown of phases and subtasks. A
reader wants names, the phases, the critical path and where the risk is, so this module turns the
stage files into rows that say that: tasks grouped under their top-level phase (and subtask), each
with its name, days, range, dates and slack; the critical path with names; the risk register with
mitigations; the schedule-risk and resource figures of the built-in capabilities.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from plugsmith.pipeline._view import RunView

LEVEL_WORDS = {1: "low", 3: "medium", 5: "high"}
COLUMNS = ("capability", "status", "plugin", "version", "tier", "origin", "how")
# capabilities with a section of their own; the rest are shown as generic tables
SPECIAL = frozenset({"critical_path", "risk_matrix", "pert_schedule", "schedule_simulation",
                     "resource_demand"})
COST_CAPS = ("cost_estimation", "labour_cost", "budget_check", "resource_load")
TOP_ROLES = 12  # the busiest roles shown (PlanExe plans name hundreds)


@dataclass
class TaskRow:
    """One task as the report shows it."""

    id: str
    name: str
    days: float
    low: float | None
    high: float | None
    start: float | None  # days from the plan start (earliest start), None without a schedule
    finish: float | None
    slack: float | None
    critical: bool
    roles: list[str]
    phase_path: list[str]  # phase ids, top-level first


@dataclass
class PhaseGroup:
    """A phase with the tasks below it; ``children`` are the next level's groups (PlanExe's subtasks)."""

    id: str | None
    name: str
    tasks: list[TaskRow] = field(default_factory=list)  # tasks directly in this phase
    children: list[PhaseGroup] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # PlanExe's estimate and delay risk of the phase

    def all_tasks(self) -> list[TaskRow]:
        return self.tasks + [t for c in self.children for t in c.all_tasks()]

    def span(self) -> tuple[float, float] | None:
        scheduled = [t for t in self.all_tasks() if t.start is not None and t.finish is not None]
        if not scheduled:
            return None
        return min(t.start or 0.0 for t in scheduled), max(t.finish or 0.0 for t in scheduled)

    def critical_count(self) -> int:
        return sum(1 for t in self.all_tasks() if t.critical)


@dataclass
class ReportData:
    """Everything the two renderers need, names resolved."""

    title: str
    goal: str
    start: str | None
    source: str
    prompt: str
    names: dict[str, str]
    tasks: list[TaskRow]
    groups: list[PhaseGroup]
    duration: float | None
    critical_path: list[TaskRow]
    edges: int
    risks: list[dict[str, Any]]
    quality: list[dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    notes: dict[str, str]  # capability -> what the plan lacks for it
    # PlanExe plans: the length of PlanExe's own Gantt chart, which runs each phase's parts one after
    # another and does not use the dependencies (the sum of all task days); None for other plans
    planexe_gantt_days: float | None = None

    def date(self, day: float | None) -> str | None:
        """The calendar date ``day`` days after the plan start (None without a start date)."""
        if self.start is None or day is None:
            return None
        try:
            return (_dt.date.fromisoformat(self.start) + _dt.timedelta(days=round(day))).isoformat()
        except OverflowError:  # an estimate of millions of days: the calendar ends before the plan does
            return "after 9999-12-31"

    def label(self, subject: str) -> str:
        """A task or phase name for an id; anything else (a file, a JSON pointer) as it is."""
        return self.names.get(subject, subject)


def _task_rows(plan: dict[str, Any], schedule: dict[str, Any] | None,
               parents: dict[str, str | None]) -> list[TaskRow]:
    rows = (schedule or {}).get("tasks") or {}
    out = []
    for task in plan.get("tasks") or []:
        path: list[str] = []
        phase = task.get("phase")
        while phase is not None and phase not in path:
            path.insert(0, phase)
            phase = parents.get(phase)
        row = rows.get(task["id"]) or {}
        roles = [str(r.get("role") or "") for r in task.get("resources") or [] if r.get("role")]
        out.append(TaskRow(task["id"], task.get("name") or task["id"], float(task.get("duration_days") or 0),
                           task.get("days_min"), task.get("days_max"), row.get("earliest_start"),
                           row.get("earliest_finish"), row.get("slack"), bool(row.get("critical")), roles,
                           path))
    return out


def _groups(plan: dict[str, Any], tasks: list[TaskRow]) -> list[PhaseGroup]:
    """Top-level phases in document order, each with its subphases and tasks; loose tasks last."""
    meta = ((plan.get("meta") or {}).get("planexe") or {}).get("phases") or {}
    groups: dict[str, PhaseGroup] = {p["id"]: PhaseGroup(p["id"], p.get("name") or p["id"],
                                                          meta=dict(meta.get(p["id"]) or {}))
                                     for p in plan.get("phases") or []}
    top: list[PhaseGroup] = []
    for phase in plan.get("phases") or []:
        parent = groups.get(phase.get("parent") or "")
        (parent.children if parent is not None else top).append(groups[phase["id"]])
    loose = PhaseGroup(None, "Tasks without a phase")
    for task in tasks:
        group = groups.get(task.phase_path[-1]) if task.phase_path else None
        (group or loose).tasks.append(task)
    kept = [g for g in top if g.all_tasks()]
    return kept + ([loose] if loose.tasks else [])


def _risk_register(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's risks with their area and impact text, highest score first (document order on ties)."""
    extra = {r.get("id"): r for r in ((plan.get("meta") or {}).get("planexe") or {}).get("risk_register", {})
             .get("risks", []) if isinstance(r, dict)}
    out = []
    for i, risk in enumerate(plan.get("risks") or []):
        more = extra.get(risk.get("id")) or {}
        likelihood, impact = int(risk.get("likelihood") or 1), int(risk.get("impact") or 1)
        out.append({"id": risk.get("id") or f"R{i + 1}", "description": risk.get("description") or "",
                    "mitigation": risk.get("mitigation") or "", "area": more.get("risk_area") or "",
                    "impact_text": more.get("potential_impact") or "", "likelihood": likelihood,
                    "impact": impact, "score": likelihood * impact, "order": i})
    return sorted(out, key=lambda r: (-r["score"], r["order"]))


def build(view: RunView) -> ReportData:
    """The report's content for one run directory."""
    plan = view.plan
    parents = {p["id"]: p.get("parent") for p in plan.get("phases") or []}
    schedule = (view.output("critical_path") or {}).get("schedule")
    tasks = _task_rows(plan, schedule, parents)
    by_id = {t.id: t for t in tasks}
    names = {p["id"]: p.get("name") or p["id"] for p in plan.get("phases") or []}
    names.update({t.id: t.name for t in tasks})
    planexe = (plan.get("meta") or {}).get("planexe") or {}
    outputs = {e["capability"]: dict(e.get("output") or {}) for e in view.executions if e["status"] == "ok"}
    notes = {e["capability"]: str(e.get("note") or "") for e in view.executions if e["status"] == "no_data"}
    return ReportData(
        title=plan["title"], goal=plan.get("goal") or "", start=plan.get("start"),
        source=str(view.plan_stage.get("source") or ""), prompt=str(planexe.get("prompt") or ""),
        names=names, tasks=tasks, groups=_groups(plan, tasks),
        duration=float(schedule["project_duration_days"]) if schedule else None,
        critical_path=[by_id[t] for t in (schedule or {}).get("critical_path") or [] if t in by_id],
        edges=sum(len(t.get("depends_on") or []) for t in plan.get("tasks") or []),
        risks=_risk_register(plan), quality=list(view.plan_stage.get("data_quality") or []),
        outputs=outputs, notes=notes, planexe_gantt_days=_number(planexe.get("sequential_days")))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def planexe_gantt_note(data: ReportData) -> str | None:
    """Why PlanExe's own Gantt chart ends on another day than this schedule (PlanExe plans only)."""
    if data.planexe_gantt_days is None or data.duration is None or data.planexe_gantt_days == data.duration:
        return None
    end = f", to {data.date(data.planexe_gantt_days)}" if data.start else ""
    return (f"PlanExe's own schedule (its Gantt chart) spans {days(data.planexe_gantt_days)} days{end}: it "
            f"runs the parts of each phase one after another and does not use the dependencies "
            f"(021-task_dependencies_raw.json). The task days are the same; the duration here follows the "
            f"dependencies.")


def day_count(value: float) -> str:
    """``1 day``, ``2.5 days``, ``931 days``."""
    return f"{days(value)} day{'' if value == 1 else 's'}"


def plural(n: int, word: str) -> str:
    """``1 task``, ``2 tasks``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def generic_parts(output: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]] | None, str | None]]:
    """Per output port of a capability without a section of its own: (port, header, rows) for a flat
    mapping, else (port, [], None, JSON text)."""
    import json

    def flat(value: Any) -> bool:
        return isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values())

    parts: list[tuple[str, list[str], list[list[Any]] | None, str | None]] = []
    for port, value in output.items():
        if flat(value):
            parts.append((port, ["key", "value"], [[k, v] for k, v in value.items()], None))
        elif isinstance(value, dict) and value and all(flat(v) for v in value.values()):
            parts += [(f"{port} / {key}", ["key", "value"], [[k, v] for k, v in sub.items()], None)
                      for key, sub in value.items()]
        elif not isinstance(value, dict | list):
            parts.append((port, ["value"], [[value]], None))
        else:
            parts.append((port, [], None, json.dumps(value, indent=2)[:20000]))
    return parts


def level(value: int) -> str:
    """PlanExe's words for the 1/3/5 levels the importer maps low/medium/high to; numbers otherwise."""
    return LEVEL_WORDS.get(value, str(value))


def days(value: float | None) -> str:
    """Days for reading: whole numbers as they are, fractions to a tenth (a whole day from 100 up)."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{value:g}"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


__all__ = ["COLUMNS", "COST_CAPS", "SPECIAL", "TOP_ROLES", "PhaseGroup", "ReportData", "TaskRow", "build",
           "day_count", "days", "generic_parts", "level", "planexe_gantt_note", "plural"]
