"""Results of a joint simulation of several driving unit types (CRT, CoR; issue 16).

:func:`heart_plan.simulation.engine.simulate_units` fills one :class:`JointSimulationResult`:
per replication and call the reason (``JOINT_REASONS``: the one-type reasons plus
``not_taken``, no HEART type takes the call's nature and risk class), the serving type's
index (``unit``, -1 none), its team slot, drive and clear times.  Measures (CONVENTIONS.md):
*served* by some type, *reached* = served with drive time within the standard; each is
summarized over replications as mean and 95% CI (:func:`heart_plan.simulation.results.
mean_ci`).  A type's *unit-eligible* calls are those whose ``takers`` row lists it (its
natures and risk classes, in or out of its hours and area), the denominator of
``reached_share_of_unit_eligible``.  The headline ``reached_share`` counts calls reached by
any driving type over every call of the trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from heart_plan.errors import ModelError
from heart_plan.simulation.results import (
    REASONS,
    SECONDS_PER_YEAR,
    CallOutcomes,
    Estimate,
    mean_ci,
)

if TYPE_CHECKING:
    from heart_plan.simulation.trace import CallTrace

JOINT_REASONS = (*REASONS, "not_taken")


@dataclass(frozen=True, eq=False)
class JointSimulationResult(CallOutcomes):
    """Outcomes of every call in every replication (arrays ``(replications, calls)``).

    ``takers`` ``(calls, T)``: fleet indices taking each call in dispatch order (-1
    padding); ``on_duty_s_by_unit``: team-seconds on duty of each type over the horizon.
    """

    trace: CallTrace
    unit_names: tuple[str, ...]
    takers: np.ndarray
    reason: np.ndarray
    unit: np.ndarray
    team: np.ndarray
    drive_s: np.ndarray
    clear_s: np.ndarray
    on_duty_s_by_unit: tuple[float, ...]
    standard_s: int
    seed: int
    #: ``(replications, calls)`` presence mask (``None``: every call in every replication);
    #: an absent call is in no denominator.
    present: np.ndarray | None = None

    def index_of(self, name: str) -> int:
        """Fleet index of unit type ``name``."""
        if name not in self.unit_names:
            raise ModelError(f"joint simulation has no unit {name!r}; units: {self.unit_names}")
        return self.unit_names.index(name)

    def unit_eligible(self, name: str) -> np.ndarray:
        """``(calls,)`` bool: the calls unit ``name`` takes (its natures and risk classes)."""
        return (self.takers == self.index_of(name)).any(axis=1)

    def reached_share(self) -> Estimate:
        """Calls reached by any driving type / every call of the trace (the headline)."""
        return _share_estimate(self.reached, np.ones(len(self.trace), dtype=bool), self.present)

    def served_share(self) -> Estimate:
        """Calls served by any driving type / every call of the trace."""
        return _share_estimate(self.served, np.ones(len(self.trace), dtype=bool), self.present)

    def reached_share_of_unit_eligible(self, name: str) -> Estimate:
        """Calls reached *by unit* ``name`` / the calls it takes."""
        by = self.reached & (self.unit == self.index_of(name))
        return _share_estimate(by, self.unit_eligible(name), self.present)

    def served_share_of_unit_eligible(self, name: str) -> Estimate:
        """Calls served *by unit* ``name`` / the calls it takes."""
        by = self.served & (self.unit == self.index_of(name))
        return _share_estimate(by, self.unit_eligible(name), self.present)

    def reached_calls_per_year(self, name: str) -> Estimate:
        """Calls reached by unit ``name`` per year (365 days / horizon)."""
        years = self.trace.horizon_s / SECONDS_PER_YEAR
        by = self.reached & (self.unit == self.index_of(name))
        return mean_ci(by.sum(axis=1) / years)

    def utilization(self, name: str) -> Estimate:
        """Busy team-time (dispatch to clear) / on-duty team-time of unit ``name``."""
        u = self.index_of(name)
        on = self.on_duty_s_by_unit[u]
        mine = self.served & (self.unit == u)
        busy = np.where(mine, self.clear_s - self.trace.t_s[None, :], 0.0).sum(axis=1)
        return mean_ci(busy / on if on else np.full(self.replications, np.nan))

    def by_unit(self) -> pd.DataFrame:
        """One row per unit type: eligible calls, served and reached shares of them (mean
        and 95% CI), reached calls per year, utilization.
        """
        rows = []
        for name in self.unit_names:
            reached = self.reached_share_of_unit_eligible(name)
            served = self.served_share_of_unit_eligible(name)
            rows.append(
                {
                    "unit": name,
                    "unit_eligible_calls": int(self.unit_eligible(name).sum()),
                    "served_share_of_unit_eligible": served.mean,
                    "reached_share_of_unit_eligible": reached.mean,
                    "reached_share_of_unit_eligible_ci_low": reached.ci_low,
                    "reached_share_of_unit_eligible_ci_high": reached.ci_high,
                    "reached_calls_per_year": self.reached_calls_per_year(name).mean,
                    "utilization": self.utilization(name).mean,
                }
            )
        return pd.DataFrame(rows)

    def missed_by_reason(self) -> pd.DataFrame:
        """Mean share of all calls per reason (``JOINT_REASONS``)."""
        n = max(len(self.trace), 1)
        return pd.DataFrame(
            [
                {"reason": name, "share_mean": float((self.reason == code).sum(axis=1).mean() / n)}
                for code, name in enumerate(JOINT_REASONS)
            ]
        )


def _share_estimate(hit: np.ndarray, among: np.ndarray, present: np.ndarray | None) -> Estimate:
    """Per replication: ``hit`` calls among the present ``among`` calls / those calls."""
    mask = np.broadcast_to(among[None, :], hit.shape)
    mask = mask if present is None else mask & present
    total = mask.sum(axis=1)
    if not total.any():
        return mean_ci(np.full(hit.shape[0], np.nan))
    share = np.divide((hit & mask).sum(axis=1), total, out=np.full(len(total), np.nan),
                      where=total > 0)  # fmt: skip
    return mean_ci(share)
