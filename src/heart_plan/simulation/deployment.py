"""What the simulator needs from a plan: teams on duty per hour, posts and bands
(:class:`Deployment`), and the travel functions it calls (:data:`TravelFn`,
:class:`MatrixTravel`).

Team slots and posts: slot ``k`` is on duty in hour-of-week ``h`` when
``k < teams_on_duty[h]``; its post in band ``b`` is slot ``k`` of the band's post list
(:meth:`Deployment.slot_posts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import ModelError
from heart_plan.plan import Plan

TravelFn = Callable[[np.ndarray, np.ndarray, str], np.ndarray]
"""``travel_s(from_nodes, to_nodes, band)``: element-wise drive times in integer seconds."""


@dataclass(frozen=True)
class Deployment:
    """What the simulator needs from a plan: teams per hour, posts and bands.

    ``post_bands[j] == ""`` means post ``j`` is used in every band.
    """

    teams_on_duty: tuple[int, ...]
    band_of_hour: tuple[str, ...]
    post_nodes: tuple[int, ...]
    post_bands: tuple[str, ...] = ()
    post_teams: tuple[int, ...] = ()
    site_ids: tuple[str, ...] = ()
    post_access_s: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.post_nodes)
        if not self.post_bands:
            object.__setattr__(self, "post_bands", ("",) * n)
        if not self.post_teams:
            object.__setattr__(self, "post_teams", (1,) * n)
        if not self.site_ids:
            object.__setattr__(self, "site_ids", tuple(f"post{j}" for j in range(n)))
        if not self.post_access_s:
            object.__setattr__(self, "post_access_s", (0,) * n)
        if len(self.teams_on_duty) != HOURS_PER_WEEK or len(self.band_of_hour) != HOURS_PER_WEEK:
            raise ModelError("deployment: teams_on_duty and band_of_hour need 168 values each")
        if any(t < 0 for t in self.teams_on_duty):
            raise ModelError("deployment: teams_on_duty must be >= 0")
        if not (
            len(self.post_bands) == len(self.post_teams) == len(self.site_ids) == n
            and len(self.post_access_s) == n
        ):
            raise ModelError(
                "deployment: post_nodes, post_bands, post_teams, site_ids, post_access_s differ"
            )
        for band in sorted({self.band_of_hour[h] for h in range(168) if self.teams_on_duty[h]}):
            if not any(b in ("", band) for b in self.post_bands):
                raise ModelError(
                    f"deployment: teams are on duty in band {band!r} but no post serves it; "
                    f"add a post with band {band!r} or band '' to the plan"
                )

    @classmethod
    def from_plan(cls, plan: Plan, band_of_hour: Sequence[str]) -> Deployment:
        """The deployment of a plan (``band_of_hour`` from ``scenario.network``)."""
        return cls(
            teams_on_duty=tuple(int(t) for t in plan.teams_on_duty),
            band_of_hour=tuple(band_of_hour),
            post_nodes=tuple(int(p.node_id) for p in plan.posts),
            post_bands=tuple(p.band for p in plan.posts),
            post_teams=tuple(max(int(p.teams), 1) for p in plan.posts),
            site_ids=tuple(p.site_id for p in plan.posts),
            post_access_s=tuple(round(p.access_s) for p in plan.posts),
        )

    @property
    def max_teams(self) -> int:
        """Largest number of teams on duty in any hour (the number of team slots)."""
        return max(self.teams_on_duty)

    def band_names(self) -> tuple[str, ...]:
        """Distinct bands in hour-of-week order of first appearance."""
        return tuple(dict.fromkeys(self.band_of_hour))

    def slot_posts(self, band: str) -> np.ndarray:
        """Post index of each team slot ``0 .. max_teams - 1`` in ``band`` (-1: no post)."""
        valid = [j for j, b in enumerate(self.post_bands) if b in ("", band)]
        order: list[int] = []
        for round_ in range(max((self.post_teams[j] for j in valid), default=0)):
            order.extend(j for j in valid if self.post_teams[j] > round_)
        k = self.max_teams
        if not order:
            return np.full(k, -1, dtype=np.int64)
        return np.array([order[s % len(order)] for s in range(k)], dtype=np.int64)


@dataclass(frozen=True)
class MatrixTravel:
    """A travel function from explicit per-band matrices indexed by node index.

    ``drive_time_s[band][i, j]`` is the drive time from node ``i`` to node ``j`` (seconds).
    """

    drive_time_s: dict[str, np.ndarray] = field(default_factory=dict)

    def __call__(self, from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        """Drive times (int s) from ``from_nodes`` to ``to_nodes`` in ``band``, element-wise."""
        return np.asarray(self.drive_time_s[band])[from_nodes, to_nodes].astype(np.int64)
