"""Hour-of-week shapes (168 bins, bin 0 = Monday 00:00 local).

* Observed beat x nature: the histogram of its eligible calls, shrunk toward the pooled
  shape of the nature (all observed beats) with ``SHAPE_PRIOR_CALLS`` pseudo-calls:
  ``shape = (hist + k * pooled) / (count + k)``.  Few calls per beat would otherwise give a
  spiky shape driven by chance (a beat with 5 calls has 163 empty hours).
* Modeled beat x nature: the pooled shape of the nature, or of ``shape_from_nature[nature]``
  for natures without points, or of all eligible calls when neither has points.
Every shape sums to 1, so ``rate x shape`` sums to the annual rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from heart_plan.config import HOURS_PER_WEEK

SHAPE_PRIOR_CALLS = 24.0


def histogram(hours: pd.Series | np.ndarray) -> np.ndarray:
    """Counts per hour-of-week bin."""
    return np.bincount(np.asarray(hours, dtype=int), minlength=HOURS_PER_WEEK).astype(float)


def normalized(counts: np.ndarray) -> np.ndarray:
    """``counts / counts.sum()``; uniform when empty."""
    total = counts.sum()
    return counts / total if total > 0 else np.full(HOURS_PER_WEEK, 1.0 / HOURS_PER_WEEK)


def pooled_shapes(calls: pd.DataFrame) -> dict[str, np.ndarray]:
    """Shape per nature over all given calls, plus ``"*"`` for all natures together."""
    out = {"*": normalized(histogram(calls["hour_of_week"]))}
    for nature, group in calls.groupby("nature"):
        out[str(nature)] = normalized(histogram(group["hour_of_week"]))
    return out


def shape_for(
    beat_id: str,
    nature: str,
    basis: str,
    *,
    calls: pd.DataFrame,
    pooled: dict[str, np.ndarray],
    shape_from_nature: dict[str, str],
) -> np.ndarray:
    """The 168-bin shape (sums to 1) of one beat x nature."""
    base = pooled.get(nature)
    if base is None:
        base = pooled.get(shape_from_nature.get(nature, ""), pooled["*"])
    if basis != "observed":
        return base
    mine = calls[(calls["beat_id"] == beat_id) & (calls["nature"] == nature)]
    hist = histogram(mine["hour_of_week"])
    return (hist + SHAPE_PRIOR_CALLS * base) / (hist.sum() + SHAPE_PRIOR_CALLS)
