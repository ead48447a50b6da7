"""Calibration of annual eligible-call rates per beat x nature to published totals.

Formulation (CONVENTIONS.md "Demand"), for each nature n with published totals
``T_city[n]`` (35 city beats) and ``T_obs[n]`` (the observed beats):

1. Annualize: ``a[b, n] = count[b, n] * 365 / D`` for observed beats b (D = days observed).
2. Rake to the observed-beat margin: ``r[b, n] = a[b, n] * T_obs[n] / sum_b a[b, n]``
   (basis ``observed``).  Seasonality makes the plain 365/D scaling miss T_obs by up to 5%;
   the rake removes that.
3. Natures with no points in any observed beat: ``r[b, n] = T_obs[n] * s[b]`` where ``s`` is
   the observed-beat share of the shape nature (``[demand] shape_from_nature``), or of the
   covariate when no shape nature has points (basis ``modeled``).
4. Completion for unobserved city beats u: ``r[u, n] = (T_city[n] - T_obs[n]) * w[u] / sum w``
   with covariate weights ``w`` (basis ``modeled``).

Both published margins are then met exactly: ``sum_obs r = T_obs[n]`` and
``sum_city r = T_city[n]``.  With ``rake_observed=False`` (``[demand] rake_observed``; a
backtest's training side, which must not see the full-year totals of the observed beats)
step 2 is skipped, ``r[b, n] = a[b, n]``, and only the completion uses published totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heart_plan.errors import ConfigError, DataError

DAYS_PER_YEAR = 365.0


def calibrate_rates(
    counts: pd.DataFrame,
    *,
    observed_days: float,
    observed_beats: list[str],
    city_beats: list[str],
    city_totals: dict[str, float],
    observed_beat_totals: dict[str, float],
    weights: pd.Series,
    shape_from_nature: dict[str, str] | None = None,
    source: str = "scenario",
    rake_observed: bool = True,
) -> pd.DataFrame:
    """Annual calls per beat x nature meeting both published margins.

    Parameters
    ----------
    counts
        ``beat_id``, ``nature``, ``count``: eligible calls observed per recorded beat over
        ``observed_days`` days (observed beats only; missing pairs count 0).
    observed_days
        D, the number of days the counts cover.
    observed_beats, city_beats
        Beat ids with call points, and all city beats (observed beats must be city beats).
    city_totals, observed_beat_totals
        Published annual totals per nature for the city beats and for the observed beats.
    weights
        Covariate weight per city beat (index ``beat_id``), >= 0; used for completion.
    shape_from_nature
        Nature without points -> nature whose observed spatial share it borrows.
    rake_observed
        Rake observed cells to ``observed_beat_totals`` (step 2); False keeps ``a[b, n]``.

    Returns
    -------
    DataFrame
        ``beat_id``, ``nature``, ``calls_per_year``, ``basis`` (``observed``/``modeled``), one
        row per city beat x nature of ``city_totals``.
    """
    shape_from_nature = shape_from_nature or {}
    if observed_days <= 0:
        raise ConfigError(
            f"{source}: calls.observed_start/observed_end give {observed_days} days; fix them"
        )
    not_city = sorted(set(observed_beats) - set(city_beats))
    if not_city:
        raise ConfigError(
            f"{source}: demand.observed_beats has {not_city[0]!r}, which is not a city beat; "
            f"remove it"
        )
    unobserved = [b for b in city_beats if b not in set(observed_beats)]
    w = weights.reindex(city_beats).fillna(0.0).clip(lower=0.0)
    counts = counts[counts["beat_id"].isin(observed_beats)]
    table = counts.pivot_table(
        index="beat_id", columns="nature", values="count", aggfunc="sum", fill_value=0
    ).reindex(index=observed_beats, fill_value=0)
    rows: list[pd.DataFrame] = []
    for nature, t_city in city_totals.items():
        if nature not in observed_beat_totals:
            raise ConfigError(
                f"{source}: demand.observed_beat_totals has no {nature!r}; add the published "
                f"total for the observed beats"
            )
        t_obs = float(observed_beat_totals[nature])
        t_city = float(t_city)
        if t_obs > t_city + 1e-9 and unobserved:
            raise ConfigError(
                f"{source}: demand.observed_beat_totals[{nature!r}] = {t_obs:g} exceeds "
                f"city_totals = {t_city:g}; fix the published totals"
            )
        annual = _column(table, nature) * DAYS_PER_YEAR / observed_days
        if annual.sum() > 0:
            obs_rate = annual * (t_obs / annual.sum()) if rake_observed else annual
            obs_basis = "observed"
        else:
            shape = shape_from_nature.get(nature, "")
            shape_counts = _column(table, shape) if shape else pd.Series(0.0, index=observed_beats)
            base = shape_counts if shape_counts.sum() > 0 else w.reindex(observed_beats)
            if base.sum() <= 0:
                raise DataError(
                    f"{source}: nature {nature!r} has no call points and no covariate weight in "
                    f"the observed beats; set demand.shape_from_nature[{nature!r}]"
                )
            obs_rate = t_obs * base / base.sum()
            obs_basis = "modeled"
        rows.append(_rows(obs_rate, nature, obs_basis))
        if unobserved:
            wu = w.reindex(unobserved)
            if wu.sum() <= 0:
                raise DataError(
                    f"{source}: covariate weights are zero in every unobserved beat; pick another "
                    f"demand.covariate"
                )
            remainder = t_city - (t_obs if len(observed_beats) else 0.0)
            rows.append(_rows(remainder * wu / wu.sum(), nature, "modeled"))
    out = pd.concat(rows, ignore_index=True)
    order = {b: i for i, b in enumerate(city_beats)}
    out = out.sort_values(
        ["beat_id", "nature"], key=lambda s: s.map(order) if s.name == "beat_id" else s
    )
    return out.reset_index(drop=True)


def _column(table: pd.DataFrame, nature: str) -> pd.Series:
    if nature in table.columns:
        return table[nature].astype(float)
    return pd.Series(0.0, index=table.index)


def _rows(rate: pd.Series, nature: str, basis: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "beat_id": rate.index.astype(str),
            "nature": nature,
            "calls_per_year": rate.to_numpy(dtype=float),
            "basis": basis,
        }
    )


def calibration_check(
    beat_nature: pd.DataFrame,
    *,
    observed_beats: list[str],
    city_totals: dict[str, float],
    observed_beat_totals: dict[str, float],
    growth_factor: float = 1.0,
) -> pd.DataFrame:
    """Per nature: model vs published annual totals (35 city beats and observed beats).

    Columns ``nature``, ``published_city``, ``model_city``, ``published_observed``,
    ``model_observed``, ``rel_error_city``, ``rel_error_observed`` (model / growth vs published).
    """
    rows = []
    obs = beat_nature["beat_id"].isin(observed_beats)
    for nature, t_city in city_totals.items():
        sel = beat_nature["nature"].eq(nature)
        m_city = beat_nature.loc[sel, "calls_per_year"].sum() / growth_factor
        m_obs = beat_nature.loc[sel & obs, "calls_per_year"].sum() / growth_factor
        t_obs = observed_beat_totals.get(nature, np.nan)
        rows.append(
            {
                "nature": nature,
                "published_city": float(t_city),
                "model_city": m_city,
                "published_observed": float(t_obs),
                "model_observed": m_obs,
                "rel_error_city": m_city / t_city - 1 if t_city else 0.0,
                "rel_error_observed": m_obs / t_obs - 1 if t_obs else 0.0,
            }
        )
    return pd.DataFrame(rows)
