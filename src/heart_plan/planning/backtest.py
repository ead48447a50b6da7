"""Backtest a plan on calls it has not seen (``heart-plan backtest``).

The plan and the *training* context come from one scenario (its ``[calls]`` window, e.g.
January-June; ``[demand] rake_observed = false`` so the observed beats' rates are the
training counts x 365/D and only unobserved beats use the published full-year totals).
Over the test window ``start..end`` (D_w days) two call sets are simulated against the plan
with the same seeds:

* **predicted**: the training demand's calls for the window (``demand.window``): modeled
  cells (unobserved beats, natures without points) and observed cells synthesized from the
  training rates, shapes and locations;
* **realized**: the *same* modeled calls, with the observed cells' calls replaced by the real
  calls of the test file in the window (observed beats x natures with training points).

Measures (CONVENTIONS names) with 95% CIs over replications, for the whole city and for the
observed cells alone (where the two sides differ only by real against modeled calls):
``reached_share``, ``served_share`` (of the scope's calls) and ``mean_drive_time_s`` (served
calls); and per beat the calls and reached calls of both sides.

Shift of the test calls from the training calls (observed cells): total variation distance
``TV = 0.5 * sum_i |p_i - q_i|`` of the hour-of-week (168 bins), beat and nature
distributions, against its noise level: TV of ``NOISE_SPLITS`` random splits of the pooled
calls into sets of the same two sizes (mean and 95th percentile); a shift above the 95th
percentile is beyond noise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from heart_plan.demand.window import window_calls
from heart_plan.plan import Plan
from heart_plan.planning.context import PlanningContext
from heart_plan.planning.replay import ReplayInputs, replay_inputs_of_calls, simulate_plan
from heart_plan.simulation.results import SimulationResult, mean_ci

NOISE_SPLITS = 200
MEASURES = ("reached_share", "served_share", "mean_drive_time_s")
COMPARISON_COLUMNS = (
    "scope", "measure", "predicted", "predicted_ci_low", "predicted_ci_high", "realized",
    "realized_ci_low", "realized_ci_high", "difference", "calls_predicted", "calls_realized",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """A backtest's tables (``comparison``, ``by_beat``, ``shift``) and settings (``info``)."""

    comparison: pd.DataFrame
    by_beat: pd.DataFrame
    shift: pd.DataFrame
    info: dict[str, Any]

    def difference(self, scope: str, measure: str = "reached_share") -> float:
        """Realized minus predicted for one scope (``city``/``observed_cells``) and measure."""
        row = self.comparison[
            (self.comparison["scope"] == scope) & (self.comparison["measure"] == measure)
        ]
        return float(row["difference"].iloc[0])


def backtest(
    plan: Plan,
    ctx: PlanningContext,
    test_calls: pd.DataFrame,
    *,
    start: dt.date,
    end: dt.date,
    replications: int,
    seed: int,
) -> BacktestResult:
    """Predicted against realized measures of ``plan`` over ``start..end`` (module doc).

    ``test_calls``: eligible calls (loader columns) of the test file; only those in the
    window and in the training demand's observed cells are used.
    """
    scenario = ctx.scenario
    demand = ctx.demand
    tz = scenario.calls.timezone
    cells = demand.beat_nature[demand.beat_nature["basis"].eq("observed")]
    keys = set(zip(cells["beat_id"], cells["nature"], strict=True))
    modeled = window_calls(
        demand, start=start, end=end, timezone=tz, basis="modeled", seed=seed, id_prefix="M"
    )
    synth_obs = window_calls(
        demand, start=start, end=end, timezone=tz, basis="observed", seed=seed + 1,
        id_prefix="P",
    )  # fmt: skip
    local = test_calls["called_at"].dt.tz_convert(tz).dt.date
    in_cell = [k in keys for k in zip(test_calls["beat_id"], test_calls["nature"], strict=True)]
    real = test_calls[((local >= start) & (local <= end)).to_numpy() & np.asarray(in_cell)]
    real = pd.DataFrame(
        {
            "call_id": "R" + real["call_id"].astype(str),
            "called_at": real["called_at"].dt.tz_convert(tz),
            "hour_of_week": real["hour_of_week"].astype(int),
            "nature": real["nature"],
            "beat_id": real["beat_id"],
            "lon": real["lon"],
            "lat": real["lat"],
            "basis": "observed",
        }
    )
    window_scenario = dataclasses.replace(
        scenario,
        calls=dataclasses.replace(scenario.calls, observed_start=str(start), observed_end=str(end)),
    )
    sides = {}
    for side, observed_part in (("predicted", synth_obs), ("realized", real)):
        calls = (
            pd.concat([modeled, observed_part], ignore_index=True)
            .sort_values(["called_at", "call_id"])
            .reset_index(drop=True)
        )
        replay = _replay(ctx, calls, seed)
        result = simulate_plan(plan, window_scenario, replay, replications=replications, seed=seed)
        sides[side] = (calls, result)
    comparison = _comparison(sides)
    by_beat = _by_beat(sides)
    train = demand.eligible_calls
    train = train[train["calls_per_year"] > 0]
    shift = shift_table(train, real, seed=seed)
    info = {
        "window_start": str(start),
        "window_end": str(end),
        "window_days": (end - start).days + 1,
        "training_window": [scenario.calls.observed_start, scenario.calls.observed_end],
        "training_rake_observed": scenario.demand.rake_observed,
        "replications": replications,
        "seed": seed,
        "modeled_calls": int(len(modeled)),
        "predicted_observed_cell_calls": int(len(synth_obs)),
        "realized_observed_cell_calls": int(len(real)),
    }
    return BacktestResult(comparison=comparison, by_beat=by_beat, shift=shift, info=info)


def _replay(ctx: PlanningContext, calls: pd.DataFrame, seed: int) -> ReplayInputs:
    # observed_only: the horizon is the (window) scenario's calls window
    return replay_inputs_of_calls(ctx, calls, seed=seed, observed_only=True)


def _scope_measures(result: SimulationResult, mask: np.ndarray) -> dict[str, Any]:
    """Per-replication measures over the calls in ``mask`` -> estimates with CIs."""
    n = int(mask.sum())
    reached = result.reached[:, mask].sum(axis=1) / max(n, 1)
    served_m = result.served[:, mask]
    served = served_m.sum(axis=1) / max(n, 1)
    drive = np.where(served_m, result.drive_s[:, mask], np.nan)
    with np.errstate(invalid="ignore"):
        mean_drive = np.nanmean(drive, axis=1) if n else np.full(result.replications, np.nan)
    return {
        "reached_share": mean_ci(reached),
        "served_share": mean_ci(served),
        "mean_drive_time_s": mean_ci(mean_drive),
        "calls": n,
    }


def _comparison(sides: dict[str, tuple[pd.DataFrame, SimulationResult]]) -> pd.DataFrame:
    rows = []
    for scope in ("city", "observed_cells"):
        est = {}
        for side, (_calls, result) in sides.items():
            observed = np.asarray(result.trace.observed, dtype=bool)
            mask = np.ones_like(observed) if scope == "city" else observed
            est[side] = _scope_measures(result, mask)
        for m in MEASURES:
            p, r = est["predicted"][m], est["realized"][m]
            rows.append(
                (
                    scope, m, p.mean, p.ci_low, p.ci_high, r.mean, r.ci_low, r.ci_high,
                    r.mean - p.mean, est["predicted"]["calls"], est["realized"]["calls"],
                )
            )  # fmt: skip
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _by_beat(sides: dict[str, tuple[pd.DataFrame, SimulationResult]]) -> pd.DataFrame:
    frames = []
    for side, (calls, result) in sides.items():
        ids = np.asarray(result.trace.call_id).astype(str)
        beat = calls.set_index(calls["call_id"].astype(str))["beat_id"].reindex(ids).to_numpy()
        reached = result.reached.mean(axis=0)
        df = pd.DataFrame({"beat_id": beat, "reached": reached})
        g = df.groupby("beat_id").agg(calls=("reached", "size"), reached=("reached", "sum"))
        g.columns = [f"calls_{side}", f"reached_calls_{side}"]
        frames.append(g)
    out = pd.concat(frames, axis=1).fillna(0.0).reset_index()
    for side in sides:
        calls_col = out[f"calls_{side}"]
        out[f"reached_share_{side}"] = out[f"reached_calls_{side}"] / calls_col.where(calls_col > 0)
    return out


def total_variation(a: pd.Series, b: pd.Series) -> float:
    """``0.5 * sum |p - q|`` of the two samples' category distributions."""
    p = a.value_counts(normalize=True)
    q = b.value_counts(normalize=True)
    idx = p.index.union(q.index)
    return float(0.5 * (p.reindex(idx, fill_value=0) - q.reindex(idx, fill_value=0)).abs().sum())


def shift_table(train: pd.DataFrame, test: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """TV of hour of week, beat and nature (test vs train) against its split noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for dim in ("hour_of_week", "beat_id", "nature"):
        a = train[dim].astype(str).reset_index(drop=True)
        b = test[dim].astype(str).reset_index(drop=True)
        tv = total_variation(a, b) if len(a) and len(b) else float("nan")
        pooled = pd.concat([a, b], ignore_index=True)
        noise = []
        for _ in range(NOISE_SPLITS if len(a) and len(b) else 0):
            perm = rng.permutation(len(pooled))
            noise.append(total_variation(pooled.iloc[perm[: len(a)]], pooled.iloc[perm[len(a) :]]))
        arr = np.asarray(noise) if noise else np.array([np.nan])
        rows.append(
            {
                "dimension": dim,
                "total_variation": tv,
                "noise_mean": float(arr.mean()),
                "noise_p95": float(np.quantile(arr, 0.95)),
                "beyond_noise": bool(tv > np.quantile(arr, 0.95)),
                "train_calls": len(a),
                "test_calls": len(b),
            }
        )
    return pd.DataFrame(rows)


__all__ = ["BacktestResult", "backtest", "shift_table", "total_variation"]
