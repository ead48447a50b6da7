r"""MCLP on sparse coverage sets: greedy and swap search, a Lagrangian bound, site fixing.

Coverage sets are kept sparse: ``cover[i, j] = 1`` only for the pairs within the radius
(``coverage_sets`` builds the CSR matrix row chunk by row chunk, never a dense boolean
matrix of every pair).  The algorithms work on its transpose (sites x demand, CSR), whose
row ``j`` lists the demand covered by site ``j``: every "coverage of each site" is one
sparse matrix-vector product.

Primal: greedy (open, ``p`` times, the site adding the most still-uncovered weight; ties:
lowest column), then a best-improvement 1-swap search (Teitz & Bart 1968): for each open
site ``s``, the weight left uncovered once ``s`` is closed, as a vector ``u_s``; the gain
of swapping ``s`` for every closed site is one product ``by_site @ u_s`` minus the weight
only ``s`` covers.  Swaps are made while one gains.

Bound (Galvao & ReVelle 1996): relaxing the links :math:`y_i \le \sum_{j \in N_i} x_j`
with multipliers :math:`\lambda_i \ge 0` gives

.. math::

    L(\lambda) = \sum_i \max(0, w_i - \lambda_i)
        + \max_{|S| = p} \sum_{j \in S} c_j(\lambda), \quad
    c_j(\lambda) = \sum_{i : j \in N_i} \lambda_i, \qquad
    L(\lambda) \;\ge\; \text{MCLP optimum},

minimized by deflected subgradient steps (direction :math:`d_k = (1 - \alpha) g_k +
\alpha d_{k-1}`, step :math:`\theta (L(\lambda) - \text{best}) / (|g_k| |d_k|)` -- Polyak's
step towards the best known coverage, with the geometric mean of the two norms: over
:math:`|d_k|^2` the steps diverge on this problem, over :math:`|g_k|^2` they crawl -- the
factor :math:`\theta` halved after ``patience`` iterations without a better bound).  The relaxed top-``p`` site set of every
iteration is evaluated as a solution (and improved by the swap search when it beats the
best).  Site fixing: a site outside the relaxed top ``p`` can only be in a solution worth
at most :math:`L(\lambda) + c_j - c_{(p)}` (:math:`c_{(p)}` the ``p``-th largest); when that
is no more than the best coverage found, the site is dropped for good, so the products
shrink as the bound tightens.  The result reports the best coverage, the best bound, the
gap, and the sites still able to beat the best (``candidates``: an exact solver need only
search those).

References
----------
Galvao, R. D., ReVelle, C. (1996). A Lagrangean heuristic for the maximal covering
location problem. *European Journal of Operational Research* 88, 114-123.
Teitz, M. B., Bart, P. (1968). Heuristic methods for estimating the generalized vertex
median of a weighted graph. *Operations Research* 16, 955-961.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from heart_plan.errors import ModelError

#: Relative tolerance of "no better than the best coverage" in site fixing and swaps.
REL_TOL = 1e-9


@dataclass(frozen=True)
class BoundedCover:
    """A site set with its covered weight and a proven upper bound on the optimum.

    ``gap = (bound - covered) / bound`` (0 when ``bound`` is 0).  ``candidates``: the
    sites (columns, sorted) not proven unable to appear in a solution covering more than
    ``covered``; every better solution uses only these.
    """

    sites: tuple[int, ...]
    covered: float
    bound: float
    gap: float
    iterations: int
    wall_time_s: float
    candidates: tuple[int, ...]


def coverage_sets(
    drive_time_s: np.ndarray, radius_s: float, *, chunk_rows: int = 1024
) -> sparse.csr_matrix:
    """Sparse 0/1 coverage (demand x sites): ``drive_time_s <= radius_s``, built in row
    chunks (memory: the pairs within the radius, plus one chunk).
    """
    parts = [
        sparse.csr_matrix(drive_time_s[a : a + chunk_rows] <= radius_s, dtype=np.int8)
        for a in range(0, drive_time_s.shape[0], chunk_rows)
    ]
    if not parts:
        return sparse.csr_matrix((0, drive_time_s.shape[1]), dtype=np.int8)
    return sparse.vstack(parts, format="csr")


def sites_by_demand(cover: sparse.spmatrix) -> sparse.csr_matrix:
    """The transpose of a coverage matrix as float64 CSR (sites x demand)."""
    return sparse.csr_matrix(cover.T, dtype=np.float64)


def covered_weight(cover: sparse.csr_matrix, weights: np.ndarray, sites: np.ndarray) -> float:
    """Weight of the demand rows covered by at least one of ``sites``."""
    if len(sites) == 0:
        return 0.0
    return float(np.asarray(weights)[_hits(sites_by_demand(cover), sites) > 0].sum())


def _hits(by_site: sparse.csr_matrix, sites: np.ndarray) -> np.ndarray:
    """How many of ``sites`` (rows of ``by_site``) cover each demand point."""
    rows = [by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]] for j in sites]
    if not rows:
        return np.zeros(by_site.shape[1], dtype=np.int64)
    return np.bincount(np.concatenate(rows), minlength=by_site.shape[1])


def greedy_cover(cover: sparse.csr_matrix, weights: np.ndarray, p_sites: int) -> np.ndarray:
    """Greedy MCLP start: ``p_sites`` columns, each adding the most uncovered weight."""
    return _greedy(sites_by_demand(cover), np.asarray(weights, dtype=float), p_sites)


def _greedy(by_site: sparse.csr_matrix, w: np.ndarray, p_sites: int) -> np.ndarray:
    w_left = w.copy()
    chosen: list[int] = []
    for _ in range(min(p_sites, by_site.shape[0])):
        gain = by_site @ w_left
        gain[chosen] = -1.0
        j = int(np.argmax(gain))
        chosen.append(j)
        w_left[by_site.indices[by_site.indptr[j] : by_site.indptr[j + 1]]] = 0.0
    return np.array(chosen, dtype=np.int64)


def swap_search(
    cover: sparse.csr_matrix, weights: np.ndarray, sites: np.ndarray
) -> tuple[np.ndarray, float]:
    """Best-improvement 1-swap search from ``sites`` (see the module docstring): the sorted
    local optimum and its covered weight.
    """
    return _swap(sites_by_demand(cover), np.asarray(weights, dtype=float), sites)


def _swap(by_site: sparse.csr_matrix, w: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, float]:
    open_ = [int(j) for j in sites]
    hits = _hits(by_site, np.array(open_, dtype=np.int64))
    covered = float(w[hits > 0].sum())
    if len(open_) == by_site.shape[0]:
        return np.sort(np.array(open_, dtype=np.int64)), covered
    while True:
        free_w = np.where(hits == 0, w, 0.0)
        left = np.repeat(free_w[:, None], len(open_), axis=1)  # u_s, one column per open s
        loss = np.zeros(len(open_))
        for k, s in enumerate(open_):
            rows = by_site.indices[by_site.indptr[s] : by_site.indptr[s + 1]]
            only = rows[hits[rows] == 1]
            left[only, k] = w[only]
            loss[k] = w[only].sum()
        gain = by_site @ left - loss[None, :]  # sites x open: swap open k for site j
        gain[open_, :] = -np.inf
        into, out = (int(v) for v in np.unravel_index(int(np.argmax(gain)), gain.shape))
        if gain[into, out] <= REL_TOL * max(1.0, covered):
            return np.sort(np.array(open_, dtype=np.int64)), covered
        open_[out] = into
        hits = _hits(by_site, np.array(open_, dtype=np.int64))
        covered = float(w[hits > 0].sum())


def mclp_bounded(
    cover: sparse.csr_matrix,
    weights: np.ndarray,
    p_sites: int,
    *,
    max_iterations: int = 3000,
    patience: int = 30,
    deflection: float = 0.6,
    target_gap: float = 0.0,
) -> BoundedCover:
    """Greedy and swap start, Lagrangian bound and site fixing (see the module docstring).

    Stops at ``max_iterations``, when the step factor is exhausted, once the gap is at
    most ``target_gap``, or when site fixing leaves no better solution possible.
    """
    t0 = time.perf_counter()
    w = np.asarray(weights, dtype=float)
    if cover.shape[0] != len(w):
        raise ModelError(f"mclp_bounded(): {cover.shape[0]} coverage rows but {len(w)} weights")
    if not 1 <= p_sites <= cover.shape[1]:
        raise ModelError(f"mclp_bounded(): p_sites={p_sites} must be in 1..{cover.shape[1]}")
    if not 0 <= deflection < 1:
        raise ModelError(f"mclp_bounded(): deflection={deflection} must be in [0, 1)")
    by_site = sites_by_demand(cover)
    best_sites, best = _swap(by_site, w, _greedy(by_site, w, p_sites))
    keep = np.arange(cover.shape[1])  # sites not fixed out
    sub = by_site
    lam = w.copy()
    direction = np.zeros_like(w)
    bound = np.inf
    theta, stale, it = 2.0, 0, 0
    for it in range(1, max_iterations + 1):  # noqa: B007 - reported below
        col = sub @ lam
        order = _top(col, p_sites + 1)
        value = float(np.maximum(w - lam, 0.0).sum() + col[order[:p_sites]].sum())
        if not np.isfinite(bound) or value < bound - REL_TOL * abs(bound):
            bound, stale = value, 0
        else:
            stale += 1
            if stale >= patience:
                theta, stale = theta / 2, 0
        if len(keep) > p_sites:  # fix out sites that cannot beat the best coverage
            alive = value - col[order[p_sites - 1]] + col > best + REL_TOL * max(1.0, best)
            alive[order[:p_sites]] = True
            if alive.sum() <= 0.9 * len(keep):
                keep, sub, col = keep[alive], sub[alive], col[alive]
                order = _top(col, p_sites + 1)
        top = order[:p_sites]
        hits = _hits(sub, top)
        candidate = float(w[hits > 0].sum())
        if candidate > best + REL_TOL * max(1.0, best):
            local, best = _swap(sub, w, top)
            best_sites = keep[local]
        if len(keep) <= p_sites:  # every better solution opens all of keep: none is better
            bound = min(bound, max(best, float(w[_hits(sub, np.arange(len(keep))) > 0].sum())))
            break
        if bound <= 0 or (bound - best) / bound <= target_gap or theta < 1e-6:
            break
        g = hits - (w > lam)
        direction = (1 - deflection) * g + deflection * direction
        norm = float(np.sqrt(float(g @ g) * float(direction @ direction)))
        if norm == 0:
            break
        lam = np.maximum(lam - theta * (value - best) / norm * direction, 0.0)
    bound = max(bound, best)
    gap = (bound - best) / bound if bound > 0 else 0.0
    return BoundedCover(
        sites=tuple(int(j) for j in sorted(best_sites)),
        covered=best,
        bound=bound,
        gap=gap,
        iterations=it,
        wall_time_s=time.perf_counter() - t0,
        candidates=tuple(int(j) for j in keep),
    )


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest values, largest first (ties: lowest position)."""
    k = min(k, len(values))
    part = np.argpartition(-values, k - 1)[:k] if k < len(values) else np.arange(len(values))
    return part[np.lexsort((part, -values[part]))]
