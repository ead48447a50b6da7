"""Call-to-call and demand-level variation between replications (``[simulation] variation``).

The engine replays one call trace with replications side by side; a **presence mask**
(``replications x calls`` bool) lets each replication see its own set of calls on that one
trace.  Modes:

* ``on_scene``: every replication sees every call; replications differ only in on-scene
  draws (the engine before issue 18, results identical to it).
* ``calls``: call-to-call variation by thinning an augmented trace.  The replayed year is
  augmented to ``C = COPIES`` copies: the calls themselves (copy 0) and ``C - 1`` copies in
  which each call (observed or modeled) moves to the same local weekday and clock time of
  another week of the year, drawn uniformly (a *week bootstrap*: a call of that beat, nature,
  place and hour of week on another week; the replay has no seasonality, so this keeps the
  rate).  Replication ``r`` keeps call ``i`` with probability ``m[r, beat_i] / C``
  (Bernoulli thinning), so each beat's expected calls are ``m`` times its rate.  Observed
  calls are augmented the same way as modeled ones (thinning the observed calls alone would
  lower the rate; a day bootstrap would need a trace per replication).  A cell's count then
  has variance ``N m (1 - m / C)``: with ``C = 2`` about half the Poisson variance
  (``N m``) -- an *understatement* of call-to-call noise, documented; the week moves add
  the variation in when and where calls fall.
* ``calls+demand`` (default): as ``calls`` with a per-replication, per-beat demand level
  ``m[r, b] = exp(sigma_b z - sigma_b^2 / 2)`` (``z`` standard normal, mean 1), clipped to
  ``[0, C]``.  ``sigma_b`` comes from the demand model's 90% interval of the beat's annual
  calls (``Demand.intervals``: the GLM's quasi-Poisson prediction interval for modeled beats,
  the Poisson count interval for observed beats): ``s = ln(upper / lower) / (2 * 1.645)``,
  minus the Poisson part the thinning already adds, ``sigma_b^2 = max(s^2 - 1/N_b, 0)``
  (``N_b`` the beat's annual calls).  Beats are drawn independently (the GLM's parameter
  correlation across beats is not kept: an approximation).

Common random numbers: the week moves depend on ``seed`` only, and replication ``r``'s
levels and thinning uniforms come from ``numpy.random.default_rng([seed, r, STREAM])``, so
two plans simulated with the same seed see the same calls in each replication, and
replication ``r`` is the same whatever the number of replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.config import VARIATIONS
from heart_plan.errors import ConfigError

#: Copies of the replayed year in the augmented trace (the largest demand multiplier).
COPIES = 2
#: Stream tag of the presence draws (kept apart from the on-scene draws ``seed + r``).
STREAM = 18
#: z of a two-sided 90% interval (the demand intervals' level).
Z90 = 1.6448536269514722
DAYS_PER_WEEK = 7


def augment_calls(
    calls: pd.DataFrame, *, year: int, seed: int, copies: int = COPIES
) -> pd.DataFrame:
    """``copies`` copies of a replayed year (``replay_calls`` output), column ``copy`` added.

    Copy 0 are the calls; in copy ``c >= 1`` each call moves by ``k`` whole weeks of local
    wall time (``k`` uniform in 1..51, per call and copy), wrapped into the year by 52 weeks;
    its hour of week is kept.  Ids get a ``~c`` suffix.  Sorted by ``called_at``, ``call_id``.
    """
    rng = np.random.default_rng([seed, STREAM, 0])
    tz = pd.to_datetime(calls["called_at"]).dt.tz
    naive = pd.to_datetime(calls["called_at"]).dt.tz_localize(None)
    start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year + 1}-01-01")
    frames = [calls.assign(copy=0)]
    for c in range(1, copies):
        weeks = rng.integers(1, 52, size=len(calls))
        moved = naive + pd.to_timedelta(weeks * DAYS_PER_WEEK, unit="D")
        moved = moved.where(moved < end, moved - pd.Timedelta(days=52 * DAYS_PER_WEEK))
        moved = moved.where(moved >= start, moved + pd.Timedelta(days=52 * DAYS_PER_WEEK))
        at = moved.dt.tz_localize(
            tz, ambiguous=np.ones(len(moved), bool), nonexistent="shift_forward"
        )
        frames.append(
            calls.assign(called_at=at, call_id=calls["call_id"].astype(str) + f"~{c}", copy=c)
        )
    out = pd.concat(frames, ignore_index=True)
    out["hour_of_week"] = (out["called_at"].dt.day_of_week * 24 + out["called_at"].dt.hour).astype(
        int
    )
    return out.sort_values(["called_at", "call_id"]).reset_index(drop=True)


def demand_sigma(intervals: pd.DataFrame) -> pd.Series:
    """Per beat: the log-sd of its demand *level* (module docstring), 0 where unknown."""
    mean = intervals["eligible_calls_per_year"].to_numpy(dtype=float)
    lo = intervals["lower_calls_per_year"].to_numpy(dtype=float)
    hi = intervals["upper_calls_per_year"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.log(hi / lo) / (2 * Z90)
        var = s**2 - 1.0 / mean
    sigma = np.sqrt(np.where(np.isfinite(var) & (var > 0), var, 0.0))
    return pd.Series(sigma, index=intervals["beat_id"].astype(str).to_numpy(), name="sigma")


@dataclass(frozen=True, eq=False)
class Variation:
    """What makes replications differ, for one augmented (or plain) calls frame.

    ``mode`` is one of ``VARIATIONS``; ``copy[i]`` and ``beat[i]`` are call ``i``'s copy and
    beat index (calls-frame order); ``sigma[b]`` the demand log-sd of beat ``b``.
    """

    mode: str
    copies: int
    copy: np.ndarray
    beat: np.ndarray
    sigma: np.ndarray

    def __post_init__(self) -> None:
        if self.mode not in VARIATIONS:
            raise ConfigError(f"simulation.variation {self.mode!r}; use one of {VARIATIONS}")

    @classmethod
    def of(cls, mode: str, calls: pd.DataFrame, sigma_by_beat: pd.Series | None) -> Variation:
        """The variation of a calls frame (``copy`` column from :func:`augment_calls`)."""
        beats = calls["beat_id"].astype(str)
        codes, names = pd.factorize(beats)
        sig = np.zeros(len(names))
        if sigma_by_beat is not None and mode == "calls+demand":
            sig = sigma_by_beat.reindex(names).fillna(0.0).to_numpy(dtype=float)
        copy = (
            calls["copy"].to_numpy(dtype=np.int64)
            if "copy" in calls
            else np.zeros(len(calls), np.int64)
        )
        copies = int(copy.max()) + 1 if len(copy) else 1
        return cls(mode=mode, copies=copies, copy=copy, beat=codes.astype(np.int64), sigma=sig)

    def multipliers(self, replications: int, seed: int) -> np.ndarray:
        """``(replications, beats)`` demand levels (1 without demand variation)."""
        out = np.ones((replications, len(self.sigma)))
        if self.mode != "calls+demand":
            return out
        for r in range(replications):
            z = np.random.default_rng([seed, r, STREAM]).standard_normal(len(self.sigma))
            out[r] = np.exp(self.sigma * z - self.sigma**2 / 2)
        return np.clip(out, 0.0, self.copies)

    def presence(
        self, replications: int, seed: int, order: np.ndarray | None = None
    ) -> np.ndarray | None:
        """``(replications, calls)`` presence mask (module docstring); ``None`` for
        ``on_scene`` on a plain frame.  ``order`` maps trace positions to calls-frame rows.
        """
        idx = np.arange(len(self.copy)) if order is None else np.asarray(order)
        if self.mode == "on_scene":
            if self.copies == 1:
                return None
            return np.broadcast_to(self.copy[idx] == 0, (replications, len(idx))).copy()
        m = self.multipliers(replications, seed)
        out = np.empty((replications, len(idx)), dtype=bool)
        for r in range(replications):
            u = np.random.default_rng([seed, r, STREAM, 1]).random(len(self.copy))
            keep = u < m[r, self.beat] / self.copies
            out[r] = keep[idx]
        return out


__all__ = ["COPIES", "VARIATIONS", "Variation", "augment_calls", "demand_sigma"]
