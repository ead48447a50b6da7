"""Escaping of data-derived strings before they reach folium or an HTML page.

folium inserts tooltip, popup, ``GeoJsonTooltip`` and ``DivIcon`` content as raw HTML, and
it places ``Tooltip``/``Popup`` content inside JavaScript template literals (backticks).
A label such as ``</script><script>alert(1)</script>`` or ``<img src=x onerror=...>`` must
therefore be escaped for HTML *and* must not contain characters that a template literal
interprets (`` ` ``, ``$``, ``\\``).  ``escape_text`` does both, using character references
that render as the original characters.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "escape_text",
    "format_value",
    "html_table_rows",
    "json_for_script",
    "sanitize_properties",
]

# Characters a JS template literal interprets, as HTML numeric character references.
_TEMPLATE_LITERAL_REFS = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}


def escape_text(value: Any) -> str:
    """Return ``value`` as text that is safe in HTML and in folium's JS template literals.

    ``None`` and NaN become the empty string; everything else goes through ``str``,
    ``html.escape(quote=True)`` (``& < > " '``) and then `` ` ``, ``$`` and ``\\`` become
    numeric character references, so the browser shows exactly the original characters.

    Examples
    --------
    >>> escape_text("</script><b>x</b>")
    '&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;'
    >>> escape_text("${alert(1)}")
    '&#36;{alert(1)}'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    out = html.escape(str(value), quote=True)
    for char, ref in _TEMPLATE_LITERAL_REFS.items():
        out = out.replace(char, ref)
    return out


def format_value(value: Any, *, decimals: int = 0) -> str:
    """Format a number with thousands separators (``1234.5 -> '1,235'``); escape anything else.

    Integers print without decimals; floats with ``decimals`` places; booleans as yes/no;
    missing values (None, NaN, pandas NA) as an en dash.  The result is escaped.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (
        hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"
    ):
        return f"{int(value):,}"
    if isinstance(value, float) or (
        hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"
    ):
        return f"{float(value):,.{decimals}f}"
    return escape_text(value)


def html_table_rows(
    rows: Mapping[str, Any] | Iterable[tuple[str, Any]], *, decimals: int = 0
) -> str:
    """Build an escaped two-column ``<table>`` (label, value) for a tooltip or popup.

    Parameters
    ----------
    rows
        ``{label: value}`` or ``[(label, value), ...]``; labels and values are escaped,
        numbers formatted by ``format_value``.
    decimals
        Decimal places for float values.
    """
    items = rows.items() if isinstance(rows, Mapping) else rows
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:8px'>{escape_text(label)}</th>"
        f"<td style='text-align:right'>{format_value(value, decimals=decimals)}</td></tr>"
        for label, value in items
    )
    return f"<table>{body}</table>"


def json_for_script(obj: Any) -> str:
    """Serialize ``obj`` as JSON that is safe inside a ``<script>`` element.

    ``<``, ``>``, ``&`` and U+2028/U+2029 are written as ``\\uXXXX`` escapes, so neither
    ``</script>`` nor ``<!--`` can appear in the output; the parsed value is unchanged.
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, sort_keys=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def sanitize_properties(
    frame: pd.DataFrame, *, columns: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text columns are escaped with ``escape_text``.

    Use before ``folium.GeoJson``/``GeoJsonTooltip``: their values are shown as raw HTML.
    Numeric and boolean columns are kept as numbers (so tooltips can localize them);
    datetimes become ISO strings; object, string and categorical columns are escaped
    (missing values stay missing).  The geometry column is never touched.

    Parameters
    ----------
    frame
        A DataFrame or GeoDataFrame.
    columns
        Columns to sanitize; default all non-geometry columns.
    """
    out = frame.copy()
    geometry_name = getattr(frame, "_geometry_column_name", None)
    names = list(columns) if columns is not None else [c for c in out.columns if c != geometry_name]
    for name in names:
        series = out[name]
        kind = series.dtype.kind
        if kind in "biuf":
            continue
        if kind in "mM":
            out[name] = series.map(lambda v: None if pd.isna(v) else v.isoformat())
            continue
        out[name] = series.astype(object).map(lambda v: None if _is_missing(v) else escape_text(v))
    return out


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
