"""Inline SVG charts for the report: no script, no bundle, legible on a phone.

Each function returns a :class:`Chart`: an ``<svg>`` drawn in a small coordinate system
(``viewBox`` 400 wide) so that it scales to the page width with text that stays readable
at 390 px, plus an HTML legend under it (wraps on a phone, never covers the lines).  Every
point and bar carries a ``<title>`` (the browser's tooltip) with its formatted value.
All data-derived text is escaped with ``escape_text``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.report.escape import escape_text

__all__ = ["DAY_NAMES", "Chart", "bar_chart", "color_ramp", "hour_of_week_heatmap", "line_chart"]

#: Row labels of the hour-of-week heatmap (bin 0 = Monday 00:00, CONVENTIONS.md).
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Series colours (colour-blind safe, Okabe-Ito).
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_W, _H = 400, 230  # viewBox size
_L, _R, _T, _B = 46, 10, 10, 40  # plot margins inside the viewBox


@dataclass(frozen=True)
class Chart:
    """A chart ready for the page: ``title`` (caption), ``svg`` markup, legend entries."""

    title: str
    svg: str
    legend: tuple[tuple[str, str], ...] = ()  # (colour, label)

    def to_html(self) -> str:
        """``<figure class="hp-chart">`` with the title, the SVG and the legend."""
        legend = "".join(
            f"<li><span class='hp-swatch' style='background:{c}'></span>{escape_text(label)}</li>"
            for c, label in self.legend
        )
        legend_html = f"<ul class='hp-legend'>{legend}</ul>" if legend else ""
        return (
            f"<figure class='hp-chart'><figcaption>{escape_text(self.title)}</figcaption>"
            f"{self.svg}{legend_html}</figure>"
        )


def _fmt(value: float, percent: bool, decimals: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:.{decimals}%}" if percent else f"{value:,.{decimals}f}"


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]``."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** np.floor(np.log10(raw))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw), default=10 * mag)
    start = np.floor(lo / step) * step
    ticks = [start + i * step for i in range(int(np.ceil((hi - start) / step)) + 1)]
    return [float(round(t, 10)) for t in ticks]


def _svg_open(label: str, height: int = _H) -> str:
    return (
        f"<svg class='hp-svg' viewBox='0 0 {_W} {height}' role='img' "
        f"aria-label='{escape_text(label)}' xmlns='http://www.w3.org/2000/svg'>"
    )


def _axes(
    ticks: list[float], y0: float, y1: float, percent: bool, x_title: str, y_title: str
) -> tuple[list[str], Callable[[float], float]]:
    """Y grid lines with labels and axis titles; returns parts and the y scale."""
    ph = _H - _T - _B

    def ys(v: float) -> float:
        return _T + ph * (1 - (v - y0) / (y1 - y0))

    parts = []
    for t in ticks:
        y = ys(t)
        label = f"{t:.0%}" if percent else f"{t:,.0f}" if abs(t) >= 10 or t == 0 else f"{t:g}"
        parts.append(
            f"<line x1='{_L}' x2='{_W - _R}' y1='{y:.1f}' y2='{y:.1f}' class='hp-grid'/>"
            f"<text x='{_L - 4}' y='{y + 3.5:.1f}' class='hp-tick' text-anchor='end'>{label}</text>"
        )
    parts.append(
        f"<text x='{(_L + _W - _R) / 2:.0f}' y='{_H - 4}' class='hp-axis' "
        f"text-anchor='middle'>{escape_text(x_title)}</text>"
        f"<text transform='translate(11 {(_T + _H - _B) / 2:.0f}) rotate(-90)' class='hp-axis' "
        f"text-anchor='middle'>{escape_text(y_title)}</text>"
    )
    return parts, ys


def _series(y: str | Sequence[str], names: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The y column(s) and their legend names (default: the column names)."""
    ys = [y] if isinstance(y, str) else list(y)
    names = ys if names is None else list(names)
    if len(names) != len(ys):
        raise ValueError(f"names: got {len(names)} for {len(ys)} series")
    return ys, names


def _y_range(values: np.ndarray, hlines: Sequence[tuple[float, str]], percent: bool) -> list[float]:
    finite = values[np.isfinite(values)]
    hi = max([float(finite.max()) if finite.size else 1.0, *(v for v, _ in hlines)])
    if percent:
        hi = min(1.0, hi) if hi <= 1.0 else hi
    return _nice_ticks(0.0, hi if hi > 0 else 1.0)


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str | Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
    names: Sequence[str] | None = None,
    percent: bool = False,
    markers: bool = True,
    hlines: Sequence[tuple[float, str]] = (),
) -> Chart:
    """Lines of ``y`` column(s) against a numeric ``x`` (e.g. reached share vs teams).

    ``percent`` formats the y axis and tooltips as percentages of fractions in [0, 1];
    ``hlines`` adds dashed reference lines ``(value, label)`` (e.g. the 90% target).
    The y axis starts at zero.
    """
    ys, names = _series(y, names)
    xv = frame[x].to_numpy(dtype=float)
    values = frame[ys].to_numpy(dtype=float)
    ticks = _y_range(values, hlines, percent)
    parts, yscale = _axes(ticks, ticks[0], ticks[-1], percent, x_title, y_title)
    x0, x1 = (float(xv.min()), float(xv.max())) if len(xv) else (0.0, 1.0)
    if x1 == x0:
        x1 = x0 + 1

    def xs(v: float) -> float:
        return _L + (_W - _L - _R) * (v - x0) / (x1 - x0)

    xticks = _nice_ticks(x0, x1, 6)
    for t in xticks:
        if x0 <= t <= x1:
            parts.append(
                f"<text x='{xs(t):.1f}' y='{_H - _B + 13}' class='hp-tick' "
                f"text-anchor='middle'>{t:g}</text>"
            )
    for value, label in hlines:
        yy = yscale(value)
        parts.append(
            f"<line x1='{_L}' x2='{_W - _R}' y1='{yy:.1f}' y2='{yy:.1f}' class='hp-ref'/>"
            f"<text x='{_W - _R - 2}' y='{yy - 3:.1f}' class='hp-tick' "
            f"text-anchor='end'>{escape_text(label)}</text>"
        )
    for i, (col, name) in enumerate(zip(ys, names, strict=True)):
        color = COLORS[i % len(COLORS)]
        pts = [
            (xs(a), yscale(b), a, b)
            for a, b in zip(xv, values[:, i], strict=True)
            if np.isfinite(b)
        ]
        if not pts:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts)
        parts.append(f"<polyline points='{path}' fill='none' stroke='{color}' stroke-width='2'/>")
        if markers:
            for px, py, a, b in pts:
                parts.append(
                    f"<circle cx='{px:.1f}' cy='{py:.1f}' r='2.6' fill='{color}'>"
                    f"<title>{escape_text(name)} - {escape_text(x_title)} {a:g}: "
                    f"{_fmt(b, percent)}</title></circle>"
                )
        del col
    svg = _svg_open(title) + "".join(parts) + "</svg>"
    legend = tuple((COLORS[i % len(COLORS)], n) for i, n in enumerate(names))
    return Chart(title, svg, legend)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str | Sequence[str],
    title: str,
    x_title: str,
    y_title: str,
    names: Sequence[str] | None = None,
    percent: bool = False,
) -> Chart:
    """Grouped bars of ``y`` column(s) by category ``x`` (e.g. reached share by income group,
    one bar per plan).  Category labels are escaped and shortened to fit.
    """
    ys, names = _series(y, names)
    cats = [str(v) for v in frame[x]]
    values = frame[ys].to_numpy(dtype=float)
    ticks = _y_range(values, (), percent)
    parts, yscale = _axes(ticks, ticks[0], ticks[-1], percent, x_title, y_title)
    n, k = len(cats), len(ys)
    slot = (_W - _L - _R) / max(n, 1)
    bar = slot * 0.8 / max(k, 1)
    base = yscale(0.0)
    every = max(1, int(np.ceil(n / 12)))  # at most 12 category labels
    for j, cat in enumerate(cats):
        left = _L + j * slot + slot * 0.1
        for i in range(k):
            v = values[j, i]
            if not np.isfinite(v):
                continue
            top = yscale(v)
            parts.append(
                f"<rect x='{left + i * bar:.1f}' y='{top:.1f}' width='{bar * 0.92:.1f}' "
                f"height='{max(base - top, 0):.1f}' fill='{COLORS[i % len(COLORS)]}'>"
                f"<title>{escape_text(names[i])} - {escape_text(cat)}: {_fmt(v, percent)}</title>"
                "</rect>"
            )
        if j % every == 0:
            label = cat if len(cat) <= 14 else cat[:13] + "…"
            parts.append(
                f"<text x='{_L + (j + 0.5) * slot:.1f}' y='{_H - _B + 13}' class='hp-tick' "
                f"text-anchor='middle'>{escape_text(label)}</text>"
            )
    svg = _svg_open(title) + "".join(parts) + "</svg>"
    legend = tuple((COLORS[i % len(COLORS)], nm) for i, nm in enumerate(names)) if k > 1 else ()
    return Chart(title, svg, legend)


def color_ramp(t: float) -> str:
    """Yellow-orange-red ramp for t in [0, 1] (light = low)."""
    stops = ((255, 255, 204), (254, 178, 76), (240, 59, 32), (128, 0, 38))
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    f = t - i
    r, g, b = (round(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])) for c in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"


def hour_of_week_heatmap(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    title: str,
    value_label: str = "calls per year",
    decimals: int = 1,
) -> Chart:
    """A 7 x 24 heatmap of an hour-of-week series (168 values, bin 0 = Monday 00:00).

    Rows are days (Monday at the top), columns hours of day 0..23; each cell's tooltip
    gives day, hour and the value with ``decimals`` places and ``value_label``.
    """
    arr = np.asarray(values, dtype=float)
    if arr.shape != (168,):
        raise ValueError(
            f"hour_of_week_heatmap: expected 168 values (hour of week), got shape {arr.shape}"
        )
    grid = arr.reshape(7, 24)
    lo, hi = float(np.nanmin(grid)), float(np.nanmax(grid))
    left, top, cell_w, cell_h = 32, 4, (_W - 32 - 4) / 24, 22
    height = top + 7 * cell_h + 18
    parts = []
    for d, day in enumerate(DAY_NAMES):
        y = top + d * cell_h
        parts.append(
            f"<text x='{left - 3}' y='{y + cell_h / 2 + 4:.1f}' class='hp-tick' "
            f"text-anchor='end'>{day[:3]}</text>"
        )
        for h in range(24):
            v = grid[d, h]
            t = 0.0 if hi == lo else (v - lo) / (hi - lo)
            parts.append(
                f"<rect x='{left + h * cell_w:.1f}' y='{y:.1f}' width='{cell_w - 0.6:.1f}' "
                f"height='{cell_h - 0.6:.1f}' fill='{color_ramp(t)}'><title>{day} {h:02d}:00: "
                f"{v:,.{decimals}f} {escape_text(value_label)}</title></rect>"
            )
    for h in range(0, 24, 3):
        parts.append(
            f"<text x='{left + (h + 0.5) * cell_w:.1f}' y='{height - 4}' class='hp-tick' "
            f"text-anchor='middle'>{h:02d}</text>"
        )
    svg = _svg_open(title, int(height)) + "".join(parts) + "</svg>"
    legend = (
        (color_ramp(0.0), f"{lo:,.{decimals}f} {value_label} (lightest)"),
        (color_ramp(1.0), f"{hi:,.{decimals}f} {value_label} (darkest)"),
    )
    return Chart(title, svg, legend)
