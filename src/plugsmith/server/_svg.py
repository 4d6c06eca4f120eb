"""Inline-SVG charts: no JavaScript, no external assets, readable without CSS.

Each function returns one ``<svg>`` element with explicit ``width``/``height`` and a ``<title>`` for
screen readers. Values are plotted as given; the caller decides the scale (rates use 0..1).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 360, 160, 28


def _frame(title: str, body: str, *, width: int = WIDTH, height: int = HEIGHT, kind: str = "chart") -> str:
    return (
        f'<svg class="{kind}" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfbfd" stroke="#d0d4dc"/>'
        f"{body}</svg>"
    )


def _axes(ymax: float, ylabel_fmt: str) -> str:
    left, bottom, top, right = PAD + 8, HEIGHT - PAD, 12, WIDTH - 10
    return (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#888"/>'
        f'<text x="4" y="{top + 8}" font-size="10" fill="#555">{ylabel_fmt.format(ymax)}</text>'
        f'<text x="4" y="{bottom}" font-size="10" fill="#555">{ylabel_fmt.format(0)}</text>'
    )


def line_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    ymax: float | None = None,
    fmt: str = "{:.0%}",
) -> str:
    """A polyline of ``values`` over ``labels`` (e.g. days); an empty series draws a 'no data' note."""
    if not values:
        return _frame(
            title,
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle" '
            f'font-size="12" fill="#777">no data yet</text>',
        )
    top = ymax if ymax is not None else max(max(values), 1e-9)
    left, bottom, right, upper = PAD + 8, HEIGHT - PAD, WIDTH - 10, 12
    step = (right - left) / max(len(values) - 1, 1)
    points = [
        (left + i * step, bottom - (min(v, top) / top) * (bottom - upper)) for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#3465a4"><title>{escape(lab)}: '
        f"{escape(fmt.format(v))}</title></circle>"
        for (x, y), lab, v in zip(points, labels, values, strict=False)
    )
    first, last = escape(labels[0]), escape(labels[-1])
    ticks = (
        f'<text x="{left}" y="{HEIGHT - 8}" font-size="10" fill="#555">{first}</text>'
        f'<text x="{right}" y="{HEIGHT - 8}" font-size="10" fill="#555" text-anchor="end">{last}</text>'
    )
    body = (
        _axes(top, fmt)
        + f'<polyline fill="none" stroke="#3465a4" stroke-width="2" points="{path}"/>'
        + dots
        + ticks
    )
    return _frame(title, body)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, fmt: str = "{:g}") -> str:
    """Vertical bars, one per label (e.g. uses per day, or a metric per capability)."""
    if not values:
        return line_chart(title, [], [])
    top = max(max(values), 1e-9)
    left, bottom, right, upper = PAD + 8, HEIGHT - PAD, WIDTH - 10, 12
    slot = (right - left) / len(values)
    width = max(slot * 0.7, 1.0)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        height = (value / top) * (bottom - upper)
        x = left + i * slot + (slot - width) / 2
        bars.append(
            f'<rect class="bar" x="{x:.1f}" y="{bottom - height:.1f}" width="{width:.1f}" '
            f'height="{max(height, 0.5):.1f}" fill="#73a657"><title>{escape(label)}: '
            f"{escape(fmt.format(value))}</title></rect>"
        )
    ticks = f'<text x="{left}" y="{HEIGHT - 8}" font-size="10" fill="#555">{escape(labels[0])}</text>'
    if len(labels) > 1:
        ticks += (
            f'<text x="{right}" y="{HEIGHT - 8}" font-size="10" fill="#555" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    return _frame(title, _axes(top, fmt) + "".join(bars) + ticks)


def gauge(title: str, value: float | None) -> str:
    """A horizontal 0..100 % bar for a single rate."""
    width, height = 220, 28
    if value is None:
        body = f'<text x="8" y="18" font-size="12" fill="#777">{escape(title)}: no data</text>'
        return _frame(title, body, width=width, height=height, kind="gauge")
    filled = max(0.0, min(1.0, value)) * (width - 2)
    body = (
        f'<rect x="1" y="1" width="{filled:.1f}" height="{height - 2}" fill="#9fc5e8"/>'
        f'<text x="8" y="18" font-size="12" fill="#123">{escape(title)}: {value:.0%}</text>'
    )
    return _frame(title, body, width=width, height=height, kind="gauge")


def hbar_chart(title: str, labels: Sequence[str], values: Sequence[float], *, fmt: str = "{:g}") -> str:
    """Horizontal bars with their labels and values written out: counts that read without axes."""
    row, label_w = 22, 150
    width, height = WIDTH, max(row * len(values) + 8, 40)
    if not values:
        return line_chart(title, [], [])
    top = max(max(values), 1e-9)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = 6 + i * row
        length = (value / top) * (width - label_w - 60)
        bars.append(
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" fill="#333" text-anchor="end">'
            f'{escape(label[:24])}</text><rect class="bar" x="{label_w}" y="{y + 2}" '
            f'width="{max(length, 1):.1f}" '
            f'height="{row - 6}" fill="#73a657"><title>{escape(label)}: {escape(fmt.format(value))}</title>'
            f'</rect><text x="{label_w + max(length, 1) + 4:.1f}" y="{y + 14}" font-size="12" fill="#333">'
            f"{escape(fmt.format(value))}</text>"
        )
    return _frame(title, "".join(bars), width=width, height=height)


def stacked_bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]]
) -> str:
    """One stacked bar per label (e.g. per run); ``series`` is (name, colour, values) with a legend."""
    if not labels:
        return line_chart(title, [], [])
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    top = max(max(totals), 1e-9)
    left, bottom, right, upper = PAD + 8, HEIGHT - PAD - 14, WIDTH - 10, 12
    slot = (right - left) / len(labels)
    width = max(min(slot * 0.7, 48), 1.0)
    parts = []
    for i, label in enumerate(labels):
        y = float(bottom)
        x = left + i * slot + (slot - width) / 2
        for name, colour, values in series:
            h = (values[i] / top) * (bottom - upper)
            if values[i]:
                parts.append(
                    f'<rect class="bar" x="{x:.1f}" y="{y - h:.1f}" width="{width:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(label)}: {escape(name)} {values[i]:g}</title></rect>'
                )
            y -= h
    legend = "".join(
        f'<rect x="{left + j * 110}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
        f'<text x="{left + j * 110 + 14}" y="{HEIGHT - 5}" font-size="10" fill="#333">{escape(name)}</text>'
        for j, (name, colour, _) in enumerate(series)
    )
    ticks = f'<text x="{left}" y="{bottom + 12}" font-size="10" fill="#555">{escape(labels[0])}</text>'
    if len(labels) > 1:
        ticks += (
            f'<text x="{right}" y="{bottom + 12}" font-size="10" fill="#555" text-anchor="end">'
            f"{escape(labels[-1])}</text>"
        )
    axes = (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>'
        f'<text x="4" y="{upper + 8}" font-size="10" fill="#555">{top:g}</text>'
    )
    return _frame(title, axes + "".join(parts) + ticks + legend)


__all__ = ["bar_chart", "gauge", "hbar_chart", "line_chart", "stacked_bar_chart"]
