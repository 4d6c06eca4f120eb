"""``report.md``: the report as Markdown, for reading in a terminal, a diff or a pull request.

The same content as ``report.html`` (``plugsmith.pipeline._report_data``) without the charts: key
figures, data quality, the critical path with names, schedule risk, tasks grouped by phase, resource
demand, the risk register and the capabilities table.
"""

from __future__ import annotations

from typing import Any

from plugsmith.pipeline._report_data import (
    COLUMNS,
    COST_CAPS,
    SPECIAL,
    TOP_ROLES,
    PhaseGroup,
    ReportData,
    TaskRow,
    build,
    day_count,
    days,
    generic_parts,
    level,
    planexe_gantt_note,
)
from plugsmith.pipeline._view import RunView


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows] + [""]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _three(p: dict[str, float]) -> str:
    return f"{days(p['p50'])} / {days(p['p80'])} / {days(p['p95'])}"


def _when(data: ReportData, task: TaskRow) -> str:
    if task.start is None:
        return "—"
    if data.start:
        return f"{data.date(task.start)} to {data.date(task.finish)}"
    return f"day {days(task.start)} to {days(task.finish)}"


def _spread(task: TaskRow) -> str:
    return f"{days(task.low)}–{days(task.high)}" if task.low is not None or task.high is not None else "—"


def _summary(data: ReportData, metrics: dict[str, Any]) -> list[str]:
    rows: list[list[Any]] = [["tasks", f"{len(data.tasks)} ({data.edges} dependencies)"]]
    if data.duration is not None:
        span = f" ({data.start} to {data.date(data.duration)})" if data.start else ""
        rows.append(["project duration", f"{day_count(data.duration)}{span}"])
    sim = (data.outputs.get("schedule_simulation") or {}).get("simulation")
    if sim:
        p = sim["percentiles"]
        rows.append(["simulated P50 / P80 / P95", f"{_three(p)} days"])
    if data.risks:
        rows.append(["risks", len(data.risks)])
    serious = sum(1 for f in data.quality if f["severity"] == "serious")
    rows += [["data quality", f"{serious} serious, {len(data.quality) - serious} notes"],
             ["capabilities required", metrics["capabilities_required"]],
             ["resolved from the hub", metrics["resolved_from_hub"]], ["synthesized", metrics["synthesized"]],
             ["failed", metrics["failed"]], ["without data in the plan", len(data.notes)],
             ["recovery rate", metrics["recovery_rate"]]]
    return _table(["", ""], rows)


def _quality(data: ReportData) -> list[str]:
    out = ["## Data quality", ""]
    if not data.quality:
        return out + ["No problems found in the plan's data.", ""]
    for finding in data.quality:
        tag = "**Serious:**" if finding["severity"] == "serious" else "Note:"
        out.append(f"- {tag} {finding['summary']}")
        for item in (finding.get("items") or [])[:50]:
            subject = item["subject"]
            name = data.label(subject)
            shown = f"{name} (`{subject}`)" if name != subject else f"`{subject}`"
            out.append(f"  - {shown}: {item['message']}")
        if len(finding.get("items") or []) > 50:
            out.append(f"  - … and {len(finding['items']) - 50} more (see report.html)")
    return out + [""]


def _schedule(data: ReportData) -> list[str]:
    out = ["## Schedule", ""]
    if data.duration is None:
        return out + ["No schedule: the critical_path capability did not produce one.", ""]
    span = f", {data.start} to {data.date(data.duration)}" if data.start else ""
    out += [f"Project duration: {day_count(data.duration)}{span}.", ""]
    if (note := planexe_gantt_note(data)) is not None:
        out += [note, ""]
    out += ["Critical path:", ""]
    for i, t in enumerate(data.critical_path, start=1):
        phase = f" ({data.label(t.phase_path[0])})" if t.phase_path else ""
        out.append(f"{i}. {t.name}{phase}: {day_count(t.days)}, {_when(data, t)}")
    return out + [""]


def _risk(data: ReportData) -> list[str]:
    sim = (data.outputs.get("schedule_simulation") or {}).get("simulation")
    pert = (data.outputs.get("pert_schedule") or {}).get("pert")
    out = ["## Schedule risk", ""]
    if sim:
        p = sim["percentiles"]
        out += [f"Monte Carlo ({sim['iterations']} runs, seed {sim['seed']}): P50 {days(p['p50'])}, "
                f"P80 {days(p['p80'])}, P95 {days(p['p95'])} days (mean {days(sim['mean'])}).", ""]
        shares = sim.get("phase_criticality") or {}
        rows = [[g.name, f"{100 * float(shares.get(g.id or '', 0)):.0f} %"] for g in data.groups if g.id]
        if rows:
            out += ["How often each phase is on the critical path:", ""]
            out += _table(["phase", "share of runs"], rows)
    if pert:
        q = pert["percentiles"]
        out += [f"PERT along the critical path: expected {days(pert['expected_days'])} days, sd "
                f"{days(pert['sd_days'])}; P50 / P80 / P95 {_three(q)} days.", ""]
    if not sim and not pert:
        out += [_sentence(data.notes.get("schedule_simulation") or "not computed") + ".", ""]
    return out


def _tasks(data: ReportData) -> list[str]:
    out = ["## Tasks by phase", ""]
    header = ["task", "days", "min–max", "when", "slack", "critical"]

    def rows(tasks: list[TaskRow]) -> list[list[Any]]:
        return [[t.name, days(t.days), _spread(t), _when(data, t), days(t.slack), "yes" if t.critical else ""]
                for t in tasks]

    def group(g: PhaseGroup) -> list[str]:
        lines = [f"### {g.name}", ""]
        if g.tasks:
            lines += _table(header, rows(g.tasks))
        for child in g.children:
            lines += [f"#### {child.name}", ""] + _table(header, rows(child.all_tasks()))
        return lines

    for g in data.groups:
        out += group(g)
    return out


def _resources(data: ReportData) -> list[str]:
    demand = (data.outputs.get("resource_demand") or {}).get("resource_demand")
    out = ["## Resources", ""]
    if not demand:
        return out + [_sentence(data.notes.get("resource_demand") or "not computed") + ".", ""]
    roles = list(demand["roles"].items())
    rows = [[role, r["tasks"], days(r["task_days"]), r["peak"],
             data.date(r["peak_day"]) or f"day {days(r['peak_day'])}"] for role, r in roles[:TOP_ROLES]]
    out.append(f"Demand per role ({min(TOP_ROLES, len(roles))} busiest of {len(roles)} roles):")
    return out + [""] + _table(["role", "tasks", "task-days", "peak (tasks at once)", "first at peak"], rows)


def _risks(data: ReportData) -> list[str]:
    out = ["## Risks", ""]
    matrix = (data.outputs.get("risk_matrix") or {}).get("risk_matrix")
    if matrix:
        out += [f"{matrix['count']} risks: " + ", ".join(f"{v} {k}" for k, v in matrix["bands"].items()), ""]
    if data.risks:
        rows = [[(f"{r['area']}: " if r["area"] else "") + r["description"], level(r["likelihood"]),
                 level(r["impact"]), r["mitigation"] or "—"] for r in data.risks]
        out += _table(["risk", "likelihood", "severity", "mitigation"], rows)
    elif matrix:
        rows = [[r["description"], data.label(r["task"]) if r.get("task") else "—", r["likelihood"],
                 r["impact"], r["score"]] for r in matrix["top_risks"]]
        out += _table(["risk", "task", "likelihood", "impact", "score"], rows)
    else:
        out += [_sentence(data.notes.get("risk_matrix") or "no risk matrix") + ".", ""]
    return out


def _others(data: ReportData, view: RunView) -> list[str]:
    out = []
    lacking = [c for c in COST_CAPS if c in data.notes]
    if lacking:
        out += ["## Costs", ""] + [f"- `{c}`: {data.notes[c]}." for c in lacking] + [""]
    for row in view.capability_rows():
        output = data.outputs.get(row["capability"])
        if row["capability"] in SPECIAL or not output:
            continue
        out += [f"## {row['capability']}", ""]
        for port, header, table, raw in generic_parts(output):
            out += [f"`{port}`", ""] + (_table(header, table) if table is not None else
                                        [f"```json\n{raw}\n```", ""])
    return out


def render_markdown(view: RunView, metrics: dict[str, Any]) -> str:
    """The report as Markdown: summary, data quality, schedule, risk, tasks, resources, capabilities."""
    data = build(view)
    rows = view.capability_rows()
    out = [f"# {data.title}", "", data.goal, ""] + _summary(data, metrics)
    failed = [r for r in rows if r["status"] not in ("ok", "no_data")]
    if failed:
        out += ["**Some capabilities failed; the rest of the report is complete.**", ""]
        out += [f"- `{r['capability']}`: {r['error'] or r['status']}" for r in failed] + [""]
    out += _quality(data) + _schedule(data) + _risk(data) + _tasks(data) + _resources(data) + _risks(data)
    out += _others(data, view)
    table = [[r[c] if c != "status" else r["status"].replace("_", " ") for c in COLUMNS] for r in rows]
    out += ["## Capabilities", ""] + _table(list(COLUMNS), table)
    return "\n".join(out).rstrip() + "\n"


__all__ = ["render_markdown"]
