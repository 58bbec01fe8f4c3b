"""Charts drawn from the data as inline SVG, each with a text alternative.

Hand-built SVG keeps the pages offline and script-free: no plotting library in the
request path, no inline styles (colours are presentation attributes, allowed by a strict
CSP). Every chart carries <title>/<desc> (named by aria-labelledby) and a data table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Qualitative palette (Tableau 20 order), one colour per series in legend order.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#17becf",
)

WIDTH = 760
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64


@dataclass(slots=True)
class Chart:
    """An SVG chart and its text alternative (a summary and a table of the same numbers)."""

    chart_id: str
    title: str
    summary: str
    svg: Markup
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _fmt(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _axis(value: float) -> str:
    """Short tick labels: 1.5M rather than 1,500,000, so they fit left of the plot."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}" if size > 1e4 else f"{value / 1e3:g}k"
    return _fmt(value)


def _nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    steps = [m * mag for m in (1, 2, 2.5, 5, 10)]
    if integer:  # counts: whole-number ticks only
        steps = [max(1.0, st) for st in steps if st >= 1 and st == int(st)] or [1.0]
    step = next((st for st in steps if st >= raw), steps[-1] * math.ceil(raw / steps[-1]))
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks


def _frame(chart_id: str, title: str, desc: str, body: list[str]) -> Markup:
    head = Markup(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{cid}-title">{title}</title><desc id="{cid}-desc">{desc}</desc>'
    ).format(w=WIDTH, h=HEIGHT, cid=chart_id, title=title, desc=desc)
    return head + Markup("").join(Markup(b) for b in body) + Markup("</svg>")


def _y_axis(ticks: list[float], y_of: object, label: str) -> list[str]:
    out = []
    for tick in ticks:
        y = y_of(tick)  # type: ignore[operator]
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">{_axis(tick)}</text>'
        )
    out.append(
        str(
            Markup(
                '<text x="12" y="{y}" font-size="11" fill="#555" transform="rotate(-90 12 {y})" '
                'text-anchor="middle">{label}</text>'
            ).format(y=TOP + (HEIGHT - TOP - BOTTOM) // 2, label=label)
        )
    )
    return out


def _legend(names: Sequence[str], y: float) -> list[str]:
    out = []
    x = float(LEFT)
    for i, name in enumerate(names):
        width = 18 + 7 * len(name)
        if x + width > WIDTH - RIGHT:
            x = float(LEFT)
            y += 16
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        out.append(
            str(
                Markup('<text x="{x}" y="{y}" font-size="11" fill="#333">{name}</text>').format(
                    x=f"{x + 14:.1f}", y=f"{y:.1f}", name=name
                )
            )
        )
        x += width
    return out


def stacked_bars(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, y_label: str
) -> Chart:
    """Return a stacked bar chart: one bar per label (e.g. month), one colour per series."""
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    headers = ["", *[name for name, _ in series], "total"]
    rows = [[label, *[_fmt(values[i]) for _, values in series], _fmt(totals[i])] for i, label in enumerate(labels)]
    if not labels:
        summary = "No data."
        return Chart(chart_id, title, summary, _frame(chart_id, title, summary, []), headers, rows)
    peak = max(range(len(labels)), key=lambda i: totals[i])
    summary = (
        f"{_fmt(sum(totals))} in total from {labels[0]} to {labels[-1]}; "
        f"the most in {labels[peak]} ({_fmt(totals[peak])})."
    )
    ticks = _nice_ticks(0, max(totals) or 1, integer=True)
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def y_of(v: float) -> float:
        return TOP + plot_h - plot_h * v / ticks[-1]

    body = _y_axis(ticks, y_of, y_label)
    slot = plot_w / len(labels)
    bar_w = max(1.0, slot * 0.8)
    label_every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        x = LEFT + i * slot + (slot - bar_w) / 2
        base = 0.0
        for s, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            y_top, y_bottom = y_of(base + value), y_of(base)
            body.append(
                str(
                    Markup(
                        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"><title>{t}</title></rect>'
                    ).format(
                        x=f"{x:.1f}",
                        y=f"{y_top:.1f}",
                        w=f"{bar_w:.1f}",
                        h=f"{y_bottom - y_top:.1f}",
                        c=PALETTE[s % len(PALETTE)],
                        t=f"{label} {name}: {_fmt(value)}",
                    )
                )
            )
            base += value
        if i % label_every == 0:
            body.append(
                str(
                    Markup('<text x="{x}" y="{y}" font-size="11" fill="#555" text-anchor="middle">{t}</text>').format(
                        x=f"{x + bar_w / 2:.1f}", y=HEIGHT - BOTTOM + 16, t=label
                    )
                )
            )
    body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#888"/>')
    body.extend(_legend([name for name, _ in series], HEIGHT - BOTTOM + 38))
    return Chart(chart_id, title, summary, _frame(chart_id, title, summary, body), headers, rows)


def _x_value(label: str) -> float:
    """Days since 1970 for an ISO date or month label; used for a proportional time axis."""
    text = label if len(label) > 7 else f"{label}-01"
    return float((dt.date.fromisoformat(text[:10]) - dt.date(1970, 1, 1)).days)


def lines(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_label: str,
    zero_line: bool = False,
) -> Chart:
    """Return a line chart over ISO dates or months (proportional time axis); None is a gap."""
    headers = ["", *[name for name, _ in series]]
    rows = [
        [label, *["" if values[i] is None else _fmt(values[i]) for _, values in series]]  # type: ignore[arg-type]
        for i, label in enumerate(labels)
    ]
    points = [v for _, values in series for v in values if v is not None]
    if not labels or not points:
        summary = "No data."
        return Chart(chart_id, title, summary, _frame(chart_id, title, summary, []), headers, rows)
    parts = []
    for name, values in series:
        known = [(labels[i], v) for i, v in enumerate(values) if v is not None]
        if known:
            parts.append(f"{name}: {_fmt(known[0][1])} ({known[0][0]}) to {_fmt(known[-1][1])} ({known[-1][0]})")
    summary = "; ".join(parts) + "."
    lo, hi = min([*points, 0.0] if zero_line else points), max([*points, 0.0] if zero_line else points)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    ticks = _nice_ticks(lo, hi)
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT
    xs = [_x_value(label) for label in labels]
    x_lo, x_hi = min(xs), max(xs)
    span = (x_hi - x_lo) or 1.0

    def y_of(v: float) -> float:
        return TOP + plot_h - plot_h * (v - ticks[0]) / (ticks[-1] - ticks[0])

    def x_of(x: float) -> float:
        return LEFT + 10 + (plot_w - 20) * ((x - x_lo) / span if x_hi > x_lo else 0.5)

    body = _y_axis(ticks, y_of, y_label)
    if zero_line and ticks[0] < 0 < ticks[-1]:
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#888"/>')
    last_x = -1e9
    for i, label in enumerate(labels):
        # Labels sit at their dates: skip one that would overlap the previous label.
        if x_of(xs[i]) - last_x >= 58:
            last_x = x_of(xs[i])
            anchor = "end" if x_of(xs[i]) > WIDTH - RIGHT - 30 else "middle"
            body.append(
                str(
                    Markup('<text x="{x}" y="{y}" font-size="11" fill="#555" text-anchor="{a}">{t}</text>').format(
                        x=f"{x_of(xs[i]):.1f}", y=HEIGHT - BOTTOM + 16, a=anchor, t=label
                    )
                )
            )
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        pts = [(x_of(xs[i]), y_of(v), labels[i], v) for i, v in enumerate(values) if v is not None]
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, label, v in pts:
            body.append(
                str(
                    Markup('<circle cx="{x}" cy="{y}" r="3.5" fill="{c}"><title>{t}</title></circle>').format(
                        x=f"{x:.1f}", y=f"{y:.1f}", c=colour, t=f"{name}, {label}: {_fmt(v)}"
                    )
                )
            )
    body.extend(_legend([name for name, _ in series], HEIGHT - BOTTOM + 38))
    return Chart(chart_id, title, summary, _frame(chart_id, title, summary, body), headers, rows)


def escape_text(text: str) -> Markup:
    """Escape text for SVG or HTML (re-exported for templates that build labels)."""
    return escape(text)
