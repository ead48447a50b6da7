"""Call replay for the simulator: a year of citywide eligible calls.

* ``observed``: every eligible observed call (its real time and place), Jan-Sep 2021 in the
  12 observed beats.
* ``modeled``: synthesized calls, flagged as such, so that each beat x nature gets its
  calibrated annual count:
  - observed beat x nature: with growth factor ``g`` and growth-free rate ``r / g``,
    ``round(r / g - count)`` more calls in the days of ``year`` outside the observation
    window (Oct-Dec for Durham), plus the growth ``(g - 1) r / g`` spread over the whole
    year (for ``g < 1`` observed calls are thinned at random instead), at the beat x
    nature's own observed locations (resampled) and hour-of-week shape;
  - modeled beat x nature: ``round(r)`` calls over the whole year at its modeled demand
    points (weighted by their rate) with its hour-of-week shape.
  Counts are rounded by the largest-remainder method over all cells, so the citywide total
  equals ``round(sum r)``.  A synthesized call's time: a bin drawn from the shape, a date
  drawn uniformly among the window's dates with that weekday, a uniform minute and second;
  localized like the loader (ambiguous -> first occurrence, nonexistent -> shifted forward).
Deterministic for a given ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.demand.build import Demand, observed_window
from heart_plan.errors import ConfigError
from heart_plan.loaders import DurhamInputs

REPLAY_COLUMNS = (
    "call_id",
    "called_at",
    "hour_of_week",
    "nature",
    "beat_id",
    "lon",
    "lat",
    "basis",
)


def replay_calls(
    demand: Demand,
    inputs: DurhamInputs,
    scenario: Scenario,
    *,
    year: int = 2021,
    seed: int = 0,
    observed_only: bool = False,
) -> pd.DataFrame:
    """Calls to replay: observed calls plus synthesized ``modeled`` calls (see module doc).

    Returns a DataFrame with ``REPLAY_COLUMNS``, sorted by ``called_at``.
    """
    del inputs  # the demand already holds the eligible calls; kept for a uniform signature
    tz = scenario.calls.timezone
    calls = demand.eligible_calls
    obs = calls[calls["in_observed_beat"] & (calls["calls_per_year"] > 0)]
    obs = obs[obs["called_at"].dt.year == year]
    observed = pd.DataFrame(
        {
            "call_id": obs["call_id"].astype(str),
            "called_at": obs["called_at"],
            "hour_of_week": obs["hour_of_week"].astype(int),
            "nature": obs["nature"],
            "beat_id": obs["beat_id"],
            "lon": obs["lon"],
            "lat": obs["lat"],
            "basis": "observed",
        }
    )
    if observed_only:
        return observed.sort_values(["called_at", "call_id"]).reset_index(drop=True)

    start, end, _ = observed_window(scenario)
    if start.year != year or end.year != year:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: the calls' observation window {start}..{end} "
            f"must lie inside the replayed year {year} (demand.calibration_year)"
        )
    growth = scenario.demand.growth_factor
    rng = np.random.default_rng(seed)
    if growth < 1.0:  # fewer calls than observed: thin the observed calls at random
        keep = rng.random(len(observed)) < growth
        observed, obs = observed[keep], obs[keep]
    all_days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    in_window = (all_days.date >= start) & (all_days.date <= end)
    rest_days = all_days[~in_window]
    bn = demand.beat_nature.reset_index(drop=True)
    obs_count = obs.groupby(["beat_id", "nature"]).size()
    # two targets per cell: calls on the days outside the window, calls over the whole year
    rest_target = np.zeros(len(bn))
    year_target = np.zeros(len(bn))
    for i, r in enumerate(bn.itertuples()):
        if r.basis == "observed":
            # growth-free rate x share of observed calls kept: what Jan-Dec would have
            # held without growth; the window's observed calls count towards it
            expected = r.calls_per_year / growth * min(growth, 1.0)
            count = obs_count.get((r.beat_id, r.nature), 0)
            if len(rest_days):
                rest_target[i] = max(0.0, expected - count)
            year_target[i] = max(0.0, r.calls_per_year - expected)  # growth, all year
        else:
            year_target[i] = r.calls_per_year
    counts = largest_remainder(np.concatenate([rest_target, year_target]))
    n_rest, n_year = counts[: len(bn)], counts[len(bn) :]
    plain = pd.DataFrame(obs[["beat_id", "nature", "lon", "lat"]])
    obs_xy = {k: g[["lon", "lat"]].to_numpy() for k, g in plain.groupby(["beat_id", "nature"])}
    pts = pd.DataFrame(demand.points[["beat_id", "nature", "lon", "lat", "calls_per_year"]])
    pts_xyw = {
        k: (g[["lon", "lat"]].to_numpy(), g["calls_per_year"].to_numpy())
        for k, g in pts.groupby(["beat_id", "nature"])
    }
    frames = []
    for i, r in enumerate(bn.itertuples()):
        for n, days in ((int(n_rest[i]), rest_days), (int(n_year[i]), all_days)):
            if n == 0:
                continue
            bins = rng.choice(168, size=n, p=demand.shapes[i] / demand.shapes[i].sum())
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
    synth = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["naive", "nature", "beat_id", "lon", "lat"])
    )
    called_at = pd.DatetimeIndex(synth["naive"]).tz_localize(
        tz, ambiguous=np.ones(len(synth), dtype=bool), nonexistent="shift_forward"
    )
    synth = synth.drop(columns="naive")
    synth.insert(0, "called_at", called_at)
    synth = synth.sort_values(["called_at", "beat_id", "nature"]).reset_index(drop=True)
    synth.insert(0, "call_id", [f"S{year}-{i + 1:06d}" for i in range(len(synth))])
    synth["hour_of_week"] = (
        synth["called_at"].dt.day_of_week * 24 + synth["called_at"].dt.hour
    ).astype(int)
    synth["basis"] = "modeled"
    out = pd.concat([observed, synth[list(REPLAY_COLUMNS)]], ignore_index=True)
    return out.sort_values(["called_at", "call_id"]).reset_index(drop=True)[list(REPLAY_COLUMNS)]


def largest_remainder(values: np.ndarray) -> np.ndarray:
    """Integers with the same (rounded) total, each within 1 of its value."""
    floor = np.floor(values)
    short = int(round(values.sum() - floor.sum()))
    order = np.argsort(-(values - floor), kind="stable")
    floor[order[:short]] += 1
    return floor.astype(int)


def naive_times(bins: np.ndarray, days: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Naive local datetimes: a date with the bin's weekday, its hour, random minute/second."""
    day_values = days.to_numpy().astype("datetime64[D]")
    weekday = days.day_of_week.to_numpy()
    dow, hour = np.divmod(bins.astype(int), 24)
    out_day = np.empty(len(bins), dtype="datetime64[D]")
    for d in range(7):
        sel = dow == d
        if not sel.any():
            continue
        candidates = day_values[weekday == d]
        if not len(candidates):
            candidates = day_values
        out_day[sel] = candidates[rng.integers(0, len(candidates), size=int(sel.sum()))]
    secs = hour * 3600 + rng.integers(0, 3600, size=len(bins))
    return out_day.astype("datetime64[s]") + secs.astype("timedelta64[s]")


__all__ = ["REPLAY_COLUMNS", "largest_remainder", "naive_times", "replay_calls"]
