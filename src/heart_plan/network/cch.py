"""RoutingKit's customizable contraction hierarchy (``routingkit-cch``) as a drive-time backend.

Formulation.  The CCH orders the nodes (inertial flow on lon/lat), contracts them once and
customizes the hierarchy with integer edge weights; a one-to-many (or many-to-one) query
then answers the same shortest-path lengths as Dijkstra.  Its metric is ``uint32``, so the
backend is exact only for whole-second edge times: other graphs raise ``NetworkError``
(scipy's Dijkstra, the default backend, takes float seconds).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from heart_plan.errors import NetworkError

#: Largest total edge time (s) the uint32 metric can sum without overflow.
MAX_TOTAL_S = float(np.iinfo(np.uint32).max - 1)


class CCHBackend:
    """One-to-all shortest-path rows from a customizable contraction hierarchy.

    Parameters
    ----------
    csr
        Edge times (whole seconds) as a CSR matrix ``csr[u, v]``.
    lon, lat
        Node coordinates (degrees), for the inertial-flow order.
    """

    def __init__(self, csr: sparse.csr_matrix, lon: np.ndarray, lat: np.ndarray) -> None:
        try:
            import routingkit_cch
        except ImportError:
            raise NetworkError(
                'backend "cch" needs the routingkit-cch package: pip install routingkit-cch, '
                'or use backend="scipy"'
            ) from None
        coo = csr.tocoo()
        weights = coo.data
        if not np.array_equal(weights, np.rint(weights)) or float(weights.sum()) > MAX_TOTAL_S:
            raise NetworkError(
                'backend "cch" needs whole-second edge times (its metric is integral); '
                'use backend="scipy" for this graph'
            )
        self._rk = routingkit_cch
        self.n_nodes = csr.shape[0]
        tail = coo.row.astype(np.uint32).tolist()
        head = coo.col.astype(np.uint32).tolist()
        order = routingkit_cch.compute_order_inertial(
            self.n_nodes, tail, head, np.asarray(lat).tolist(), np.asarray(lon).tolist()
        )
        self._cch = routingkit_cch.CCH(order, tail, head, False)
        self._metric = routingkit_cch.CCHMetric(self._cch, weights.astype(np.uint32).tolist())

    @cached_property
    def _to_all(self) -> Any:
        return self._rk.CCHOneToMany(self._metric, list(range(self.n_nodes)))

    @cached_property
    def _from_all(self) -> Any:
        return self._rk.CCHManyToOne(self._metric, list(range(self.n_nodes)))

    def rows(self, idx: np.ndarray, *, forward: bool) -> np.ndarray:
        """Seconds (float64, ``inf`` = no path), shape (len(idx), N): from each ``idx`` to
        every node (``forward``) or from every node to each ``idx``.
        """
        out = np.empty((len(idx), self.n_nodes))
        query = self._to_all.distances_from if forward else self._from_all.distances_to
        for r, i in enumerate(np.asarray(idx).tolist()):
            out[r] = np.array(query(int(i)), dtype=float)  # None -> nan
        out[np.isnan(out)] = np.inf
        return out
