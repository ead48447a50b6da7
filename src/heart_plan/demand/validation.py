"""Leave-one-beat-out validation of the completion models on the observed beats.

Two model families predict a held-out observed beat b's calibrated demand (natures with
points), each fitted on the *other* observed beats only:

* share models (``population``, ``incidents_2013``, ``blend``): calls = rate per unit
  covariate x covariate, ``pred[b] = sum_{o != b} r[o] * w_c[b] / sum_{o != b} w_c[o]``;
* count GLMs (``glm:<covariates>``, ``demand.glm``): the nature-effects quasi-Poisson model
  fitted on the other beats' beat x nature cells, ``pred[b] = sum_n mu[b, n]``, with its
  90% prediction interval (``lower``/``upper``; share models have none).

Per beat: observed and predicted annual calls, error, absolute percentage error.  Overall
(``beat_id = "ALL"``): the sums, the weighted absolute percentage error (WAPE)
``sum |pred - obs| / sum obs``, the mean absolute percentage error over beats (MAPE), and
in ``lower``/``upper`` columns of the ALL row the share of held-out beats inside their
interval (interval coverage).
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from heart_plan.cachefile import read_entry, write_entry
from heart_plan.demand.covariates import COVARIATES, covariate_weights
from heart_plan.demand.glm import fit_count_model, model_name
from heart_plan.paths import cache_dir

#: The source files whose code computes the table: part of its cache key.
_CODE = ("validation.py", "glm.py", "covariates.py")

VALIDATION_COLUMNS = (
    "covariate", "beat_id", "observed_calls_per_year", "predicted_calls_per_year",
    "error_calls_per_year", "abs_pct_error", "mape", "lower_calls_per_year",
    "upper_calls_per_year", "selected",
)  # fmt: skip
#: Columns after ``covariate`` and ``beat_id`` (the text ones) are numbers or flags.
_NUMERIC = VALIDATION_COLUMNS[2:]


def leave_beats_out(
    cells: pd.DataFrame,
    covariates: pd.DataFrame,
    *,
    selected: str,
    glm_candidates: list[tuple[str, ...]] | None = None,
    seed: int = 0,
    cache: bool = True,
) -> pd.DataFrame:
    """The validation table (columns ``VALIDATION_COLUMNS``) for every candidate model.

    ``cells``: calibrated annual calls per observed beat x nature with points
    (``beat_id, nature, calls_per_year``); ``covariates`` indexed by ``beat_id``.

    About 800 small GLM fits (seconds) that only feed this table, not the demand: with
    ``cache`` the table is kept (``cache_dir("demand_validation")``, a verified ``.npz``
    entry, never pickle) under the sha256 of the inputs' bytes, the candidates, the seed,
    the source of ``_CODE`` and the numpy / statsmodels versions, so a change of any of
    them recomputes it.
    """
    if not cache:
        return _leave_beats_out(cells, covariates, selected, glm_candidates or [], seed)
    digest = hashlib.sha256()
    for frame in (cells, covariates):
        digest.update(frame.to_csv(float_format="%.17g").encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    digest.update(
        json.dumps(
            [selected, glm_candidates or [], seed, np.__version__, metadata.version("statsmodels")]
        ).encode()
    )
    key = digest.hexdigest()
    path = cache_dir("demand_validation") / f"{key[:32]}.npz.entry"
    payload = read_entry(path, kind="demand_validation", key=key)
    if payload is not None:
        with np.load(io.BytesIO(payload), allow_pickle=False) as z:
            return pd.DataFrame({c: z[c] for c in VALIDATION_COLUMNS})
    table = _leave_beats_out(cells, covariates, selected, glm_candidates or [], seed)
    buf = io.BytesIO()
    arrays = {
        c: table[c].to_numpy(dtype=None if c in _NUMERIC else str) for c in VALIDATION_COLUMNS
    }
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    write_entry(path, kind="demand_validation", key=key, payload=buf.getvalue())
    return table


def _leave_beats_out(
    cells: pd.DataFrame,
    covariates: pd.DataFrame,
    selected: str,
    glm_candidates: list[tuple[str, ...]],
    seed: int,
) -> pd.DataFrame:
    observed_rate = cells.groupby("beat_id", sort=False)["calls_per_year"].sum()
    beats = list(observed_rate.index)
    obs = observed_rate.to_numpy(dtype=float)
    rows: list[tuple] = []
    for name in COVARIATES:
        w = covariate_weights(covariates, name, beats=beats).to_numpy(dtype=float)
        pred = np.empty(len(beats))
        for i in range(len(beats)):
            others = np.arange(len(beats)) != i
            denom = w[others].sum()
            pred[i] = obs[others].sum() * w[i] / denom if denom > 0 else 0.0
        rows.extend(_rows(name, beats, obs, pred, None, None, name == selected))
    for names in glm_candidates:
        name = model_name(names)
        pred = np.empty(len(beats))
        lo = np.empty(len(beats))
        hi = np.empty(len(beats))
        for i, b in enumerate(beats):
            fit = fit_count_model(cells[cells["beat_id"] != b], covariates, names)
            one = covariates.loc[[b]]
            pred[i] = float(fit.predict_total(one).iloc[0])
            band = fit.interval(one, seed=seed).iloc[0]
            lo[i], hi[i] = float(band["lower"]), float(band["upper"])
        rows.extend(_rows(name, beats, obs, pred, lo, hi, name == selected))
    return pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))


def _rows(
    name: str,
    beats: list[str],
    obs: np.ndarray,
    pred: np.ndarray,
    lo: np.ndarray | None,
    hi: np.ndarray | None,
    selected: bool,
) -> list[tuple]:
    err = pred - obs
    ape = np.abs(err) / np.where(obs > 0, obs, np.nan)
    nan = np.full(len(beats), np.nan)
    lo_ = nan if lo is None else lo
    hi_ = nan if hi is None else hi
    out = [
        (name, b, o, p, e, a, np.nan, lv, hv, selected)
        for b, o, p, e, a, lv, hv in zip(beats, obs, pred, err, ape, lo_, hi_, strict=True)
    ]
    coverage = np.nan if lo is None or hi is None else float(np.mean((obs >= lo) & (obs <= hi)))
    out.append(
        (
            name, "ALL", obs.sum(), pred.sum(), np.abs(err).sum(),
            np.abs(err).sum() / obs.sum(), float(np.nanmean(ape)), coverage, coverage, selected,
        )
    )  # fmt: skip
    return out
