"""Inline SVG charts for the HTML report: a Gantt-style schedule and a 5x5 risk matrix.

Plain strings, no external fonts, scripts or stylesheets, so the report stays self-contained.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

ROW = 20
LABEL_W = 230
CHART_W = 640
CRITICAL = "#c0392b"
NORMAL = "#2e86c1"
SLACK = "#d6eaf8"
BAND_COLOURS = {"low": "#a9dfbf", "medium": "#f9e79f", "high": "#f5b7b1"}


def _tick_step(span: float) -> int:
    """A round tick interval giving roughly ten ticks over ``span`` days."""
    raw = max(span / 10, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


def gantt_svg(tasks: list[dict[str, Any]], schedule: dict[str, Any]) -> str:
    """Bars from earliest start to earliest finish (critical tasks in red), slack as a pale tail."""
    rows = schedule.get("tasks") or {}
    shown = [t for t in tasks if t["id"] in rows]
    span = max(float(schedule.get("project_duration_days") or 0), 1.0)
    scale = CHART_W / span
    height = ROW * len(shown) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Schedule (Gantt chart)" '
             f'width="{LABEL_W + CHART_W + 20}" height="{height}" font-family="sans-serif" font-size="11">']
    step = _tick_step(span)
    for day in range(0, int(span) + 1, step):
        x = LABEL_W + day * scale
        parts.append(f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height - 10}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="12" text-anchor="middle" fill="#555">{day}</text>')
    for i, task in enumerate(shown):
        row = rows[task["id"]]
        y = 22 + i * ROW
        es, ef, lf = (float(row[k]) for k in ("earliest_start", "earliest_finish", "latest_finish"))
        label = escape(f"{task['id']} {task.get('name') or ''}".strip()[:38])
        colour = CRITICAL if row.get("critical") else NORMAL
        parts.append(f'<text x="4" y="{y + 12}">{label}</text>')
        if lf > ef:
            parts.append(f'<rect x="{LABEL_W + ef * scale:.1f}" y="{y + 4}" '
                         f'width="{(lf - ef) * scale:.1f}" height="{ROW - 8}" fill="{SLACK}">'
                         f'<title>slack {row.get("slack")} d</title></rect>')
        cls = "bar critical" if row.get("critical") else "bar"
        parts.append(f'<rect class="{cls}" x="{LABEL_W + es * scale:.1f}" y="{y + 2}" '
                     f'width="{max((ef - es) * scale, 1.5):.1f}" height="{ROW - 4}" fill="{colour}" '
                     f'rx="2"><title>{label}: day {es:g} to {ef:g}</title></rect>')
    parts.append(f'<text x="{LABEL_W}" y="{height - 1}" fill="#555">days from plan start '
                 f'(red: critical path; pale: slack)</text></svg>')
    return "".join(parts)


def band(score: int) -> str:
    return "high" if score >= 15 else "medium" if score >= 5 else "low"


def risk_matrix_svg(matrix: list[list[int]]) -> str:
    """Likelihood (rows, 5 at the top) by impact (columns); each cell shows its count of risks."""
    cell, left, top = 56, 70, 20
    size = left + 5 * cell + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Risk matrix" width="{size}" '
             f'height="{top + 5 * cell + 50}" font-family="sans-serif" font-size="12">']
    for likelihood in range(5, 0, -1):
        y = top + (5 - likelihood) * cell
        parts.append(f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end">{likelihood}</text>')
        for impact in range(1, 6):
            x = left + (impact - 1) * cell
            count = matrix[likelihood - 1][impact - 1]
            fill = BAND_COLOURS[band(likelihood * impact)]
            weight = "bold" if count else "normal"
            parts.append(f'<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                         f'stroke="#fff"/><text x="{x + cell / 2}" y="{y + cell / 2 + 5}" '
                         f'text-anchor="middle" font-weight="{weight}">{count or ""}</text>')
    for impact in range(1, 6):
        parts.append(f'<text x="{left + (impact - 0.5) * cell}" y="{top + 5 * cell + 16}" '
                     f'text-anchor="middle">{impact}</text>')
    parts.append(f'<text x="{left + 2.5 * cell}" y="{top + 5 * cell + 36}" text-anchor="middle">impact</text>'
                 f'<text x="14" y="{top + 2.5 * cell}" transform="rotate(-90 14 {top + 2.5 * cell})" '
                 f'text-anchor="middle">likelihood</text></svg>')
    return "".join(parts)


__all__ = ["band", "gantt_svg", "risk_matrix_svg"]
