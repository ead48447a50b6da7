r"""The spatial loss-queue evaluator: Larson's hypercube model with zero line capacity.

One time band (or one hour of week) at a time: demand nodes ``j`` with Poisson arrival rates
``lambda_j`` (calls per hour), ``N`` teams on duty, team ``i`` at post ``team_posts[i]``
(a post may hold several teams), the band's drive-time matrix ``drive_time_s[j, p]``
(integer seconds, demand node x post, access legs included as in the optimizers' matrix) and
the response standard ``standard_s``.

Model (Larson 1974, "A hypercube queuing model for facility location and redistricting in
urban emergency services", with zero line capacity)
------------------------------------------------------------------------------------------
* **Dispatch**: nearest free team.  Node ``j`` ranks the teams by drive time from their
  posts, ties to the lowest team index (the simulator's rule: minimum drive, ties to the
  lowest slot); a call at ``j`` goes to the first free team of that list.
* **Loss system**: a call that finds every team busy is lost to HEART (it goes to police);
  there is no queue.
* **Service**: every team's busy time per call is exponential with the *same* rate
  ``mu = 1 / busy_time_h`` (per hour).  ``busy_time_h`` comes from a fixed point (below).
* **State**: the set ``B`` of busy teams (``2^N`` states, bit ``i`` = team ``i`` busy).
  ``B -> B + {i}`` at rate ``sum`` of ``lambda_j`` over nodes whose first free team in ``B``
  is ``i``; ``B -> B - {i}`` at rate ``mu`` for each busy ``i``.
* **Outputs** (PASTA: arrivals see time averages): a call at ``j`` is dispatched to team
  ``i`` with probability ``f[j, i] = sum_B pi(B) [first free of j in B is i]`` and lost with
  ``pi(all busy)``; team ``i``'s busy probability (workload) is ``rho_i = sum_{B ∋ i} pi(B)``
  (equivalently ``busy_time_h * sum_j lambda_j f[j, i]``).  Node ``j`` is *reached* with
  probability ``sum_i f[j, i] [drive(j, post(i)) <= standard_s]`` (drive only, turnout not
  in the standard: the simulator's and the optimizers' test).

Because every team has the same rate and a call is lost only when all are busy, the number
of busy teams is an M/M/N/N birth-death process whatever the dispatch rule, so the lost
share of *every* node is exactly Erlang B ``B(N, a)`` with ``a = busy_time_h * sum lambda``
(:mod:`heart_plan.staffing.erlang`); both methods below reproduce it exactly.

Methods
-------
``exact`` (:func:`exact_loss_hypercube`): builds the ``2^N x 2^N`` generator and solves
``pi Q = 0, sum pi = 1`` (dense LU up to 256 states, sparse LU above).  Exact under the assumptions above; used for
``N <= EXACT_MAX_TEAMS`` (10: 1,024 states).

``approximate`` (:func:`larson_loss_approximation`): Larson's (1975) approximation, as
generalized by Jarvis (1985) and Budge, Ingolfsson & Erkut (2009), adapted to the loss
system.  Larson approximates the probability that the first ``k`` teams of ``j``'s list are
busy and the ``(k+1)``-th is free by ``Q(N, rho, k) * prod_{l<=k} rho_{a_jl} *
(1 - rho_{a_j,k+1})``: independent teams times a correction ``Q`` computed in the symmetric
system.  *Derivation of the loss-system correction*: in a symmetric system (random dispatch
among free teams), given ``n`` busy teams the busy set is uniform over the ``n``-subsets,
so a given ordered list of ``k`` teams is busy and a given other team free with probability
``C(N-k-1, n-k) / C(N, n)``.  Averaging over the number busy ``n``, whose law in the loss
system is the truncated Poisson ``P_n = (a^n/n!) / sum_{m<=N} a^m/m!`` (M/M/N/N), and
dividing by the independence value ``rho^k (1 - rho)`` with the carried per-team load
``rho = a (1 - B(N, a)) / N``::

    Q_loss(N, a, k) = sum_{n=k}^{N-1} P_n C(N-k-1, n-k) / C(N, n) / (rho^k (1 - rho))

Substituting the M/M/N law ``P_n = P_0 (N rho)^n / n!`` (``n < N``) and its ``rho = a / N``
gives back Larson's ``Q(N, rho, k) = sum_{n=k}^{N-1} (N-k-1)! (N-n) / (n-k)! * N^n / N! *
rho^(n-k) P_0 / (1 - rho)`` term by term, so ``Q_loss`` is Larson's correction with the
M/M/N distribution of the number busy replaced by the M/M/N/N one
(``Q_loss(N, a, 0) = 1``; at ``a -> 0``, ``Q_loss -> N^k (N-k)! / N!``).  The team workloads
are the fixed point of ``rho_i = (1 - rho_i) V_i``, ``V_i = busy_time_h * sum_j lambda_j c_j
sum_k [a_jk = i] Q_loss(k-1) prod_{l<k} rho_{a_jl}`` (Larson's iteration ``rho_i = V_i /
(1 + V_i)``, started at ``rho``), where ``c_j`` rescales node ``j``'s dispatch fractions to sum
to ``1 - B(N, a)`` (the exact served share: see above; this also makes ``sum_i rho_i`` equal
the exact carried load ``a (1 - B)``).  Assumptions: Poisson arrivals, exponential busy
times with one rate for all teams, and the independence-with-correction approximation.
Known error: Larson reports about 1-2% on workloads for the M/M/N hypercube.  For this loss
variant, measured against the exact chain on 175 seeded random instances with ``N = 2..8``
(``tests/queueing/test_approximation.py``): workloads max absolute error 0.034 (mean of the
per-instance maxima 0.008; 0.021 / 0.004 when no two teams share a post: co-located teams
are the most dependent pair), node reached probabilities max 0.036, reached share max 0.023
(2.3 percentage points); the served share is exact.  Without the ``c_j`` rescaling the
errors are larger (workloads max 0.034, node reached max 0.051).

``evaluate(..., method="auto")`` uses exact for ``N <= EXACT_MAX_TEAMS`` and the
approximation above; ``method="exact"`` / ``"approximate"`` force one.

Busy time: a fixed point over this plan's own dispatches
--------------------------------------------------------
``busy_time_h = turnout_s/3600 + mean_dispatch_drive_s/3600 + on_scene_mean_h``
``(+ mean_return_drive_s/3600 when include_return_drive)``, where the means are over the
*served* calls of the model with that busy time (``sum_j lambda_j sum_i f[j,i] d[j,i] /
served``); iterated from the first-choice drive times until the busy time changes by less
than ``busy_time_tol_h`` (a contraction in practice: the drive is a few minutes of an
about one-hour busy time).  The return drive defaults to the dispatch drive (symmetric
roads) unless ``return_drive_time_s`` is given.  Pass ``busy_time_h`` to skip the fixed point.

The return rule (one rule for evaluator and simulator)
-------------------------------------------------------
The analytic model cannot track positions, so **a free team is always dispatched from its
post**.  The default (``include_return_drive=False``) rule is: *a team is busy from dispatch
until clear of the scene (turnout + drive + on-scene); the drive back is not busy time; a
free team is dispatchable, from its post.*  With ``include_return_drive=True`` the team is
busy until back at its post (the drive back is busy time), still dispatched from the post.

How this relates to the simulator (``simulation/engine.py``): the default rule here is the
simulator's default ``return_rule = "at_post_when_clear"`` (``UnitConfig.return_rule``): a
team that clears the scene is free at its post at once, so both models agree on
availability and on where a free team is dispatched from; they differ only in the
busy-time distribution (here one exponential rate for all teams; there per-team drive
times and the scenario's on-scene sampler).  With ``return_rule = "drive_back"`` the
simulator dispatches a team still driving back from its last scene node, which changes who
goes and how far (not whether a team is free).  Measured cost of the
mismatch on 20 random toy instances (``tests/queueing/test_vs_simulator.py``): with the
shared rule the evaluator is within 1.65 percentage points of the simulator's reached share
(mean |gap| 0.36 pp); against the ``drive_back`` rule (dispatch from the last scene
while driving back, ``drive_back``) the gap is up to 10.6 pp (mean |gap| 4.0 pp, the evaluator lower: a
team leaving a scene is often nearer the next call than its post is when posts are poor),
served shares within 1.3 pp in both cases.

Units: arrival rates per hour, busy time in hours, drive times in seconds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, logsumexp
from threadpoolctl import ThreadpoolController

from heart_plan.errors import ModelError
from heart_plan.staffing.erlang import erlang_b

Method = Literal["auto", "exact", "approximate"]
EXACT: Method = "exact"
APPROXIMATE: Method = "approximate"
AUTO: Method = "auto"

#: Largest team count solved by the exact chain under ``method="auto"`` (2^10 states).
EXACT_MAX_TEAMS = 10
#: Dense LU up to this many states, sparse LU (minimum-degree ordering) above.
DENSE_MAX_STATES = 256
#: The dense solves are small (<= 256 x 256): one BLAS thread is ~10x faster than several
#: competing for 2 cores (measured 2.4 ms vs 14 ms for 256 states under load).
_BLAS = ThreadpoolController()
#: Refuse the exact chain above this (2^16 states) even when forced.
EXACT_HARD_LIMIT = 16


@dataclass(frozen=True, eq=False)
class LossModel:
    """The solved loss hypercube for one busy time (no fixed point, no drive times).

    ``busy_probability[i]``: team ``i``'s workload; ``dispatch_fraction[j, i]``: probability
    a call at node ``j`` goes to team ``i``; ``lost_fraction[j]``: probability it is lost;
    ``state_probability``: the ``2^N`` stationary probabilities (bit ``i`` = team ``i``
    busy) for the exact method, ``None`` for the approximation.
    """

    method: str
    busy_probability: NDArray[np.float64]
    dispatch_fraction: NDArray[np.float64]
    lost_fraction: NDArray[np.float64]
    state_probability: NDArray[np.float64] | None
    iterations: int = 0


@dataclass(frozen=True, eq=False)
class HypercubeEvaluation:
    """Predicted measures of one band's deployment (CONVENTIONS.md measure names).

    Attributes
    ----------
    method : str
        ``"exact"`` or ``"approximate"`` (Larson's approximation for loss systems).
    team_posts : tuple of int
        Post (column of the drive matrix) of each team.
    busy_probability : (N,) array
        Each team's busy probability (workload).
    dispatch_fraction : (J, N) array
        Probability a call at node ``j`` is dispatched to team ``i``.
    lost_fraction : (J,) array
        Probability a call at node ``j`` finds every team busy (lost to HEART).
    team_drive_time_s : (J, N) int array
        Drive from each team's post to each node.
    preference : (J, N) int array
        Node ``j``'s teams, nearest first (ties to the lowest team index).
    reached_probability : (J,) array
        Probability a call at node ``j`` is served within the standard.
    arrivals_per_h : (J,) array
        The input arrival rates.
    served_share, reached_share : float
        Arrival-weighted shares of this band's calls (NaN with no arrivals).
    mean_drive_time_s : float
        Mean drive time of served calls (NaN with no arrivals).
    busy_time_h : float
        The (fixed-point) mean busy time per call.
    offered_load_erlangs : float
        ``busy_time_h * sum(arrivals_per_h)``.
    standard_s : int
        Response standard (drive seconds).
    busy_time_iterations : int
        Fixed-point iterations used (0 when ``busy_time_h`` was given).
    state_probability : array or None
        Exact method: the ``2^N`` stationary probabilities.
    """

    method: str
    team_posts: tuple[int, ...]
    busy_probability: NDArray[np.float64]
    dispatch_fraction: NDArray[np.float64]
    lost_fraction: NDArray[np.float64]
    team_drive_time_s: NDArray[np.int64]
    preference: NDArray[np.int64]
    reached_probability: NDArray[np.float64]
    arrivals_per_h: NDArray[np.float64]
    served_share: float
    reached_share: float
    mean_drive_time_s: float
    busy_time_h: float
    offered_load_erlangs: float
    standard_s: int
    busy_time_iterations: int
    state_probability: NDArray[np.float64] | None = None

    @property
    def teams(self) -> int:
        """Number of teams on duty."""
        return len(self.team_posts)

    @property
    def total_arrivals_per_h(self) -> float:
        """Total arrivals per hour over all demand nodes."""
        return float(self.arrivals_per_h.sum())

    @property
    def served_per_h(self) -> float:
        """Expected calls served per hour."""
        return float(self.arrivals_per_h @ (1.0 - self.lost_fraction))

    @property
    def reached_per_h(self) -> float:
        """Expected calls reached per hour."""
        return float(self.arrivals_per_h @ self.reached_probability)

    @property
    def team_dispatches_per_h(self) -> NDArray[np.float64]:
        """Expected dispatches per hour of each team."""
        return self.arrivals_per_h @ self.dispatch_fraction


# ----------------------------------------------------------------------------- helpers
def preference_order(team_drive_time_s: ArrayLike) -> NDArray[np.int64]:
    """Each node's teams by drive time, nearest first, ties to the lowest team index."""
    d = np.asarray(team_drive_time_s)
    return np.argsort(d, axis=1, kind="stable").astype(np.int64)


def _check_arrivals(arrivals_per_h: ArrayLike) -> NDArray[np.float64]:
    lam = np.asarray(arrivals_per_h, dtype=np.float64)
    if lam.ndim != 1 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ModelError("hypercube: arrivals_per_h must be a 1-d array of finite rates >= 0")
    return lam


def _check_preference(preference: ArrayLike, nodes: int) -> NDArray[np.int64]:
    pref = np.asarray(preference, dtype=np.int64)
    if pref.ndim != 2 or pref.shape[0] != nodes:
        raise ModelError(f"hypercube: preference must be ({nodes}, N); got {pref.shape}")
    n = pref.shape[1]
    if n and not np.array_equal(np.sort(pref, axis=1), np.broadcast_to(np.arange(n), pref.shape)):
        raise ModelError("hypercube: each preference row must be a permutation of the teams")
    return pref


def unique_lists(pref: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct preference lists (lexicographic order) and each node's list index, as
    ``np.unique(pref, axis=0, return_inverse=True)``; rows of up to 15 teams are encoded
    as one base-``N`` integer (most significant first, so the order is the same), which is
    much faster than the row-wise unique.
    """
    n = pref.shape[1]
    if not 0 < n <= 15:
        upref, inverse = np.unique(pref, axis=0, return_inverse=True)
        return upref, inverse.reshape(-1)
    code = pref @ (n ** np.arange(n - 1, -1, -1, dtype=np.int64))
    _codes, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return pref[first], inverse.reshape(-1)


def _check_busy_time(busy_time_h: float) -> float:
    tau = float(busy_time_h)
    if not math.isfinite(tau) or tau <= 0:
        raise ModelError(f"hypercube: busy_time_h must be > 0 hours, got {busy_time_h!r}")
    return tau


# ----------------------------------------------------------------------------- exact
def exact_loss_hypercube(
    arrivals_per_h: ArrayLike, preference: ArrayLike, busy_time_h: float
) -> LossModel:
    """The exact zero-line-capacity hypercube: solve the ``2^N``-state chain.

    Parameters
    ----------
    arrivals_per_h : (J,) array
        Poisson arrival rate of each node (calls per hour).
    preference : (J, N) int array
        Each node's teams in dispatch order (a permutation of ``0..N-1`` per row).
    busy_time_h : float
        Mean (exponential) busy time per call, the same for every team (hours).
    """
    return _ExactChain(arrivals_per_h, preference).solve(busy_time_h)


class _ExactChain:
    """The chain's structure (upward rates, each call's busy prefixes), built once per
    arrivals and preferences and solved for any busy time.

    With ``M(j, p)`` the set of call ``j``'s first ``p`` choices and ``i = pref[j, p]``, a
    call of ``j`` goes to ``i`` in state ``B`` iff ``M(j, p) <= B`` and ``i`` is not in
    ``B``.  So the upward rate ``B -> B + {i}`` is the subset sum
    ``sum_{M <= B} g[M, i]`` with ``g[M, i] = sum of lambda_j over (j, p)`` with
    ``M(j, p) = M`` and ``pref[j, p] = i``, and the dispatch fraction of ``j`` to ``i`` is
    the superset sum ``sum_{B >= M(j, p), i not in B} pi[B]``: ``O(N^2 2^N + J N)`` work
    (zeta transforms over the ``N`` bits), with no states x lists table.
    """

    def __init__(self, arrivals_per_h: ArrayLike, preference: ArrayLike) -> None:
        lam = _check_arrivals(arrivals_per_h)
        pref = _check_preference(preference, lam.size)
        n = pref.shape[1]
        if n > EXACT_HARD_LIMIT:
            raise ModelError(
                f"hypercube: the exact chain with {n} teams has 2^{n} states; "
                f"use method='approximate' (more than {EXACT_HARD_LIMIT} teams)"
            )
        self.nodes, self.n = lam.size, n
        if n == 0:
            return
        s = 1 << n
        states = np.arange(s)
        bits = ((states[:, None] >> np.arange(n)) & 1).astype(bool)  # (S, N) busy
        onehot = np.left_shift(1, pref)  # (J, N) bit of each choice
        prefix = np.zeros_like(onehot)  # (J, N) mask of the choices before position p
        np.cumsum(onehot[:, :-1], axis=1, out=prefix[:, 1:])
        self.prefix, self.pref = prefix, pref
        g = np.bincount((prefix * n + pref).ravel(), weights=np.repeat(lam, n), minlength=s * n)
        up = _subset_sums(np.asarray(g, dtype=np.float64).reshape(s, n), n)
        up[bits] = 0.0  # a busy team takes no call
        src, team = np.nonzero(up > 0)
        up_rows, up_cols, up_vals = src, src | (1 << team), up[src, team]
        busy_src, busy_team = np.nonzero(bits)
        down_rows, down_cols = busy_src, busy_src ^ (1 << busy_team)
        self.free = ~bits
        self.bits = bits.astype(np.float64)
        self.s = s
        # The generator's transpose A = Q^T as entries (row, col) with value
        # ``base + mu * per_mu``: upward rates, mu per busy team down, and the diagonal
        # -(out rate + mu * busy teams); the last row is replaced by ones (sum pi = 1).
        states = np.arange(s)
        up_out, n_busy = up.sum(axis=1), bits.sum(axis=1)
        rows = np.concatenate([up_cols, down_cols, states])
        cols = np.concatenate([up_rows, down_rows, states])
        base = np.concatenate([up_vals, np.zeros(down_rows.size), -up_out])
        per_mu = np.concatenate([np.zeros(up_vals.size), np.ones(down_rows.size), -n_busy])
        keep = rows != s - 1
        self.a_rows, self.a_cols = rows[keep], cols[keep]
        self.a_flat = self.a_rows * s + self.a_cols
        self.a_base, self.a_per_mu = base[keep], per_mu[keep]
        self.node_rows = np.arange(lam.size)[:, None]

    def solve(self, busy_time_h: float) -> LossModel:
        tau = _check_busy_time(busy_time_h)
        n, s = self.n, getattr(self, "s", 1)
        if n == 0:
            return LossModel(
                EXACT, np.zeros(0), np.zeros((self.nodes, 0)), np.ones(self.nodes), None
            )
        mu = 1.0 / tau
        # Balance equations pi Q = 0 as A pi = 0 with A = Q^T; the last one replaced by sum = 1.
        vals = self.a_base + mu * self.a_per_mu
        rhs = np.zeros(s)
        rhs[-1] = 1.0
        if s <= DENSE_MAX_STATES:
            a = np.bincount(self.a_flat, weights=vals, minlength=s * s).reshape(s, s)
            a[s - 1, :] = 1.0
            with _BLAS.limit(limits=1, user_api="blas"):
                pi = np.linalg.solve(a, rhs)
        else:
            rows = np.concatenate([self.a_rows, np.full(s, s - 1)])
            cols = np.concatenate([self.a_cols, np.arange(s)])
            a = sp.csc_matrix((np.concatenate([vals, np.ones(s)]), (rows, cols)), shape=(s, s))
            pi = spla.spsolve(a, rhs, permc_spec="MMD_AT_PLUS_A")
        pi = np.clip(pi, 0.0, None)
        pi /= pi.sum()
        # Dispatch fractions by PASTA: P(the choices before p busy, choice p free).
        free_at = _superset_sums(pi[:, None] * self.free, n)  # (S, N)
        frac = np.zeros((self.nodes, n))
        frac[self.node_rows, self.pref] = free_at[self.prefix, self.pref]
        busy = np.asarray(pi @ self.bits, dtype=np.float64)
        return LossModel(EXACT, busy, frac, np.full(self.nodes, pi[-1]), pi)


def _subset_sums(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``out[B] = sum over M <= B of values[M]`` (rows indexed by ``n``-bit masks)."""
    out = values.copy()
    for with_b, without_b in _bit_halves(n):
        out[with_b] += out[without_b]
    return out


def _superset_sums(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``out[M] = sum over B >= M of values[B]`` (rows indexed by ``n``-bit masks)."""
    out = values.copy()
    for with_b, without_b in _bit_halves(n):
        out[without_b] += out[with_b]
    return out


@functools.cache
def _bit_halves(n: int) -> tuple[tuple[NDArray[np.int64], NDArray[np.int64]], ...]:
    """Per bit ``b`` of ``n``-bit masks: the masks with bit ``b`` and the same masks
    without it (in the same order).
    """
    states = np.arange(1 << n)
    halves = []
    for b in range(n):
        with_b = states[(states >> b) & 1 == 1]
        halves.append((with_b, with_b ^ (1 << b)))
    return tuple(halves)


# ----------------------------------------------------------------------------- approximation
def loss_correction_factors(teams: int, offered_load_erlangs: float) -> NDArray[np.float64]:
    """Larson's correction factors ``Q(N, a, k)``, ``k = 0..N-1``, for the loss system.

    ``Q_loss(N, a, k) = sum_{n=k}^{N-1} P_n C(N-k-1, n-k) / C(N, n) / (rho^k (1 - rho))`` with
    ``P_n`` the M/M/N/N (truncated Poisson) distribution of the number busy and ``rho = a (1 -
    B(N, a)) / N`` (module docstring); the limit ``N^k (N-k)! / N!`` at ``a = 0``.
    """
    n = int(teams)
    a = float(offered_load_erlangs)
    if n < 1:
        return np.zeros(0)
    if not math.isfinite(a) or a < 0:
        raise ModelError(f"loss_correction_factors: offered load must be >= 0, got {a!r}")
    k = np.arange(n)
    if a == 0.0:
        return np.exp(k * math.log(n) + gammaln(n - k + 1) - gammaln(n + 1))
    m = np.arange(n + 1)
    log_w = m * math.log(a) - gammaln(m + 1)
    log_p = log_w - logsumexp(log_w)  # log P_n, n = 0..N
    rho = a * (1.0 - erlang_b(n, a)) / n
    q = np.empty(n)
    for kk in range(n):
        nn = np.arange(kk, n)  # n = k..N-1
        # log C(N-k-1, n-k) - log C(N, n)
        log_ratio = (
            gammaln(n - kk) - gammaln(nn - kk + 1) - gammaln(n - nn)
            - (gammaln(n + 1) - gammaln(nn + 1) - gammaln(n - nn + 1))
        )  # fmt: skip
        total = logsumexp(log_p[nn] + log_ratio)
        q[kk] = math.exp(total - kk * math.log(rho) - math.log1p(-rho))
    return q


def larson_loss_approximation(
    arrivals_per_h: ArrayLike,
    preference: ArrayLike,
    busy_time_h: float,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> LossModel:
    """Larson's hypercube approximation adapted to the loss system (module docstring).

    Same inputs as :func:`exact_loss_hypercube`.  Iterates ``rho_i = V_i / (1 + V_i)`` until
    the workloads change by less than ``tol``; raises ``ModelError`` when it does not
    converge in ``max_iter`` iterations.
    """
    return _Larson(arrivals_per_h, preference).solve(busy_time_h, tol=tol, max_iter=max_iter)


class _Larson:
    """Distinct preference lists and their arrival rates, built once; solved per busy time."""

    def __init__(self, arrivals_per_h: ArrayLike, preference: ArrayLike) -> None:
        lam = _check_arrivals(arrivals_per_h)
        pref = _check_preference(preference, lam.size)
        self.lam, self.n = lam, pref.shape[1]
        upref, inverse = unique_lists(pref)
        self.upref, self.inverse = upref, inverse
        self.lam_u = np.bincount(self.inverse, weights=lam, minlength=len(upref))

    def solve(self, busy_time_h: float, *, tol: float = 1e-10, max_iter: int = 1000) -> LossModel:
        tau = _check_busy_time(busy_time_h)
        n, lam, upref = self.n, self.lam, self.upref
        if n == 0:
            return LossModel(
                APPROXIMATE, np.zeros(0), np.zeros((lam.size, 0)), np.ones(lam.size), None
            )
        a = tau * float(lam.sum())
        blocking = erlang_b(n, a)
        served = 1.0 - blocking
        q = loss_correction_factors(n, a)
        flat = upref.ravel()
        weight = tau * self.lam_u[:, None]
        rho = np.full(n, a * served / n)

        def terms(r: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
            rr = r[upref]  # (U, N)
            prefix = np.ones_like(rr)
            prefix[:, 1:] = np.cumprod(rr[:, :-1], axis=1)
            g = q[None, :] * prefix  # ~ P(first k busy) for the k-th choice
            f = g * (1.0 - rr)  # ~ P(first k busy, k-th choice free)
            scale = served / np.maximum(f.sum(axis=1), 1e-300)  # rows sum to 1 - B
            return g * scale[:, None], f * scale[:, None]

        delta = math.inf
        it = 0
        for it in range(1, max_iter + 1):  # noqa: B007 (it is reported)
            g, _ = terms(rho)
            v = np.bincount(flat, weights=(weight * g).ravel(), minlength=n)
            new = v / (1.0 + v)
            delta = float(np.max(np.abs(new - rho)))
            rho = new
            if delta < tol:
                break
        else:
            raise ModelError(
                f"larson_loss_approximation: no convergence in {max_iter} iterations (last "
                f"change {delta:.2e}); use method='exact' for up to {EXACT_HARD_LIMIT} teams"
            )
        _, f = terms(rho)
        frac_u = np.zeros((len(upref), n))
        np.put_along_axis(frac_u, upref, f, axis=1)
        frac = frac_u[self.inverse]
        busy = tau * (lam @ frac)  # = rho at the fixed point; consistent with the fractions
        return LossModel(APPROXIMATE, busy, frac, np.full(lam.size, blocking), None, iterations=it)


def solve_loss_model(
    arrivals_per_h: ArrayLike,
    preference: ArrayLike,
    busy_time_h: float,
    *,
    method: Method = AUTO,
    exact_max_teams: int = EXACT_MAX_TEAMS,
) -> LossModel:
    """Exact chain for ``N <= exact_max_teams`` (``method="auto"``), else the approximation."""
    n = np.asarray(preference).shape[1] if np.ndim(preference) == 2 else 0
    chosen = _choose(method, n, exact_max_teams)
    if chosen == EXACT:
        return exact_loss_hypercube(arrivals_per_h, preference, busy_time_h)
    return larson_loss_approximation(arrivals_per_h, preference, busy_time_h)


def _choose(method: str, teams: int, exact_max_teams: int) -> str:
    if method == AUTO:
        return EXACT if teams <= exact_max_teams else APPROXIMATE
    if method in (EXACT, APPROXIMATE):
        return method
    raise ModelError(f"hypercube: method must be 'auto', 'exact' or 'approximate', got {method!r}")


# ----------------------------------------------------------------------------- evaluator
def evaluate(
    arrivals_per_h: ArrayLike,
    drive_time_s: ArrayLike,
    team_posts: Sequence[int],
    *,
    standard_s: int = 720,
    on_scene_mean_h: float = 0.75,
    turnout_s: float = 0.0,
    include_return_drive: bool = False,
    return_drive_time_s: ArrayLike | None = None,
    busy_time_h: float | None = None,
    method: Method = AUTO,
    exact_max_teams: int = EXACT_MAX_TEAMS,
    busy_time_tol_h: float = 1e-7,
    max_busy_time_iterations: int = 100,
) -> HypercubeEvaluation:
    """Evaluate one band's deployment with the loss hypercube (module docstring).

    Parameters
    ----------
    arrivals_per_h : (J,) array
        Poisson arrival rate of each demand node in this band or hour (calls per hour).
    drive_time_s : (J, P) int array
        Drive seconds from each post to each demand node (access legs included).
    team_posts : sequence of int
        Post index (column of ``drive_time_s``) of each team on duty, in team-slot order
        (ties in drive time go to the lowest team index).
    standard_s : int
        Response standard, drive seconds (reached = drive <= standard).
    on_scene_mean_h : float
        Mean on-scene time (hours; the scenario's lognormal mean, an assumption).
    turnout_s : float
        Dispatch to wheels rolling (seconds; busy time, not in the standard).
    include_return_drive : bool
        Count the drive back to the post as busy time (default False: the team is
        dispatchable from its post once clear of the scene).
    return_drive_time_s : (J, P) array, optional
        Node-to-post drive seconds for the return (default: ``drive_time_s``).
    busy_time_h : float, optional
        A fixed busy time per call (hours); skips the fixed point.
    method : "auto" | "exact" | "approximate"
        ``auto``: exact chain for ``N <= exact_max_teams``, else Larson's loss approximation.
    busy_time_tol_h, max_busy_time_iterations
        Fixed-point tolerance (hours) and iteration cap.
    """
    lam = _check_arrivals(arrivals_per_h)
    d = np.asarray(drive_time_s)
    if d.ndim != 2 or d.shape[0] != lam.size:
        raise ModelError(
            f"evaluate: drive_time_s must be (nodes, posts) = ({lam.size}, P); got {d.shape}"
        )
    if d.size and (not np.all(np.isfinite(d)) or d.min() < 0):
        raise ModelError("evaluate: drive_time_s must be finite seconds >= 0")
    posts = tuple(int(p) for p in team_posts)
    if any(p < 0 or p >= d.shape[1] for p in posts):
        raise ModelError(
            f"evaluate: team_posts {posts} must index the {d.shape[1]} posts of drive_time_s"
        )
    if on_scene_mean_h <= 0 or turnout_s < 0:
        raise ModelError("evaluate: on_scene_mean_h must be > 0 and turnout_s >= 0")
    n = len(posts)
    chosen = _choose(method, n, exact_max_teams)
    team_d = d[:, list(posts)].astype(np.int64) if n else np.zeros((lam.size, 0), np.int64)
    team_r: NDArray[np.float64] | None = None
    if include_return_drive:
        ret = d if return_drive_time_s is None else np.asarray(return_drive_time_s)
        if ret.shape != d.shape:
            raise ModelError("evaluate: return_drive_time_s must have the shape of drive_time_s")
        team_r = ret[:, list(posts)].astype(np.float64)
    pref = preference_order(team_d) if n else np.zeros((lam.size, 0), np.int64)
    total = float(lam.sum())
    base_h = turnout_s / 3600.0 + on_scene_mean_h

    def busy_from(frac: NDArray[np.float64]) -> float:
        """Busy hours per call when calls are dispatched with fractions ``frac``."""
        drive = _mean_over_served(lam, frac, team_d)
        if math.isnan(drive):  # no arrivals: the busy time does not matter
            return base_h
        if team_r is not None:
            drive += _mean_over_served(lam, frac, team_r)
        return base_h + drive / 3600.0

    iterations = 0
    if n == 0:
        model = LossModel(chosen, np.zeros(0), np.zeros((lam.size, 0)), np.ones(lam.size), None)
        tau = base_h if busy_time_h is None else _check_busy_time(busy_time_h)
    else:
        solve = (_ExactChain(lam, pref) if chosen == EXACT else _Larson(lam, pref)).solve
        if busy_time_h is not None:
            tau = _check_busy_time(busy_time_h)
            model = solve(tau)
        else:
            # Start from every call going to its first choice (the zero-load dispatch).
            first = np.zeros(team_d.shape)
            np.put_along_axis(first, pref[:, :1], 1.0, axis=1)
            tau = busy_from(first)
            for iterations in range(1, max_busy_time_iterations + 1):  # noqa: B007
                model = solve(tau)
                new = busy_from(model.dispatch_fraction)
                if abs(new - tau) < busy_time_tol_h:
                    break  # report the busy time the model was solved with
                tau = new
            else:
                raise ModelError(
                    f"evaluate: busy-time fixed point did not converge in "
                    f"{max_busy_time_iterations} iterations"
                )

    covered = (team_d <= standard_s).astype(np.float64)
    reached_p = (model.dispatch_fraction * covered).sum(axis=1)
    if total > 0:
        served_share = float(lam @ (1.0 - model.lost_fraction)) / total
        reached_share = float(lam @ reached_p) / total
        mean_drive = _mean_over_served(lam, model.dispatch_fraction, team_d)
    else:
        served_share = reached_share = mean_drive = math.nan
    return HypercubeEvaluation(
        method=model.method,
        team_posts=posts,
        busy_probability=model.busy_probability,
        dispatch_fraction=model.dispatch_fraction,
        lost_fraction=model.lost_fraction,
        team_drive_time_s=team_d,
        preference=pref,
        reached_probability=reached_p,
        arrivals_per_h=lam,
        served_share=served_share,
        reached_share=reached_share,
        mean_drive_time_s=mean_drive,
        busy_time_h=float(tau),
        offered_load_erlangs=float(tau * total),
        standard_s=int(standard_s),
        busy_time_iterations=iterations,
        state_probability=model.state_probability,
    )


def _mean_over_served(lam: NDArray, frac: NDArray, values: NDArray) -> float:
    """Mean of ``values[j, i]`` over served calls (NaN when nothing is served)."""
    served = float(lam @ frac.sum(axis=1))
    return float(lam @ (frac * values).sum(axis=1)) / served if served > 0 else math.nan
