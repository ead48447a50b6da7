"""The report's sensitivity section, from a sweep's results table (``heart-plan run
--sensitivity SWEEP_DIR``, a sweep of ``scenarios/sensitivity.toml``): inline SVG
tornados of the recommended plan's reached share and of the 24/7 citywide FTE over the
assumptions the sweep changed, and whether the recommendation is robust.

Cases are grouped by the assumption they change (the dotted keys they override, so
``speeds x0.8`` and ``speeds x1.2`` form one bar); each bar spans the lowest and highest
value over its cases and the base case's value (a one-sided case runs from the base).  The recommendation is **robust** when
every case recommends the same area (number of beats) as the base case; otherwise the
section names the cases that change it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from heart_plan.report.escape import escape_text
from heart_plan.report.html import dataframe_html

#: Readable names of the assumptions (dotted key prefixes), in the issue's words.
ASSUMPTION_NAMES = (
    ("units.crt.on_scene", "on-scene time"),
    ("network.time_bands", "drive speeds"),
    ("network.speed_kph_by_class", "drive speeds"),
    ("response.standard_s", "response standard"),
    ("demand.covariate", "demand model"),
    ("demand.growth_factor", "demand growth"),
    ("eligibility.natures", "eligible natures"),
)


@dataclass(frozen=True)
class Bar:
    """One tornado bar: an assumption, its lowest and highest value and the case labels."""

    name: str
    low: float
    high: float
    low_label: str
    high_label: str

    @property
    def span(self) -> float:
        """The bar's width: high minus low."""
        return self.high - self.low


def assumption_of(params: dict[str, object]) -> str:
    """The readable name of the assumption a case changes (its overridden keys)."""
    names = []
    for key in sorted(params):
        name = next((n for prefix, n in ASSUMPTION_NAMES if key.startswith(prefix)), key)
        if name not in names:
            names.append(name)
    return " + ".join(names) if names else "base"


def _params(table: pd.DataFrame, row: pd.Series, base: pd.Series) -> dict[str, object]:
    cols = [c for c in table.columns if c.startswith("param__")]
    return {c.removeprefix("param__"): row[c] for c in cols if not _equal(row[c], base[c])}


def _equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def tornado_bars(table: pd.DataFrame, measure: str) -> tuple[float, list[Bar]]:
    """(base value, bars sorted widest first) of ``measure`` over the sweep's cases."""
    base = table[table["label"] == "base"].iloc[0]
    groups: dict[str, list[tuple[float, str]]] = {}
    for _, row in table.iterrows():
        if row["label"] == "base":
            continue
        name = assumption_of(_params(table, row, base))
        groups.setdefault(name, []).append((float(row[measure]), str(row["label"])))
    bars = []
    for name, values in groups.items():  # each bar reaches the base value (one-sided cases)
        lo = min([*values, (float(base[measure]), "base")])
        hi = max([*values, (float(base[measure]), "base")])
        bars.append(Bar(name, lo[0], hi[0], lo[1], hi[1]))
    bars.sort(key=lambda b: -max(abs(b.high - base[measure]), abs(b.low - base[measure])))
    return float(base[measure]), bars


def tornado_svg(base: float, bars: list[Bar], *, title: str, unit: str, scale: float = 1.0) -> str:
    """An inline SVG tornado (escaped text; width follows the page via ``viewBox``).

    ``scale`` multiplies values for display (100 for shares in points), ``unit`` follows
    each number.
    """
    width, left, right, row_h, top = 640, 150, 20, 34, 30
    height = top + row_h * len(bars) + 30
    values = [base, *(b.low for b in bars), *(b.high for b in bars)]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or 1e-9
    lo, hi = lo - pad, hi + pad

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (width - left - right)

    parts = [
        f"<svg class='hp-tornado' viewBox='0 0 {width} {height}' width='100%' role='img' "
        f"aria-label='{escape_text(title)}' style='max-width:{width}px;height:auto'>",
        f"<text x='0' y='18' font-size='15' font-weight='600'>{escape_text(title)}</text>",
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        x0, x1 = x(bar.low), x(bar.high)
        parts.append(
            f"<text x='0' y='{y + 20}' font-size='13'>{escape_text(bar.name)}</text>"
            f"<rect x='{x0:.1f}' y='{y + 6}' width='{max(x1 - x0, 2):.1f}' height='20' "
            f"fill='#7aa5e6'><title>{escape_text(bar.low_label)}: {bar.low * scale:.1f}{unit}; "
            f"{escape_text(bar.high_label)}: {bar.high * scale:.1f}{unit}</title></rect>"
            f"<text x='{max(x0 - 4, left):.1f}' y='{y + 20}' font-size='11' text-anchor='end'>"
            f"{bar.low * scale:.1f}</text>"
            f"<text x='{min(x1 + 4, width - 2):.1f}' y='{y + 20}' font-size='11'>"
            f"{bar.high * scale:.1f}</text>"
        )
    bx = x(base)
    parts.append(
        f"<line x1='{bx:.1f}' x2='{bx:.1f}' y1='{top}' y2='{height - 24}' stroke='#1d2430' "
        f"stroke-width='2'/><text x='{bx:.1f}' y='{height - 8}' font-size='12' "
        f"text-anchor='middle'>base {base * scale:.1f}{unit}</text></svg>"
    )
    return "".join(parts)


def robustness(table: pd.DataFrame) -> str:
    """Whether every case recommends the base case's area, or which cases change it."""
    base = table[table["label"] == "base"].iloc[0]
    area = int(base["recommended_beats"])
    changed = table[table["recommended_beats"] != area]
    if changed.empty:
        return (
            f"The recommendation is robust: every one of the {len(table)} cases recommends the "
            f"same {area}-beat area."
        )
    which = "; ".join(f"{r.label} ({int(r.recommended_beats)} beats)" for r in changed.itertuples())
    return (
        f"The recommendation is not robust: the base case recommends {area} beats, but "
        f"{len(changed)} of {len(table) - 1} changed assumptions change the area: {which}."
    )


def sensitivity_html(table: pd.DataFrame) -> str:
    """The section's body: robustness statement, two tornados and the cases table."""
    required = {"label", "recommended_beats", "reached_share", "fte_24_7"}
    missing = required - set(table.columns)
    if missing or not (table["label"] == "base").any():
        raise ValueError(
            "sensitivity table needs a 'base' case and the columns "
            f"{sorted(required)} (a heart-plan sweep results table)"
        )
    reached_base, reached_bars = tornado_bars(table, "reached_share")
    fte_base, fte_bars = tornado_bars(table, "fte_24_7")
    shown = pd.DataFrame(
        {
            "case": table["label"],
            "recommended area (beats)": table["recommended_beats"],
            "reached": table["reached_share"],
            "reached CI low": table["reached_ci_low"],
            "reached CI high": table["reached_ci_high"],
            "24/7 FTE": table["fte_24_7"],
        }
    )
    params = [c.removeprefix("param__") for c in table.columns if c.startswith("param__")]
    return (
        f"<p class='hp-note'>{escape_text(robustness(table))}</p>"
        f"<p>{escape_text('Each bar spans the lowest and highest value over the cases that change one assumption (the rest as in the base scenario); the line is the base case. Shares are of citywide eligible calls per year, simulated; a case that changes the eligible natures or the demand changes that denominator too.')}</p>"
        + tornado_svg(
            reached_base, reached_bars, title="Recommended plan: calls reached (%)", unit="%",
            scale=100.0,
        )
        + tornado_svg(fte_base, fte_bars, title="24/7 citywide: FTE", unit=" FTE")
        + "<div style='max-width:100%;overflow-x:auto'>"
        + dataframe_html(
            shown, caption="Sensitivity cases (heart-plan sweep results)",
            percent_cols=("reached", "reached CI low", "reached CI high"),
        )
        + "</div>"
        + f"<p>{escape_text('Assumptions changed: ' + json.dumps(params))}</p>"
    )  # fmt: skip
