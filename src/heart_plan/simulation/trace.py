"""The call trace the simulator replays: numpy arrays sorted by time.

A trace is pure data (no geometry): each call has a time ``t_s`` (seconds since the trace
start, which is the start of a local hour), a scene road node, its hour-of-week bin, whether
its recorded beat is in the plan's service area, and its basis (observed or modeled).  The
hour grid ``hour_of_week_by_hour`` gives the local hour-of-week bin of each absolute hour
``[A * 3600, (A + 1) * 3600)`` of the horizon; Eastern time offsets are whole hours, so the
grid stays aligned to local hour starts across DST changes (the skipped hour is absent, the
repeated hour appears twice, as CONVENTIONS.md bins them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import DataError

SECONDS_PER_HOUR = 3600


@dataclass(frozen=True, eq=False)
class CallTrace:
    """Calls to replay, sorted by ``t_s`` (ties keep input order).

    Attributes
    ----------
    t_s : float64 array
        Call time, seconds since the trace start (a local hour start).
    scene : int64 array
        Road node of the scene (whatever node ids the travel function understands).
    hour_of_week : int16 array
        Local hour-of-week bin of the call (0 = Monday 00:00).
    in_area : bool array
        The call's recorded beat is in the plan's service area.
    observed : bool array
        ``True`` for observed calls, ``False`` for modeled (synthesized) calls.
    call_id : object array
        Call identifiers (strings).
    hour_of_week_by_hour : int16 array
        Hour-of-week bin of each absolute hour of the horizon; its length is the horizon in
        hours (on-duty time for utilization is counted over it).
    access_s : int64 array
        Seconds from the scene's road node to the call's point (the snap distance at the
        access speed, as in the optimizers' matrix); default 0.
    """

    t_s: np.ndarray
    scene: np.ndarray
    hour_of_week: np.ndarray
    in_area: np.ndarray
    observed: np.ndarray
    call_id: np.ndarray
    hour_of_week_by_hour: np.ndarray
    access_s: np.ndarray = None  # type: ignore[assignment]  # None -> zeros

    def __post_init__(self) -> None:
        n = len(self.t_s)
        access = np.zeros(n) if self.access_s is None else np.asarray(self.access_s, dtype=float)
        if len(access) != n or not np.all(np.isfinite(access)) or np.any(access < 0):
            raise DataError("call trace: access_s needs one finite value >= 0 per call")
        object.__setattr__(self, "access_s", np.rint(access).astype(np.int64))
        for name in ("scene", "hour_of_week", "in_area", "observed", "call_id"):
            if len(getattr(self, name)) != n:
                raise DataError(
                    f"call trace: {name} has {len(getattr(self, name))} values, t_s {n}"
                )
        if n and np.any(np.diff(self.t_s) < 0):
            raise DataError("call trace: t_s must be sorted ascending; build it with make_trace")
        if n and (self.t_s[0] < 0 or self.t_s[-1] >= self.horizon_s):
            raise DataError(
                f"call trace: call times must lie in [0, {self.horizon_s}) s (the hour grid); "
                f"extend hour_of_week_by_hour"
            )
        if n:
            grid = self.hour_of_week_by_hour[(self.t_s // SECONDS_PER_HOUR).astype(np.int64)]
            bad = np.flatnonzero(grid != self.hour_of_week)
            if bad.size:
                i = int(bad[0])
                raise DataError(
                    f"call trace: call {self.call_id[i]} has hour_of_week {self.hour_of_week[i]} "
                    f"but the hour grid says {grid[i]} at t_s={self.t_s[i]}"
                )

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def horizon_hours(self) -> int:
        """Length of the hour grid (hours)."""
        return len(self.hour_of_week_by_hour)

    @property
    def horizon_s(self) -> int:
        """Length of the hour grid (seconds)."""
        return self.horizon_hours * SECONDS_PER_HOUR

    def subset(self, mask: np.ndarray) -> CallTrace:
        """The calls where ``mask`` is true (same hour grid)."""
        return CallTrace(
            t_s=self.t_s[mask],
            scene=self.scene[mask],
            hour_of_week=self.hour_of_week[mask],
            in_area=self.in_area[mask],
            observed=self.observed[mask],
            call_id=self.call_id[mask],
            hour_of_week_by_hour=self.hour_of_week_by_hour,
            access_s=self.access_s[mask],
        )


def make_trace(
    t_s: Iterable[float],
    scene: Iterable[int],
    *,
    in_area: Iterable[bool] | None = None,
    observed: Iterable[bool] | None = None,
    call_id: Iterable[str] | None = None,
    start_hour_of_week: int = 0,
    horizon_hours: int | None = None,
    access_s: Iterable[float] | None = None,
) -> CallTrace:
    """A trace from plain arrays on a DST-free hour grid starting at ``start_hour_of_week``.

    Calls are sorted by time (stable).  Defaults: every call in the area and observed,
    ``call_id`` = ``"c0"``, ``"c1"``, ...; the horizon covers the last call's hour.
    """
    t = np.asarray(list(t_s) if not isinstance(t_s, np.ndarray) else t_s, dtype=np.float64)
    n = len(t)
    nodes = np.asarray(list(scene) if not isinstance(scene, np.ndarray) else scene, dtype=np.int64)
    area = np.ones(n, bool) if in_area is None else np.asarray(list(in_area), dtype=bool)
    obs = np.ones(n, bool) if observed is None else np.asarray(list(observed), dtype=bool)
    ids = (
        np.array([f"c{i}" for i in range(n)], dtype=object)
        if call_id is None
        else np.asarray(list(call_id), dtype=object)
    )
    if horizon_hours is None:
        horizon_hours = int(t.max() // SECONDS_PER_HOUR) + 1 if n else 1
    grid = ((start_hour_of_week + np.arange(horizon_hours)) % HOURS_PER_WEEK).astype(np.int16)
    order = np.argsort(t, kind="stable")
    how = grid[(t[order] // SECONDS_PER_HOUR).astype(np.int64)] if n else np.zeros(0, np.int16)
    access = np.zeros(n) if access_s is None else np.asarray(list(access_s), dtype=float)
    return CallTrace(
        t_s=t[order],
        scene=nodes[order],
        hour_of_week=how,
        in_area=area[order],
        observed=obs[order],
        call_id=ids[order],
        hour_of_week_by_hour=grid,
        access_s=access[order],
    )


def synthetic_trace(
    hourly_rate: np.ndarray,
    nodes: np.ndarray,
    *,
    weeks: float,
    seed: int = 0,
    node_weights: np.ndarray | None = None,
    in_area_nodes: np.ndarray | None = None,
) -> CallTrace:
    """Seeded Poisson calls with a piecewise-constant hour-of-week rate.

    Hour ``A`` of the horizon gets ``Poisson(hourly_rate[A % 168])`` calls at uniform times
    within the hour, each at a node drawn from ``nodes`` (weights ``node_weights``).  Calls
    are in the area when their node is in ``in_area_nodes`` (default: all).  Used by the
    benchmark and tests when no real trace is at hand.
    """
    rate = np.asarray(hourly_rate, dtype=np.float64)
    if rate.shape != (HOURS_PER_WEEK,):
        raise DataError(f"synthetic_trace: hourly_rate must have 168 values, got {rate.shape}")
    rng = np.random.default_rng(seed)
    horizon = int(round(weeks * HOURS_PER_WEEK))
    counts = rng.poisson(rate[np.arange(horizon) % HOURS_PER_WEEK])
    hour = np.repeat(np.arange(horizon), counts)
    t = (hour + rng.random(hour.size)) * SECONDS_PER_HOUR
    p = None if node_weights is None else np.asarray(node_weights, float) / np.sum(node_weights)
    scene = rng.choice(np.asarray(nodes, dtype=np.int64), size=hour.size, p=p)
    area = np.ones(hour.size, bool) if in_area_nodes is None else np.isin(scene, in_area_nodes)
    return make_trace(t, scene, in_area=area, horizon_hours=horizon)


def trace_from_calls(
    calls: pd.DataFrame,
    scene_node: np.ndarray,
    *,
    service_area_beats: Iterable[str],
    timezone: str,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    access_s: np.ndarray | None = None,
) -> CallTrace:
    """A trace from replayed calls (``heart_plan.demand.replay_calls`` output).

    Parameters
    ----------
    calls : DataFrame
        Columns ``call_id``, ``called_at`` (local or tz-aware timestamps), ``beat_id``,
        ``basis`` (``observed``/``modeled``); ``hour_of_week`` when present is checked.
    scene_node : int array
        Snapped road node of each row of ``calls`` (same order).
    service_area_beats : iterable of str
        The plan's service area; ``in_area`` = recorded beat in it.
    timezone : str
        Local time zone of naive timestamps and of the hour-of-week bins.
    start, end : date-like, optional
        Horizon [start, end) in local time (default: midnight of the first call's day to the
        end of the last call's day).  Calls outside it are an error.
    access_s : float array, optional
        Access seconds from each call's scene node to its point (same order as ``calls``).
    """
    missing = {"call_id", "called_at", "beat_id", "basis"} - set(calls.columns)
    if missing:
        raise DataError(f"replayed calls: missing column(s) {sorted(missing)}")
    scene_node = np.asarray(scene_node, dtype=np.int64)
    if len(scene_node) != len(calls):
        raise DataError(f"scene_node has {len(scene_node)} values for {len(calls)} calls")
    at = pd.to_datetime(calls["called_at"])
    if at.dt.tz is None:
        at = at.dt.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    else:
        at = at.dt.tz_convert(timezone)
    if at.isna().any():
        raise DataError("replayed calls: called_at has missing or unparseable timestamps")
    local = at.dt.tz_localize(None)
    t0 = pd.Timestamp(start) if start is not None else local.min().normalize()
    t1 = pd.Timestamp(end) if end is not None else local.max().normalize() + pd.Timedelta(days=1)
    t0 = t0.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    t1 = t1.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    horizon_hours = int((t1 - t0) / pd.Timedelta(hours=1))
    hours = pd.date_range(t0.tz_convert("UTC"), periods=horizon_hours, freq="h").tz_convert(
        timezone
    )
    grid = np.asarray(hours.day_of_week * 24 + hours.hour, dtype=np.int16)
    t_s = ((at - t0) / pd.Timedelta(seconds=1)).to_numpy(dtype=np.float64)
    if len(t_s) and (t_s.min() < 0 or t_s.max() >= horizon_hours * SECONDS_PER_HOUR):
        raise DataError(
            f"replayed calls: call times fall outside the horizon {t0} - {t1}; "
            f"widen the start/end (observed window) or filter the calls"
        )
    order = np.argsort(t_s, kind="stable")
    t_s = t_s[order]
    how = grid[(t_s // SECONDS_PER_HOUR).astype(np.int64)]
    area_beats = {str(b) for b in service_area_beats}
    beat = calls["beat_id"].astype(str).to_numpy()[order]
    basis = calls["basis"].astype(str).to_numpy()[order]
    bad_basis = sorted(set(basis) - {"observed", "modeled"})
    if bad_basis:
        raise DataError(f"replayed calls: basis {bad_basis[0]!r}; expected observed or modeled")
    return CallTrace(
        t_s=t_s,
        scene=scene_node[order],
        hour_of_week=how,
        in_area=np.isin(beat, list(area_beats)),
        observed=basis == "observed",
        call_id=calls["call_id"].astype(str).to_numpy(dtype=object)[order],
        hour_of_week_by_hour=grid,
        access_s=None if access_s is None else np.asarray(access_s, dtype=float)[order],  # type: ignore[arg-type]
    )
