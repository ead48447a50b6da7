"""Fit road class x time band speed factors to timed trips (``heart-plan network calibrate``).

Trips CSV (UTF-8, header; one row per timed trip, e.g. dispatch-to-arrival legs of a full
CAD export): ``trip_id``, ``origin_lon``, ``origin_lat``, ``dest_lon``, ``dest_lat``
(WGS84 degrees), ``departed_at`` (local ISO date-time, the scenario's time zone) and
``observed_s`` (seconds driven).

Model, per time band b (the band of the departure's hour-of-week bin): the trip follows its
free-flow shortest path between the snapped nodes, with ``x[t, k]`` free-flow seconds on
road class k, and::

    observed_s[t] - access_s[t] = sum_k x[t, k] * theta[b, k],    theta = 1 / (f_b * c[b, k])

(``access_s``: both snap legs at ``[network] access_speed_kph``).  ``theta >= 0`` by
non-negative least squares (``scipy.optimize.nnls``) per band; the class factor written is
``c[b, k] = 1 / (f_b * theta[b, k])`` with the band's scenario ``speed_factor`` f_b kept.
Classes carrying less than ``MIN_PATH_SHARE`` of a band's path seconds (or fewer than
``MIN_TRIPS`` trips) are not estimable and keep factor 1 (listed as such).  The path is
held fixed at free flow (an assumption: congestion can change the route).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from heart_plan.config import Scenario
from heart_plan.errors import DataError
from heart_plan.network.engine import DriveTimeEngine
from heart_plan.network.snap import snap_points

TRIP_COLUMNS = (
    "trip_id", "origin_lon", "origin_lat", "dest_lon", "dest_lat", "departed_at", "observed_s",
)  # fmt: skip
MIN_PATH_SHARE = 0.01
MIN_TRIPS = 3


@dataclass(frozen=True, eq=False)
class Calibration:
    """Fitted factors: ``table`` (band, road_class, class_factor, estimated, trips,
    path_share), per band ``fit`` (band, trips, rmse_s_before, rmse_s_after).
    """

    table: pd.DataFrame
    fit: pd.DataFrame

    def fragment(self, *, source: str = "") -> str:
        """A scenario TOML fragment with the estimated ``class_factors`` of each band."""
        lines = [
            "# heart-plan network calibrate: road class x time band speed factors fitted by",
            f"# non-negative least squares to timed trips{f' ({source})' if source else ''}.",
            "# Merge into the scenario; classes not listed keep factor 1.",
        ]
        for band, g in self.table[self.table["estimated"]].groupby("band", sort=False):
            lines.append("")
            lines.append(f"[network.time_bands.{band}.class_factors]")
            for r in g.itertuples():
                lines.append(f"{r.road_class} = {r.class_factor:.4f}")
        return "\n".join(lines) + "\n"


def read_trips(path: str | Path) -> pd.DataFrame:
    """The trips CSV (``TRIP_COLUMNS``), checked; ``DataError`` naming the file and field."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype={"trip_id": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the trips CSV ({exc}); pass a UTF-8 CSV") from None
    missing = [c for c in TRIP_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path}: trips CSV has no column {missing[0]!r}; expected {', '.join(TRIP_COLUMNS)}"
        )
    for col in ("origin_lon", "origin_lat", "dest_lon", "dest_lat", "observed_s"):
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = values.isna() | (values < 0 if col == "observed_s" else False)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{path}: row {i + 2}: field {col!r} = {raw[col].iloc[i]!r} is not a valid "
                f"number; fix the value"
            )
        raw[col] = values
    at = pd.to_datetime(raw["departed_at"], errors="coerce")
    if at.isna().any():
        i = int(at.isna().to_numpy().nonzero()[0][0])
        raise DataError(
            f"{path}: row {i + 2}: field 'departed_at' = {raw['departed_at'].iloc[i]!r} is "
            f"not a date-time; use ISO format (2021-03-01T08:15:00)"
        )
    raw["departed_at"] = at
    if raw.empty:
        raise DataError(f"{path}: the trips CSV has no rows")
    return raw[list(TRIP_COLUMNS)]


def path_class_seconds(
    engine: DriveTimeEngine, from_nodes: np.ndarray, to_nodes: np.ndarray
) -> pd.DataFrame:
    """Free-flow seconds on each road class along each free-flow shortest path (trips x classes)."""
    f = engine.index_of(from_nodes)
    t = engine.index_of(to_nodes)
    classes = sorted(set(engine.edge_class.tolist()))
    code = {c: i for i, c in enumerate(classes)}
    csr = engine.csr
    pick = engine.csr_pick
    edge_code = np.array([code[c] for c in engine.edge_class[pick].tolist()])
    coo = sparse.coo_matrix((np.arange(len(pick)) + 1, (engine.edge_u[pick], engine.edge_v[pick])))
    entry = coo.tocsr()
    out = np.zeros((len(f), len(classes)))
    uniq = np.unique(f)
    _, pred = csgraph.dijkstra(csr, directed=True, indices=uniq, return_predecessors=True)
    row_of = {int(o): r for r, o in enumerate(uniq)}
    for i, (a, b) in enumerate(zip(f.tolist(), t.tolist(), strict=True)):
        p = pred[row_of[a]]
        node = b
        while node != a:
            prev = int(p[node])
            if prev < 0:
                raise DataError(
                    f"trip {i}: node {engine.node_ids[b]} is not reachable from "
                    f"{engine.node_ids[a]}; use a strongly connected graph"
                )
            j = int(entry[prev, node]) - 1
            out[i, edge_code[j]] += float(csr[prev, node])
            node = prev
    return pd.DataFrame(out, columns=classes)


def calibrate_class_factors(
    engine: DriveTimeEngine, trips: pd.DataFrame, scenario: Scenario
) -> Calibration:
    """Fit the class factors per band (module docstring) to checked ``trips``."""
    from scipy.optimize import nnls

    net = scenario.network
    ids = trips["trip_id"].astype(str).to_numpy()
    speed, warn = net.access_speed_kph, net.snap_warn_m
    o = snap_points(engine, trips["origin_lon"], trips["origin_lat"], ids,
                    access_speed_kph=speed, snap_warn_m=warn)  # fmt: skip
    d = snap_points(engine, trips["dest_lon"], trips["dest_lat"], ids,
                    access_speed_kph=speed, snap_warn_m=warn)  # fmt: skip
    x = path_class_seconds(engine, o["node_id"].to_numpy(), d["node_id"].to_numpy())
    y = (
        trips["observed_s"].to_numpy(dtype=float)
        - o["access_s"].to_numpy()
        - d["access_s"].to_numpy()
    )
    at = trips["departed_at"]
    how = (at.dt.day_of_week * 24 + at.dt.hour).to_numpy(dtype=int)
    band_of = np.asarray(net.band_of_hour())[how]
    rows, fits = [], []
    for band in dict.fromkeys(band_of.tolist()):
        sel = band_of == band
        xb = x[sel]
        share = xb.sum(axis=0) / max(float(xb.to_numpy().sum()), 1e-9)
        used = xb.gt(0).sum(axis=0)
        ok = (share >= MIN_PATH_SHARE) & (used >= MIN_TRIPS)
        cols = list(share.index[ok])
        theta, _ = nnls(xb[cols].to_numpy(), y[sel])
        f_b = engine.bands.get(band, 1.0)
        before = xb.to_numpy().sum(axis=1) / f_b
        after = xb[cols].to_numpy() @ theta + xb.loc[:, ~ok].to_numpy().sum(axis=1) / f_b
        fits.append(
            (
                band, int(sel.sum()), float(np.sqrt(np.mean((before - y[sel]) ** 2))),
                float(np.sqrt(np.mean((after - y[sel]) ** 2))),
            )
        )  # fmt: skip
        fitted = dict(zip(cols, theta, strict=True))
        for k in share.index:
            th = fitted.get(k)
            est = th is not None and th > 0
            rows.append(
                (
                    band, k, 1.0 / (f_b * th) if est and th else 1.0, bool(est), int(used[k]),
                    float(share[k]),
                )
            )  # fmt: skip
    table = pd.DataFrame(
        rows, columns=["band", "road_class", "class_factor", "estimated", "trips", "path_share"]
    )
    fit = pd.DataFrame(fits, columns=["band", "trips", "rmse_s_before", "rmse_s_after"])
    return Calibration(table=table, fit=fit)


__all__ = [
    "TRIP_COLUMNS",
    "Calibration",
    "calibrate_class_factors",
    "path_class_seconds",
    "read_trips",
]
