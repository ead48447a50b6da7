"""The plan file (``plan.json``): the contract between placement, shifts, simulation,
maps and report.

A plan is a pure value: where teams are posted, in which beats HEART operates, and how
many teams are on duty in each of the 168 hour-of-week bins (bin 0 = Monday 00:00 local).
Commands that refine a plan read one file and write a new one in their ``--out``; the input
file is never modified.

Schema (``schema_version`` 2)::

    schema_version      int            2
    scenario            {"name": str, "sha256": str}
    command             str            the command line that made the plan
    unit_type           str            "crt"
    service_area_beats  [str]          beat ids (strings)
    time_bands          {name: {"speed_factor": float, "bins": [int]}}
    posts               {band: {k: [{"site_id", "node_id", "lon", "lat", "teams",
                                     "access_s"}]}}
                        one post set per band and team count: ``posts[band][k]`` lists,
                        in staffing order, where the ``k`` teams on duty in an hour of
                        ``band`` are posted; its ``teams`` (integers >= 1) sum to ``k``.
                        band "" = every band without a set of its own for that ``k``;
                        ``k`` is a positive integer written as a string ("1", "2", ...)
                        since JSON keys are strings; the same site may appear in
                        several sets.
    teams_on_duty       [int] * 168
    hours               {"daily_start": int, "daily_end": int} or {} when irregular
    shifts              [{"day": int, "start_hour": int, "length_h": int, "teams": int}]
    predicted           {measure name: number}  names per CONVENTIONS.md measures

Post sets and team slots
------------------------
In memory :attr:`Plan.posts` stays a flat tuple of :class:`Post`; ``Post.team_count`` is
the ``k`` whose set the post belongs to.  With ``k`` teams on duty in an hour of band
``b``, the teams staff the set ``(b, k)``, else ``("", k)``; team slot ``s`` (0-based) is
slot ``s`` of the set taken round-robin in staffing order (the first team of every post,
then the second team of posts with ``teams >= 2``, ...).

``team_count == 0`` is the *legacy* "any k" post of schema 1 (the *prefix rule*): the
posts valid in ``b`` (band ``b`` or ``""``, team count 0) taken round-robin in plan order,
slots ``0..k-1`` of that order, cycling when ``k`` exceeds the teams they hold -- so the
set for ``k`` teams is a prefix of the largest.  Legacy posts are expanded on writing
(:meth:`Plan.with_explicit_post_sets`) into explicit sets for ``k = 1 ..
max(teams_on_duty)`` (and up to the teams the band's posts hold, so no post is dropped),
so every schema 2 file is explicit; the expansion staffs the same posts with the same
slots as the prefix rule.

Schema 1 files (``posts`` a flat list of ``{"site_id", "node_id", "lon", "lat", "band",
"teams", "access_s"}``, band "" = every band) are still *read*: their posts become legacy
(team count 0) posts, i.e. converted by the prefix rule, and are written back as
schema 2.  Only schema 2 is written.
"""

from __future__ import annotations

import builtins
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from heart_plan.atomic import write_json
from heart_plan.config import HOURS_PER_WEEK, Scenario
from heart_plan.errors import PlanError

SCHEMA_VERSION = 2
#: Schema versions ``from_dict`` reads (1 is converted by the prefix rule).
READABLE_SCHEMA_VERSIONS = (1, 2)


@dataclass(frozen=True)
class Post:
    """A staging post: a candidate site snapped to a road node, staffed in one band.

    Attributes
    ----------
    site_id, node_id : str, int
        The candidate site and its road node.
    lon, lat : float
        Site coordinates (degrees, WGS 84).
    band : str
        Time band the post serves; ``""`` = every band.
    teams : int
        Teams posted here (>= 1 in an explicit post set).
    access_s : float
        Drive between the site and its road node (s; 0 for a road-node site).
    team_count : int
        The ``k`` (teams on duty) whose post set this post belongs to: the set for
        ``(band, k)`` is the posts with that band and ``team_count == k``, in staffing
        order, whose ``teams`` sum to ``k``.  ``0`` = legacy "any k" post (the prefix
        rule of schema 1; module docstring).
    """

    site_id: str
    node_id: int
    lon: float
    lat: float
    band: str = ""
    teams: int = 1
    access_s: float = 0.0
    team_count: int = 0


@dataclass(frozen=True)
class Shift:
    """``teams`` teams start at ``start_hour`` on ``day`` (0 = Monday) for ``length_h`` h."""

    day: int
    start_hour: int
    length_h: int
    teams: int = 1


def round_robin_slots(members: Sequence[int], teams: Sequence[int], k: int) -> list[int]:
    """Slots ``0 .. k-1`` of posts ``members`` taken round-robin in the given order.

    Parameters
    ----------
    members : sequence of int
        Post indices in staffing (plan) order.
    teams : sequence of int
        Teams of every post, indexed by post index (values < 1 count as 1).
    k : int
        Team slots wanted.

    Returns
    -------
    list of int
        Post index of each slot: the first team of every member, then the second team of
        members with ``teams >= 2``, ...; cycling when ``k`` exceeds the teams they hold.
        Empty when ``members`` is.
    """
    if not members or k <= 0:
        return []
    order: list[int] = []
    for round_ in range(max(max(int(teams[j]), 1) for j in members)):
        order.extend(j for j in members if max(int(teams[j]), 1) > round_)
    return [order[s % len(order)] for s in range(k)]


def slot_post_indices(
    post_bands: Sequence[str],
    post_teams: Sequence[int],
    post_team_counts: Sequence[int],
    band: str,
    k: int,
) -> list[int] | None:
    """Post index of team slots ``0 .. k-1`` when ``k`` teams are on duty in ``band``.

    The one staffing rule of plans, simulator and evaluator (module docstring): the
    explicit set ``(band, k)`` if any post has that band and team count, else the set
    ``("", k)``, else the prefix rule over the legacy (team count 0) posts valid in
    ``band``.  Slots of a set are its posts round-robin in staffing order
    (:func:`round_robin_slots`).

    Parameters
    ----------
    post_bands, post_teams, post_team_counts : sequences, one value per post
        Band (``""`` = every band), teams and team count (0 = legacy) of every post.
    band : str
        The band of the hour.
    k : int
        Teams on duty (>= 0).

    Returns
    -------
    list of int or None
        ``k`` post indices (``[]`` for ``k == 0``); ``None`` when no post set serves
        ``(band, k)``.
    """
    if k <= 0:
        return []
    n = len(post_bands)
    for key in dict.fromkeys((band, "")):
        members = [j for j in range(n) if post_team_counts[j] == k and post_bands[j] == key]
        if members:
            return round_robin_slots(members, post_teams, k)
    legacy = [j for j in range(n) if post_team_counts[j] == 0 and post_bands[j] in ("", band)]
    return round_robin_slots(legacy, post_teams, k) if legacy else None


def _slot_counts(slots: Sequence[int]) -> dict[int, int]:
    """Teams per post index of a slot list, in order of first appearance."""
    counts: dict[int, int] = {}
    for j in slots:
        counts[j] = counts.get(j, 0) + 1
    return counts


def _grouped(posts: Sequence[Post]) -> tuple[Post, ...]:
    """Posts grouped into sets in canonical order: bands sorted (``""`` first), ``k``
    ascending, the staffing order within a set kept.
    """
    return tuple(sorted(posts, key=lambda p: (p.band, p.team_count)))


@dataclass(frozen=True)
class Plan:
    """A HEART deployment plan (see module docstring for the file schema)."""

    scenario_name: str
    scenario_sha256: str
    command: str
    service_area_beats: tuple[str, ...]
    teams_on_duty: tuple[int, ...]
    posts: tuple[Post, ...] = ()
    time_bands: dict[str, dict[str, Any]] = field(default_factory=dict)
    hours: dict[str, int] = field(default_factory=dict)
    shifts: tuple[Shift, ...] = ()
    predicted: dict[str, float] = field(default_factory=dict)
    unit_type: str = "crt"
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if len(self.teams_on_duty) != HOURS_PER_WEEK:
            raise PlanError(
                f"plan teams_on_duty has {len(self.teams_on_duty)} values; "
                f"expected {HOURS_PER_WEEK} (one per hour of week)"
            )
        if any(t < 0 for t in self.teams_on_duty):
            raise PlanError("plan teams_on_duty has a negative value; teams must be >= 0")
        if any(p.team_count < 0 for p in self.posts):
            raise PlanError("plan post team_count is negative; use k >= 1 (or 0 for any k)")
        sums: dict[tuple[str, int], int] = {}
        for post in self.posts:
            if post.team_count > 0:
                if post.teams < 1:
                    raise PlanError(
                        f"plan post {post.site_id!r} in the post set ({post.band!r}, "
                        f"{post.team_count}) has teams {post.teams}; posts of a set need >= 1"
                    )
                key = (post.band, post.team_count)
                sums[key] = sums.get(key, 0) + post.teams
        for (band, k), total in sums.items():
            if total != k:
                raise PlanError(
                    f"plan post set ({band!r}, {k}) has teams summing to {total}; the set "
                    f"for {k} teams on duty must post exactly {k}"
                )

    @property
    def team_hours_per_week(self) -> int:
        """Staffed team-hours in one week."""
        return int(sum(self.teams_on_duty))

    def with_changes(self, **changes: Any) -> Plan:
        """A copy with some fields replaced (plans are immutable)."""
        return replace(self, **changes)

    def with_explicit_post_sets(self) -> Plan:
        """A copy whose posts are all explicit sets, grouped by band and ``k``.

        Legacy (``team_count == 0``) posts are expanded by the prefix rule into the sets
        of every band they serve (``""`` and each band named by a legacy post) for
        ``k = 1 .. max(teams_on_duty)``, and on up to the teams the band's legacy posts
        hold so that no post is dropped; a ``(band, k)`` already served by an explicit
        set (``(band, k)`` or ``("", k)``) is left to it.  A post gets ``teams`` = its
        slots among the first ``k``, so the sets staff every hour with the same posts in
        the same slots as the prefix rule did (where ``k`` exceeds the teams the posts
        hold and the rule cycles, with the same teams per post; slot order may differ).  Posts come out grouped: bands sorted (``""`` first), ``k``
        ascending, staffing order within a set (the order ``from_dict`` reads them in).
        """
        explicit = [p for p in self.posts if p.team_count > 0]
        legacy = [p for p in self.posts if p.team_count == 0]
        derived: list[Post] = []
        if legacy:
            have = {(p.band, p.team_count) for p in explicit}
            bands = [p.band for p in legacy]
            teams = [p.teams for p in legacy]
            zeros = [0] * len(legacy)
            on_duty = max(self.teams_on_duty, default=0)
            for band in dict.fromkeys(bands):
                held = sum(max(p.teams, 1) for p in legacy if p.band in ("", band))
                for k in range(1, max(on_duty, held) + 1):
                    if (band, k) in have or ("", k) in have:
                        continue
                    slots = slot_post_indices(bands, teams, zeros, band, k) or []
                    derived.extend(
                        replace(legacy[j], band=band, teams=c, team_count=k)
                        for j, c in _slot_counts(slots).items()
                    )
        return replace(self, posts=_grouped(explicit + derived))

    def with_post_sets_up_to(self, k_max: int | None = None) -> Plan:
        """A copy (explicit sets) with a post set for every ``k = 1 .. k_max`` that had none.

        For each band with sets, a ``k`` served neither by ``(band, k)`` nor by
        ``("", k)`` gets the prefix rule over the band's *largest* set: its first ``k``
        slots (round-robin in staffing order), cycling (teams stacked at its posts) when
        ``k`` is larger.  Used when a command changes ``teams_on_duty`` (``shifts``).

        Parameters
        ----------
        k_max : int, optional
            Largest team count needing a set; default ``max(teams_on_duty)``.
        """
        plan = self.with_explicit_post_sets()
        k_max = max(plan.teams_on_duty, default=0) if k_max is None else k_max
        sets = plan.post_sets()
        have = {(band, k) for band, by_k in sets.items() for k in by_k}
        added: list[Post] = []
        for band, by_k in sets.items():
            largest = by_k[max(by_k)]
            teams = [p.teams for p in largest]
            for k in range(1, k_max + 1):
                if (band, k) in have or ("", k) in have:
                    continue
                slots = round_robin_slots(range(len(largest)), teams, k)
                added.extend(
                    replace(largest[j], teams=c, team_count=k)
                    for j, c in _slot_counts(slots).items()
                )
        return replace(plan, posts=_grouped([*plan.posts, *added])) if added else plan

    def post_sets(self) -> dict[str, dict[int, tuple[Post, ...]]]:
        """The explicit post sets, ``{band: {k: posts in staffing order}}``.

        Legacy posts are expanded first (:meth:`with_explicit_post_sets`); bands sorted
        (``""`` first), ``k`` ascending.
        """
        out: dict[str, dict[int, list[Post]]] = {}
        for post in self.with_explicit_post_sets().posts:
            out.setdefault(post.band, {}).setdefault(post.team_count, []).append(post)
        return {band: {k: tuple(ps) for k, ps in by_k.items()} for band, by_k in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, schema 2 (module docstring): legacy posts are written as the
        explicit sets of :meth:`with_explicit_post_sets`.
        """
        posts = {
            band: {
                str(k): [{f: getattr(p, f) for f in _SET_POST_KEYS} for p in members]
                for k, members in by_k.items()
            }
            for band, by_k in self.post_sets().items()
        }
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"name": self.scenario_name, "sha256": self.scenario_sha256},
            "command": self.command,
            "unit_type": self.unit_type,
            "service_area_beats": list(self.service_area_beats),
            "time_bands": self.time_bands,
            "posts": posts,
            "teams_on_duty": list(self.teams_on_duty),
            "hours": self.hours,
            "shifts": [asdict(s) for s in self.shifts],
            "predicted": self.predicted,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, source: str = "<plan>") -> Plan:
        """Validate and parse the JSON form (schema in the module docstring).

        Validation, not coercion: every field must have its schema type (1.9 teams, a dict
        of teams or a string number are errors), ``teams_on_duty`` is 168 non-negative
        integers, times and coordinates are finite and non-negative where they must be.
        Schema 2 posts: a band is one of ``time_bands`` (when the plan lists any) or
        ``""``; a ``k`` key is a positive integer string; each set is non-empty, lists a
        site once, and its ``teams`` (integers >= 1) sum to ``k``.  A schema 1 file is
        read as legacy posts (module docstring).  Raises ``PlanError`` (exit 2) naming the
        field and the fix.
        """
        v = _PlanValidator(source)
        if not isinstance(raw, dict):
            raise PlanError(f"{source}: a plan must be a JSON object; regenerate the plan")
        version = raw.get("schema_version")
        if isinstance(version, bool) or version not in READABLE_SCHEMA_VERSIONS:
            raise PlanError(
                f"{source}: schema_version {version!r} is not supported "
                f"(expected {SCHEMA_VERSION}); regenerate the plan with this heart-plan"
            )
        v.keys(raw, "plan", required=_REQUIRED_KEYS, allowed=_PLAN_KEYS)
        scen = v.obj(raw["scenario"], "scenario", required=("name", "sha256"))
        teams = v.int_list(raw["teams_on_duty"], "teams_on_duty", lo=0, hi=10_000)
        if len(teams) != HOURS_PER_WEEK:
            raise PlanError(
                f"{source}: teams_on_duty has {len(teams)} values; expected {HOURS_PER_WEEK} "
                f"(one per hour of week, bin 0 = Monday 00:00)"
            )
        beats = v.str_list(raw["service_area_beats"], "service_area_beats")
        if not beats:
            raise PlanError(
                f"{source}: service_area_beats is empty; a plan needs at least one beat "
                f"(e.g. write it with `heart-plan place --beats ...`)"
            )
        if len(set(beats)) != len(beats):
            dup = next(b for b in beats if beats.count(b) > 1)
            raise PlanError(f"{source}: service_area_beats lists beat {dup!r} twice")
        bands = v.obj(raw.get("time_bands", {}), "time_bands")
        for name, band in bands.items():
            b = v.obj(band, f"time_bands.{name}", required=("speed_factor", "bins"))
            v.number(b["speed_factor"], f"time_bands.{name}.speed_factor", lo=0, lo_open=True)
            v.int_list(b["bins"], f"time_bands.{name}.bins", lo=0, hi=HOURS_PER_WEEK - 1)
        if version == 1:
            posts = _posts_v1(v, raw.get("posts", []), bands)
        else:
            posts = list(_grouped(_posts_v2(v, raw.get("posts", {}), bands)))
        hours = {
            k: v.int(h, f"hours.{k}", lo=0, hi=24)
            for k, h in v.obj(raw.get("hours", {}), "hours", allowed=_HOURS_KEYS).items()
        }
        shifts = []
        for i, sh in enumerate(v.list(raw.get("shifts", []), "shifts")):
            where = f"shifts[{i}]"
            sh = v.obj(sh, where, required=("day", "start_hour", "length_h"), allowed=_SHIFT_KEYS)
            shifts.append(
                Shift(
                    day=v.int(sh["day"], f"{where}.day", lo=0, hi=6),
                    start_hour=v.int(sh["start_hour"], f"{where}.start_hour", lo=0, hi=23),
                    length_h=v.int(sh["length_h"], f"{where}.length_h", lo=1, hi=24),
                    teams=v.int(sh.get("teams", 1), f"{where}.teams", lo=0, hi=10_000),
                )
            )
        predicted: dict[str, Any] = {}
        for k, val in v.obj(raw.get("predicted", {}), "predicted").items():
            predicted[k] = None if val is None else v.number(val, f"predicted.{k}")
        for k in ("reached_share", "served_share", "covered_share", "mean_drive_time_s"):
            val = predicted.get(k)
            if val is not None and val < 0:
                raise PlanError(f"{source}: predicted.{k} = {val!r} must be >= 0")
        return cls(
            scenario_name=v.str(scen["name"], "scenario.name"),
            scenario_sha256=v.str(scen["sha256"], "scenario.sha256"),
            command=v.str(raw.get("command", ""), "command"),
            unit_type=v.str(raw.get("unit_type", "crt"), "unit_type", empty=False),
            service_area_beats=tuple(beats),
            time_bands={k: dict(b) for k, b in bands.items()},
            posts=tuple(posts),
            teams_on_duty=tuple(teams),
            hours=hours,
            shifts=tuple(shifts),
            predicted=predicted,
        )

    def check_against(
        self,
        *,
        source: str,
        city_beats: Iterable[str] | None = None,
        node_ids: Any = None,
        bands: Iterable[str] | None = None,
        unit_types: Iterable[str] | None = None,
    ) -> None:
        """Check the plan against the data it will run on: known beats, posts on graph
        nodes, known bands and unit type; ``PlanError`` naming the first problem.
        """
        if city_beats is not None:
            known = set(city_beats)
            bad = [b for b in self.service_area_beats if b not in known]
            if bad:
                raise PlanError(
                    f"{source}: service_area_beats has {bad[0]!r}, not a city beat "
                    f"(known: {', '.join(sorted(known)[:5])}, ...); fix the plan or regenerate it"
                )
        if node_ids is not None and self.posts:
            import numpy as np

            ids = np.asarray(node_ids)
            posts = np.array([p.node_id for p in self.posts], dtype=np.int64)
            missing = posts[~np.isin(posts, ids)]
            if missing.size:
                raise PlanError(
                    f"{source}: post node_id {int(missing[0])} is not a node of the road graph; "
                    f"regenerate the plan for this scenario (`heart-plan place`)"
                )
        if bands is not None:
            known_bands = set(bands)
            bad_bands = sorted({p.band for p in self.posts if p.band and p.band not in known_bands})
            if bad_bands:
                raise PlanError(
                    f"{source}: post band {bad_bands[0]!r} is not a time band of the scenario "
                    f"({', '.join(sorted(known_bands))}); regenerate the plan"
                )
        if unit_types is not None and self.unit_type not in set(unit_types):
            raise PlanError(
                f"{source}: unit_type {self.unit_type!r} has no [units.{self.unit_type}] "
                f"section in the scenario"
            )


def _post_band(v: _PlanValidator, band: Any, where: str, bands: dict[str, Any]) -> str:
    """A post's band: a string, one of the plan's time bands (when it has any) or ``""``."""
    band = v.str(band, where)
    if band and bands and band not in bands:
        raise PlanError(
            f"{v.source}: {where} = {band!r} is not one of the plan's time_bands "
            f"({', '.join(bands)}) or '' (every band); fix the band or regenerate the plan"
        )
    return band


def _post_of(
    v: _PlanValidator, p: dict, where: str, *, band: str, teams: int, team_count: int
) -> Post:
    """A :class:`Post` from a validated post object (site, node, coordinates, access)."""
    return Post(
        site_id=v.str(p["site_id"], f"{where}.site_id", empty=False),
        node_id=v.int(p["node_id"], f"{where}.node_id"),
        lon=v.number(p["lon"], f"{where}.lon", lo=-180, hi=180),
        lat=v.number(p["lat"], f"{where}.lat", lo=-90, hi=90),
        band=band,
        teams=teams,
        access_s=v.number(p.get("access_s", 0.0), f"{where}.access_s", lo=0),
        team_count=team_count,
    )


def _posts_v1(v: _PlanValidator, raw: Any, bands: dict[str, Any]) -> list[Post]:
    """Schema 1 ``posts`` (a flat list, band per post) as legacy (team count 0) posts."""
    posts = []
    for i, p in enumerate(v.list(raw, "posts")):
        where = f"posts[{i}]"
        p = v.obj(p, where, required=("site_id", "node_id", "lon", "lat"), allowed=_POST_KEYS_V1)
        band = _post_band(v, p.get("band", ""), f"{where}.band", bands)
        teams = v.int(p.get("teams", 1), f"{where}.teams", lo=0, hi=10_000)
        posts.append(_post_of(v, p, where, band=band, teams=teams, team_count=0))
    return posts


def _posts_v2(v: _PlanValidator, raw: Any, bands: dict[str, Any]) -> list[Post]:
    """Schema 2 ``posts`` (``{band: {k: [post, ...]}}``) as explicit post sets."""
    if isinstance(raw, list):
        raise PlanError(
            f"{v.source}: posts is a list (the schema_version 1 shape); schema_version 2 "
            f'posts are {{band: {{"k": [post, ...]}}}}: set schema_version to 1 or '
            f"regenerate the plan"
        )
    posts = []
    for band_key, by_k in v.obj(raw, "posts").items():
        at_band = f"posts[{json.dumps(band_key)}]"
        band = _post_band(v, band_key, f"{at_band} band", bands)
        for k_key, members in v.obj(by_k, at_band).items():
            at_k = f"{at_band}[{json.dumps(k_key)}]"
            if not _TEAM_COUNT_KEY.fullmatch(k_key) or int(k_key) > 10_000:
                raise PlanError(
                    f"{v.source}: {at_k}: key {k_key!r} is not a team count; post sets are "
                    f'keyed by a positive integer string ("1", "2", ...), the teams on duty'
                )
            k = int(k_key)
            members = v.list(members, at_k)
            if not members:
                raise PlanError(
                    f"{v.source}: {at_k} is empty; list the posts of the {k} teams "
                    f"(their teams summing to {k}) or drop the key"
                )
            sites: set[str] = set()
            total = 0
            for i, p in enumerate(members):
                where = f"{at_k}[{i}]"
                p = v.obj(p, where, required=_SET_POST_REQUIRED, allowed=_SET_POST_KEYS)
                teams = v.int(p["teams"], f"{where}.teams", lo=1, hi=10_000)
                post = _post_of(v, p, where, band=band, teams=teams, team_count=k)
                if post.site_id in sites:
                    raise PlanError(
                        f"{v.source}: {where}: site {post.site_id!r} is listed twice in the "
                        f"set; list it once with the sum of its teams"
                    )
                sites.add(post.site_id)
                total += teams
                posts.append(post)
            if total != k:
                raise PlanError(
                    f"{v.source}: {at_k}: teams sum to {total}, not {k}; the post set for {k} "
                    f"teams on duty must post exactly {k} (fix the teams or the key)"
                )
    return posts


_REQUIRED_KEYS = ("schema_version", "scenario", "service_area_beats", "teams_on_duty")
_PLAN_KEYS = (
    *_REQUIRED_KEYS, "command", "unit_type", "time_bands", "posts", "hours", "shifts",
    "predicted",
)  # fmt: skip
_POST_KEYS_V1 = ("site_id", "node_id", "lon", "lat", "band", "teams", "access_s")
_SET_POST_REQUIRED = ("site_id", "node_id", "lon", "lat", "teams")
_SET_POST_KEYS = (*_SET_POST_REQUIRED, "access_s")
_TEAM_COUNT_KEY = re.compile(r"[1-9][0-9]*")
_SHIFT_KEYS = ("day", "start_hour", "length_h", "teams")
_HOURS_KEYS = ("daily_start", "daily_end")


class _PlanValidator:
    """Type and range checks with one-line ``PlanError`` messages naming the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: builtins.str, value: Any, expected: str) -> PlanError:
        text = repr(value)
        text = text if len(text) <= 60 else text[:57] + "..."
        return PlanError(
            f"{self.source}: {where} = {text} is not {expected}; fix the plan file or "
            f"regenerate it with `heart-plan place` or `heart-plan run`"
        )

    def keys(self, obj: dict, where: builtins.str, *, required=(), allowed=None) -> None:
        missing = [k for k in required if k not in obj]
        if missing:
            raise PlanError(f"{self.source}: {where} has no {missing[0]!r} field; regenerate it")
        if allowed is not None:
            unknown = sorted(set(obj) - set(allowed))
            if unknown:
                raise PlanError(
                    f"{self.source}: {where} has unknown field {unknown[0]!r}; allowed: "
                    f"{', '.join(allowed)}"
                )

    def obj(self, value: Any, where: builtins.str, *, required=(), allowed=None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, value, "a JSON object")
        self.keys(value, where, required=required, allowed=allowed)
        return value

    def list(self, value: Any, where: builtins.str) -> builtins.list:
        if not isinstance(value, list):
            raise self.fail(where, value, "a JSON list")
        return value

    def str(self, value: Any, where: builtins.str, *, empty: bool = True) -> builtins.str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(where, value, "a string" if empty else "a non-empty string")
        return value

    def str_list(self, value: Any, where: builtins.str) -> builtins.list[builtins.str]:
        return [
            self.str(x, f"{where}[{i}]", empty=False) for i, x in enumerate(self.list(value, where))
        ]

    def int(
        self,
        value: Any,
        where: builtins.str,
        *,
        lo: builtins.int | None = None,
        hi: builtins.int | None = None,
    ) -> builtins.int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, value, "an integer")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.fail(where, value, f"an integer in [{lo}, {hi}]")
        return value

    def int_list(
        self,
        value: Any,
        where: builtins.str,
        *,
        lo: builtins.int | None = None,
        hi: builtins.int | None = None,
    ) -> builtins.list[builtins.int]:
        return [
            self.int(x, f"{where}[{i}]", lo=lo, hi=hi)
            for i, x in enumerate(self.list(value, where))
        ]

    def number(
        self, value: Any, where: builtins.str, *, lo: float | None = None, hi: float | None = None,
        lo_open: bool = False,
    ) -> float:  # fmt: skip
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(where, value, "a finite number")
        if lo is not None and (value <= lo if lo_open else value < lo):
            raise self.fail(where, value, f"a number {'>' if lo_open else '>='} {lo}")
        if hi is not None and value > hi:
            raise self.fail(where, value, f"a number <= {hi}")
        return float(value)


def window_length_h(start_hour: int, end_hour: int) -> builtins.int:
    """Hours in the daily window [start, end); an end equal to the start modulo 24 (e.g.
    (0, 24) or (7, 7)) is the whole day, and windows may cross midnight ((19, 7) = 12).
    """
    return (end_hour - start_hour) % 24 or 24


def daily_window_on_duty(start_hour: int, end_hour: int, teams: int) -> tuple[int, ...]:
    """Teams on duty per hour of week for the same daily window [start, end) every day.

    ``end_hour`` may be < ``start_hour`` for windows crossing midnight; a window whose end
    equals its start modulo 24 (e.g. (0, 24)) is 24 hours a day.
    """
    length = window_length_h(start_hour, end_hour)
    on = [0] * HOURS_PER_WEEK
    for day in range(7):
        for k in range(length):
            on[(day * 24 + start_hour + k) % HOURS_PER_WEEK] = teams
    return tuple(on)


def bands_for_plan(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The scenario's time bands in plan form: speed factor and hour-of-week bins."""
    band_of_hour = scenario.network.band_of_hour()
    return {
        name: {
            "speed_factor": band.speed_factor,
            "bins": [b for b, n in enumerate(band_of_hour) if n == name],
        }
        for name, band in scenario.network.time_bands.items()
    }


def read_plan(path: str | Path) -> Plan:
    """Read and validate a ``plan.json``; any problem is a one-line ``PlanError`` (exit 2)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_reject_constant)
    except FileNotFoundError:
        raise PlanError(
            f"{path}: plan file not found; pass the plan.json a command wrote"
        ) from None
    except IsADirectoryError:
        raise PlanError(f"{path}: is a folder; pass the plan.json file inside it") from None
    except UnicodeDecodeError as exc:
        raise PlanError(
            f"{path}: not UTF-8 text (byte {exc.start}); pass the plan.json a command wrote"
        ) from None
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix or regenerate it"
        ) from None
    except ValueError as exc:
        raise PlanError(f"{path}: {exc}; JSON has no NaN or Infinity") from None
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan ({exc.strerror or exc})") from None
    return Plan.from_dict(raw, source=str(path))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def write_plan(path: str | Path, plan: Plan) -> Path:
    """Write a plan atomically."""
    return write_json(path, plan.to_dict())
