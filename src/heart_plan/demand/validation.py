"""Leave-one-beat-out validation of the completion covariate on the observed beats.

The completion model says: calls in a beat = (rate per unit covariate) x covariate.  For
each observed beat b and each covariate c, the rate is estimated on the *other* observed
beats only, and b's calibrated observed demand (natures with points) is predicted:

    pred[b] = sum_{o != b} r[o] * w_c[b] / sum_{o != b} w_c[o]

Per beat: observed and predicted annual calls, error, absolute percentage error.  Overall
(``beat_id = "ALL"``): the sums, the weighted absolute percentage error
``sum |pred - obs| / sum obs`` and the mean absolute percentage error over beats (MAPE).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heart_plan.demand.covariates import COVARIATES, covariate_weights

VALIDATION_COLUMNS = (
    "covariate", "beat_id", "observed_calls_per_year", "predicted_calls_per_year",
    "error_calls_per_year", "abs_pct_error", "mape", "selected",
)  # fmt: skip


def leave_beats_out(
    observed_rate: pd.Series, covariates: pd.DataFrame, *, selected: str
) -> pd.DataFrame:
    """The validation table (columns ``VALIDATION_COLUMNS``) for every covariate.

    ``observed_rate``: calibrated annual calls per observed beat (natures with points).
    """
    beats = list(observed_rate.index)
    obs = observed_rate.to_numpy(dtype=float)
    rows = []
    for name in COVARIATES:
        w = covariate_weights(covariates, name, beats=beats).to_numpy(dtype=float)
        pred = np.empty(len(beats))
        for i in range(len(beats)):
            others = np.arange(len(beats)) != i
            denom = w[others].sum()
            pred[i] = obs[others].sum() * w[i] / denom if denom > 0 else 0.0
        err = pred - obs
        ape = np.abs(err) / np.where(obs > 0, obs, np.nan)
        for b, o, p, e, a in zip(beats, obs, pred, err, ape, strict=True):
            rows.append((name, b, o, p, e, a, np.nan, name == selected))
        rows.append(
            (
                name, "ALL", obs.sum(), pred.sum(), np.abs(err).sum(),
                np.abs(err).sum() / obs.sum(), float(np.nanmean(ape)), name == selected,
            )
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))
