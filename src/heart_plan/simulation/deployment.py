"""What the simulator needs from a plan: teams on duty per hour, posts and bands
(:class:`Deployment`), and the travel functions it calls (:data:`TravelFn`,
:class:`MatrixTravel`).

Team slots and posts: slot ``s`` is on duty in hour-of-week ``h`` when
``s < teams_on_duty[h]``; with ``k = teams_on_duty[h]`` teams on duty in band ``b``, its post
is slot ``s`` of the post set for ``(b, k)`` (:meth:`Deployment.slot_posts`; the rule of
:func:`heart_plan.plan.slot_post_indices`): the explicit set ``(b, k)``, else ``("", k)``,
else the legacy prefix rule over the team-count-0 posts valid in ``b``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from heart_plan.config import HOURS_PER_WEEK
from heart_plan.errors import ModelError
from heart_plan.plan import Plan, slot_post_indices

TravelFn = Callable[[np.ndarray, np.ndarray, str], np.ndarray]
"""``travel_s(from_nodes, to_nodes, band)``: element-wise drive times in integer seconds."""


@dataclass(frozen=True)
class Deployment:
    """What the simulator needs from a plan: teams per hour, posts and bands.

    One value per post in ``post_*`` and ``site_ids``: ``post_bands[j] == ""`` means post
    ``j`` serves every band; ``post_team_counts[j]`` is the ``k`` (teams on duty) of the
    post set it belongs to, 0 = legacy "any k" post (prefix rule); ``post_access_s`` is
    the site <-> road node drive (s).  Defaults: every band, 1 team, team count 0, access 0.

    Raises ``ModelError`` when an explicit set's teams do not sum to its ``k``, or when
    ``k > 0`` teams are on duty in an hour of a band that no post set serves for ``k``.
    """

    teams_on_duty: tuple[int, ...]
    band_of_hour: tuple[str, ...]
    post_nodes: tuple[int, ...]
    post_bands: tuple[str, ...] = ()
    post_teams: tuple[int, ...] = ()
    site_ids: tuple[str, ...] = ()
    post_access_s: tuple[int, ...] = ()
    post_team_counts: tuple[int, ...] = ()

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
        if not self.post_team_counts:
            object.__setattr__(self, "post_team_counts", (0,) * n)
        if len(self.teams_on_duty) != HOURS_PER_WEEK or len(self.band_of_hour) != HOURS_PER_WEEK:
            raise ModelError("deployment: teams_on_duty and band_of_hour need 168 values each")
        if any(t < 0 for t in self.teams_on_duty):
            raise ModelError("deployment: teams_on_duty must be >= 0")
        if not (
            len(self.post_bands) == len(self.post_teams) == len(self.site_ids) == n
            and len(self.post_access_s) == len(self.post_team_counts) == n
        ):
            raise ModelError(
                "deployment: post_nodes, post_bands, post_teams, site_ids, post_access_s, "
                "post_team_counts differ in length"
            )
        if any(c < 0 for c in self.post_team_counts):
            raise ModelError("deployment: post_team_counts must be >= 0 (0 = any k)")
        sums: dict[tuple[str, int], int] = {}
        for b, t, c in zip(self.post_bands, self.post_teams, self.post_team_counts, strict=True):
            if c:
                sums[(b, c)] = sums.get((b, c), 0) + max(t, 1)
        for (b, c), total in sums.items():
            if total != c:
                raise ModelError(
                    f"deployment: the post set for band {b!r} and {c} teams has teams "
                    f"summing to {total}; a set for k teams must post exactly k"
                )
        needed = dict.fromkeys(
            (self.band_of_hour[h], self.teams_on_duty[h])
            for h in range(HOURS_PER_WEEK)
            if self.teams_on_duty[h]
        )
        for band, k in sorted(needed):
            if not self.has_post_set(band, k):
                raise ModelError(
                    f"deployment: {k} teams are on duty in band {band!r} but no post serves "
                    f"it with {k} teams; add a post set for ({band!r}, {k}) or ('', {k}) "
                    f"whose teams sum to {k} (or regenerate the plan)"
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
            post_team_counts=tuple(int(p.team_count) for p in plan.posts),
        )

    @property
    def max_teams(self) -> int:
        """Largest number of teams on duty in any hour (the number of team slots)."""
        return max(self.teams_on_duty)

    def band_names(self) -> tuple[str, ...]:
        """Distinct bands in hour-of-week order of first appearance."""
        return tuple(dict.fromkeys(self.band_of_hour))

    def team_counts_on_duty(self, band: str) -> tuple[int, ...]:
        """Distinct ``k > 0`` teams on duty in the hours of ``band``, ascending."""
        return tuple(
            sorted(
                {
                    self.teams_on_duty[h]
                    for h in range(HOURS_PER_WEEK)
                    if self.band_of_hour[h] == band and self.teams_on_duty[h]
                }
            )
        )

    def has_post_set(self, band: str, k: int) -> bool:
        """Whether a post set (explicit or by the prefix rule) serves ``k`` teams in ``band``."""
        return self._slots(band, k) is not None

    def slot_posts(self, band: str, k: int) -> np.ndarray:
        """Post index of team slots ``0 .. k-1`` when ``k`` teams are on duty in ``band``.

        Parameters
        ----------
        band : str
            The band of the hour.
        k : int
            Teams on duty (>= 0).

        Returns
        -------
        (k,) int64 array
            The post of each slot (module docstring); all ``-1`` when no post set serves
            ``(band, k)`` (never for an on-duty hour of a valid deployment).
        """
        slots = self._slots(band, k)
        if slots is None:
            return np.full(max(k, 0), -1, dtype=np.int64)
        return np.array(slots, dtype=np.int64)

    def largest_slot_posts(self, band: str) -> np.ndarray:
        """Slots of the largest post set of ``band``: ``slot_posts(band, k)`` for the
        largest ``k <= max_teams`` with a set (empty when it has none).
        """
        for k in range(self.max_teams, 0, -1):
            if self.has_post_set(band, k):
                return self.slot_posts(band, k)
        return np.zeros(0, dtype=np.int64)

    def covered_posts(self, band: str) -> np.ndarray:
        """Posts counted for the spatial *covered* measure in ``band`` (sorted indices).

        The posts staffed in some hour of the band: the union of the sets for every ``k``
        on duty in the band's hours (with nested sets, as by the prefix rule, that is the
        band's largest staffed set).  The union rather than the largest set alone keeps
        *covered in hours* (the staffed posts of the hour) within *covered* when sets are
        not nested.  A band with no team on duty in any hour uses every set it has for
        ``k = 1 .. max_teams`` (covered ignores hours).
        """
        ks = self.team_counts_on_duty(band) or tuple(range(1, self.max_teams + 1))
        used = {j for k in ks for j in (self._slots(band, k) or ())}
        return np.array(sorted(used), dtype=np.int64)

    def _slots(self, band: str, k: int) -> list[int] | None:
        return slot_post_indices(self.post_bands, self.post_teams, self.post_team_counts, band, k)


@dataclass(frozen=True)
class MatrixTravel:
    """A travel function from explicit per-band matrices indexed by node index.

    ``drive_time_s[band][i, j]`` is the drive time from node ``i`` to node ``j`` (seconds).
    """

    drive_time_s: dict[str, np.ndarray] = field(default_factory=dict)

    def __call__(self, from_nodes: np.ndarray, to_nodes: np.ndarray, band: str) -> np.ndarray:
        """Drive times (int s) from ``from_nodes`` to ``to_nodes`` in ``band``, element-wise."""
        return np.asarray(self.drive_time_s[band])[from_nodes, to_nodes].astype(np.int64)
