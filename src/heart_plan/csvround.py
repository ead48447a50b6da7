"""Sensible decimals for the CSV files we write (``atomic.write_csv`` applies them).

The column name says the unit (CONVENTIONS.md), and the unit says the precision:

=====================================  =========================================
column name                            decimals
=====================================  =========================================
``lon``, ``lat``                       6 (about 0.1 m)
``*_s`` (seconds)                      1
``*_usd`` (dollars)                    2
``*share*``, ``ci_*`` (fractions 0-1)  4 (0.01 percentage points)
``*per_year*`` (calls per year)        2
``fte*``, ``*_fte``, ``*_h`` (hours)   3
anything else                          6 significant digits
=====================================  =========================================

Only float columns are rounded; integers, text and booleans are written as they are.
"""

from __future__ import annotations

import math

import pandas as pd

#: (test on the lower-case column name, decimals), first match wins.
RULES: tuple[tuple[str, str, int], ...] = (
    ("exact", "lon", 6),
    ("exact", "lat", 6),
    ("suffix", "_s", 1),
    ("suffix", "_usd", 2),
    ("contains", "share", 4),
    ("prefix", "ci_", 4),
    ("contains", "per_year", 2),
    ("prefix", "fte", 3),
    ("suffix", "_fte", 3),
    ("suffix", "_h", 3),
)
#: Significant digits of a float column no rule names.
SIGNIFICANT_DIGITS = 6


def decimals_of(column: str) -> int | None:
    """Decimals for ``column`` by :data:`RULES` (None: significant digits instead)."""
    name = column.lower()
    for kind, text, decimals in RULES:
        hit = (
            (kind == "exact" and name == text)
            or (kind == "suffix" and name.endswith(text))
            or (kind == "prefix" and name.startswith(text))
            or (kind == "contains" and text in name)
        )
        if hit:
            return decimals
    return None


def _significant(value: float) -> float:
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def round_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every float column rounded (:func:`decimals_of`)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        decimals = decimals_of(str(column))
        out[column] = series.round(decimals) if decimals is not None else series.map(_significant)
    return out
