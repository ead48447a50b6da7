"""Calls a calibrated demand expects in a date window (a backtest's predicted side).

For each ``beat_nature`` cell of the chosen basis, ``rate x D_w / 365`` calls (largest
remainder over the cells, so the window total is ``round(sum rate x D_w / 365)``), with
the cell's hour-of-week shape, a date among the window's dates with the drawn weekday
(``replay._times``) and a place: observed cells resample their observed call locations,
modeled cells their modeled demand points (weighted by rate).  Deterministic for a seed;
the same seed and demand give the same modeled calls on both sides of a backtest.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from heart_plan.demand.build import Demand
from heart_plan.demand.calibrate import DAYS_PER_YEAR
from heart_plan.demand.replay import REPLAY_COLUMNS, largest_remainder, naive_times


def window_calls(
    demand: Demand,
    *,
    start: dt.date,
    end: dt.date,
    timezone: str,
    basis: str,
    seed: int,
    id_prefix: str,
) -> pd.DataFrame:
    """Synthesized calls of the ``basis`` (``observed``/``modeled``) cells in start..end.

    Returns ``REPLAY_COLUMNS`` with ``basis`` = the cells' basis, sorted by time.
    """
    days = pd.date_range(str(start), str(end), freq="D")
    bn = demand.beat_nature.reset_index(drop=True)
    sel = bn["basis"].eq(basis).to_numpy()
    rate = bn["calls_per_year"].to_numpy(dtype=float) * len(days) / DAYS_PER_YEAR
    counts = largest_remainder(np.where(sel, rate, 0.0))
    rng = np.random.default_rng(seed)
    calls = demand.eligible_calls
    obs = calls[calls["in_observed_beat"] & (calls["calls_per_year"] > 0)]
    obs_xy = {
        k: g[["lon", "lat"]].to_numpy()
        for k, g in pd.DataFrame(obs[["beat_id", "nature", "lon", "lat"]]).groupby(
            ["beat_id", "nature"]
        )
    }
    pts = pd.DataFrame(demand.points[["beat_id", "nature", "lon", "lat", "calls_per_year"]])
    pts_xyw = {
        k: (g[["lon", "lat"]].to_numpy(), g["calls_per_year"].to_numpy())
        for k, g in pts.groupby(["beat_id", "nature"])
    }
    frames = []
    for i, r in enumerate(bn.itertuples()):
        n = int(counts[i])
        if n == 0:
            continue
        shape = demand.shapes[i] / demand.shapes[i].sum()
        bins = rng.choice(168, size=n, p=shape)
        key = (r.beat_id, r.nature)
        if r.basis == "observed" and key in obs_xy:
            xy = obs_xy[key]
            pick = rng.integers(0, len(xy), size=n)
        else:
            xy, w = pts_xyw[key]
            pick = rng.choice(len(xy), size=n, p=w / w.sum())
        frames.append(
            pd.DataFrame(
                {
                    "naive": naive_times(bins, days, rng),
                    "nature": r.nature,
                    "beat_id": r.beat_id,
                    "lon": xy[pick, 0],
                    "lat": xy[pick, 1],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=list(REPLAY_COLUMNS))
    synth = pd.concat(frames, ignore_index=True)
    called_at = pd.DatetimeIndex(synth["naive"]).tz_localize(
        timezone, ambiguous=np.ones(len(synth), dtype=bool), nonexistent="shift_forward"
    )
    synth = synth.drop(columns="naive")
    synth.insert(0, "called_at", called_at)
    synth = synth.sort_values(["called_at", "beat_id", "nature"]).reset_index(drop=True)
    synth.insert(0, "call_id", [f"{id_prefix}{i + 1:06d}" for i in range(len(synth))])
    synth["hour_of_week"] = (
        synth["called_at"].dt.day_of_week * 24 + synth["called_at"].dt.hour
    ).astype(int)
    synth["basis"] = basis
    return synth[list(REPLAY_COLUMNS)]


__all__ = ["window_calls"]
