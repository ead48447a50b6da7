"""plotly figure helpers for the report (no page I/O here; ``html.ReportBuilder`` embeds them).

Category labels and titles taken from data are escaped with ``escape_text``: plotly draws
text as SVG with a small pseudo-HTML dialect, and its entity decoding shows ``&lt;`` as
``<``, so escaped labels display exactly as the original text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from heart_plan.report.escape import escape_text

__all__ = ["DAY_NAMES", "bar_chart", "hour_of_week_heatmap", "line_chart"]

#: Row labels of the hour-of-week heatmap (bin 0 = Monday 00:00, CONVENTIONS.md).
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 70, "r": 30, "t": 60, "b": 60},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 13},
}


def hour_of_week_heatmap(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    title: str,
    value_label: str = "calls per year",
    colorscale: str = "YlOrRd",
    decimals: int = 1,
) -> go.Figure:
    """A 7 x 24 heatmap of an hour-of-week series (168 values, bin 0 = Monday 00:00).

    Rows are days (Monday at the top), columns hours of day 0..23; hover shows day, hour
    and the value with ``decimals`` places and ``value_label``.
    """
    arr = np.asarray(values, dtype=float)
    if arr.shape != (168,):
        raise ValueError(
            f"hour_of_week_heatmap: expected 168 values (hour of week), got shape {arr.shape}"
        )
    grid = arr.reshape(7, 24)
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h:02d}:00" for h in range(24)],
            y=list(DAY_NAMES),
            colorscale=colorscale,
            colorbar={"title": {"text": escape_text(value_label)}},
            hovertemplate=f"%{{y}} %{{x}}<br>%{{z:,.{decimals}f}} {escape_text(value_label)}<extra></extra>",
        )
    )
    fig.update_layout(
        title=escape_text(title),
        yaxis={"autorange": "reversed"},
        xaxis={"title": "hour of day"},
        **_LAYOUT,
    )
    return fig


def _series(y: str | Sequence[str], names: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The y column(s) and their legend names (default: the column names)."""
    ys = [y] if isinstance(y, str) else list(y)
    names = ys if names is None else list(names)
    if len(names) != len(ys):
        raise ValueError(f"names: got {len(names)} for {len(ys)} series")
    return ys, names


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
) -> go.Figure:
    """Lines of ``y`` column(s) against ``x`` (e.g. reached share vs teams or hours).

    ``percent`` formats the y axis and hover as percentages of fractions in [0, 1];
    ``hlines`` adds dashed reference lines ``(value, label)`` (e.g. the 90% target).
    """
    ys, names = _series(y, names)
    fig = go.Figure()
    fmt = ".1%" if percent else ",.1f"
    for col, name in zip(ys, names, strict=True):
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[col],
                name=escape_text(name),
                mode="lines+markers" if markers else "lines",
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>{escape_text(name)}</extra>",
            )
        )
    for value, label in hlines:
        fig.add_hline(
            y=value, line_dash="dash", line_color="#555", annotation_text=escape_text(label)
        )
    fig.update_layout(
        title=escape_text(title),
        xaxis={"title": escape_text(x_title)},
        yaxis={
            "title": escape_text(y_title),
            "tickformat": ".0%" if percent else ",",
            "rangemode": "tozero",
        },
        **_LAYOUT,
    )
    return fig


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
) -> go.Figure:
    """Grouped bars of ``y`` column(s) by category ``x`` (e.g. reached share by income group,
    current vs recommended plan).  Category labels are escaped.
    """
    ys, names = _series(y, names)
    categories = [escape_text(v) for v in frame[x]]
    fmt = ".1%" if percent else ",.1f"
    fig = go.Figure(
        [
            go.Bar(
                x=categories,
                y=frame[col],
                name=escape_text(name),
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>{escape_text(name)}</extra>",
            )
            for col, name in zip(ys, names, strict=True)
        ]
    )
    fig.update_layout(
        title=escape_text(title),
        barmode="group",
        xaxis={"title": escape_text(x_title), "type": "category"},
        yaxis={"title": escape_text(y_title), "tickformat": ".0%" if percent else ","},
        **_LAYOUT,
    )
    return fig
