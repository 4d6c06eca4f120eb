"""Data quality: what a plan lacks, so no figure is computed from absent data as if it were there.

Two sources. The import report of a PlanExe plan (``plan.meta["import_report"]``) names every estimate
it had to make up or adjust, every unknown id, every missing file; its items carry a ``code`` that
groups them here. Checks on the plan itself cover any plan: no dependencies at all, no durations, no
cost data. Each group is one ``Finding`` with a severity: *serious* findings are what makes a figure
wrong (a made-up duration, a lost dependency) — ``plugsmith run`` prints one warning line for each and
``--strict`` turns them into exit status 1 — the rest are notes in the report.

``missing_data(capability, plan)`` is the same idea per capability: a built-in that needs cost data
says "no cost data in this plan" instead of adding up zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["serious", "note"]

# code -> (severity, summary for one item, summary for n items: "{n}" is replaced)
GROUPS: dict[str, tuple[Severity, str, str]] = {
    "missing_file": ("serious", "an input file a schedule needs is missing or empty",
                     "{n} input files a schedule needs are missing or empty"),
    "no_estimate": ("serious", "1 task has no duration estimate; PlanExe's minimum of 1 day is used",
                    "{n} tasks have no duration estimate; PlanExe's minimum of 1 day is used"),
    "estimate_invalid": ("serious", "the estimate of 1 task or phase is not usable as given (negative, not a "
                                    "number, or a range that misses it) and was adjusted",
                         "the estimates of {n} tasks or phases are not usable as given (negative, not a "
                         "number, or a range that misses them) and were adjusted"),
    "unknown_id": ("serious", "1 reference to an id that is not in the work breakdown is ignored",
                   "{n} references to ids that are not in the work breakdown are ignored"),
    "cycle": ("serious", "1 dependency would close a cycle and is dropped",
              "{n} dependencies would close a cycle and are dropped"),
    "skipped": ("serious", "1 entry of the work breakdown cannot be read and is skipped (with what is under "
                           "it)",
                "{n} entries of the work breakdown cannot be read and are skipped (with what is under them)"),
    "duplicate_id": ("serious", "1 id appears twice in the work breakdown; the later copy (and what is under "
                                "it) is skipped",
                     "{n} ids appear twice in the work breakdown; the later copies (and what is under them) "
                     "are skipped"),
    "ambiguous_file": ("serious", "2 files hold the same input and differ; the one named is not used",
                       "{n} files hold an input another file also holds, and differ; those named are not "
                       "used"),
    "no_dependencies": ("serious", "no dependencies at all: every task can start on day 0", ""),
    "no_durations": ("serious", "no task has a duration: the schedule is 0 days long", ""),
    "estimate_overridden": ("note", "1 task estimate is replaced by an even split of its phase (PlanExe's "
                                    "rule)",
                            "{n} task estimates are replaced by an even split of their phase (PlanExe's "
                            "rule)"),
    "exceeds_phase": ("note", "1 phase is estimated at less than the sum of its parts; the parts are used",
                      "{n} phases are estimated at less than the sum of their parts; the parts are used"),
    "dependency_dropped": ("note", "1 dependency on a task's own phase cannot be scheduled and is dropped",
                           "{n} dependencies on a task's own phase cannot be scheduled and are dropped"),
    "missing_optional": ("note", "1 optional input file is missing", "{n} optional input files are missing"),
    "duplicate": ("note", "1 duplicate entry in the input", "{n} duplicate entries in the input"),
    "no_name": ("note", "1 task or phase has no name in PlanExe's files and is shown as '(unnamed)'",
                "{n} tasks or phases have no name in PlanExe's files and are shown as '(unnamed)'"),
    "no_cost_data": ("note", "no cost data in this plan: no task costs and no resource hours at a rate", ""),
    "other": ("note", "1 other import finding", "{n} other import findings"),
}


@dataclass(frozen=True)
class Finding:
    """One group of data problems: its code, severity, a one-line summary and what it concerns."""

    code: str
    severity: Severity
    summary: str
    # (subject: a task or phase id, a file or a JSON pointer; message; label: the task's name or the subject)
    items: tuple[tuple[str, str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "summary": self.summary,
                "items": [{"subject": s, "message": m, "label": label} for s, m, label in self.items]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(data["code"], data["severity"], data["summary"],
                   tuple((i["subject"], i["message"], i.get("label", i["subject"]))
                         for i in data.get("items", [])))

    def line(self, examples: int = 3) -> str:
        """One line for a terminal: the summary and the first few things it concerns, by name."""
        labels = list({subject: label for subject, _, label in self.items}.values())  # one per subject
        if not labels:
            return self.summary
        shown = ", ".join(labels[:examples]) + (f" and {len(labels) - examples} more"
                                                 if len(labels) > examples else "")
        return f"{self.summary}: {shown}"


def _import_items(plan: dict[str, Any]) -> list[dict[str, Any]]:
    report = (plan.get("meta") or {}).get("import_report") or {}
    return [i for i in report.get("items", []) if isinstance(i, dict)]


def _has_costs(plan: dict[str, Any]) -> bool:
    return any(float(t.get("cost") or 0) > 0 or any(float(r.get("hours") or 0) * float(r.get("rate") or 0) > 0
                                                     for r in t.get("resources") or [])
               for t in plan.get("tasks") or [])


def assess(plan: dict[str, Any]) -> list[Finding]:
    """The data-quality findings of a plan (JSON form), serious ones first, in a fixed order."""
    names = {p["id"]: p.get("name") or p["id"] for p in plan.get("phases") or []}
    names.update({t["id"]: t.get("name") or t["id"] for t in plan.get("tasks") or []})
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    for item in _import_items(plan):
        code = item.get("code") or "other"
        if code not in GROUPS or (code == "other" and item.get("kind") == "note"):
            continue
        subject = str(item.get("subject", ""))
        message = str(item.get("message", ""))
        grouped.setdefault(code, []).append((subject, message, names.get(subject, subject)))
    tasks = plan.get("tasks") or []
    if len(tasks) > 1 and not any(t.get("depends_on") for t in tasks) and "missing_file" not in grouped:
        grouped["no_dependencies"] = []
    if tasks and not any(float(t.get("duration_days") or 0) > 0 for t in tasks):
        grouped["no_durations"] = []
    if tasks and not _has_costs(plan):
        grouped["no_cost_data"] = []
    out = []
    for code, items in grouped.items():
        sev, one, many = GROUPS[code]
        n = len({subject for subject, _, _ in items})  # a task with three bad fields is one task
        summary = many.format(n=n) if n > 1 and many else one
        out.append(Finding(code, sev, summary, tuple(items)))
    order = list(GROUPS)
    return sorted(out, key=lambda f: (f.severity != "serious", order.index(f.code)))


def serious(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "serious"]


# capability -> (does the plan hold what it needs?, what to say when it does not)
_NEEDS: dict[str, tuple[str, str]] = {
    "cost_estimation": ("costs", "no cost data in this plan (no task costs, no resource hours at a rate)"),
    "labour_cost": ("labour", "no labour cost data in this plan (no resource hours at a rate)"),
    "budget_check": ("budget", "no budget or no cost data in this plan"),
    "resource_load": ("hours", "no resource hours in this plan"),
    "risk_matrix": ("risks", "no risks in this plan"),
    "pert_schedule": ("ranges", "no three-point estimates (days_min/days_max) in this plan"),
    "schedule_simulation": ("ranges", "no three-point estimates (days_min/days_max) in this plan"),
    "resource_demand": ("roles", "no resource roles on any task in this plan"),
}


def _holds(need: str, plan: dict[str, Any]) -> bool:
    tasks = plan.get("tasks") or []
    resources = [r for t in tasks for r in t.get("resources") or []]
    checks = {
        "costs": lambda: _has_costs(plan),
        "labour": lambda: any(float(r.get("hours") or 0) * float(r.get("rate") or 0) > 0 for r in resources),
        "budget": lambda: plan.get("budget") is not None and _has_costs(plan),
        "hours": lambda: any(float(r.get("hours") or 0) > 0 for r in resources),
        "risks": lambda: bool(plan.get("risks")) or any(t.get("risk") for t in tasks),
        "ranges": lambda: any(t.get("days_min") is not None or t.get("days_max") is not None for t in tasks),
        "roles": lambda: any(r.get("role") for r in resources),
    }
    return bool(checks[need]())


def missing_data(capability: str, plan: dict[str, Any]) -> str | None:
    """Why the plan cannot feed a built-in capability (one line), or None when it can (or is unknown)."""
    need = _NEEDS.get(capability)
    if need is None or _holds(need[0], plan):
        return None
    return need[1]


__all__ = ["GROUPS", "Finding", "assess", "missing_data", "serious"]
