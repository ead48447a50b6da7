"""911 calls for service: a configurable column mapping onto one normalized schema.

Two built-in mappings (``[calls] schema``), overridable column by column
(``[calls] columns``, normalized name -> source column):

* ``durham_mirror_2021``: the mirror's combined CSV
  (``call_date`` ``1/1/2021``, ``call_time`` ``12:41:53AM``, ``priority``, ``nature``,
  ``beat``, ``lon``, ``lat``, ``source_layer``); coordinates EPSG:4326.
* ``durham_cad``: the full Durham CAD export (``Event Number``, ``Case Number``,
  ``Call Date``, ``Call Time``, ``Source``, ``Priority``, ``Nature``, ``Address``, ``X``,
  ``Y`` in EPSG:2264, ``District``, ``Beat``, ``Disposition``, ``Cancelled``; the
  shapefile's truncated names ``Event Numb``, ``Case Numbe``, ``Dispositio`` are accepted).

Time: ``called_at`` is timezone-aware local time (``[calls] timezone``).  Wall-clock times
are localized deterministically across DST changes: a repeated (ambiguous) fall-back time is
taken as its *first* occurrence (daylight time); a skipped (nonexistent) spring-forward time
is shifted forward to the first valid instant (02:30 -> 03:00).  ``hour_of_week`` is the
local wall-clock bin of ``called_at`` (bin 0 = Monday 00:00-00:59).

Data quality is counted, not hidden (``calls.attrs["quality"]``, a list of rows of
``calls_quality_table``): rows read; duplicates (identical rows, or a repeated call id);
rows dropped for empty, zero or non-finite coordinates (the published totals also exclude
zero-X/Y calls; also ``calls.attrs["dropped_no_xy"]``), a time outside the observation
window ``[calls] observed_start..observed_end``, an empty or unknown recorded beat, a
negative or out-of-range priority, a point outside the city whose recorded beat is not a
city beat; and, kept but flagged, city-beat calls whose point is outside the city limits.
Each row is counted under its first reason in that order.  ``check_calls_quality`` turns
large losses (``[calls] max_dropped_share``) and too few calls (``[calls] min_calls``) into
errors.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.errors import ConfigError, DataError
from heart_plan.loaders._geo import WGS84, check_coordinates_fit_crs, read_table, read_vector

# normalized name -> candidate source columns (first present wins)
SCHEMAS: dict[str, dict[str, tuple[str, ...]]] = {
    "durham_mirror_2021": {
        "call_date": ("call_date",),
        "call_time": ("call_time",),
        "priority": ("priority",),
        "nature": ("nature",),
        "beat": ("beat",),
        "x": ("lon",),
        "y": ("lat",),
        "source_layer": ("source_layer",),
    },
    "durham_cad": {
        "call_id": ("Event Number", "Event Numb"),
        "case_id": ("Case Number", "Case Numbe"),
        "call_date": ("Call Date",),
        "call_time": ("Call Time",),
        "source": ("Source",),
        "priority": ("Priority",),
        "nature": ("Nature",),
        "address": ("Address",),
        "x": ("X",),
        "y": ("Y",),
        "district": ("District",),
        "beat": ("Beat",),
        "disposition": ("Disposition", "Dispositio"),
        "cancelled": ("Cancelled",),
    },
}
SCHEMA_CRS = {"durham_mirror_2021": "EPSG:4326", "durham_cad": "EPSG:2264"}
NORMALIZED = (
    "call_id", "case_id", "call_date", "call_time", "source", "priority", "nature", "address",
    "x", "y", "district", "beat", "disposition", "cancelled", "source_layer",
    "weapon", "violence",
)  # fmt: skip
REQUIRED = ("call_date", "nature", "beat")
CALL_COLUMNS = (
    "call_id", "called_at", "hour_of_week", "nature", "priority", "beat_id", "district",
    "source_layer", "lon", "lat", "geometry",
)  # fmt: skip
OPTIONAL_KEPT = ("case_id", "source", "address", "disposition", "cancelled", "weapon", "violence")

DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%y", "%m-%d-%Y")
DATETIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M:%S%p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S",
)  # fmt: skip
TIME_FORMATS = ("%I:%M:%S%p", "%I:%M:%S %p", "%H:%M:%S", "%H:%M", "%I:%M%p", "%I:%M %p")


def column_mapping(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """The effective mapping: the named schema with ``[calls] columns`` overrides."""
    cfg = scenario.calls
    if cfg.schema not in SCHEMAS:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: calls.schema = {cfg.schema!r} is unknown; "
            f"use one of {', '.join(SCHEMAS)}"
        )
    mapping = dict(SCHEMAS[cfg.schema])
    for key, column in cfg.columns.items():
        if key not in NORMALIZED:
            raise ConfigError(
                f"{scenario.source or 'scenario'}: calls.columns key {key!r} is not a "
                f"normalized call field; use one of {', '.join(NORMALIZED)}"
            )
        mapping[key] = (column,)
    return mapping


#: Data-quality checks in the order rows are attributed to them.
QUALITY_REASONS = ("duplicates", "coordinates", "times", "beat", "priority", "outside_city")
#: Largest valid priority number.
MAX_PRIORITY = 99


def load_calls(
    path: str | Path,
    scenario: Scenario,
    *,
    beats: gpd.GeoDataFrame | None = None,
    city_limits: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Load a calls export into the normalized schema, in EPSG:4326.

    Parameters
    ----------
    path
        CSV, GeoJSON or shapefile export.
    scenario
        Supplies ``[calls] schema``, ``columns``, ``timezone`` and ``coordinates_crs``.
    beats
        Optional beats table (``load_beats``) used to fill ``district`` from the recorded
        beat where the export has no district column, and to drop unknown recorded beats.
    city_limits
        Optional city polygon (``load_city_limits``) for the outside-the-city check.

    Returns
    -------
    GeoDataFrame
        ``call_id`` (str), ``called_at`` (tz-aware), ``hour_of_week`` (0..167), ``nature``
        (upper case), ``priority`` (Int64, <NA> if absent), ``beat_id`` (recorded, str),
        ``district``, ``source_layer``, ``lon``, ``lat``, ``geometry``; plus ``case_id``,
        ``source``, ``address``, ``disposition``, ``cancelled``, ``weapon``, ``violence``
        where the export has them.

    Raises
    ------
    DataError
        Missing file, a mapped column absent from the file, an unparsable date/time or
        priority, coordinates that do not fit their CRS.
    """
    path = Path(path)
    mapping = column_mapping(scenario)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw = read_table(path, what="calls")
        geo_crs = None
    else:
        raw = read_vector(path, what="calls")
        geo_crs = raw.crs
    columns = _resolve_columns(raw, mapping, path, scenario)
    n = len(raw)
    out = pd.DataFrame(index=range(n))
    get = {key: raw[col].reset_index(drop=True) for key, col in columns.items()}

    out["call_id"] = (
        get["call_id"].astype(str).str.strip()
        if "call_id" in get
        else pd.Series([f"R{i + 1:06d}" for i in range(n)])
    )
    naive = _parse_times(get["call_date"], get.get("call_time"), path, columns)
    tz = scenario.calls.timezone
    try:
        called_at = naive.dt.tz_localize(
            tz, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward"
        )
    except Exception as exc:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: calls.timezone = {tz!r} cannot be used ({exc}); "
            f"use an IANA name such as America/New_York"
        ) from None
    out["called_at"] = called_at
    out["hour_of_week"] = (called_at.dt.day_of_week * 24 + called_at.dt.hour).astype(int)
    out["nature"] = get["nature"].astype(str).str.strip().str.upper()
    out["priority"] = _parse_priority(get.get("priority"), path, columns)
    out["beat_id"] = get["beat"].map(_beat_str)
    out["district"] = get["district"].astype(str).str.strip() if "district" in get else ""
    out["source_layer"] = get["source_layer"].astype(str) if "source_layer" in get else path.name
    for key in OPTIONAL_KEPT:
        if key in get:
            out[key] = get[key].reset_index(drop=True)

    lon, lat, keep = _coordinates(raw, get, columns, geo_crs, path, scenario)
    out["lon"], out["lat"] = lon, lat
    dropped = int((~keep).sum())
    reasons = _quality_reasons(raw, out, keep, scenario, beats, city_limits)
    quality = _quality_rows(reasons, n)
    out = out[reasons[0] == ""].reset_index(drop=True)
    if beats is not None and "district" not in get:
        out["district"] = out["beat_id"].map(beats.set_index("beat_id")["district"]).fillna("")
    ordered = [c for c in CALL_COLUMNS if c != "geometry"] + [
        c for c in OPTIONAL_KEPT if c in out.columns
    ]
    gdf = gpd.GeoDataFrame(
        out[ordered], geometry=gpd.points_from_xy(out["lon"], out["lat"]), crs=WGS84
    )
    gdf.attrs["dropped_no_xy"] = dropped
    gdf.attrs["path"] = str(path)
    gdf.attrs["quality"] = quality
    return gdf


def _quality_reasons(
    raw: pd.DataFrame,
    out: pd.DataFrame,
    has_xy: np.ndarray,
    scenario: Scenario,
    beats: gpd.GeoDataFrame | None,
    city_limits: gpd.GeoDataFrame | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the final reason ("" = kept, else a drop reason of ``QUALITY_REASONS``),
    and the detailed one (also "outside_city_kept" for flagged rows that are kept).
    """
    n = len(out)
    reason = np.full(n, "", dtype=object)

    def mark(mask: np.ndarray, name: str) -> None:
        reason[(reason == "") & np.asarray(mask, dtype=bool)] = name

    plain = raw.drop(columns="geometry") if "geometry" in raw.columns else raw
    key = plain.reset_index(drop=True).astype(str)
    if isinstance(raw, gpd.GeoDataFrame) and "geometry" in raw.columns:
        key = key.assign(__geometry__=raw.geometry.reset_index(drop=True).to_wkb(hex=True))
    dup = key.duplicated().to_numpy().copy()
    ids = out["call_id"]
    dup |= (ids.ne("") & ids.duplicated()).to_numpy()
    mark(dup, "duplicates")
    mark(~has_xy, "coordinates")
    cfg = scenario.calls
    try:
        start = pd.Timestamp(cfg.observed_start).tz_localize(cfg.timezone)
        end = (pd.Timestamp(cfg.observed_end) + pd.Timedelta(days=1)).tz_localize(cfg.timezone)
        at = out["called_at"]
        mark(((at < start) | (at >= end)).to_numpy(), "times")
    except (ValueError, TypeError):
        pass  # the window is validated with the scenario
    beat = out["beat_id"].astype(str)
    bad_beat = beat.eq("")
    if beats is not None:
        bad_beat |= ~beat.isin(set(beats["beat_id"].astype(str)))
    mark(bad_beat.to_numpy(), "beat")
    prio = out["priority"]
    if prio.notna().any():
        bad = prio.notna() & ((prio < 0) | (prio > MAX_PRIORITY))
        mark(bad.fillna(False).to_numpy(dtype=bool), "priority")
    if city_limits is not None and len(city_limits):
        import shapely

        poly = city_limits.to_crs(WGS84).union_all()
        xy = np.where(has_xy, out["lon"].to_numpy(dtype=float), 0.0)
        yy = np.where(has_xy, out["lat"].to_numpy(dtype=float), 0.0)
        inside = shapely.contains_xy(poly, xy, yy)
        outside = has_xy & ~inside
        if beats is not None and "is_city_beat" in beats.columns:
            city = set(beats.loc[beats["is_city_beat"].astype(bool), "beat_id"].astype(str))
            in_city_beat = beat.isin(city).to_numpy()
        else:
            in_city_beat = np.ones(n, dtype=bool)
        mark(outside & ~in_city_beat, "outside_city")
        mark(outside & in_city_beat, "outside_city_kept")
    return np.where(reason == "outside_city_kept", "", reason).astype(object), reason


def _quality_rows(reasons: tuple[np.ndarray, np.ndarray], n: int) -> list[dict]:
    final, detailed = reasons
    rows = [{"check": "rows_read", "rows": n, "share_of_rows_read": 1.0 if n else 0.0,
             "action": "read"}]  # fmt: skip
    for name in QUALITY_REASONS:
        k = int((final == name).sum())
        rows.append(
            {"check": name, "rows": k, "share_of_rows_read": k / n if n else 0.0,
             "action": "dropped"}
        )  # fmt: skip
    k = int((detailed == "outside_city_kept").sum())
    rows.append(
        {"check": "outside_city_limits_in_city_beat", "rows": k,
         "share_of_rows_read": k / n if n else 0.0, "action": "kept, flagged"}
    )  # fmt: skip
    kept = int((final == "").sum())
    rows.append(
        {"check": "rows_kept", "rows": kept, "share_of_rows_read": kept / n if n else 0.0,
         "action": "kept"}
    )  # fmt: skip
    return rows


def calls_quality_table(calls: pd.DataFrame) -> pd.DataFrame:
    """The data-quality table of loaded calls: ``check, rows, share_of_rows_read, action``."""
    rows = calls.attrs.get("quality") or []
    return pd.DataFrame(rows, columns=["check", "rows", "share_of_rows_read", "action"]).round(
        {"share_of_rows_read": 6}
    )


def check_calls_quality(calls: pd.DataFrame, scenario: Scenario, path: str | Path) -> None:
    """``DataError`` when more than ``[calls] max_dropped_share`` of the rows were dropped,
    or fewer than ``[calls] min_calls`` rows are left to plan from.
    """
    table = calls_quality_table(calls).set_index("check")
    if table.empty:
        return
    read = int(table.loc["rows_read", "rows"])
    dropped = table[table["action"] == "dropped"]
    lost = int(dropped["rows"].sum())
    cfg = scenario.calls
    if read and lost / read > cfg.max_dropped_share:
        worst = dropped["rows"].idxmax()
        raise DataError(
            f"{path}: {lost:,} of {read:,} call rows ({lost / read:.1%}) were dropped, more than "
            f"calls.max_dropped_share = {cfg.max_dropped_share:g} (most for {worst!r}: "
            f"{int(dropped.loc[worst, 'rows']):,}); fix the file or the column mapping, or raise "
            f"calls.max_dropped_share in the scenario"
        )
    kept = int(table.loc["rows_kept", "rows"])
    if kept < cfg.min_calls:
        raise DataError(
            f"{path}: only {kept:,} usable call rows (of {read:,} read); at least "
            f"calls.min_calls = {cfg.min_calls} are needed to plan from; pass the full calls "
            f"export or lower calls.min_calls in the scenario"
        )


# ----------------------------------------------------------------------------- helpers


def _resolve_columns(
    raw: pd.DataFrame, mapping: dict[str, tuple[str, ...]], path: Path, scenario: Scenario
) -> dict[str, str]:
    overrides = scenario.calls.columns
    found: dict[str, str] = {}
    for key, candidates in mapping.items():
        present = [c for c in candidates if c in raw.columns]
        if present:
            found[key] = present[0]
        elif key in overrides or key in REQUIRED:
            have = ", ".join(str(c) for c in raw.columns if c != "geometry")
            how = (
                f"fix calls.columns.{key} in the scenario"
                if key in overrides
                else f'map it with calls.columns.{key} = "<column>" or pick the right calls.schema'
            )
            raise DataError(
                f"{path}: unknown column {candidates[0]!r} for call field {key!r} "
                f"(schema {scenario.calls.schema!r}; file columns: {have[:200]}); {how}"
            )
    return found


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return series.astype(str).str.strip().replace({"nan": "", "None": "", "NaT": ""})


def _parse_with(text: pd.Series, formats: tuple[str, ...]) -> tuple[pd.Series, str]:
    """Parse with the first format that reads every value; else the best partial parse."""
    best, best_fmt, best_ok = None, formats[0], -1
    for fmt in formats:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        ok = int(parsed.notna().sum())
        if ok == len(text):
            return parsed, fmt
        if ok > best_ok:
            best, best_fmt, best_ok = parsed, fmt, ok
    return best, best_fmt


def _parse_times(
    dates: pd.Series, times: pd.Series | None, path: Path, columns: dict[str, str]
) -> pd.Series:
    date_text = _as_text(dates)
    if times is None:
        parsed, fmt = _parse_with(date_text, DATETIME_FORMATS + DATE_FORMATS)
        _raise_unparsed(parsed, date_text, path, columns["call_date"], "a date-time")
        return parsed
    date_only = date_text.str.slice(0, 10).where(
        date_text.str.match(r"^\d{4}-\d{2}-\d{2}"), date_text
    )
    date_parsed, _ = _parse_with(date_only, DATE_FORMATS)
    _raise_unparsed(date_parsed, date_text, path, columns["call_date"], "a date like 1/31/2021")
    time_text = _as_text(times).str.upper().str.replace(r"\s+", " ", regex=True)
    time_parsed, _ = _parse_with(time_text, TIME_FORMATS)
    _raise_unparsed(time_parsed, time_text, path, columns["call_time"], "a time like 12:41:53AM")
    offset = (
        pd.to_timedelta(time_parsed.dt.hour, unit="h")
        + pd.to_timedelta(time_parsed.dt.minute, unit="m")
        + pd.to_timedelta(time_parsed.dt.second, unit="s")
    )
    return date_parsed.dt.normalize() + offset


def _raise_unparsed(
    parsed: pd.Series, text: pd.Series, path: Path, column: str, expected: str
) -> None:
    bad = parsed.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path}: row {i + 2}: field {column!r} = {text.iloc[i]!r} is not {expected}; "
            f"fix the value or the column mapping ({int(bad.sum())} bad rows)"
        )


def _parse_priority(series: pd.Series | None, path: Path, columns: dict[str, str]) -> pd.Series:
    if series is None:
        return pd.Series(pd.NA, dtype="Int64")
    text = _as_text(series)
    digits = text.str.extract(r"(-?\d+)", expand=False)
    bad = digits.isna() & text.ne("")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path}: row {i + 2}: field {columns['priority']!r} = {text.iloc[i]!r} is not a "
            f"priority number; fix the value or the column mapping"
        )
    return pd.to_numeric(digits).astype("Int64")


def _coordinates(
    raw: pd.DataFrame,
    get: dict[str, pd.Series],
    columns: dict[str, str],
    geo_crs: object,
    path: Path,
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon/lat arrays in EPSG:4326 and a mask of rows with usable coordinates."""
    from pyproj import CRS, Transformer

    if "x" in get and "y" in get:
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for key in ("x", "y"):
            text = _as_text(get[key])
            num = pd.to_numeric(text, errors="coerce")
            bad = num.isna() & text.ne("")
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                raise DataError(
                    f"{path}: row {i + 2}: coordinate field {columns[key]!r} = "
                    f"{text.iloc[i]!r} is not a number; fix the value or the column mapping"
                )
            (xs if key == "x" else ys).append(num.to_numpy(dtype=float))
        x, y = xs[0], ys[0]
        crs_text = scenario.calls.coordinates_crs or SCHEMA_CRS[scenario.calls.schema]
        try:
            crs = CRS.from_user_input(crs_text)
        except Exception:
            raise ConfigError(
                f"{scenario.source or 'scenario'}: calls.coordinates_crs = {crs_text!r} is not "
                f"a CRS; use e.g. EPSG:4326 or EPSG:2264"
            ) from None
    elif isinstance(raw, gpd.GeoDataFrame) and raw.geometry is not None:
        if geo_crs is None:
            raise DataError(
                f"{path}: calls layer has no CRS and no x/y columns; add the CRS (.prj) or "
                f"map calls.columns.x/y and set calls.coordinates_crs"
            )
        geom = raw.geometry.reset_index(drop=True)
        empty = geom.isna() | geom.is_empty
        kinds = geom[~empty].geom_type
        if (kinds != "Point").any():
            i = int(np.flatnonzero((~empty).to_numpy())[(kinds != "Point").to_numpy()][0])
            raise DataError(
                f"{path}: feature {i + 1} is a {kinds[kinds != 'Point'].iloc[0]}, not a Point; "
                f"a calls layer must hold one point per call (or map calls.columns.x/y)"
            )
        x = np.where(empty, np.nan, geom.x.where(~empty))
        y = np.where(empty, np.nan, geom.y.where(~empty))
        crs = CRS.from_user_input(geo_crs)
    else:
        raise DataError(
            f"{path}: calls have no coordinate columns (x/y) and no geometry; map "
            f"calls.columns.x and calls.columns.y to the coordinate columns"
        )
    keep = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    if not keep.any():
        raise DataError(
            f"{path}: no call has coordinates in fields {columns.get('x', 'geometry')!r}/"
            f"{columns.get('y', 'geometry')!r}; check the column mapping"
        )
    bounds = np.array([x[keep].min(), y[keep].min(), x[keep].max(), y[keep].max()])
    check_coordinates_fit_crs(bounds, crs, path=path, what=f"calls ({crs.to_string()})")
    lon = np.full(len(x), np.nan)
    lat = np.full(len(x), np.nan)
    if crs.equals(CRS.from_epsg(4326)):
        lon[keep], lat[keep] = x[keep], y[keep]
    else:
        t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon[keep], lat[keep] = t.transform(x[keep], y[keep])
    return lon, lat, keep


def _beat_str(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text
