"""The report's Gantt chart: HTML and CSS (no SVG, no script), grouped by phase, legible at 200 tasks.

Each row is a two-column grid: a label cut with an ellipsis (the full name on hover, from ``title``) and
a track where bars sit at percentages of the project span, so the chart fits any width — a phone shows
the same chart, narrower. Top-level phases are ``<details>`` elements: closed, a phase is one summary
bar; open, its subtasks and tasks. Critical tasks are red, slack is a pale tail, phases grey.
"""

from __future__ import annotations

import math
from html import escape

from plugsmith.pipeline._report_data import PhaseGroup, ReportData, TaskRow, day_count, days

OPEN_UP_TO = 40  # plans with at most this many tasks show every phase open


def tick_step(span: float) -> int:
    """A round tick interval giving roughly ten ticks over ``span`` days."""
    raw = max(span / 10, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


def _pct(value: float, span: float) -> str:
    return f"{100 * value / span:.3f}".rstrip("0").rstrip(".") + "%"


def _bar(cls: str, start: float, finish: float, span: float, title: str) -> str:
    width = max(finish - start, span * 0.003)
    return (f'<span class="{cls}" style="left:{_pct(start, span)};width:{_pct(width, span)}" '
            f'title="{escape(title)}"></span>')


def _when(data: ReportData, start: float, finish: float) -> str:
    dates = f" ({data.date(start)} to {data.date(finish)})" if data.start else ""
    return f"day {days(start)} to {days(finish)}{dates}"


def _task_row(data: ReportData, task: TaskRow, span: float, depth: int) -> str:
    if task.start is None or task.finish is None:
        track = ""
    else:
        slack = task.slack or 0.0
        title = (f"{task.name}: {day_count(task.days)}, {_when(data, task.start, task.finish)}"
                 + ("; on the critical path" if task.critical else f"; slack {day_count(slack)}"))
        track = _bar("bar crit" if task.critical else "bar", task.start, task.finish, span, title)
        if slack > 0:
            track = _bar("slack", task.finish, task.finish + slack, span, f"slack {day_count(slack)}") + track
    return (f'<div class="row task d{depth}"><span class="label" title="{escape(task.name)}">'
            f'{escape(task.name)}</span><span class="track">{track}</span></div>')


def _phase_bar(data: ReportData, group: PhaseGroup, span: float) -> str:
    reach = group.span()
    if reach is None:
        return ""
    n = len(group.all_tasks())
    title = f"{group.name}: {n} task{'s' if n != 1 else ''}, {_when(data, *reach)}"
    return _bar("bar phase", reach[0], reach[1], span, title)


def _group(data: ReportData, group: PhaseGroup, span: float, opened: bool) -> str:
    n, crit = len(group.all_tasks()), group.critical_count()
    count = f"{n} task{'s' if n != 1 else ''}" + (f", {crit} critical" if crit else "")
    summary = (f'<summary class="row"><span class="label" title="{escape(group.name)} ({count})">'
               f'{escape(group.name)} <small>({count})</small></span><span class="track">'
               f"{_phase_bar(data, group, span)}</span></summary>")
    rows = [_task_row(data, t, span, 1) for t in group.tasks]
    for child in group.children:
        bar = _phase_bar(data, child, span)
        rows.append(f'<div class="row sub"><span class="label" title="{escape(child.name)}">'
                    f'{escape(child.name)}</span><span class="track">{bar}</span></div>')
        rows += [_task_row(data, t, span, 2) for t in child.all_tasks()]
    return f'<details class="phase"{" open" if opened else ""}>{summary}{"".join(rows)}</details>'


def _axis(data: ReportData, span: float) -> str:
    step = tick_step(span)
    marks = []
    for day in range(0, int(span) + 1, step):
        title = f' title="{data.date(day)}"' if data.start else ""
        edge = " first" if day == 0 else " last" if day > 0.9 * span else ""
        marks.append(f'<span class="tick{edge}" style="left:{_pct(day, span)}"{title}>{day}</span>')
    return (f'<div class="row axis"><span class="label">day</span><span class="track">{"".join(marks)}'
            "</span></div>")


def gantt_html(data: ReportData) -> str:
    """The chart, or a note saying why there is none."""
    scheduled = [t.finish for t in data.tasks if t.finish is not None]
    if not scheduled:
        return '<p class="note">No schedule: the critical_path capability did not produce one.</p>'
    span = max(max(scheduled), data.duration or 0.0, 1.0)
    opened = len(data.tasks) <= OPEN_UP_TO
    groups = "".join(_group(data, g, span, opened) for g in data.groups)
    step = 100 * tick_step(span) / span
    hint = "" if opened else " Open a phase to see its tasks."
    return (f'<div class="gantt" style="--tick:{step:.4f}%">{_axis(data, span)}{groups}</div>'
            f'<p class="note legend"><span class="key crit"></span> critical (no slack) '
            f'<span class="key"></span> other tasks <span class="key slack"></span> slack '
            f'<span class="key phase"></span> phase; days from the plan start.{hint}</p>')


GANTT_CSS = """.gantt{font-size:13px;margin:.5em 0}
.gantt .row{display:grid;grid-template-columns:minmax(0,30em) minmax(0,1fr);align-items:center;
 min-height:19px}
.gantt .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;padding-right:.6em}
.gantt .d1 .label{padding-left:1.2em}.gantt .d2 .label{padding-left:2.2em}
.gantt .sub .label{padding-left:1.2em;font-weight:600}
.gantt .track{position:relative;height:15px;background:linear-gradient(to right,#e6e6e6 1px,transparent 1px)
 0 0/var(--tick) 100%}
.gantt .bar{position:absolute;top:2px;height:11px;border-radius:2px;background:#2e86c1}
.gantt .bar.crit{background:#c0392b}.gantt .slack{position:absolute;top:7px;height:2px;background:#a9cce3}
.gantt .bar.phase{background:#7b7d7d;top:4px;height:7px}
.gantt .axis .track{background:none;height:16px}.gantt .tick{position:absolute;font-size:11px;color:#555;
 transform:translateX(-50%)}
.gantt .tick.first{transform:none}.gantt .tick.last{transform:translateX(-100%)}
.gantt details.phase>summary{cursor:pointer;list-style:none;font-weight:600}
.gantt details.phase>summary::-webkit-details-marker{display:none}
.gantt details.phase>summary .label::before{content:"\\25B8 ";color:#777}
.gantt details.phase[open]>summary .label::before{content:"\\25BE "}
.legend .key{display:inline-block;width:1.4em;height:.7em;background:#2e86c1;vertical-align:middle}
.legend .key.crit{background:#c0392b}.legend .key.slack{background:#a9cce3;height:2px}
.legend .key.phase{background:#7b7d7d}
@media (max-width:640px){.gantt .row{grid-template-columns:minmax(0,1fr);margin-bottom:2px}
 .gantt .track{height:12px}.gantt .bar{top:1px;height:10px}.gantt .slack{top:5px}
 .gantt .axis .label{display:none}.gantt .tick:nth-child(even){display:none}
 .gantt .d2 .label{padding-left:1.6em}}"""


__all__ = ["GANTT_CSS", "gantt_html", "tick_step"]
