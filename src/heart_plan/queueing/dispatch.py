"""Dispatch priority between driving unit types (CRT, CoR): who serves which call.

Rule (``[dispatch] order`` in the scenario): a call meets the unit types in ``order``; the
first type that *takes* it (its nature is in the type's natures and its risk class is one
the type takes: CRT standard only, CoR higher-risk and standard), is on duty and has a team
free serves it; otherwise it goes to police (not reached by HEART).  Every type is a loss
system (no queue).  So with ``order = (crt, cor)``: a standard call goes to CRT, to CoR
when every CRT team is busy (or CRT is off duty), else police; a higher-risk call goes to
CoR (its own calls), else police.

Three pieces, from the most literal to the most aggregate:

* :func:`dispatch` - a pure, deterministic dispatcher for a toy list of calls with fixed
  busy times (hand-checkable; with random calls it is a small two-type simulation).
* :func:`exact_loss_network` - the exact steady state of the multi-type loss network with
  Poisson classes and exponential busy times (a product-state Markov chain; small only).
* :func:`overflow_approximation` - the analytic per-type approximation of issue 16: one
  loss model per driving type whose arrivals are the classes that reach it, i.e. its own
  calls plus the *overflow* (blocked calls) of the types before it in each class's order,
  treated as Poisson (a documented approximation: overflow is burstier than Poisson, so the
  approximation is slightly optimistic for the overflow's receiver), solved by fixed-point
  iteration on the blocking probabilities.  The per-type blocking model is Erlang B by
  default and can be replaced by any ``blocking(type_name, offered_per_h) -> share`` (e.g.
  a type's loss hypercube in the queue-aware evaluator).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from heart_plan.errors import ModelError
from heart_plan.staffing.erlang import erlang_b

#: The fallback of every call no HEART unit takes.
POLICE = "police"


@dataclass(frozen=True)
class UnitPool:
    """A driving unit type in the toy dispatcher: ``teams`` on duty during the daily hours
    ``[hours_start, hours_end)``, each busy ``busy_s`` per call; natures (``None`` = all)
    and the risk classes it takes.
    """

    name: str
    teams: int
    busy_s: float
    natures: frozenset[str] | None = None
    takes_standard: bool = True
    takes_higher_risk: bool = False
    hours_start: int = 0
    hours_end: int = 24

    def takes(self, nature: str, higher_risk: bool) -> bool:
        """Whether the type takes a call of this nature and risk class."""
        if self.natures is not None and nature not in self.natures:
            return False
        return self.takes_higher_risk if higher_risk else self.takes_standard

    def on_duty(self, time_s: float) -> bool:
        """On duty at ``time_s`` (seconds from Monday 00:00)?"""
        hour = int(time_s // 3600) % 24
        return self.hours_start <= hour < self.hours_end


@dataclass(frozen=True)
class ToyCall:
    """A call: id, arrival (s from Monday 00:00), nature, risk class; optional busy times
    (s) by unit type overriding the type's ``busy_s`` (e.g. random draws in a simulation).
    """

    call_id: str
    time_s: float
    nature: str
    higher_risk: bool = False
    busy_s_by_unit: Mapping[str, float] | None = None


@dataclass(frozen=True)
class Assignment:
    """Who served a call: ``unit`` (a type name or ``POLICE``), ``team`` (-1 for police),
    and why (``first choice``, ``fallback after <types>``, ``no HEART unit``).
    """

    call_id: str
    unit: str
    team: int
    reason: str


def dispatch(
    calls: Sequence[ToyCall], pools: Sequence[UnitPool], order: Sequence[str]
) -> tuple[Assignment, ...]:
    """Assign each call (in time order, ties by id) to a team by the priority rule.

    Within a type the free team with the lowest index serves; a team serving a call at
    ``t`` with busy time ``b`` is free again from ``t + b`` (free at exactly that time).
    """
    by_name = {p.name: p for p in pools}
    missing = [n for n in order if n not in by_name]
    if missing:
        raise ModelError(f"dispatch: order names {missing[0]!r}, which is not a unit pool")
    free_at = {p.name: [-math.inf] * p.teams for p in pools}
    out = []
    for call in sorted(calls, key=lambda c: (c.time_s, c.call_id)):
        skipped: list[str] = []
        chosen: Assignment | None = None
        for name in order:
            pool = by_name[name]
            if not pool.takes(call.nature, call.higher_risk) or not pool.on_duty(call.time_s):
                continue
            teams = free_at[name]
            free = [i for i, t in enumerate(teams) if t <= call.time_s]
            if not free:
                skipped.append(name)
                continue
            team = free[0]
            busy = pool.busy_s
            if call.busy_s_by_unit is not None and name in call.busy_s_by_unit:
                busy = call.busy_s_by_unit[name]
            teams[team] = call.time_s + busy
            reason = "first choice" if not skipped else f"fallback after {'+'.join(skipped)} busy"
            chosen = Assignment(call.call_id, name, team, reason)
            break
        if chosen is None:
            why = f"{'+'.join(skipped)} busy" if skipped else "no HEART unit"
            chosen = Assignment(call.call_id, POLICE, -1, why)
        out.append(chosen)
    return tuple(out)


# ----------------------------------------------------------------------------- analytic


@dataclass(frozen=True)
class CallClass:
    """Poisson calls (per hour) that meet the driving types ``order`` in turn (only the
    types that take them and are on duty; empty: straight to police).
    """

    name: str
    arrivals_per_h: float
    order: tuple[str, ...]


@dataclass(frozen=True)
class TypeCapacity:
    """A driving type in one hour: teams on duty and mean busy hours per call."""

    name: str
    teams: int
    busy_h: float


@dataclass(frozen=True)
class LossNetworkResult:
    """Calls per hour served by each type, per class, and police (exact or approximate).

    ``served_per_h[class][type]``; ``offered_per_h[type]`` (its own plus overflow arrivals);
    ``blocking[type]``: the share of the calls reaching it that find every team busy.
    """

    served_per_h: dict[str, dict[str, float]]
    police_per_h: dict[str, float]
    offered_per_h: dict[str, float]
    blocking: dict[str, float]
    method: str
    iterations: int = 0
    notes: tuple[str, ...] = field(default=())

    def served_share(self, classes: Sequence[CallClass]) -> float:
        """Share of all calls served by some HEART type."""
        total = sum(c.arrivals_per_h for c in classes)
        served = sum(sum(v.values()) for v in self.served_per_h.values())
        return served / total if total else math.nan

    def type_served_per_h(self, type_name: str) -> float:
        """Calls per hour served by one type (all classes)."""
        return sum(v.get(type_name, 0.0) for v in self.served_per_h.values())


def _check_network(classes: Sequence[CallClass], types: Sequence[TypeCapacity]) -> None:
    names = {t.name for t in types}
    for c in classes:
        if c.arrivals_per_h < 0 or not math.isfinite(c.arrivals_per_h):
            raise ModelError(f"call class {c.name!r}: arrivals must be finite and >= 0")
        bad = [n for n in c.order if n not in names]
        if bad:
            raise ModelError(f"call class {c.name!r}: order names unknown type {bad[0]!r}")
    for t in types:
        if t.teams < 0 or not t.busy_h > 0:
            raise ModelError(f"type {t.name!r}: need teams >= 0 and busy_h > 0")


def overflow_approximation(
    classes: Sequence[CallClass],
    types: Sequence[TypeCapacity],
    *,
    blocking: Callable[[str, float], float] | None = None,
    tolerance: float = 1e-12,
    max_iterations: int = 500,
) -> LossNetworkResult:
    """One loss model per type with the overflow of earlier types added (see module).

    Fixed point: with blocking ``b_u`` of each type, a class with order ``(u1, u2, ...)``
    offers ``lambda prod_{v before u} b_v`` to ``u``; ``b_u = blocking(u, offered_u)``
    (Erlang B ``B(c_u, offered_u x busy_u)`` by default).  Iterated from ``b = 0`` until no
    ``b_u`` moves by more than ``tolerance``.
    """
    _check_network(classes, types)
    by_name = {t.name: t for t in types}

    def erlang(name: str, offered_per_h: float) -> float:
        t = by_name[name]
        return erlang_b(t.teams, offered_per_h * t.busy_h)

    block_fn = blocking or erlang
    b = {t.name: 0.0 for t in types}
    offered: dict[str, float] = {}
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported)
        offered = {t.name: 0.0 for t in types}
        for c in classes:
            reach = c.arrivals_per_h
            for u in c.order:
                offered[u] += reach
                reach *= b[u]
        new_b = {u: block_fn(u, offered[u]) for u in b}
        moved = max((abs(new_b[u] - b[u]) for u in b), default=0.0)
        b = new_b
        if moved <= tolerance:
            break
    else:
        raise ModelError(f"overflow_approximation: no fixed point after {max_iterations} steps")
    served: dict[str, dict[str, float]] = {}
    police: dict[str, float] = {}
    for c in classes:
        reach = c.arrivals_per_h
        served[c.name] = {}
        for u in c.order:
            served[c.name][u] = reach * (1.0 - b[u])
            reach *= b[u]
        police[c.name] = reach
    return LossNetworkResult(
        served, police, offered, b, "overflow approximation", iterations,
        ("overflow treated as Poisson; each type an independent loss model",),
    )  # fmt: skip


def exact_loss_network(
    classes: Sequence[CallClass], types: Sequence[TypeCapacity], *, max_states: int = 20_000
) -> LossNetworkResult:
    """Exact steady state of the loss network (Poisson classes, exponential busy times of
    mean ``busy_h`` per type): the Markov chain on (busy teams of each type).
    """
    _check_network(classes, types)
    sizes = [t.teams + 1 for t in types]
    n_states = int(np.prod(sizes)) if sizes else 1
    if n_states > max_states:
        raise ModelError(
            f"exact_loss_network: {n_states} states > {max_states}; use the approximation"
        )
    states = list(itertools.product(*(range(s) for s in sizes)))
    index = {s: i for i, s in enumerate(states)}
    pos = {t.name: k for k, t in enumerate(types)}
    q = np.zeros((n_states, n_states))
    # route[state][class] = the type index serving an arrival of the class (or -1)
    route = np.full((n_states, len(classes)), -1, dtype=int)
    for i, s in enumerate(states):
        for ci, c in enumerate(classes):
            for u in c.order:
                k = pos[u]
                if s[k] < types[k].teams:
                    route[i, ci] = k
                    target = list(s)
                    target[k] += 1
                    q[i, index[tuple(target)]] += c.arrivals_per_h
                    break
        for k, t in enumerate(types):
            if s[k] > 0:
                target = list(s)
                target[k] -= 1
                q[i, index[tuple(target)]] += s[k] / t.busy_h
        q[i, i] = -q[i].sum()
    a = np.vstack([q.T[:-1], np.ones(n_states)])
    rhs = np.zeros(n_states)
    rhs[-1] = 1.0
    pi = linalg.solve(a, rhs)
    served: dict[str, dict[str, float]] = {}
    police: dict[str, float] = {}
    offered = {t.name: 0.0 for t in types}
    blocked_at = {t.name: 0.0 for t in types}
    for ci, c in enumerate(classes):
        served[c.name] = {u: 0.0 for u in c.order}
        police[c.name] = 0.0
        for i in range(n_states):
            k = route[i, ci]
            if k >= 0:
                served[c.name][types[k].name] += pi[i] * c.arrivals_per_h
            else:
                police[c.name] += pi[i] * c.arrivals_per_h
            for u in c.order:  # the types this arrival reached (up to the server)
                offered[u] += pi[i] * c.arrivals_per_h
                if k >= 0 and types[k].name == u:
                    break
                blocked_at[u] += pi[i] * c.arrivals_per_h
    block = {u: blocked_at[u] / offered[u] if offered[u] else 0.0 for u in offered}
    return LossNetworkResult(served, police, offered, block, "exact")


def call_classes_for_hour(
    arrivals_per_h_by_nature: Mapping[str, float],
    higher_risk_share: float,
    pools: Sequence[UnitPool],
    order: Sequence[str],
    hour_of_day: int,
) -> tuple[CallClass, ...]:
    """The call classes of one hour: every nature x risk class with its rate and the types
    in ``order`` that take it and are on duty at ``hour_of_day``.
    """
    by_name = {p.name: p for p in pools}
    out = []
    for nature, rate in sorted(arrivals_per_h_by_nature.items()):
        for risk, share in ((False, 1.0 - higher_risk_share), (True, higher_risk_share)):
            if share <= 0:
                continue
            takers = tuple(
                n
                for n in order
                if by_name[n].takes(nature, risk) and by_name[n].on_duty(hour_of_day * 3600.0)
            )
            out.append(
                CallClass(f"{nature}|{'higher' if risk else 'standard'}", rate * share, takers)
            )
    return tuple(out)
