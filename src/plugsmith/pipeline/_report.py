"""Rendering a run as ``report.html`` (self-contained, inline SVG) and ``report.md``.

Known capabilities get a purpose-made section (schedule, risks, costs, budget); any other capability —
for instance one the plan required and synthesis produced — is shown generically: a mapping of scalars
as a two-column table, anything else as JSON.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from plugsmith.pipeline._svg import gantt_svg, risk_matrix_svg
from plugsmith.pipeline._view import RunView

CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}.ok{color:#1e8449}.failed{color:#c0392b;font-weight:bold}.note{color:#666}
pre{background:#f7f7f7;padding:.5em;overflow:auto}.num{text-align:right}"""
COLUMNS = ("capability", "status", "plugin", "version", "tier", "origin", "how")
SPECIAL = ("critical_path", "risk_matrix")
RISK_COLUMNS = ["risk", "task", "likelihood", "impact", "score", "description"]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _table_md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _table_html(header: list[str], rows: list[list[Any]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header) if any(header) else ""
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes else ""
        body.append(f"<tr{cls}>" + "".join(
            f'<td{" class=num" if isinstance(v, int | float) else ""}>{escape(_cell(v))}</td>' for v in row)
            + "</tr>")
    return f"<table>{f'<tr>{head}</tr>' if head else ''}{''.join(body)}</table>"


def _risk_rows(risks: dict[str, Any]) -> list[list[Any]]:
    return [[r["id"], r["task"], r["likelihood"], r["impact"], r["score"], r["description"]]
            for r in risks["top_risks"]]


def _flat(value: Any) -> bool:
    return isinstance(value, dict) and all(not isinstance(v, dict | list) for v in value.values())


def _generic(output: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]] | None, str | None]]:
    """Per output port: (port, header, rows) for a flat mapping/list of scalars, else (port, JSON)."""
    parts: list[tuple[str, list[str], list[list[Any]] | None, str | None]] = []
    for port, value in output.items():
        if _flat(value):
            parts.append((port, ["key", "value"], [[k, v] for k, v in value.items()], None))
        elif isinstance(value, dict) and value and all(_flat(v) for v in value.values()):
            parts += [(f"{port} / {key}", ["key", "value"], [[k, v] for k, v in sub.items()], None)
                      for key, sub in value.items()]
        elif not isinstance(value, dict | list):
            parts.append((port, ["value"], [[value]], None))
        else:
            parts.append((port, [], None, json.dumps(value, indent=2)[:20000]))
    return parts


def _summary(view: RunView, metrics: dict[str, Any]) -> list[list[Any]]:
    plan = view.plan
    rows: list[list[Any]] = [["tasks", len(plan.get("tasks") or [])],
                             ["capabilities required", metrics["capabilities_required"]],
                             ["resolved from the hub", metrics["resolved_from_hub"]],
                             ["synthesized", metrics["synthesized"]], ["failed", metrics["failed"]],
                             ["recovery rate", metrics["recovery_rate"]]]
    if plan.get("budget") is not None:
        rows.insert(1, ["budget", f"{plan['budget']:,.2f} {plan.get('currency', '')}"])
    return rows


def render_markdown(view: RunView, metrics: dict[str, Any]) -> str:
    """The report as Markdown: summary, capabilities, then each capability's result."""
    plan, rows = view.plan, view.capability_rows()
    out = [f"# {plan['title']}", "", plan.get("goal") or "", "",
           _table_md(["", ""], _summary(view, metrics)), ""]
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        out += ["**Some capabilities failed; the rest of the report is complete.**", ""]
        out += [f"- `{r['capability']}`: {r['error'] or r['status']}" for r in failed] + [""]
    out += ["## Capabilities", "", _table_md(list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows]), ""]
    schedule = (view.output("critical_path") or {}).get("schedule")
    if schedule:
        out += ["## Schedule", "", f"Project duration: {schedule['project_duration_days']:g} days. "
                f"Critical path: {' → '.join(schedule['critical_path']) or '—'}.", ""]
        out.append(_table_md(["task", "ES", "EF", "LS", "LF", "slack", "critical"], [
            [tid, r["earliest_start"], r["earliest_finish"], r["latest_start"], r["latest_finish"],
             r["slack"], "yes" if r["critical"] else ""] for tid, r in schedule["tasks"].items()]))
        out.append("")
    risks = (view.output("risk_matrix") or {}).get("risk_matrix")
    if risks:
        bands = ", ".join(f"{v} {k}" for k, v in risks["bands"].items())
        out += ["## Risks", "", f"{risks['count']} risks: {bands}", "",
                _table_md(RISK_COLUMNS, _risk_rows(risks)), ""]
    for row in rows:
        output = view.output(row["capability"])
        if row["capability"] in SPECIAL or not output:
            continue
        out += [f"## {row['capability']}", ""]
        for port, header, table, raw in _generic(output):
            shown = _table_md(header, table) if table is not None else f"```json\n{raw}\n```"
            out += [f"`{port}`", "", shown, ""]
    return "\n".join(out).rstrip() + "\n"


def render_html(view: RunView, metrics: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; no scripts, no fetches)."""
    plan, rows = view.plan, view.capability_rows()
    body = [f"<h1>{escape(plan['title'])}</h1>", f"<p>{escape(plan.get('goal') or '')}</p>",
            _table_html(["", ""], _summary(view, metrics))]
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        items = "".join(f"<li><code>{escape(r['capability'])}</code>: "
                        f"{escape(r['error'] or r['status'])}</li>" for r in failed)
        body.append(f'<p class="failed">Some capabilities failed; the rest of the report is complete.</p>'
                    f"<ul>{items}</ul>")
    body += ["<h2>Capabilities</h2>", _table_html(list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows],
                                                  ["ok" if r["status"] == "ok" else "failed" for r in rows])]
    schedule = (view.output("critical_path") or {}).get("schedule")
    body.append("<h2>Schedule</h2>")
    if schedule:
        body.append(f"<p>Project duration: <b>{schedule['project_duration_days']:g} days</b>. Critical path: "
                    f"{escape(' → '.join(schedule['critical_path']) or '—')}.</p>")
        body.append(gantt_svg(plan.get("tasks") or [], schedule))
    else:
        body.append('<p class="note">No schedule: the critical_path capability did not produce one.</p>')
    risks = (view.output("risk_matrix") or {}).get("risk_matrix")
    body.append("<h2>Risks</h2>")
    if risks:
        body.append(risk_matrix_svg(risks["matrix"]))
        body.append(_table_html(RISK_COLUMNS, _risk_rows(risks)))
    else:
        body.append('<p class="note">No risk matrix: the risk_matrix capability did not produce one.</p>')
    for row in rows:
        output = view.output(row["capability"])
        if row["capability"] in SPECIAL or not output:
            continue
        body.append(f"<h2 id=\"{escape(row['capability'])}\">{escape(row['capability'])}</h2>")
        for port, header, table, raw in _generic(output):
            body.append(f"<h3>{escape(port)}</h3>")
            shown = _table_html(header, table) if table is not None else f"<pre>{escape(raw or '')}</pre>"
            body.append(shown)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(plan['title'])} — plugsmith report</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}<p class=\"note\">Generated by plugsmith; run "
            f"{escape(view.plan_stage['run_id'])}</p></body></html>\n")


__all__ = ["render_html", "render_markdown"]
