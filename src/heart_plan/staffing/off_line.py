"""Unavailable time on duty: breaks, meals and documentation (``[roster.off_line]``).

One schedule serves the simulator (:mod:`heart_plan.simulation.engine`) and the
queue-aware evaluator (:mod:`heart_plan.queueing.week`), so both take the same teams off
line at the same times.

Timing rule (hours; ``cfg`` = :class:`heart_plan.config.OffLineConfig`)
-------------------------------------------------------------------------
* **Shifts of a team slot**: slot ``s`` is on duty in an hour when ``s < teams_on_duty``
  (the simulator's slot rule).  Each maximal on-duty stretch of a slot, of length ``L``,
  is ``n = ceil(L / max_shift_h)`` consecutive shifts of ``L / n`` hours (a 24/7 slot
  works 12-hour shifts back to back).  On the 168-hour week a stretch that wraps past
  Sunday 24:00 is one stretch; a slot on duty all week starts its shifts at Monday 00:00.
* **Breaks of a shift** of length ``l``: ``r = floor(rest_breaks_per_8h * l / 8 + 1/2)``
  rest breaks of ``rest_break_min`` and one meal of ``meal_break_min`` (a zero length
  means none), ``m`` breaks in all; break ``i = 1..m`` starts at ``i / (m + 1)`` of the
  shift, the meal being break ``m // 2 + 1`` (8 h: rests at 2 h and 6 h, meal at 4 h).
* **Staggering**: the ``q``-th slot (0-based, slot order) of those whose shift starts at
  the same time takes each break ``q`` x that break's length later, so co-starting teams
  are not off line together.
* **Busy at break time** (simulator): the team takes the break when clear of the call
  (it starts at ``max(scheduled start, clear)``); the evaluator uses the scheduled times.
* **Documentation**: every served call keeps the team busy ``documentation_min`` more
  after it clears the scene; the evaluator adds it to the mean busy time per call.

The evaluator's approximation (:func:`hour_segments`): within an hour the set of slots
off line is piecewise constant; each piece is weighted by its share of the hour and
evaluated as a steady-state loss system without those teams (the others stay at their
posts), the same quasi-stationary simplification as one hypercube per hour.  The hours
tables of the planners (:func:`with_off_line`) do not know the shifts yet, so they use
fractional teams: ``k`` teams on duty are ``e = k (1 - f)`` teams on line, ``f`` the
off-line share of a nominal shift (:func:`off_line_share`), the value interpolated
linearly between ``floor(e)`` and ``ceil(e)`` teams.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from heart_plan.config import HOURS_PER_WEEK, OffLineConfig, UnitConfig
from heart_plan.staffing.hour_values import HourValues

#: No unavailable time on duty (the engine's and the evaluator's default).
NONE = OffLineConfig(
    meal_break_min=0.0, rest_break_min=0.0, rest_breaks_per_8h=0.0, documentation_min=0.0
)


def shift_breaks(length_h: float, cfg: OffLineConfig) -> list[tuple[float, float]]:
    """``(start offset, duration)`` of each break of one shift of ``length_h``, hours."""
    rests = math.floor(cfg.rest_breaks_per_8h * length_h / 8.0 + 0.5) if cfg.rest_break_min else 0
    durations = [cfg.rest_break_min / 60.0] * rests
    if cfg.meal_break_min > 0:
        durations.insert((len(durations) + 1) // 2, cfg.meal_break_min / 60.0)
    m = len(durations)
    return [(length_h * (i + 1) / (m + 1), d) for i, d in enumerate(durations)]


def off_line_share(cfg: OffLineConfig, length_h: float) -> float:
    """Share of a shift of ``length_h`` hours spent on breaks."""
    return sum(d for _, d in shift_breaks(length_h, cfg)) / length_h if length_h > 0 else 0.0


def service_time_h(unit: UnitConfig, cfg: OffLineConfig) -> float:
    """Mean hours a team is busy per call after arriving: on-scene + documentation."""
    return (unit.on_scene_mean_min + cfg.documentation_min) / 60.0


@dataclass(frozen=True, eq=False)
class BreakWindows:
    """Scheduled breaks sorted by start: ``slot``, ``start_h``, ``duration_h`` (hours from
    the grid's start) and ``stretch_start_h`` (the hour the slot's on-duty stretch began).
    """

    slot: NDArray[np.int64]
    start_h: NDArray[np.float64]
    duration_h: NDArray[np.float64]
    stretch_start_h: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.slot)


def _stretches(on: NDArray[np.bool_], cyclic: bool) -> list[tuple[int, int]]:
    """``(start hour, length)`` of each maximal run of ``on`` (wrapping when cyclic)."""
    n = len(on)
    if not on.any():
        return []
    if on.all():
        return [(0, n)]
    d = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    runs = [
        (int(a), int(b - a))
        for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True)
    ]
    if cyclic and on[0] and on[-1]:  # the last run continues into the first
        first_len = runs[0][1]
        start, length = runs.pop()
        runs[0] = (start, length + first_len)
    return runs


def break_windows(on: ArrayLike, cfg: OffLineConfig, *, cyclic: bool) -> BreakWindows:
    """The break schedule (module docstring) of team slots on duty as ``on[hour, slot]``.

    ``cyclic``: ``on`` is the 168-hour week repeating (the evaluator), else an absolute hour
    grid (the simulator's horizon).
    """
    grid = np.asarray(on, dtype=bool)
    rows: list[tuple[float, int, float, float, int]] = []  # (shift start, slot, start, dur, st)
    for s in range(grid.shape[1]):
        for start, length in _stretches(grid[:, s], cyclic):
            n = math.ceil(length / cfg.max_shift_h - 1e-9)
            shift_h = length / n
            for i in range(n):
                t0 = start + i * shift_h
                rows += [(t0, s, t0 + off, d, start) for off, d in shift_breaks(shift_h, cfg)]
    groups: dict[float, set[int]] = {}
    for t0, s, *_ in rows:
        groups.setdefault(round(t0, 6), set()).add(s)
    rank = {(t0, s): sorted(slots).index(s) for t0, slots in groups.items() for s in slots}
    out = sorted((start + rank[(round(t0, 6), s)] * d, s, d, st) for t0, s, start, d, st in rows)
    return BreakWindows(
        slot=np.array([r[1] for r in out], dtype=np.int64),
        start_h=np.array([r[0] for r in out], dtype=np.float64),
        duration_h=np.array([r[2] for r in out], dtype=np.float64),
        stretch_start_h=np.array([r[3] for r in out], dtype=np.int64),
    )


def hour_segments(
    teams_on_duty: ArrayLike, cfg: OffLineConfig
) -> list[list[tuple[float, tuple[int, ...]]]]:
    """For each hour of week, ``(share of the hour, slots off line)`` pieces (shares sum
    to 1; one ``(1.0, ())`` piece when no break falls in the hour).
    """
    tod = np.asarray(teams_on_duty, dtype=np.int64)
    k_max = int(tod.max()) if tod.size else 0
    on = np.arange(k_max)[None, :] < tod[:, None]
    w = break_windows(on, cfg, cyclic=True)
    per_hour: list[list[tuple[float, float, int]]] = [[] for _ in range(HOURS_PER_WEEK)]
    for s, a, d in zip(w.slot, w.start_h % HOURS_PER_WEEK, w.duration_h, strict=True):
        b = a + d
        h = int(a)
        while h < b:
            lo, hi = max(a, h), min(b, h + 1)
            if hi > lo:
                per_hour[h % HOURS_PER_WEEK].append((lo - h, hi - h, int(s)))
            h += 1
    out: list[list[tuple[float, tuple[int, ...]]]] = []
    for pieces in per_hour:
        if not pieces:
            out.append([(1.0, ())])
            continue
        cuts = sorted({0.0, 1.0, *(p[0] for p in pieces), *(p[1] for p in pieces)})
        shares: dict[tuple[int, ...], float] = {}
        for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
            mid = (lo + hi) / 2
            off = tuple(sorted({s for a, b, s in pieces if a <= mid < b}))
            shares[off] = shares.get(off, 0.0) + (hi - lo)
        out.append([(share, off) for off, share in sorted(shares.items())])
    return out


def with_off_line(values: HourValues, share: float) -> HourValues:
    """The table with ``k`` teams on duty valued as ``k (1 - share)`` teams on line
    (fractional teams, linear between the neighbouring columns; module docstring).
    """
    if share <= 0:
        return values
    k_max = values.served_per_year.shape[1] - 1
    e = np.arange(k_max + 1) * (1.0 - share)
    lo = np.floor(e).astype(int)
    hi = np.minimum(lo + 1, k_max)
    frac = e - lo

    def mix(table: NDArray[np.float64]) -> NDArray[np.float64]:
        return table[:, lo] * (1 - frac) + table[:, hi] * frac

    return replace(
        values,
        reached_per_year=mix(values.reached_per_year),
        served_per_year=mix(values.served_per_year),
    )
