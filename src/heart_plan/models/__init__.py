"""Facility-location models on a drive-time cost matrix (demand x sites, integer seconds).

Every model is built with ``Model.from_cost_matrix(drive_time_s, weights, *, ...)`` and
solved with ``.solve(SolverConfig(...))`` into a frozen :class:`CoverageResult`.

* :class:`LSCP` — fewest sites covering all demand within ``radius_s``;
* :class:`MCLP` — most demand covered with ``p_sites`` sites;
* :class:`PMedian` — least total weighted drive time with ``p_sites`` sites;
* :class:`PCenter` — least worst drive time with ``p_sites`` sites;
* :class:`MEXCLP` — queue-aware: most *expected* covered demand with ``p_sites`` teams that
  are each busy with probability ``busy_fraction`` (see :func:`daskin_busy_fraction`).
"""

from ._base import CoverageResult
from .lscp import LSCP
from .mclp import MCLP
from .mexclp import MEXCLP, daskin_busy_fraction
from .pcenter import PCenter
from .pmedian import PMedian

__all__ = [
    "LSCP",
    "MCLP",
    "MEXCLP",
    "CoverageResult",
    "PCenter",
    "PMedian",
    "daskin_busy_fraction",
]
