"""Count regression of eligible calls per beat x nature (quasi-Poisson GLM, log link).

One model over the observed beats x the natures with call points, with a fixed effect per
nature and at most ``MAX_COVARIATES`` beat covariates (log scale)::

    log E[y[b, n]] = alpha[n] + sum_k beta[k] * log(x[b, k])

``y[b, n]`` are the *calibrated* annual calls (observed counts x 365/D, raked to the
published observed-beat totals; a per-nature factor, absorbed by ``alpha``).  The mean is
fitted by Poisson maximum likelihood (statsmodels ``GLM``); the variance is
``phi * mu`` with ``phi`` the Pearson dispersion (quasi-Poisson), which scales the
parameter covariance and the prediction noise.  Because the nature effects are additive on
the log scale (and with no covariate at all, the "nature effects only" model, which spreads
demand equally), every nature spreads over unobserved beats by the same weight
``w[b] = exp(sum_k beta[k] * log x[b, k])``: the completion then rakes each nature's
unobserved remainder by ``w`` (``calibrate.calibrate_rates``).

Prediction interval of a beat's total ``Y[b] = sum_n y[b, n]``: ``draws`` parameter draws
from the normal approximation ``N(theta_hat, phi * I^-1)``, each with a gamma-Poisson total
of mean ``M[b] = sum_n mu[b, n]`` and variance ``phi_B * M[b]``, where ``phi_B`` is the
Pearson dispersion of the beat totals (``sum_b (Y[b] - M[b])^2 / M[b] / (B - p)``; the
natures of one beat are correlated, so the cell dispersion would understate it); the
``level`` central quantiles.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.errors import DataError

MAX_COVARIATES = 3
#: Small constant added before logs of counts (a beat with no incidents stays finite).
LOG_OFFSET = 1.0


@dataclass(frozen=True)
class CountModel:
    """A fitted nature-effects count GLM.

    Attributes
    ----------
    covariates
        Names of the covariates (log scale), in order of ``beta``.
    natures
        Natures of the nature effects ``alpha`` (the fitting natures).
    alpha, beta
        Fitted coefficients (log scale).
    cov
        Covariance of ``(alpha, beta)`` (dispersion-scaled).
    dispersion
        Pearson dispersion ``phi`` of the cells (1 = Poisson).
    beat_dispersion
        Pearson dispersion ``phi_B`` of the beat totals (prediction noise of a beat).
    """

    covariates: tuple[str, ...]
    natures: tuple[str, ...]
    alpha: np.ndarray
    beta: np.ndarray
    cov: np.ndarray
    dispersion: float
    beat_dispersion: float

    def weight(self, covariates: pd.DataFrame) -> pd.Series:
        """``exp(beta . log x[b])`` per beat (index of ``covariates``)."""
        x = design_covariates(covariates, self.covariates)
        return pd.Series(np.exp(x @ self.beta), index=covariates.index)

    def predict_total(self, covariates: pd.DataFrame) -> pd.Series:
        """Expected calls per beat summed over the fitting natures."""
        return self.weight(covariates) * float(np.exp(self.alpha).sum())

    def interval(
        self, covariates: pd.DataFrame, *, level: float = 0.9, draws: int = 2000, seed: int = 0
    ) -> pd.DataFrame:
        """``lower``, ``upper`` prediction interval of each beat's total (see module)."""
        rng = np.random.default_rng(seed)
        x = design_covariates(covariates, self.covariates)
        theta = np.concatenate([self.alpha, self.beta])
        sims = rng.multivariate_normal(theta, self.cov, size=draws, method="eigh")
        a = sims[:, : len(self.alpha)]
        b = sims[:, len(self.alpha) :]
        mu = np.exp(a).sum(axis=1)[:, None] * np.exp(b @ x.T)  # draws x beats
        extra = self.beat_dispersion - 1.0
        # gamma-Poisson with variance phi * mu: gamma shape mu / (phi - 1), scale phi - 1
        lam = rng.gamma(mu / extra, extra) if extra > 1e-6 else mu
        y = rng.poisson(lam)
        q = (1.0 - level) / 2.0
        return pd.DataFrame(
            {"lower": np.quantile(y, q, axis=0), "upper": np.quantile(y, 1 - q, axis=0)},
            index=covariates.index,
        )


def design_covariates(covariates: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """``log(x + LOG_OFFSET)`` of the named covariate columns (beats x names)."""
    missing = [n for n in names if n not in covariates.columns]
    if missing:
        raise DataError(f"demand covariates have no column {missing[0]!r}")
    values = covariates[list(names)].to_numpy(dtype=float).reshape(len(covariates), len(names))
    if (values < 0).any() or np.isnan(values).any():
        raise DataError(f"demand covariates {list(names)} have negative or missing values")
    return np.log(values + LOG_OFFSET)


def fit_count_model(
    rates: pd.DataFrame, covariates: pd.DataFrame, names: tuple[str, ...]
) -> CountModel:
    """Fit the model on ``rates`` (``beat_id, nature, calls_per_year``; observed cells).

    ``covariates`` is indexed by ``beat_id``.  At most ``MAX_COVARIATES`` names.
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    if len(names) > MAX_COVARIATES:
        raise DataError(f"a count model takes at most {MAX_COVARIATES} covariates, got {names}")
    natures = tuple(dict.fromkeys(rates["nature"]))
    nat = pd.Categorical(rates["nature"], categories=list(natures))
    dummies = np.eye(len(natures))[nat.codes]
    x = design_covariates(covariates.reindex(rates["beat_id"]), names)
    design = np.hstack([dummies, x])
    y = rates["calls_per_year"].to_numpy(dtype=float)
    model = GLM(y, design, family=families.Poisson())
    fit = model.fit(method="newton", maxiter=100, tol=1e-10)
    mu = fit.mu
    dof = max(len(y) - design.shape[1], 1)
    phi = float(np.sum((y - mu) ** 2 / mu) / dof)
    cov = np.asarray(fit.cov_params()) * max(phi, 1.0)
    params = np.asarray(fit.params)
    beat_y = pd.Series(y).groupby(rates["beat_id"].to_numpy()).sum()
    beat_mu = pd.Series(mu).groupby(rates["beat_id"].to_numpy()).sum()
    beat_dof = max(len(beat_y) - len(names) - 1, 1)
    phi_beat = float(np.sum((beat_y - beat_mu) ** 2 / beat_mu) / beat_dof)
    return CountModel(
        covariates=tuple(names),
        natures=natures,
        alpha=params[: len(natures)],
        beta=params[len(natures) :],
        cov=cov,
        dispersion=phi,
        beat_dispersion=phi_beat,
    )


def candidate_sets(
    names: tuple[str, ...],
    max_size: int = MAX_COVARIATES,
    *,
    alternatives: tuple[str, ...] = (),
) -> list[tuple[str, ...]]:
    """Every subset of ``names`` with at most ``max_size`` members (the empty one first:
    nature effects only).

    Names in ``alternatives`` (correlated measures of one thing, e.g. the block-group crime
    counts) enter only alone or with one other name not in ``alternatives``; these sets
    follow the others.  This keeps the validation's fits few (``build_demand`` time).
    """
    base = tuple(n for n in names if n not in alternatives)
    alt = [n for n in names if n in alternatives]
    sets = [
        combo for size in range(0, max_size + 1) for combo in itertools.combinations(base, size)
    ]
    if max_size >= 1:
        sets += [(a,) for a in alt]
    if max_size >= 2:
        sets += [(b, a) for a in alt for b in base]
    return sets


def model_name(names: tuple[str, ...]) -> str:
    """The validation-table name of a GLM on ``names`` (``glm:a+b``; ``glm:none``)."""
    return "glm:" + ("+".join(names) if names else "none")


def parse_model_name(name: str) -> tuple[str, ...] | None:
    """Covariates of a ``glm:a+b`` name; None for a share model name."""
    if not name.startswith("glm:"):
        return None
    return tuple(p for p in name[4:].split("+") if p and p != "none")


__all__ = [
    "MAX_COVARIATES",
    "CountModel",
    "candidate_sets",
    "design_covariates",
    "fit_count_model",
    "model_name",
    "parse_model_name",
]
