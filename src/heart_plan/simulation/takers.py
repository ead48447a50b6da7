"""Which driving unit types take each call of a trace, in dispatch order (issue 16).

* **Risk class.** The data has no weapon or violence flags, so a call is *higher-risk* by a
  deterministic seeded draw (ASSUMPTION, ``[dispatch] higher_risk_share``): call ``c`` is
  higher-risk when ``u(seed, call_id) < share``, with ``u`` the first 8 bytes of
  ``blake2b(f"{seed}:{call_id}")`` over ``2**64`` (uniform on [0, 1)).  The flag depends
  only on the call's id and the seed (not on its position in the trace or on the plan), so
  every plan and replication sees the same risk class for the same call.
* **Takers.** A call's types are the driving (``role = "field"``) types of
  ``Scenario.dispatch_order()`` that take its nature and risk class
  (``Scenario.unit_takes``), in that order: the rule of :mod:`heart_plan.queueing.dispatch`.
  Phone units (CCD) are not in the list: they resolve by phone before dispatch and are
  modelled by the caller, never counted as reached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from heart_plan.config import Scenario
from heart_plan.errors import ModelError


def higher_risk_flags(call_ids: Sequence[str] | np.ndarray, share: float, seed: int) -> np.ndarray:
    """``(calls,)`` bool: the call is higher-risk (module docstring: a seeded draw per id)."""
    if not 0.0 <= share <= 1.0:
        raise ModelError(f"higher_risk_flags: share must be in [0, 1], got {share}")
    draws = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(f"{seed}:{c}".encode(), digest_size=8).digest(), "big")
            / 2.0**64
            for c in call_ids
        ),
        dtype=np.float64,
        count=len(call_ids),
    )
    return draws < share


def field_units(scenario: Scenario) -> tuple[str, ...]:
    """The driving unit types in dispatch order (``role = "field"``)."""
    return tuple(n for n in scenario.dispatch_order() if scenario.units[n].role == "field")


def call_takers(
    natures: Sequence[str] | np.ndarray,
    higher_risk: np.ndarray,
    scenario: Scenario,
    units: Sequence[str],
) -> np.ndarray:
    """``(calls, len(units))`` int8: per call, the indices into ``units`` of the types that
    take it, in ``units`` order (dispatch order), ``-1`` padding.
    """
    nat = np.asarray(natures).astype(str)
    risk = np.asarray(higher_risk, dtype=bool)
    if nat.shape != risk.shape:
        raise ModelError("call_takers: natures and higher_risk differ in length")
    out = np.full((nat.size, max(len(units), 1)), -1, dtype=np.int8)
    fill = np.zeros(nat.size, dtype=np.int64)
    for u, name in enumerate(units):
        for hr in (False, True):
            taken = [n for n in set(nat.tolist()) if scenario.unit_takes(name, n, hr)]
            mask = np.isin(nat, taken) & (risk == hr)
            out[mask, fill[mask]] = u
            fill[mask] += 1
    return out
