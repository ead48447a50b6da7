"""Waiting-line queues for phone units: Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm).

Phone work *waits* (a caller holds for a clinician or a call-taker), unlike the field
units, which are loss systems (:mod:`heart_plan.staffing.erlang`, Erlang B).  Notation:
``n`` servers, arrivals Poisson at rate ``lambda`` (per second), exponential handle times
with mean ``1/mu`` (s), offered load ``a = lambda / mu`` erlangs, ``rho = a / n``.

**Erlang C** (infinitely patient callers; stable only for ``a < n``):

    C(n, a) = P(W > 0) = n B / (n - a (1 - B)),    B = Erlang B(n, a)
    P(W <= t) = 1 - C(n, a) exp(-(n mu - lambda) t)

For ``a >= n`` the queue grows without bound: ``P(W > 0) = 1`` and no call is answered within
any finite ``t`` in steady state (reported as 0).

**Erlang A** (Palm 1943; Garnett, Mandelbaum & Reiman 2002): callers abandon after an
exponential patience with mean ``1/theta`` (s); always stable.  With ``x = n mu / theta``,
``y = lambda / theta``, ``gamma(x, y)`` the lower incomplete gamma function and

    A(x, y) = x e^y gamma(x, y) / y^x = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k),
    P(W > 0) = A B / (1 + (A - 1) B),
    P(Ab)    = P(W > 0) (1 / (rho A) + 1 - 1 / rho),
    E[W]     = P(Ab) / theta                  (Little's law on the abandonment flow).

A caller who finds every server busy would reach one after the *virtual wait* ``V`` with
``P(V > t | V > 0) = gamma(x, y e^{-theta t}) / gamma(x, y)``, and is answered if ``V`` is
shorter than its patience, so the share of *all* arriving calls answered within ``t`` is

    SL(t) = P(W = 0) + P(W > 0) (gamma(x+1, y) - gamma(x+1, y e^{-theta t})) / (y gamma(x, y)),

whose limit ``t -> inf`` is ``1 - P(Ab)`` (the GMR formula above; the two agree exactly).
The tests check every formula against a brute-force truncated birth-death chain.

Incomplete gammas are evaluated in logs (``scipy.special.gammainc`` where ``z > x``, the
series ``gamma(x, z) = z^x e^{-z} sum_k z^k / (x (x+1) ... (x+k))`` otherwise) so large
call centers neither overflow nor underflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from heart_plan.errors import ModelError
from heart_plan.staffing.erlang import erlang_b

#: Seconds per hour (arrival rates are given per hour, times in seconds).
S_PER_H = 3600.0


def _check(servers: int, arrivals_per_h: float, handle_mean_s: float) -> None:
    if servers < 0:
        raise ModelError(f"erlang: servers must be >= 0, got {servers}")
    if not math.isfinite(arrivals_per_h) or arrivals_per_h < 0:
        raise ModelError(
            f"erlang: arrivals per hour must be finite and >= 0, got {arrivals_per_h!r}"
        )
    if not math.isfinite(handle_mean_s) or handle_mean_s <= 0:
        raise ModelError(f"erlang: handle time must be finite and > 0 s, got {handle_mean_s!r}")


def erlang_c(servers: int, offered_load_erlangs: float) -> float:
    """Probability of waiting ``C(n, a)`` in an M/M/n queue (1.0 when ``a >= n``).

    Parameters
    ----------
    servers
        Servers ``n`` (>= 0).
    offered_load_erlangs
        ``a = lambda / mu`` (>= 0).
    """
    n = int(servers)
    a = float(offered_load_erlangs)
    if n < 0 or not math.isfinite(a) or a < 0:
        raise ModelError(f"erlang_c: need servers >= 0 and a finite load >= 0, got {n}, {a!r}")
    if a == 0.0:
        return 0.0 if n > 0 else 1.0
    if a >= n:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


def _log_lower_gamma(x: float, z: float) -> float:
    """``log gamma(x, z)`` (lower incomplete gamma, not regularized) for ``x, z > 0``."""
    if z > x:
        return float(special.gammaln(x) + math.log(special.gammainc(x, z)))
    term = 1.0 / x
    total = term
    k = 0
    while term > 1e-17 * total:
        k += 1
        term *= z / (x + k)
        total += term
    return x * math.log(z) - z + math.log(total)


@dataclass(frozen=True)
class QueueMeasures:
    """Steady-state measures of one M/M/n (+M) queue (one hour of the week).

    ``patience_mean_s`` is ``inf`` for Erlang C.  Shares are of all arriving calls.
    """

    servers: int
    arrivals_per_h: float
    handle_mean_s: float
    patience_mean_s: float
    wait_probability: float
    abandon_probability: float
    mean_wait_s: float

    @property
    def offered_load_erlangs(self) -> float:
        """``a = lambda / mu``."""
        return self.arrivals_per_h / S_PER_H * self.handle_mean_s

    @property
    def answered_share(self) -> float:
        """Share of calls answered at all (``1 - P(Ab)``)."""
        return 1.0 - self.abandon_probability

    @property
    def occupancy(self) -> float:
        """Mean share of time a server is busy (carried load / n; 1 when overloaded)."""
        if self.servers == 0:
            return 0.0
        return min(1.0, self.offered_load_erlangs * self.answered_share / self.servers)

    def answered_within_share(self, within_s: float) -> float:
        """Share of all arriving calls answered within ``within_s`` seconds (see module)."""
        if within_s < 0 or math.isnan(within_s):
            raise ModelError(f"answered_within_share: within_s must be >= 0, got {within_s!r}")
        n, lam = self.servers, self.arrivals_per_h / S_PER_H
        mu = 1.0 / self.handle_mean_s
        if lam == 0.0:
            return 1.0
        if n == 0:
            return 0.0
        p_wait = self.wait_probability
        if math.isinf(self.patience_mean_s):  # Erlang C
            if lam >= n * mu:
                return 0.0
            return 1.0 - p_wait * math.exp(-(n * mu - lam) * within_s)
        theta = 1.0 / self.patience_mean_s
        x, y = n * mu / theta, lam / theta
        log_den = math.log(y) + _log_lower_gamma(x, y)
        upper = math.exp(_log_lower_gamma(x + 1.0, y) - log_den)
        z = y * math.exp(-theta * within_s)
        lower = math.exp(_log_lower_gamma(x + 1.0, z) - log_den) if z > 0 else 0.0
        return (1.0 - p_wait) + p_wait * max(0.0, upper - lower)


def erlang_c_measures(servers: int, arrivals_per_h: float, handle_mean_s: float) -> QueueMeasures:
    """:class:`QueueMeasures` of an M/M/n queue (Erlang C; callers never abandon).

    ``mean_wait_s = C / (n mu - lambda)`` (``inf`` when overloaded).
    """
    _check(servers, arrivals_per_h, handle_mean_s)
    lam, mu = arrivals_per_h / S_PER_H, 1.0 / handle_mean_s
    c = erlang_c(servers, lam / mu)
    if lam == 0.0:
        wait = 0.0
    elif lam >= servers * mu:
        wait = math.inf
    else:
        wait = c / (servers * mu - lam)
    return QueueMeasures(servers, arrivals_per_h, handle_mean_s, math.inf, c, 0.0, wait)


def erlang_a_measures(
    servers: int, arrivals_per_h: float, handle_mean_s: float, patience_mean_s: float
) -> QueueMeasures:
    """:class:`QueueMeasures` of an M/M/n+M queue (Erlang A; see the module formulas).

    Parameters
    ----------
    servers
        Servers ``n`` on duty (>= 0; with 0 every call abandons).
    arrivals_per_h
        Poisson arrival rate, calls per hour.
    handle_mean_s
        Mean handle time ``1/mu`` (s).
    patience_mean_s
        Mean patience ``1/theta`` (s, > 0; ``inf`` gives Erlang C).
    """
    _check(servers, arrivals_per_h, handle_mean_s)
    if math.isinf(patience_mean_s):
        return erlang_c_measures(servers, arrivals_per_h, handle_mean_s)
    if not patience_mean_s > 0 or math.isnan(patience_mean_s):
        raise ModelError(f"erlang_a: patience must be > 0 s, got {patience_mean_s!r}")
    lam, mu, theta = arrivals_per_h / S_PER_H, 1.0 / handle_mean_s, 1.0 / patience_mean_s
    if lam == 0.0:
        return QueueMeasures(servers, arrivals_per_h, handle_mean_s, patience_mean_s, 0, 0, 0)
    if servers == 0:
        return QueueMeasures(
            0, arrivals_per_h, handle_mean_s, patience_mean_s, 1.0, 1.0, patience_mean_s
        )
    n = servers
    x, y = n * mu / theta, lam / theta
    b = erlang_b(n, lam / mu)
    log_a = math.log(x) + y + _log_lower_gamma(x, y) - x * math.log(y)
    if b == 0.0:
        p_wait = 0.0
    else:
        # P(W>0) = 1 / (1 + (1/B - 1) / A), in logs.
        log_ratio = math.log1p(-b) - math.log(b) - log_a if b < 1.0 else -math.inf
        p_wait = 1.0 / (1.0 + math.exp(min(log_ratio, 700.0)))
    rho = lam / (n * mu)
    inv_rho_a = math.exp(-math.log(rho) - log_a)
    p_ab = min(1.0, max(0.0, p_wait * (inv_rho_a + 1.0 - 1.0 / rho)))
    return QueueMeasures(
        n, arrivals_per_h, handle_mean_s, patience_mean_s, p_wait, p_ab, p_ab / theta
    )


def servers_needed(
    arrivals_per_h: float,
    handle_mean_s: float,
    patience_mean_s: float,
    *,
    answer_within_s: float,
    service_level: float,
    max_servers: int = 1000,
) -> int:
    """Fewest servers whose share of calls answered within ``answer_within_s`` is at least
    ``service_level`` (Erlang A; Erlang C when ``patience_mean_s`` is ``inf``); 0 when no
    calls arrive.  Raises ``ModelError`` if more than ``max_servers`` would be needed.
    """
    if not 0.0 < service_level < 1.0:
        raise ModelError(f"servers_needed: service level must be in (0, 1), got {service_level!r}")
    if arrivals_per_h == 0:
        return 0
    for n in range(1, max_servers + 1):
        m = erlang_a_measures(n, arrivals_per_h, handle_mean_s, patience_mean_s)
        if m.answered_within_share(answer_within_s) >= service_level - 1e-12:
            return n
    raise ModelError(
        f"servers_needed: more than {max_servers} servers for {arrivals_per_h:.3g} calls/h at "
        f"{service_level:.0%} within {answer_within_s:g} s; with abandonment the level may be "
        f"unreachable (lower it or raise the patience)"
    )
