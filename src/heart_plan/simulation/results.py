"""Frozen simulation results and their summaries with 95% confidence intervals.

Each measure is computed per replication and summarized as mean ± t(0.975, n-1) · sd/√n
over the ``n`` replications (sample sd, ``ddof=1``; no interval for one replication).  With
``[simulation] variation = "on_scene"`` replications differ only in on-scene times on a fixed
trace; by default (``calls+demand``, :mod:`heart_plan.simulation.variation`) each replication
also sees its own calls (a presence mask over an augmented trace) at its own demand level,
so an interval also expresses call-to-call variation and the demand model's uncertainty.
Shares are of the calls *present* in each replication (``present``).

Measures (CONVENTIONS.md names): **served** = handled by HEART at all; **reached** = served
with drive time within the standard; **covered** = in the area with a post within the
standard (spatial: hours and busy teams ignored; the optimizers' measure evaluated on the
trace's calls, deterministic); **covered in hours** also needs a team on duty at that post
(covered in hours implies covered; a call can be reached without being covered in hours
when a team driving back from a nearby scene takes it).  Denominators are stated in every measure's description.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from heart_plan.config import HOURS_PER_WEEK

if TYPE_CHECKING:
    from heart_plan.simulation.deployment import Deployment
    from heart_plan.simulation.trace import CallTrace

REASONS = ("served", "outside_area", "outside_hours", "all_busy")
SECONDS_PER_YEAR = 365 * 86400


@dataclass(frozen=True)
class Estimate:
    """A replication mean with its 95% confidence interval (``nan`` bounds when n < 2)."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval."""
        return (self.ci_high - self.ci_low) / 2

    def contains(self, value: float) -> bool:
        """``value`` lies in the closed interval."""
        return bool(self.ci_low <= value <= self.ci_high)


def mean_ci(values: np.ndarray, *, level: float = 0.95) -> Estimate:
    """Mean ± t-quantile · sd/√n of per-replication values (NaN values are dropped)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, 1)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n)


class CallOutcomes:
    """Per-call outcome arrays shared by one-type and joint results: ``reason`` (0 =
    served), ``drive_s`` and ``standard_s``, and the measures derived from them.
    """

    reason: np.ndarray
    drive_s: np.ndarray
    standard_s: int

    @property
    def replications(self) -> int:
        """Number of replications simulated."""
        return int(self.reason.shape[0])

    @property
    def served(self) -> np.ndarray:
        """``(replications, calls)`` bool: served by HEART (some driving type)."""
        return self.reason == 0

    @property
    def reached(self) -> np.ndarray:
        """``(replications, calls)`` bool: served with drive time within the standard."""
        return self.served & (self.drive_s <= self.standard_s)


@dataclass(frozen=True, eq=False)
class SimulationResult(CallOutcomes):
    """Outcomes of every call in every replication (arrays are ``(replications, calls)``).

    ``reason`` codes index ``REASONS`` (0 = served); ``team`` is the team slot (-1 when not
    served); ``drive_s`` the dispatch drive time (-1 when not served); ``clear_s`` the time
    the team cleared the scene (NaN when not served); ``on_scene_s`` the drawn on-scene time
    (drawn for every call); ``covered`` the spatial test per call (in the area, a post valid
    in the call's band within the standard); ``covered_in_hours`` the same with a staffed
    post (an on-duty team's);
    ``on_duty_s_by_slot`` the on-duty seconds of each team slot over the horizon;
    ``present`` the ``(replications, calls)`` presence mask (``None``: every call in every
    replication; absent calls have reason -1 and are in no denominator).
    """

    trace: CallTrace
    deployment: Deployment
    reason: np.ndarray
    team: np.ndarray
    drive_s: np.ndarray
    clear_s: np.ndarray
    on_scene_s: np.ndarray
    covered: np.ndarray
    covered_in_hours: np.ndarray
    on_duty_s_by_slot: np.ndarray
    standard_s: int
    turnout_s: int
    return_rule: str
    seed: int
    on_scene: dict[str, Any]
    present: np.ndarray | None = None

    @property
    def presence(self) -> np.ndarray:
        """``(replications, calls)`` bool: the call is in the replication."""
        if self.present is None:
            return np.ones(self.reason.shape, dtype=bool)
        return self.present

    def reached_rate_by_call(self) -> np.ndarray:
        """Per call: share of the replications it is present in where it was reached
        (NaN for a call present in none).
        """
        pres = self.presence
        count = pres.sum(axis=0)
        hits = (self.reached & pres).sum(axis=0).astype(np.float64)
        return np.divide(hits, count, out=np.full(len(count), np.nan), where=count > 0)

    def served_counts(self) -> np.ndarray:
        """Served calls per replication."""
        return self.served.sum(axis=1)

    # ------------------------------------------------------------------ per replication
    def measures_by_replication(self) -> pd.DataFrame:
        """One row per replication, one column per measure (see :meth:`summary`)."""
        tr = self.trace
        pres = self.presence
        scope = tr.in_area & (np.asarray(self.deployment.teams_on_duty)[tr.hour_of_week] > 0)
        n = pres.sum(axis=1)
        n_scope = (pres & scope).sum(axis=1)
        n_area = (pres & tr.in_area).sum(axis=1)
        obs = tr.observed
        served, reached = self.served, self.reached
        covered = pres & self.covered
        years = tr.horizon_s / SECONDS_PER_YEAR
        busy = np.where(served, self.clear_s - tr.t_s[None, :], 0.0)
        on_duty_total = float(self.on_duty_s_by_slot.sum())
        rows: dict[str, np.ndarray] = {
            "eligible_calls": n.astype(float),
            "eligible_calls_per_year": n / years,
            "served_share": _share(served.sum(1), n),
            "reached_share": _share(reached.sum(1), n),
            "served_share_in_scope": _share(served.sum(1), n_scope),
            "reached_share_in_scope": _share(reached.sum(1), n_scope),
            "served_share_observed": _share(served[:, obs].sum(1), pres[:, obs].sum(1)),
            "reached_share_observed": _share(reached[:, obs].sum(1), pres[:, obs].sum(1)),
            "reached_calls_per_year": reached.sum(1) / years,
            "covered_share": _share(covered.sum(1), n),
            "covered_share_of_area": _share(covered.sum(1), n_area),
            "covered_calls_per_year": covered.sum(1) / years,
            "covered_share_in_hours": _share((pres & self.covered_in_hours).sum(1), n),
            "served_share_of_area": _share(served.sum(1), n_area),
            "reached_share_of_area": _share(reached.sum(1), n_area),
            "mean_drive_time_s": _mean(self.drive_s, served),
            "drive_time_median_s": _quantile(self.drive_s, served, 0.5),
            "drive_time_p90_s": _quantile(self.drive_s, served, 0.9),
            "response_time_median_s": _quantile(self.drive_s + self.turnout_s, served, 0.5),
            "response_time_p90_s": _quantile(self.drive_s + self.turnout_s, served, 0.9),
            "utilization": busy.sum(1) / on_duty_total
            if on_duty_total
            else np.full(self.replications, np.nan),
        }
        for code, name in enumerate(REASONS[1:], start=1):
            rows[f"missed_{name}_share"] = _share((self.reason == code).sum(1), n)
        frame = pd.DataFrame(rows)
        frame.index.name = "replication"
        return frame

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Every measure: mean, 95% CI and a description stating its denominator."""
        per_rep = self.measures_by_replication()
        out = []
        for name in per_rep.columns:
            est = mean_ci(per_rep[name].to_numpy())
            out.append(
                {
                    "measure": name,
                    "mean": est.mean,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "replications": est.n,
                    "description": MEASURE_DESCRIPTIONS[name],
                }
            )
        return pd.DataFrame(out)

    def missed_by_reason(self) -> pd.DataFrame:
        """Calls per reason (including ``served``): mean count, share and 95% CI."""
        n = self.presence.sum(axis=1)
        out = []
        for code, name in enumerate(REASONS):
            counts = (self.reason == code).sum(axis=1).astype(float)
            c, s = mean_ci(counts), mean_ci(_share(counts, n))
            out.append(
                {
                    "reason": name,
                    "calls_mean": c.mean,
                    "calls_ci_low": c.ci_low,
                    "calls_ci_high": c.ci_high,
                    "share_mean": s.mean,
                    "share_ci_low": s.ci_low,
                    "share_ci_high": s.ci_high,
                }
            )
        return pd.DataFrame(out)

    def utilization_by_team(self) -> pd.DataFrame:
        """Per team slot: busy share of its on-duty time (dispatch to clear), 95% CI."""
        K = len(self.on_duty_s_by_slot)
        busy = np.where(self.served, self.clear_s - self.trace.t_s[None, :], 0.0)
        out = []
        for k in range(K):
            per_rep = np.where(self.team == k, busy, 0.0).sum(axis=1)
            on = self.on_duty_s_by_slot[k]
            est = mean_ci(per_rep / on) if on else mean_ci(np.full(self.replications, np.nan))
            calls = mean_ci((self.team == k).sum(axis=1).astype(float))
            out.append(
                {
                    "team": k,
                    "on_duty_hours": on / 3600,
                    "calls_mean": calls.mean,
                    "utilization_mean": est.mean,
                    "utilization_ci_low": est.ci_low,
                    "utilization_ci_high": est.ci_high,
                }
            )
        columns = [
            "team", "on_duty_hours", "calls_mean", "utilization_mean", "utilization_ci_low",
            "utilization_ci_high",
        ]  # fmt: skip
        return pd.DataFrame(out, columns=columns)

    def utilization_by_hour(self) -> pd.DataFrame:
        """Per hour-of-week bin: busy team-hours / on-duty team-hours over the horizon.

        Busy intervals (dispatch to clear) are split exactly at hour boundaries; busy time
        of a team finishing a call after its shift ended counts in the hour it falls in
        (so a bin's utilization can exceed what its on-duty teams alone would give).
        """
        grid = self.trace.hour_of_week_by_hour.astype(np.int64)
        H = len(grid)
        bounds = np.arange(H + 1, dtype=np.float64) * 3600
        tod = np.asarray(self.deployment.teams_on_duty, dtype=np.float64)
        on_duty_h = np.bincount(grid, minlength=HOURS_PER_WEEK) * tod
        busy_h = np.zeros((self.replications, HOURS_PER_WEEK))
        for r in range(self.replications):
            ok = self.served[r]
            start = self.trace.t_s[ok]
            end = np.minimum(self.clear_s[r, ok], bounds[-1])
            per_abs_hour = np.diff(_busy_before(bounds, start, end)) / 3600
            busy_h[r] = np.bincount(grid, weights=per_abs_hour, minlength=HOURS_PER_WEEK)
        out = []
        for h in range(HOURS_PER_WEEK):
            util = (
                busy_h[:, h] / on_duty_h[h] if on_duty_h[h] else np.full(self.replications, np.nan)
            )
            est = mean_ci(util)
            out.append(
                {
                    "hour_of_week": h,
                    "teams_on_duty": int(tod[h]),
                    "on_duty_team_hours": float(on_duty_h[h]),
                    "busy_team_hours_mean": float(busy_h[:, h].mean()),
                    "utilization_mean": est.mean,
                    "utilization_ci_low": est.ci_low,
                    "utilization_ci_high": est.ci_high,
                }
            )
        return pd.DataFrame(out)

    def calls_frame(self, replication: int = 0) -> pd.DataFrame:
        """Per-call outcomes of one replication (the calls present in it)."""
        tr, r = self.trace, replication
        served = self.served[r]
        frame = pd.DataFrame(
            {
                "call_id": tr.call_id,
                "t_s": tr.t_s,
                "hour_of_week": tr.hour_of_week,
                "scene_node": tr.scene,
                "basis": np.where(tr.observed, "observed", "modeled"),
                "in_area": tr.in_area,
                "covered": self.covered,
                "covered_in_hours": self.covered_in_hours,
                "outcome": np.asarray(REASONS)[self.reason[r]],
                "served": served,
                "reached": self.reached[r],
                "team": self.team[r],
                "drive_time_s": np.where(served, self.drive_s[r], np.nan),
                "response_time_s": np.where(served, self.drive_s[r] + self.turnout_s, np.nan),
                "on_scene_s": np.where(served, self.on_scene_s[r], np.nan),
                "clear_s": self.clear_s[r],
            }
        )
        return frame[self.presence[r]].reset_index(drop=True)

    def comparison(self, predicted: dict[str, float]) -> pd.DataFrame:
        """The optimizer's predicted measures beside the simulated ones, labelled.

        Pairs come from ``PAIRS``: a predicted measure is paired with the simulated measure
        of the same definition (``same_measure`` true: e.g. ``covered_share_of_city`` with the
        simulated ``covered_share``, both spatial shares of citywide eligible calls) or with
        the closest simulated measure of a *different* definition, flagged in ``note`` (e.g.
        the queue-aware ``expected_covered_share`` with the simulated ``reached_share``).
        Predicted values with no counterpart are listed with an empty simulated side.
        Simulated covered measures use the trace's calls (the optimizers use calls per year
        at demand nodes), so small differences between same measures are expected.
        """
        per_rep = self.measures_by_replication()
        out = []
        for key, value in predicted.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            sim_name, same = PAIRS.get(key, (key, True) if key in per_rep.columns else ("", False))
            row = {
                "predicted_measure": key,
                "predicted_value": float(value),
                "simulated_measure": sim_name,
                "simulated_mean": math.nan,
                "simulated_ci_low": math.nan,
                "simulated_ci_high": math.nan,
                "same_measure": bool(sim_name) and same,
                "note": "no simulated counterpart",
            }
            if sim_name:
                est = mean_ci(per_rep[sim_name].to_numpy())
                row |= {
                    "simulated_mean": est.mean,
                    "simulated_ci_low": est.ci_low,
                    "simulated_ci_high": est.ci_high,
                    "note": "same measure"
                    if same
                    else f"different measures: optimizer {key} vs simulated {sim_name}",
                }
            out.append(row)
        return pd.DataFrame(
            out,
            columns=[
                "predicted_measure", "predicted_value", "simulated_measure", "simulated_mean",
                "simulated_ci_low", "simulated_ci_high", "same_measure", "note",
            ],
        )  # fmt: skip


#: Predicted measure (``plan.predicted`` keys of the optimizers and staffing models) ->
#: (simulated measure, same definition?).  Unlisted keys pair with a simulated measure of
#: the same name when there is one.
PAIRS: dict[str, tuple[str, bool]] = {
    "covered_share": ("covered_share", True),
    "covered_share_of_city": ("covered_share", True),
    "covered_share_of_area": ("covered_share_of_area", True),
    "covered_calls_per_year": ("covered_calls_per_year", True),
    "expected_covered_share": ("reached_share", False),
    "expected_covered_share_of_area": ("reached_share_of_area", False),
    "expected_served_share_of_area": ("served_share_of_area", False),
    "served_share": ("served_share", True),
    "reached_share": ("reached_share", True),
    "mean_drive_time_s": ("mean_drive_time_s", True),
    "served_share_of_area": ("served_share_of_area", True),
    "reached_share_of_area": ("reached_share_of_area", True),
    "served_share_in_scope": ("served_share_in_scope", True),
    "reached_share_in_scope": ("reached_share_in_scope", True),
    "nearest_post_drive_time_s": ("mean_drive_time_s", False),
}

MEASURE_DESCRIPTIONS = {
    "eligible_calls": "eligible calls in the trace",
    "eligible_calls_per_year": "eligible calls in the trace scaled to a year (365 days / horizon)",
    "served_share": "served calls / all eligible calls in the trace (citywide)",
    "reached_share": "reached calls (served, drive <= standard) / all eligible calls",
    "served_share_in_scope": "served calls / eligible calls inside the area and hours",
    "reached_share_in_scope": "reached calls / eligible calls inside the area and hours",
    "served_share_observed": "served observed calls / observed eligible calls",
    "reached_share_observed": "reached observed calls / observed eligible calls",
    "reached_calls_per_year": "reached calls scaled to a year (365 days / horizon)",
    "covered_share": "calls in the area with a post within the standard (spatial: hours and busy "
    "teams ignored; deterministic) / all eligible calls",
    "covered_share_of_area": "covered calls / eligible calls in the service area",
    "covered_calls_per_year": "covered calls scaled to a year (365 days / horizon)",
    "covered_share_in_hours": "calls in area and hours with an on-duty team's post within the "
    "standard (busy teams ignored; deterministic) / all eligible calls",
    "served_share_of_area": "served calls / eligible calls in the service area (any hour)",
    "reached_share_of_area": "reached calls / eligible calls in the service area (any hour)",
    "mean_drive_time_s": "mean dispatch drive time of served calls (s)",
    "drive_time_median_s": "median dispatch drive time of served calls (s)",
    "drive_time_p90_s": "90th percentile dispatch drive time of served calls (s)",
    "response_time_median_s": "median turnout + drive time of served calls (s)",
    "response_time_p90_s": "90th percentile turnout + drive time of served calls (s)",
    "utilization": "busy team-time (dispatch to clear) / on-duty team-time, all teams",
    "missed_outside_area_share": "calls outside the service area / all eligible calls",
    "missed_outside_hours_share": "calls in area with no team on duty / all eligible calls",
    "missed_all_busy_share": "calls lost because every on-duty team was busy / all eligible",
}


def _share(count: Any, total: Any) -> Any:
    """``count / total`` element-wise (NaN where ``total`` is 0)."""
    c = np.asarray(count, dtype=np.float64)
    t = np.broadcast_to(np.asarray(total, dtype=np.float64), c.shape)
    return np.divide(c, t, out=np.full(c.shape, np.nan), where=t > 0)


def _mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per-row mean of ``values`` where ``mask`` (NaN for an empty row)."""
    count = mask.sum(axis=1)
    total = np.where(mask, values, 0).sum(axis=1).astype(np.float64)
    return np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0)


def _quantile(values: np.ndarray, mask: np.ndarray, q: float) -> np.ndarray:
    """Per-row quantile of ``values`` where ``mask`` (NaN for an empty row)."""
    x = np.where(mask, values, np.nan).astype(np.float64)
    out = np.full(x.shape[0], np.nan)
    has = mask.any(axis=1)
    if has.any():
        out[has] = np.nanquantile(x[has], q, axis=1)
    return out


def _busy_before(x: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Total busy seconds before each time in ``x`` for intervals ``[start, end)``.

    ``F(x) = sum_{s < x} (x - s) - sum_{e < x} (x - e)`` via sorted prefix sums.
    """
    s, e = np.sort(start), np.sort(end)
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    ns = np.searchsorted(s, x, side="left")
    ne = np.searchsorted(e, x, side="left")
    return (ns * x - cs[ns]) - (ne * x - ce[ne])
