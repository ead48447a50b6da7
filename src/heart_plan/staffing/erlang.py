"""Erlang B: the share of calls lost by a loss system with ``c`` teams.

HEART is a **loss system**: when a call arrives and no team is free it goes to police
instead of waiting (Erlang C would be the wrong model).  With Poisson arrivals at rate
``lambda`` (calls per hour) and mean busy time ``tau`` (hours per call) the offered load is
``a = lambda * tau`` erlangs, and the blocking probability with ``c`` teams is Erlang's
loss formula

    B(c, a) = (a^c / c!) / sum_{k=0..c} a^k / k!

which holds for *any* busy-time distribution with that mean (insensitivity of the
M/G/c/c queue), so the lognormal on-scene assumption only enters through its mean.
We never evaluate the factorials: the stable recursion

    B(0, a) = 1,    B(c, a) = a B(c-1, a) / (c + a B(c-1, a))

is exact in exact arithmetic and never overflows.  The **served share** is ``1 - B``.
``1 - B(c, a)`` is increasing and concave in ``c`` (B is convex in c; Messerli 1972), so the
expected calls served gained by each added team decrease, which makes the shift planner's
piecewise linearization and the greedy allocation in ``hours`` exact.

Convention for ``a = 0`` (no calls): ``B(0, 0) = 1`` and ``B(c, 0) = 0`` for ``c >= 1``
(the recursion gives exactly this), and :func:`teams_needed` returns 0 (nothing to serve).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from heart_plan.errors import ModelError


def _check(servers: int, offered_load_erlangs: float) -> None:
    if servers < 0:
        raise ModelError(f"erlang_b: servers must be >= 0, got {servers}")
    if not math.isfinite(offered_load_erlangs) or offered_load_erlangs < 0:
        raise ModelError(
            f"erlang_b: offered load must be a finite number >= 0 erlangs, "
            f"got {offered_load_erlangs!r}"
        )


def erlang_b(servers: int, offered_load_erlangs: float) -> float:
    """Blocking probability ``B(c, a)`` of an M/G/c/c loss system.

    Parameters
    ----------
    servers
        Number of teams ``c`` on duty (>= 0).
    offered_load_erlangs
        Offered load ``a = lambda * tau`` (calls per hour x busy hours per call), >= 0.

    Returns
    -------
    float
        Probability that an arriving call finds every team busy (and goes to police).
    """
    servers = int(servers)
    a = float(offered_load_erlangs)
    _check(servers, a)
    b = 1.0
    for c in range(1, servers + 1):
        b = a * b / (c + a * b)
    return b


def erlang_b_table(max_servers: int, offered_load_erlangs: ArrayLike) -> NDArray[np.float64]:
    """``B(c, a)`` for ``c = 0..max_servers`` and every load: shape ``(len(a), max_servers+1)``.

    The recursion runs once over ``c`` for all loads at the same time.
    """
    a = np.atleast_1d(np.asarray(offered_load_erlangs, dtype=float))
    if max_servers < 0:
        raise ModelError(f"erlang_b_table: max_servers must be >= 0, got {max_servers}")
    if a.ndim != 1 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ModelError("erlang_b_table: offered loads must be a 1-d array of finite values >= 0")
    out = np.empty((a.size, max_servers + 1))
    b = np.ones(a.size)
    out[:, 0] = b
    for c in range(1, max_servers + 1):
        ab = a * b
        b = ab / (c + ab)
        out[:, c] = b
    return out


def erlang_b_array(servers: ArrayLike, offered_load_erlangs: ArrayLike) -> NDArray[np.float64]:
    """Vectorized :func:`erlang_b`: ``servers`` and loads broadcast against each other."""
    c, a = np.broadcast_arrays(
        np.asarray(servers, dtype=np.int64), np.asarray(offered_load_erlangs, dtype=float)
    )
    if np.any(c < 0):
        raise ModelError("erlang_b_array: servers must be >= 0")
    flat_c = c.ravel()
    max_c = int(flat_c.max()) if flat_c.size else 0
    table = erlang_b_table(max_c, a.ravel())
    return table[np.arange(flat_c.size), flat_c].reshape(c.shape)


def served_share(
    servers: ArrayLike, offered_load_erlangs: ArrayLike
) -> NDArray[np.float64] | float:
    """Share of arriving calls that find a free team: ``1 - B(c, a)``."""
    out = 1.0 - erlang_b_array(servers, offered_load_erlangs)
    return float(out) if out.ndim == 0 else out


def _check_target(target_served_share: float) -> None:
    if not 0.0 <= target_served_share < 1.0:
        raise ModelError(
            f"served-share target must be in [0, 1) (a loss system never serves every call), "
            f"got {target_served_share!r}; set budget.served_share_target to e.g. 0.9"
        )


def teams_needed(
    offered_load_erlangs: float, target_served_share: float, *, max_teams: int = 1000
) -> int:
    """Fewest teams ``c`` with ``1 - B(c, a) >= target`` (0 when ``a == 0``).

    Raises ``ModelError`` when more than ``max_teams`` would be needed.
    """
    a = float(offered_load_erlangs)
    _check(0, a)
    _check_target(target_served_share)
    if a == 0.0:
        return 0
    b = 1.0
    c = 0
    while 1.0 - b < target_served_share - 1e-12:
        c += 1
        if c > max_teams:
            raise ModelError(
                f"teams_needed: more than {max_teams} teams needed for load {a:.3g} erlangs "
                f"at served share {target_served_share}; check the busy time and arrivals"
            )
        b = a * b / (c + a * b)
    return c


def teams_needed_array(
    offered_load_erlangs: ArrayLike, target_served_share: float, *, max_teams: int = 1000
) -> NDArray[np.int64]:
    """:func:`teams_needed` for every load of an array (e.g. the 168 hours of a week)."""
    a = np.asarray(offered_load_erlangs, dtype=float)
    return np.array(
        [teams_needed(x, target_served_share, max_teams=max_teams) for x in a.ravel()],
        dtype=np.int64,
    ).reshape(a.shape)


def served_increments(
    arrivals: ArrayLike, offered_load_erlangs: ArrayLike, max_teams: int
) -> NDArray[np.float64]:
    """Expected calls served gained by the k-th team, per bin: shape ``(n_bins, max_teams)``.

    ``inc[h, k-1] = arrivals_h * (B(k-1, a_h) - B(k, a_h))`` for ``k = 1..max_teams``, so
    ``arrivals_h * (1 - B(n, a_h)) = sum_{k<=n} inc[h, k-1]``.  Each row is non-increasing
    (concavity of the served share), which the planner and the greedy allocation rely on.
    ``arrivals`` may be in any unit (calls per year per bin in this package).
    """
    lam = np.atleast_1d(np.asarray(arrivals, dtype=float))
    a = np.atleast_1d(np.asarray(offered_load_erlangs, dtype=float))
    if lam.shape != a.shape:
        raise ModelError(
            f"served_increments: arrivals {lam.shape} and loads {a.shape} differ in shape"
        )
    table = erlang_b_table(max_teams, a)
    inc = lam[:, None] * (table[:, :-1] - table[:, 1:])
    # Clip round-off so rows are exactly non-increasing and non-negative.
    inc = np.maximum(inc, 0.0)
    return np.minimum.accumulate(inc, axis=1)
