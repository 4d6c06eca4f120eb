"""Inline SVG charts for the HTML report: the 5x5 risk matrix, a histogram and per-role sparklines.

Plain strings, no external fonts, scripts or stylesheets, so the report stays self-contained. Each chart
has a ``viewBox`` and scales down with the page (``max-width:100%`` in the report's CSS).
"""

from __future__ import annotations

from html import escape

BAND_COLOURS = {"low": "#a9dfbf", "medium": "#f9e79f", "high": "#f5b7b1"}


def band(score: int) -> str:
    return "high" if score >= 15 else "medium" if score >= 5 else "low"


def risk_matrix_svg(matrix: list[list[int]]) -> str:
    """Likelihood (rows, 5 at the top) by impact (columns); each cell shows its count of risks."""
    cell, left, top = 56, 70, 20
    size = left + 5 * cell + 20
    height = top + 5 * cell + 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Risk matrix" width="{size}" '
             f'height="{height}" viewBox="0 0 {size} {height}" font-family="sans-serif" font-size="12">']
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


def histogram_svg(start: float, width: float, counts: list[int], marks: dict[str, float]) -> str:
    """Bars of a histogram of project durations, with vertical lines at the named marks (P50, …)."""
    w, h, pad = 480, 150, 24
    most = max(counts, default=0) or 1
    span = width * len(counts) or 1.0
    bar = (w - 2 * pad) / max(len(counts), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="histogram" viewBox="0 0 {w} {h}" '
             f'width="{w}" height="{h}" font-family="sans-serif" font-size="11" aria-label="Distribution of '
             f'the simulated project duration">']
    for i, n in enumerate(counts):
        bh = (h - 2 * pad) * n / most
        low = start + i * width
        parts.append(f'<rect class="hbar" x="{pad + i * bar:.1f}" y="{h - pad - bh:.1f}" '
                     f'width="{bar - 1:.1f}" height="{bh:.1f}" fill="#85c1e9"><title>{low:.0f} to '
                     f'{low + width:.0f} days: {n} runs</title></rect>')
    # marks closer than a label's width share one label ("P50/P80" when a plan has no spread at all)
    labels: list[tuple[float, list[str]]] = []
    for name, value in sorted(marks.items(), key=lambda kv: kv[1]):
        x = pad + (value - start) / span * (w - 2 * pad)
        parts.append(f'<line x1="{x:.1f}" y1="{pad - 6}" x2="{x:.1f}" y2="{h - pad}" stroke="#c0392b"/>')
        if labels and x - labels[-1][0] < 24:
            labels[-1][1].append(name)
        else:
            labels.append((x, [name]))
    for x, names in labels:
        anchor = "middle" if len(names) == 1 else "start" if x < w / 2 else "end"
        parts.append(f'<text x="{x:.1f}" y="{pad - 9}" text-anchor="{anchor}" fill="#c0392b">'
                     f'{escape("/".join(names))}</text>')
    parts.append(f'<text x="{pad}" y="{h - 6}" fill="#555">{start:.0f} days</text><text x="{w - pad}" '
                 f'y="{h - 6}" text-anchor="end" fill="#555">{start + span:.0f} days</text></svg>')
    return "".join(parts)


def sparkline_svg(series: list[float], peak: float, label: str) -> str:
    """A small area chart of one role's demand over time (height relative to ``peak``)."""
    w, h = 160, 24
    if not series:
        return ""
    top = max(peak, max(series), 1e-9)
    step = w / max(len(series), 1)
    points = [f"0,{h}"]
    for i, v in enumerate(series):
        y = h - (h - 2) * v / top
        points += [f"{i * step:.1f},{y:.1f}", f"{(i + 1) * step:.1f},{y:.1f}"]
    points.append(f"{w},{h}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" viewBox="0 0 {w} {h}" width="{w}" '
            f'height="{h}" role="img" aria-label="{escape(label)}"><polygon points="{" ".join(points)}" '
            f'fill="#aed6f1" stroke="#2e86c1" stroke-width="1"/></svg>')


__all__ = ["band", "histogram_svg", "risk_matrix_svg", "sparkline_svg"]
