"""``build_demand``: eligible calls -> calibrated, completed demand (where and when).

Steps (CONVENTIONS.md "Demand"):

1. Eligible calls (``eligibility.filter_eligible``); each counted by its *recorded* beat.
   Calls whose point lies in another beat polygon (or none) are reported in ``mismatches``.
2. Counts per observed beat x nature over D days (``[calls] observed_start..observed_end``)
   are annualized and raked to the published totals; the 23 unobserved city beats and the
   natures without points are completed by the covariate model (``calibrate``).
3. Hour-of-week shapes per beat x nature by partial pooling (beat -> district -> city, weights
   chosen by held-out likelihood; ``profile``); ``hour_of_week`` (citywide, 168 rows)
   and ``beat_hour_share`` (per beat, rows sum to 1) follow.
4. Demand points: every observed eligible call weighted by its calibrated rate
   (``r[b, n] / count[b, n]`` calls/year each); modeled demand at the observed locations of
   the shape nature in observed beats, and at ``[demand] modeled_points_per_beat``
   population-weighted random points in unobserved beats (``points``).
5. Leave-one-beat-out validation of every covariate on the observed beats (``validation``).

All calls-per-year values include ``[demand] growth_factor`` (1.0 by default).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.demand.calibrate import DAYS_PER_YEAR, calibrate_rates, calibration_check
from heart_plan.demand.covariates import (
    CRIME_COVARIATES,
    GLM_COVARIATES,
    beat_blockgroup_pieces,
    beat_covariates,
    covariate_weights,
)
from heart_plan.demand.glm import CountModel, candidate_sets, fit_count_model, model_name
from heart_plan.demand.points import sample_points
from heart_plan.demand.profile import choose_pooling, pooled_shape_set, shape_for
from heart_plan.demand.validation import leave_beats_out
from heart_plan.eligibility import filter_eligible
from heart_plan.errors import ConfigError, DataError
from heart_plan.loaders import DurhamInputs

POINT_COLUMNS = ("point_id", "beat_id", "nature", "basis", "calls_per_year", "lon", "lat")
MISMATCH_COLUMNS = (
    "call_id", "called_at", "nature", "recorded_beat_id", "polygon_beat_id", "lon", "lat",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Demand:
    """Calibrated eligible-call demand.  All rates are calls per year (growth included).

    Attributes
    ----------
    beat_nature
        ``beat_id, nature, calls_per_year, basis`` (one row per city beat x nature).
    beats
        ``beat_id, district, eligible_calls_per_year, modeled_share,
        calls_per_year__<NATURE>...`` (one row per city beat).
    hour_of_week
        168 rows: ``hour_of_week, calls_per_year, observed_calls_per_year,
        modeled_calls_per_year`` (citywide; sums to the annual total).
    beat_hour_share
        index ``beat_id``, columns 0..167: share of each beat's calls per bin (rows sum to 1).
    points
        GeoDataFrame ``point_id, beat_id, nature, basis, calls_per_year, lon, lat, geometry``.
    validation
        Leave-one-beat-out table (``validation.VALIDATION_COLUMNS``), every candidate model.
    intervals
        Per city beat: ``beat_id, basis, eligible_calls_per_year, lower_calls_per_year,
        upper_calls_per_year`` (90%).  Observed beats: the exact Poisson interval of their
        observed count, scaled like the count (x 365/D, raked, growth).  Modeled beats: the
        count GLM's prediction interval of the beat, scaled by the rake (remainder / model
        mean); NaN with the share model (it has no noise model).
    mismatches
        Eligible calls whose recorded beat differs from the polygon they fall in.
    calibration
        Model vs published totals per nature (``calibrate.calibration_check``).
    covariates
        Per beat: ``population``, ``incidents_2013``, ``area_km2``.
    eligible_calls
        The eligible observed calls (loader columns) with ``calls_per_year`` (their weight)
        and ``in_observed_beat``.
    shapes
        ``len(beat_nature)`` x 168 array: hour-of-week shape of each ``beat_nature`` row.
    observed_days
        D, the days the calls cover.
    summary
        Headline numbers for printing and ``run_info.json``.
    """

    beat_nature: pd.DataFrame
    beats: pd.DataFrame
    hour_of_week: pd.DataFrame
    beat_hour_share: pd.DataFrame
    points: gpd.GeoDataFrame
    validation: pd.DataFrame
    intervals: pd.DataFrame
    mismatches: pd.DataFrame
    calibration: pd.DataFrame
    covariates: pd.DataFrame
    eligible_calls: gpd.GeoDataFrame
    shapes: np.ndarray
    observed_days: int
    observed_beats: tuple[str, ...]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def calls_per_year(self) -> float:
        """Citywide eligible calls per year."""
        return float(self.beat_nature["calls_per_year"].sum())


def observed_window(scenario: Scenario) -> tuple[dt.date, dt.date, int]:
    """(start, end, D) of the calls' observation window (inclusive local dates)."""
    try:
        start = dt.date.fromisoformat(scenario.calls.observed_start)
        end = dt.date.fromisoformat(scenario.calls.observed_end)
    except ValueError:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: calls.observed_start/observed_end must be "
            f"YYYY-MM-DD dates"
        ) from None
    days = (end - start).days + 1
    if days <= 0:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: calls.observed_end is before observed_start"
        )
    return start, end, days


def build_demand(inputs: DurhamInputs, scenario: Scenario) -> Demand:
    """Calibrated, completed eligible-call demand for every city beat (see module docstring)."""
    cfg = scenario.demand
    src = scenario.source or "scenario"
    beats = inputs.beats
    city = beats.loc[beats["is_city_beat"], "beat_id"].tolist()
    eligible = filter_eligible(inputs.calls, scenario)
    start, end, days = observed_window(scenario)
    local_dates = eligible["called_at"].dt.date
    outside = (local_dates < start) | (local_dates > end)
    if outside.any():
        i = int(outside.to_numpy().nonzero()[0][0])
        raise DataError(
            f"{eligible.attrs.get('path', 'calls')}: call {eligible['call_id'].iloc[i]} on "
            f"{local_dates.iloc[i]} is outside calls.observed_start..observed_end "
            f"({start}..{end}); set the observation window in the scenario"
        )
    polygon_beat = _polygon_beat(eligible, beats)
    mismatch = polygon_beat.ne(eligible["beat_id"])
    mismatches = pd.DataFrame(
        {
            "call_id": eligible["call_id"],
            "called_at": eligible["called_at"].astype(str),
            "nature": eligible["nature"],
            "recorded_beat_id": eligible["beat_id"],
            "polygon_beat_id": polygon_beat,
            "lon": eligible["lon"],
            "lat": eligible["lat"],
        }
    )[mismatch.to_numpy()].reset_index(drop=True)

    observed_beats = list(cfg.observed_beats) or sorted(set(eligible["beat_id"]) & set(city))
    unknown = sorted(set(observed_beats) - set(city))
    if unknown:
        raise ConfigError(
            f"{src}: demand.observed_beats has {unknown[0]!r}, not a city beat; remove it"
        )
    in_obs = eligible["beat_id"].isin(observed_beats)
    obs_calls = eligible[in_obs.to_numpy()]
    counts = obs_calls.groupby(["beat_id", "nature"]).size().rename("count").reset_index()

    pieces = beat_blockgroup_pieces(beats[beats["is_city_beat"]], inputs.blockgroups)
    covariates = beat_covariates(
        beats[beats["is_city_beat"]], pieces, inputs.incidents, inputs.tracts
    )
    city_totals, obs_totals = _totals(scenario, eligible)
    count_model: CountModel | None = None
    selected = cfg.covariate
    if cfg.model == "share":
        weights = covariate_weights(covariates, cfg.covariate, beats=city)
    else:
        glm_names = tuple(cfg.glm_covariates)
        bad = [n for n in glm_names if n not in GLM_COVARIATES]
        if bad:
            raise ConfigError(
                f"{src}: demand.glm_covariates has {bad[0]!r}; use names from "
                f"{', '.join(GLM_COVARIATES)}"
            )
        selected = model_name(glm_names)
        # fit on the annualized observed counts (the rake is a per-nature factor: alpha)
        annual = counts.assign(calls_per_year=counts["count"] * DAYS_PER_YEAR / days)
        count_model = fit_count_model(annual, covariates, glm_names)
        weights = count_model.weight(covariates.reindex(city))
    beat_nature = calibrate_rates(
        counts,
        observed_days=days,
        observed_beats=observed_beats,
        city_beats=city,
        city_totals=city_totals,
        observed_beat_totals=obs_totals,
        weights=weights,
        shape_from_nature=cfg.shape_from_nature,
        source=src,
        rake_observed=cfg.rake_observed,
    )
    cells = beat_nature[
        beat_nature["basis"].eq("observed") & beat_nature["beat_id"].isin(observed_beats)
    ][["beat_id", "nature", "calls_per_year"]]
    validation = leave_beats_out(
        cells,
        covariates,
        selected=selected,
        glm_candidates=candidate_sets(cfg.glm_candidates, alternatives=CRIME_COVARIATES),
        seed=cfg.seed,
    )
    beat_nature["calls_per_year"] *= cfg.growth_factor

    district_of = beats.set_index("beat_id")["district"].astype(str).to_dict()
    pooling = choose_pooling(obs_calls, district_of)
    shape_set = pooled_shape_set(obs_calls, district_of, pooling)
    shapes = np.vstack(
        [
            shape_for(
                r.beat_id, r.nature, shapes=shape_set, shape_from_nature=cfg.shape_from_nature
            )
            for r in beat_nature.itertuples()
        ]
    )
    weighted = shapes * beat_nature["calls_per_year"].to_numpy()[:, None]
    is_obs = beat_nature["basis"].eq("observed").to_numpy()
    hour_of_week = pd.DataFrame(
        {
            "hour_of_week": np.arange(HOURS_PER_WEEK),
            "calls_per_year": weighted.sum(axis=0),
            "observed_calls_per_year": weighted[is_obs].sum(axis=0),
            "modeled_calls_per_year": weighted[~is_obs].sum(axis=0),
        }
    )
    per_beat = pd.DataFrame(weighted, columns=range(HOURS_PER_WEEK))
    per_beat["beat_id"] = beat_nature["beat_id"].to_numpy()
    per_beat = per_beat.groupby("beat_id", sort=False).sum()
    totals = per_beat.sum(axis=1)
    beat_hour_share = (
        per_beat.div(totals.where(totals > 0, 1.0), axis=0)
        .reindex(city)
        .fillna(1.0 / HOURS_PER_WEEK)
    )
    beat_hour_share.index.name = "beat_id"

    calls_weighted, points = _points(
        eligible, in_obs.to_numpy(), beat_nature, counts, pieces, beats, scenario, observed_beats
    )
    beat_table = _beat_table(beat_nature, beats, city)
    calibration = calibration_check(
        beat_nature,
        observed_beats=observed_beats,
        city_totals=city_totals,
        observed_beat_totals=obs_totals,
        growth_factor=cfg.growth_factor,
    )
    inside = polygon_beat.ne("")
    chosen = validation[(validation["beat_id"] == "ALL") & validation["selected"]].iloc[0]
    summary = {
        "calls_loaded": int(len(inputs.calls)),
        "calls_eligible": int(len(eligible)),
        "calls_in_observed_beats": int(in_obs.sum()),
        "observed_days": days,
        "share_inside_beat_polygon": float(inside.mean()),
        "beat_mismatches": int(len(mismatches)),
        "city_beats": len(city),
        "observed_beats": len(observed_beats),
        "eligible_calls_per_year": float(beat_nature["calls_per_year"].sum()),
        "modeled_share": float(
            beat_nature.loc[~is_obs, "calls_per_year"].sum() / beat_nature["calls_per_year"].sum()
        ),
        "max_abs_rel_error_city": float(calibration["rel_error_city"].abs().max()),
        "max_abs_rel_error_observed": float(calibration["rel_error_observed"].abs().max()),
        "covariate": cfg.covariate,
        "model": selected,
        "validation_wape": float(chosen["abs_pct_error"]),
        "validation_mape": float(chosen["mape"]),
        "growth_factor": cfg.growth_factor,
        "demand_points": int(len(points)),
        "shape_pooling_k_beat": pooling.k_beat,
        "shape_pooling_k_district": pooling.k_district,
        "shape_pooling_k_city": pooling.k_city,
        "shape_pooling_heldout_loglik": pooling.heldout_loglik,
    }
    return Demand(
        beat_nature=beat_nature,
        beats=beat_table,
        hour_of_week=hour_of_week,
        beat_hour_share=beat_hour_share,
        points=points,
        validation=validation,
        intervals=_intervals(beat_table, counts, observed_beats, covariates, count_model, cfg.seed),
        mismatches=mismatches,
        calibration=calibration,
        covariates=covariates.reset_index(),
        eligible_calls=calls_weighted,
        shapes=shapes,
        observed_days=days,
        observed_beats=tuple(observed_beats),
        summary=summary,
    )


# ----------------------------------------------------------------------------- helpers


def _polygon_beat(calls: gpd.GeoDataFrame, beats: gpd.GeoDataFrame) -> pd.Series:
    """The beat polygon each call falls in ("" when none)."""
    joined = gpd.sjoin(calls[["geometry"]], beats[["beat_id", "geometry"]], predicate="within")
    first = joined[~joined.index.duplicated()]["beat_id"]
    return first.reindex(calls.index).fillna("").astype(str).reset_index(drop=True)


def _totals(
    scenario: Scenario, eligible: pd.DataFrame
) -> tuple[dict[str, float], dict[str, float]]:
    """Published totals for the eligible natures (``ConfigError`` if an eligible nature lacks one)."""
    cfg = scenario.demand
    natures = [n.strip().upper() for n in scenario.eligibility.natures]
    city = {k.strip().upper(): v for k, v in cfg.city_totals.items()}
    obs = {k.strip().upper(): v for k, v in cfg.observed_beat_totals.items()}
    missing = [n for n in natures if n not in city]
    if missing:
        raise ConfigError(
            f"{scenario.source or 'scenario'}: demand.city_totals has no {missing[0]!r}, an "
            f"eligible nature; add its published annual total (or drop it from eligibility.natures)"
        )
    return {n: city[n] for n in natures}, {n: obs.get(n, 0.0) for n in natures}


def _slug(nature: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", nature.lower()).strip("_")


def _points(
    eligible: gpd.GeoDataFrame,
    in_obs: np.ndarray,
    beat_nature: pd.DataFrame,
    counts: pd.DataFrame,
    pieces: gpd.GeoDataFrame,
    beats: gpd.GeoDataFrame,
    scenario: Scenario,
    observed_beats: list[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    cfg = scenario.demand
    rate = beat_nature.set_index(["beat_id", "nature"])["calls_per_year"]
    basis = beat_nature.set_index(["beat_id", "nature"])["basis"]
    count = counts.set_index(["beat_id", "nature"])["count"]
    calls = eligible.copy()
    in_obs = np.asarray(in_obs, dtype=bool)
    # per observed call: its (beat, nature)'s rate / its count there; 0 elsewhere
    keys = pd.MultiIndex.from_arrays([calls["beat_id"], calls["nature"]])
    observed = in_obs & (basis.reindex(keys) == "observed").to_numpy()
    rate_k = rate.reindex(keys).fillna(0.0).to_numpy(float)
    count_k = count.reindex(keys).to_numpy(float)
    per_call = np.zeros(len(calls))
    np.divide(rate_k, count_k, out=per_call, where=observed)
    calls["calls_per_year"] = per_call
    calls["in_observed_beat"] = in_obs
    obs_sel = per_call > 0
    frames = [
        pd.DataFrame(
            {
                "point_id": "obs-" + calls.loc[obs_sel, "call_id"].astype(str),
                "beat_id": calls.loc[obs_sel, "beat_id"],
                "nature": calls.loc[obs_sel, "nature"],
                "basis": "observed",
                "calls_per_year": per_call[obs_sel],
                "lon": calls.loc[obs_sel, "lon"],
                "lat": calls.loc[obs_sel, "lat"],
            }
        )
    ]
    geom_of = beats.set_index("beat_id").geometry
    random_cache: dict[str, np.ndarray] = {}
    obs_set = set(observed_beats)
    # positions (in call order) of the observed-beat calls of each (beat, nature)
    obs_pos = np.flatnonzero(in_obs)
    obs_keys = pd.DataFrame(
        {"b": calls["beat_id"].to_numpy()[obs_pos], "n": calls["nature"].to_numpy()[obs_pos]}
    )
    by_key = {k: obs_pos[v] for k, v in obs_keys.groupby(["b", "n"], sort=False).indices.items()}
    lonlat = calls[["lon", "lat"]].to_numpy()
    call_ids = calls["call_id"].to_numpy()
    for r in beat_nature[beat_nature["basis"].eq("modeled")].itertuples():
        if r.calls_per_year <= 0:
            continue
        xy = None
        if r.beat_id in obs_set:
            sel = by_key.get((r.beat_id, cfg.shape_from_nature.get(r.nature, "")))
            if sel is not None:
                xy = lonlat[sel]
                ids = [f"mod-{r.beat_id}-{_slug(r.nature)}-{c}" for c in call_ids[sel]]
        if xy is None:
            if r.beat_id not in random_cache:
                random_cache[r.beat_id] = sample_points(
                    pieces, r.beat_id, cfg.modeled_points_per_beat, seed=cfg.seed,
                    fallback=geom_of.get(r.beat_id),
                )  # fmt: skip
            xy = random_cache[r.beat_id]
            ids = [f"mod-{r.beat_id}-{_slug(r.nature)}-{i:03d}" for i in range(len(xy))]
        frames.append(
            pd.DataFrame(
                {
                    "point_id": ids,
                    "beat_id": r.beat_id,
                    "nature": r.nature,
                    "basis": "modeled",
                    "calls_per_year": r.calls_per_year / len(xy),
                    "lon": xy[:, 0],
                    "lat": xy[:, 1],
                }
            )
        )
    pts = pd.concat(frames, ignore_index=True)[list(POINT_COLUMNS)]
    points = gpd.GeoDataFrame(
        pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs="EPSG:4326"
    )
    return calls, points


def _intervals(
    beat_table: pd.DataFrame,
    counts: pd.DataFrame,
    observed_beats: list[str],
    covariates: pd.DataFrame,
    count_model: CountModel | None,
    seed: int,
    level: float = 0.9,
) -> pd.DataFrame:
    from scipy.stats import gamma

    total = beat_table.set_index("beat_id")["eligible_calls_per_year"]
    n = counts.groupby("beat_id")["count"].sum().reindex(total.index).fillna(0.0)
    obs = total.index.isin(observed_beats)
    q = (1.0 - level) / 2.0
    lower = pd.Series(np.nan, index=total.index)
    upper = pd.Series(np.nan, index=total.index)
    ratio = total[obs] / n[obs].where(n[obs] > 0)
    lower[obs] = gamma.ppf(q, n[obs].where(n[obs] > 0, 1e-9)) * ratio
    upper[obs] = gamma.ppf(1.0 - q, n[obs] + 1.0) * ratio
    if count_model is not None and (~obs).any():
        cov = covariates.reindex(total.index[~obs])
        mean = count_model.predict_total(cov)
        band = count_model.interval(cov, level=level, seed=seed)
        scale = total[~obs] / mean.where(mean > 0)
        lower[~obs] = band["lower"] * scale
        upper[~obs] = band["upper"] * scale
    return pd.DataFrame(
        {
            "beat_id": total.index,
            "basis": np.where(obs, "observed", "modeled"),
            "eligible_calls_per_year": total.to_numpy(),
            "lower_calls_per_year": lower.to_numpy(),
            "upper_calls_per_year": upper.to_numpy(),
        }
    )


def _beat_table(
    beat_nature: pd.DataFrame, beats: gpd.GeoDataFrame, city: list[str]
) -> pd.DataFrame:
    wide = beat_nature.pivot_table(
        index="beat_id", columns="nature", values="calls_per_year", aggfunc="sum", fill_value=0.0
    ).reindex(city)
    natures = list(dict.fromkeys(beat_nature["nature"]))
    total = wide.sum(axis=1)
    modeled = (
        beat_nature[beat_nature["basis"].eq("modeled")]
        .groupby("beat_id")["calls_per_year"]
        .sum()
        .reindex(city)
        .fillna(0.0)
    )
    out = pd.DataFrame(
        {
            "beat_id": city,
            "district": beats.set_index("beat_id")["district"].reindex(city).to_numpy(),
            "eligible_calls_per_year": total.to_numpy(),
            "modeled_share": (modeled / total.where(total > 0, 1.0)).to_numpy(),
        }
    )
    for n in natures:
        out[f"calls_per_year__{n}"] = wide[n].to_numpy()
    return out


__all__ = ["Demand", "build_demand", "observed_window"]
