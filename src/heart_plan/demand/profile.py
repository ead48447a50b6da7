"""Hour-of-week shapes (168 bins, bin 0 = Monday 00:00 local) by partial pooling.

For each nature n with call points, histograms ``h`` of the observed calls per beat b,
district d (the observed beats of d) and city give, with pseudo-call weights ``k``::

    base       = (h_all + 1) / (N_all + 168)                    all natures, Laplace
    city[n]    = (h_city[n] + k_city * base) / (N_city[n] + k_city)
    dist[d, n] = (h_d[n] + k_district * city[n]) / (N_d[n] + k_district)
    beat[b, n] = (h_b[n] + k_beat * dist[d(b), n]) / (N_b[n] + k_beat)

so a beat with few calls keeps close to its district, a district with few calls close to
the city shape.  A beat or district without calls takes its parent's shape (unobserved
beats: their district's, or the city's where the district has no observed beat).  Natures
without points anywhere borrow the shapes of ``[demand] shape_from_nature`` (a stated
ASSUMPTION in the scenario), or ``base`` when they have none.

The weights ``(k_beat, k_district, k_city)`` are chosen on a grid by ``FOLDS``-fold held-out
log-likelihood (``choose_pooling``): calls are split into folds by ISO week
(``week mod FOLDS``), shapes are built from the other folds and the held-out calls score
``sum log beat[b, n][hour]``.  Every shape sums to 1, so ``rate x shape`` sums to the rate.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK

FOLDS = 5
#: Grid of pseudo-call weights searched for each level.
POOLING_GRID = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 1e5)


def histogram(hours: pd.Series | np.ndarray) -> np.ndarray:
    """Counts per hour-of-week bin."""
    return np.bincount(np.asarray(hours, dtype=int), minlength=HOURS_PER_WEEK).astype(float)


def normalized(counts: np.ndarray) -> np.ndarray:
    """``counts / counts.sum()``; uniform when empty."""
    total = counts.sum()
    return counts / total if total > 0 else np.full(HOURS_PER_WEEK, 1.0 / HOURS_PER_WEEK)


@dataclass(frozen=True)
class PoolingWeights:
    """Pseudo-call weights of the three pooling levels and their held-out log-likelihood.

    ``table``: one row per grid point (``k_beat, k_district, k_city, heldout_loglik``).
    """

    k_beat: float
    k_district: float
    k_city: float
    heldout_loglik: float = float("nan")
    table: pd.DataFrame | None = None


@dataclass(frozen=True, eq=False)
class ShapeSet:
    """Pooled shapes: ``beat[(beat_id, nature)]``, ``district[(district, nature)]``,
    ``city[nature]`` and ``base`` (each 168 values summing to 1).
    """

    beat: dict[tuple[str, str], np.ndarray]
    district: dict[tuple[str, str], np.ndarray]
    city: dict[str, np.ndarray]
    base: np.ndarray
    district_of: dict[str, str]

    def of(self, beat_id: str, nature: str) -> np.ndarray:
        """The shape of one beat x nature with points (parent's shape where it has none)."""
        got = self.beat.get((beat_id, nature))
        if got is not None:
            return got
        got = self.district.get((self.district_of.get(beat_id, ""), nature))
        if got is not None:
            return got
        return self.city.get(nature, self.base)


def pooled_shape_set(
    calls: pd.DataFrame, district_of: dict[str, str], weights: PoolingWeights
) -> ShapeSet:
    """Shapes of every observed beat, district and city per nature (see module formula).

    ``calls``: ``beat_id``, ``nature``, ``hour_of_week``; ``district_of``: beat -> district.
    """
    base = (histogram(calls["hour_of_week"]) + 1.0) / (len(calls) + HOURS_PER_WEEK)
    city: dict[str, np.ndarray] = {}
    district: dict[tuple[str, str], np.ndarray] = {}
    beat: dict[tuple[str, str], np.ndarray] = {}
    dist_col = calls["beat_id"].map(district_of).fillna("")
    for nature, group in calls.groupby("nature", sort=True):
        n = str(nature)
        h = histogram(group["hour_of_week"])
        city[n] = (h + weights.k_city * base) / (h.sum() + weights.k_city)
        for d, dg in group.groupby(dist_col[group.index], sort=True):
            hd = histogram(dg["hour_of_week"])
            district[(str(d), n)] = (hd + weights.k_district * city[n]) / (
                hd.sum() + weights.k_district
            )
        for b, bg in group.groupby("beat_id", sort=True):
            hb = histogram(bg["hour_of_week"])
            parent = district[(district_of.get(str(b), ""), n)]
            beat[(str(b), n)] = (hb + weights.k_beat * parent) / (hb.sum() + weights.k_beat)
    return ShapeSet(beat=beat, district=district, city=city, base=base, district_of=district_of)


def choose_pooling(
    calls: pd.DataFrame,
    district_of: dict[str, str],
    *,
    grid: tuple[float, ...] = POOLING_GRID,
    folds: int = FOLDS,
) -> PoolingWeights:
    """The grid point with the highest held-out log-likelihood (see module docstring).

    ``calls`` also needs ``called_at`` (for the ISO-week folds).  Vectorized over beat x
    nature x hour arrays; the same formulas as ``pooled_shape_set``.
    """
    beats = sorted(calls["beat_id"].astype(str).unique())
    natures = sorted(calls["nature"].astype(str).unique())
    dists = sorted({district_of.get(b, "") for b in beats})
    b_idx = pd.Index(beats).get_indexer(calls["beat_id"].astype(str))
    n_idx = pd.Index(natures).get_indexer(calls["nature"].astype(str))
    hours = calls["hour_of_week"].to_numpy(dtype=int)
    week = calls["called_at"].dt.isocalendar().week.to_numpy(dtype=int)
    fold = week % folds
    hist = np.zeros((folds, len(beats), len(natures), HOURS_PER_WEEK))
    np.add.at(hist, (fold, b_idx, n_idx, hours), 1.0)
    member = np.zeros((len(dists), len(beats)))
    for i, b in enumerate(beats):
        member[dists.index(district_of.get(b, "")), i] = 1.0
    # Held-out log-likelihood per fold and grid point; the city and district shapes depend
    # on (k_d, k_c) only, so they are computed once per pair, not once per k_b.
    tested = [f for f in range(folds) if hist[f].sum() != 0]
    total_hist = hist.sum(axis=0)
    # summed over the folds in fold order, from 0.0 (a grid point no fold tests stays 0.0)
    loglik = dict.fromkeys(itertools.product(grid, grid, grid), 0.0)
    for f in tested:
        test, train = hist[f], total_hist - hist[f]
        beat_total = train.sum(axis=2, keepdims=True)
        # Only the cells with held-out calls add to the log-likelihood (test = 0 elsewhere).
        cells = np.nonzero(test)
        test_n, train_n, total_n = test[cells], train[cells], beat_total[cells[:2]][:, 0]
        for k_c in grid:
            city = _city_shapes(train, k_c)
            for k_d in grid:
                parent_n = _parent_shapes(train, member, city, k_d)[cells]
                for k_b in grid:
                    shapes_n = (train_n + k_b * parent_n) / (total_n + k_b)
                    loglik[(k_b, k_d, k_c)] += float((test_n * np.log(shapes_n)).sum())
    rows = [(k_b, k_d, k_c, ll) for (k_b, k_d, k_c), ll in loglik.items()]
    table = pd.DataFrame(rows, columns=["k_beat", "k_district", "k_city", "heldout_loglik"])
    best = table.loc[table["heldout_loglik"].idxmax()]
    return PoolingWeights(
        k_beat=float(best["k_beat"]),
        k_district=float(best["k_district"]),
        k_city=float(best["k_city"]),
        heldout_loglik=float(best["heldout_loglik"]),
        table=table,
    )


def _city_shapes(h_beat: np.ndarray, k_c: float) -> np.ndarray:
    """Nature x hour city shapes, pooled toward the all-natures base with weight ``k_c``."""
    h_all = h_beat.sum(axis=(0, 1))
    base = (h_all + 1.0) / (h_all.sum() + HOURS_PER_WEEK)
    h_city = h_beat.sum(axis=0)  # natures x hours
    return (h_city + k_c * base) / (h_city.sum(axis=1, keepdims=True) + k_c)


def _parent_shapes(
    h_beat: np.ndarray, member: np.ndarray, city: np.ndarray, k_d: float
) -> np.ndarray:
    """Beat x nature x hour: each beat's district shape, pooled toward ``city`` (``k_d``)."""
    h_dist = np.einsum("db,bnh->dnh", member, h_beat)
    dist = (h_dist + k_d * city) / (h_dist.sum(axis=2, keepdims=True) + k_d)
    return np.einsum("db,dnh->bnh", member, dist)


def shape_for(
    beat_id: str, nature: str, *, shapes: ShapeSet, shape_from_nature: dict[str, str]
) -> np.ndarray:
    """The 168-bin shape (sums to 1) of one beat x nature (borrowed natures: their donor's)."""
    if nature in shapes.city:
        return shapes.of(beat_id, nature)
    donor = shape_from_nature.get(nature, "")
    if donor in shapes.city:
        return shapes.of(beat_id, donor)
    return shapes.base
