"""The demand view of one service area: what placement and staffing need, built once.

A :class:`AreaDemand` holds the area's beats, the annual eligible calls per demand node
inside it (the optimizers' weights), its drive-time matrices per time band (demand nodes
of the area x candidate sites, integer seconds, taken from the context's full matrices on
first use), the annual arrivals in each of the 168 hour-of-week bins and the citywide
denominator of every share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class AreaDemand:
    """One service area's demand, matrices and arrivals (``PlanningContext.area``).

    Attributes
    ----------
    beats
        The area's beat ids.
    weights
        Annual eligible calls per demand node inside the area (zero rows dropped); index
        ``demand_id``.
    arrivals_by_hour
        Annual eligible calls in each hour-of-week bin (168 values) for the area.
    band_of_hour
        Band name of each hour-of-week bin.
    sites
        Candidate sites: ``site_id, node_id, lon, lat, kind, snap_distance_m, access_s``.
    city_calls_per_year
        Citywide eligible calls per year (the denominator of citywide shares).
    standard_s
        The response standard (s of drive).
    """

    beats: tuple[str, ...]
    weights: pd.Series
    arrivals_by_hour: np.ndarray
    band_of_hour: tuple[str, ...]
    sites: pd.DataFrame
    city_calls_per_year: float
    standard_s: int
    full_matrix: Callable[[str], pd.DataFrame] = field(repr=False)
    _matrices: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def calls_per_year(self) -> float:
        """Annual eligible calls inside the area."""
        return float(self.weights.sum())

    @cached_property
    def busiest_band(self) -> str:
        """The band holding the most of the area's eligible calls."""
        by_band = pd.Series(self.arrivals_by_hour, index=list(self.band_of_hour))
        return str(by_band.groupby(level=0).sum().idxmax())

    def matrix(self, band: str) -> pd.DataFrame:
        """Drive times (int s) from every site to the area's demand nodes in ``band``."""
        if band not in self._matrices:
            self._matrices[band] = self.full_matrix(band).loc[self.weights.index]
        return self._matrices[band]
