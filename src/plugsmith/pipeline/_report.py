"""``report.html``: one self-contained page a person reads (inline CSS and SVG; no script, no fetch).

Written for plans of 100-250 tasks: names everywhere (ids only as small secondary text), the key
figures first, then what the data lacks, the critical path with names, a Gantt chart grouped by phase
(collapsible), the schedule risk, tasks by phase (collapsible), resource demand per role, the risk
register with its mitigations, and last which plugin computed what. It fits a 375 px phone and a
1280 px desktop (checked in headless Chromium by the test suite). ``report.md`` is the Markdown twin
(``plugsmith.pipeline._report_md``).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from plugsmith.pipeline._gantt import GANTT_CSS, gantt_html
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
    plural,
)
from plugsmith.pipeline._report_md import render_markdown
from plugsmith.pipeline._svg import histogram_svg, risk_matrix_svg, sparkline_svg
from plugsmith.pipeline._view import RunView

CSS = """*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1180px;margin:0 auto;padding:1em;
 color:#222;line-height:1.45}
h1{font-size:1.7em;margin:.3em 0}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.15em}
table{border-collapse:collapse;margin:.4em 0 1.2em;width:100%}
td,th{border:1px solid #d5d5d5;padding:3px 7px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f3f3}.num{text-align:right;white-space:nowrap}.scroll{overflow-x:auto}.nw{white-space:nowrap}
.id{display:block;color:#888;font:11px ui-monospace,monospace;overflow-wrap:anywhere}
.ok{color:#1e8449}.failed{color:#c0392b;font-weight:bold}.note{color:#666}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5em,1fr));gap:.5em;margin:1em 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:.45em .7em}.figure b{display:block;font-size:1.35em}
.serious{border-left:4px solid #c0392b;padding-left:.6em}.quality-note{border-left:4px solid #bbb;
 padding-left:.6em}
details{margin:.25em 0}details>summary{cursor:pointer}
.tag{display:inline-block;background:#eef;border-radius:3px;padding:0 .35em;font-size:.85em}
.critical td:first-child{border-left:3px solid #c0392b}
.meter{display:block;width:14em;max-width:35vw;background:#f3f3f3}
.pbar{background:#e6b0aa;height:.8em;display:block}
pre{background:#f7f7f7;padding:.5em;overflow:auto;white-space:pre-wrap}
svg{max-width:100%;height:auto}.spark{vertical-align:middle}
@media (max-width:640px){body{padding:.5em}h1{font-size:1.35em}td,th{padding:2px 4px;font-size:13px}
 .id{display:none}
 table.stack tr:first-child{display:none}
 table.stack tr{display:block;border:1px solid #d5d5d5;margin:0 0 .5em}
 table.stack td{display:block;border:none;border-top:1px solid #eee;text-align:left}
 table.stack td:first-child{border-top:none;font-weight:600}
 table.stack tr.critical{border-left:3px solid #c0392b}
 table.stack td[data-h]:not(:first-child)::before{content:attr(data-h) ": ";color:#666;font-weight:600}}
""" + GANTT_CSS
_NUMBER = re.compile(r"^[-+]?[\d.,]+( %)?$")
_JOINED = re.compile(r"\S*\w[-–]\w\S*")  # 2025-09-25, min–max, task-days, (2025-09-25)


def _keep(text: str) -> str:
    """Escaped text whose hyphenated words never break at the hyphen ("2025-" / "09-25")."""
    out, last = [], 0
    for m in _JOINED.finditer(text):
        out += [escape(text[last:m.start()]), f'<span class="nw">{escape(m.group())}</span>']
        last = m.end()
    return "".join(out) + escape(text[last:])


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) or (isinstance(value, str) and bool(_NUMBER.match(value)))


def _table(header: list[str], rows: list[list[str]], classes: list[str] | None = None, *,
           raw: bool = False, stack: bool = False) -> str:
    """A table in a horizontally scrollable box; cells are escaped unless ``raw`` (already HTML).

    ``stack``: on a phone each row becomes a card whose cells are labelled with their column's name
    (long text columns stay readable instead of one letter per line).
    """
    head = "".join(f"<th>{_keep(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = []
        for j, c in enumerate(row):
            attrs = " class=num" if _numeric(c) else ""
            if stack and j < len(header) and header[j]:
                attrs += f' data-h="{escape(header[j])}"'
            cells.append(f"<td{attrs}>{c if raw else _keep(_cell(c))}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    kind = ' class="stack"' if stack else ""
    return f'<div class="scroll"><table{kind}><tr>{head}</tr>{"".join(body)}</table></div>'


def _name(name: str, ident: str | None) -> str:
    """A name with its id as small secondary text."""
    return escape(name) + (f'<span class="id">{escape(ident)}</span>' if ident and ident != name else "")


def _figures(data: ReportData, view: RunView, metrics: dict[str, Any]) -> str:
    top = sum(1 for g in data.groups if g.id is not None)
    where = f"in {top} phase{'s' if top != 1 else ''}, " if top else ""
    items = [("tasks", f"{len(data.tasks)}", f"{where}{data.edges} dependencies")]
    if data.duration is not None:
        finish = data.date(data.duration)
        items.append(("project duration", day_count(data.duration),
                      f"{data.start} to {finish}" if finish else "from the plan start"))
        items.append(("critical path", plural(len(data.critical_path), "task"),
                      "longest chain of dependencies"))
    sim = (data.outputs.get("schedule_simulation") or {}).get("simulation")
    if sim:
        p = sim["percentiles"]
        items.append(("simulated P50 / P80 / P95", f"{days(p['p50'])} / {days(p['p80'])} / {days(p['p95'])}",
                      f"days, {sim['iterations']} runs"))
    if data.risks:
        high = sum(1 for r in data.risks if r["score"] >= 15)
        items.append(("risks", str(len(data.risks)), f"{high} high"))
    serious = sum(1 for f in data.quality if f["severity"] == "serious")
    items.append(("data quality", f"{serious} serious", f"{len(data.quality) - serious} notes"))
    computed = metrics["capabilities_required"] - metrics["failed"] - len(data.notes)
    items.append(("capabilities computed", f"{computed}/{metrics['capabilities_required']}",
                  f"{metrics['failed']} failed, {len(data.notes)} without data"))
    return '<div class="figures">' + "".join(
        f'<div class="figure">{escape(k)}<b>{escape(v)}</b><span class="note">{escape(sub)}</span></div>'
        for k, v, sub in items) + "</div>"


def _quality(data: ReportData) -> str:
    out = ['<h2 id="data-quality">Data quality</h2>']
    if not data.quality:
        return out[0] + '<p class="ok">No problems found in the plan\'s data.</p>'
    for finding in data.quality:
        cls = "serious" if finding["severity"] == "serious" else "quality-note"
        items = finding.get("items") or []
        head = f"<b>{'Serious' if cls == 'serious' else 'Note'}:</b> {escape(finding['summary'])}"
        if not items:
            out.append(f'<p class="{cls}">{head}</p>')
            continue
        lines = "".join(f"<li>{_subject(data, i['subject'])} — {escape(i['message'])}</li>"
                        for i in items[:200])
        more = f"<li>… and {len(items) - 200} more</li>" if len(items) > 200 else ""
        out.append(f'<details class="{cls}"><summary>{head}</summary><ul>{lines}{more}</ul></details>')
    return "".join(out)


def _subject(data: ReportData, subject: str) -> str:
    """A finding's subject: a task or phase by name (id below), a file or JSON pointer as code."""
    if subject in data.names:
        return _name(data.names[subject], subject)
    return f"<code>{escape(subject)}</code>"


def _critical(data: ReportData) -> str:
    if not data.critical_path:
        return ""
    rows = []
    for i, t in enumerate(data.critical_path, start=1):
        phase = data.label(t.phase_path[0]) if t.phase_path else "—"
        when = f"{data.date(t.start)} to {data.date(t.finish)}" if data.start else \
            f"day {days(t.start)} to {days(t.finish)}"
        rows.append([str(i), _name(t.name, t.id), escape(phase), days(t.days), _keep(when)])
    return "<h3>Critical path</h3>" + _table(["#", "task", "phase", "days", "when"], rows, raw=True,
                                             stack=True)


def _schedule(data: ReportData) -> str:
    out = ['<h2 id="schedule">Schedule</h2>']
    if data.duration is not None:
        finish = f", {data.start} to {data.date(data.duration)}" if data.start else ""
        out.append(f"<p>Project duration: <b>{day_count(data.duration)}</b>{escape(finish)}; "
                   f"{plural(len(data.critical_path), 'task')} on the critical path.</p>")
        if (note := planexe_gantt_note(data)) is not None:
            out.append(f'<p class="note">{escape(note)}</p>')
    return "".join(out) + _critical(data) + "<h3>Gantt chart</h3>" + gantt_html(data)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _schedule_risk(data: ReportData) -> str:
    sim = (data.outputs.get("schedule_simulation") or {}).get("simulation")
    pert = (data.outputs.get("pert_schedule") or {}).get("pert")
    note = data.notes.get("schedule_simulation") or data.notes.get("pert_schedule")
    out = ['<h2 id="schedule-risk">Schedule risk</h2>']
    if not sim and not pert:
        return out[0] + f'<p class="note">{escape(_sentence(note or "not computed"))}.</p>'
    if sim:
        p = sim["percentiles"]
        out.append(f"<p>Monte Carlo simulation ({sim['iterations']} runs, seed {sim['seed']}, "
                   f"{sim['tasks_with_range']} tasks with a min-max range): the project takes "
                   f"<b>{days(p['p50'])}</b> days or less in half of the runs, <b>{days(p['p80'])}</b> "
                   f"in 80 % and <b>{days(p['p95'])}</b> in 95 % (mean {days(sim['mean'])}, range "
                   f"{days(sim['min'])} to {days(sim['max'])}).</p>")
        hist = sim.get("histogram") or {}
        if hist.get("counts"):
            marks = {"P50": p["p50"], "P80": p["p80"], "P95": p["p95"]}
            out.append(histogram_svg(hist["start"], hist["width"], hist["counts"], marks))
        out.append(_criticality(data, sim.get("phase_criticality") or {}))
    if pert:
        q = pert["percentiles"]
        out.append(f"<p>Three-point (PERT) estimate along the critical path: expected "
                   f"{days(pert['expected_days'])} days, standard deviation {days(pert['sd_days'])}; "
                   f"P50 / P80 / P95 {days(q['p50'])} / {days(q['p80'])} / {days(q['p95'])} days. PERT looks "
                   f"at one path only; the simulation also lets near-critical paths take over.</p>")
    return "".join(out)


def _criticality(data: ReportData, shares: dict[str, float]) -> str:
    top = [g for g in data.groups if g.id is not None]
    if not top or not shares:
        return ""
    rows = []
    for g in top:
        share = float(shares.get(g.id or "", 0.0))
        meter = f'<span class="meter"><span class="pbar" style="width:{100 * share:.1f}%"></span></span>'
        rows.append([escape(g.name), f"{100 * share:.0f} %", meter])
    return ("<h3>How often each phase is on the critical path</h3>"
            + _table(["phase", "share of runs", ""], rows, raw=True))


def _task_table(data: ReportData, tasks: list[TaskRow]) -> str:
    rows, classes = [], []
    for t in tasks:
        spread = f"{days(t.low)}–{days(t.high)}" if t.low is not None or t.high is not None else "—"
        when = (f"{data.date(t.start)} to {data.date(t.finish)}" if data.start and t.start is not None else
                f"day {days(t.start)} to {days(t.finish)}" if t.start is not None else "—")
        rows.append([_name(t.name, t.id), days(t.days), _keep(spread), _keep(when),
                     days(t.slack) if t.slack is not None else "—", escape(", ".join(t.roles) or "—")])
        classes.append("critical" if t.critical else "")
    return _table(["task", "days", "min–max", "when", "slack", "roles"], rows, classes, raw=True, stack=True)


def _phase_section(data: ReportData, group: PhaseGroup) -> str:
    parts = [_task_table(data, group.tasks)] if group.tasks else []
    for child in group.children:
        risk = child.meta.get("delay_risks")
        extra = (f'<p class="note">Delay risk: {escape(str(risk))}'
                 + (f" Mitigation: {escape(str(child.meta.get('mitigation_strategy')))}"
                    if child.meta.get("mitigation_strategy") else "") + "</p>") if risk else ""
        parts.append(f"<h4>{escape(child.name)}</h4>{extra}{_task_table(data, child.all_tasks())}")
    n, crit = len(group.all_tasks()), group.critical_count()
    reach = group.span()
    when = f", days {days(reach[0])}–{days(reach[1])}" if reach else ""
    return (f'<details class="tasks"><summary><b>{escape(group.name)}</b> — {n} task{"s" if n != 1 else ""}'
            f"{f', {crit} critical' if crit else ''}{escape(when)}</summary>{''.join(parts)}</details>")


def _tasks(data: ReportData) -> str:
    return ('<h2 id="tasks">Tasks by phase</h2><p class="note">Open a phase to see its tasks; critical tasks '
            'are marked red on the left.</p>' + "".join(_phase_section(data, g) for g in data.groups))


def _resources(data: ReportData) -> str:
    demand = (data.outputs.get("resource_demand") or {}).get("resource_demand")
    if not demand:
        note = data.notes.get("resource_demand") or "not computed"
        return f'<h2 id="resources">Resources</h2><p class="note">{escape(_sentence(note))}.</p>'
    roles = list(demand["roles"].items())
    unit = "day" if demand["period_days"] == 1 else f"{demand['period_days']}-day period"
    rows = []
    for role, r in roles[:TOP_ROLES]:
        when = data.date(r["peak_day"]) or f"day {days(r['peak_day'])}"
        rows.append([escape(role), str(r["tasks"]), days(r["task_days"]), f"{r['peak']} {_keep(f'({when})')}",
                     sparkline_svg(r["series"], r["peak"], f"{role}: tasks at once per {unit}")])
    shown = f"the {min(TOP_ROLES, len(roles))} busiest of {len(roles)} roles" if len(roles) > TOP_ROLES else \
        f"{len(roles)} roles"
    return (f'<h2 id="resources">Resources</h2><p>Demand per role over time ({shown}; tasks that need the '
            f"role at once, per {unit}):</p>"
            + _table(["role", "tasks", "task-days", "peak (first on)", "over time"], rows, raw=True))


def _risks(data: ReportData, view: RunView) -> str:
    out = ['<h2 id="risks">Risks</h2>']
    matrix = (data.outputs.get("risk_matrix") or {}).get("risk_matrix")
    if matrix:
        out.append(risk_matrix_svg(matrix["matrix"]))
    if data.risks:
        rows = [[_tagged(r["area"], r["description"]), level(r["likelihood"]), level(r["impact"]),
                 escape(r["mitigation"] or "—")] for r in data.risks]
        out.append("<h3>Risk register</h3>" + _table(["risk", "likelihood", "severity", "mitigation"], rows,
                                                     raw=True, stack=True))
    elif matrix:
        rows = [[escape(r["description"]), escape(data.label(r["task"])) if r.get("task") else "—",
                 str(r["likelihood"]), str(r["impact"]), str(r["score"])] for r in matrix["top_risks"]]
        out.append(_table(["risk", "task", "likelihood", "impact", "score"], rows, raw=True))
    else:
        note = data.notes.get("risk_matrix") or "no risk matrix"
        out.append(f'<p class="note">{escape(_sentence(note))}.</p>')
    return "".join(out)


def _tagged(tag: str, text: str) -> str:
    return (f'<span class="tag">{escape(tag)}</span> ' if tag else "") + escape(text)


def _others(data: ReportData, view: RunView) -> str:
    out = []
    lacking = [c for c in COST_CAPS if c in data.notes]
    if lacking:
        out.append('<h2 id="costs">Costs</h2>' + "".join(
            f'<p class="note"><code>{escape(c)}</code>: {escape(data.notes[c])}.</p>' for c in lacking))
    for row in view.capability_rows():
        output = data.outputs.get(row["capability"])
        if row["capability"] in SPECIAL or not output:
            continue
        out.append(f'<h2 id="{escape(row["capability"])}">{escape(row["capability"])}</h2>')
        for port, header, table, raw in generic_parts(output):
            shown = _table(header, table) if table is not None else f"<pre>{escape(raw or '')}</pre>"
            out.append(f"<h3>{escape(port)}</h3>{shown}")
    return "".join(out)


def _capabilities(view: RunView) -> str:
    rows = view.capability_rows()
    failed = [r for r in rows if r["status"] not in ("ok", "no_data")]
    out = []
    if failed:
        items = "".join(f"<li><code>{escape(r['capability'])}</code>: "
                        f"{escape(r['error'] or r['status'])}</li>" for r in failed)
        out.append(f'<p class="failed">Some capabilities failed; the rest of the report is complete.</p>'
                   f"<ul>{items}</ul>")
    table = [[r[c] if c != "status" else r["status"].replace("_", " ") for c in COLUMNS] for r in rows]
    classes = [{"ok": "ok", "no_data": "note"}.get(r["status"], "failed") for r in rows]
    return ('<h2 id="capabilities">Capabilities</h2>' + "".join(out)
            + _table(list(COLUMNS), table, classes, stack=True))


def render_html(view: RunView, metrics: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; no scripts, no fetches)."""
    data = build(view)
    head = [f"<h1>{escape(data.title)}</h1>"]
    if data.goal:
        head.append(f"<p>{escape(data.goal)}</p>")
    if data.prompt:
        head.append(f"<details><summary>The plan's prompt</summary><p>{escape(data.prompt)}</p></details>")
    failed = [r for r in view.capability_rows() if r["status"] not in ("ok", "no_data")]
    if failed:
        head.append('<p class="failed">Some capabilities failed; see <a href="#capabilities">'
                    "Capabilities</a>.</p>")
    body = head + [_figures(data, view, metrics), _quality(data), _schedule(data), _schedule_risk(data),
                   _tasks(data), _resources(data), _risks(data, view), _others(data, view),
                   _capabilities(view)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(data.title)} — plugsmith report</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}<p class=\"note\">Generated by plugsmith; run "
            f"{escape(view.plan_stage['run_id'])}</p></body></html>\n")


__all__ = ["render_html", "render_markdown"]
