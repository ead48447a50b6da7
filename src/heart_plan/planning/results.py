"""The typed, frozen result of a run: what the writer, the report, the maps and the CLI
read (typed fields, never string keys).

:class:`RunResult` holds each plan with its predicted and simulated measures
(:class:`PlanOutcome`), the hours answer, the citywide curve, the roadmap, the
recommendation candidates, what the citywide target would take (:class:`TargetAnswer`),
the equity view and the replayed calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from heart_plan.plan import Plan, Post
    from heart_plan.planning.compare import CandidateComparison
    from heart_plan.planning.context import PlanningContext
    from heart_plan.planning.posts import PostSet
    from heart_plan.planning.replay import ReplayInputs
    from heart_plan.simulation.results import SimulationResult
    from heart_plan.staffing.hours import HoursAnswer
    from heart_plan.staffing.roster import RosterResult
    from heart_plan.staffing.shifts import ShiftPlanResult
    from heart_plan.staffing.units_view import UnitsView


@dataclass(frozen=True)
class SimulatedMeasure:
    """A simulated measure: mean over replications with its 95% confidence interval."""

    mean: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, eq=False)
class PlanOutcome:
    """One plan, its post set per team count on duty (``busiest_band``: the band with most of
    its area's calls), its cost and its predicted and simulated measures.

    ``summary`` is the simulation's summary table (``measure, mean, ci_low, ci_high``) and
    ``comparison`` the optimizer-vs-simulation table; ``simulated(name)`` reads one measure.
    ``summary_on_scene_only``: the same table with on-scene draws as the only variation
    (the narrower intervals before issue 18), when ``[simulation] variation`` widens them.
    """

    name: str
    plan: Plan
    post_sets: dict[int, PostSet]
    busiest_band: str
    simulation: SimulationResult
    summary: pd.DataFrame
    comparison: pd.DataFrame
    fte: float
    cost_per_year_usd: float
    summary_on_scene_only: pd.DataFrame | None = None

    @property
    def max_teams(self) -> int:
        """Most teams on duty in any hour."""
        return max(self.plan.teams_on_duty)

    def posts(self, teams: int | None = None) -> tuple[Post, ...]:
        """The posts staffed when ``teams`` teams are on duty (default: the most), in
        staffing order.
        """
        return self.post_sets[self.max_teams if teams is None else teams].posts

    @property
    def hours_on_duty_per_week(self) -> int:
        """Hours of the week (of 168) with at least one team on duty."""
        return sum(1 for k in self.plan.teams_on_duty if k > 0)

    @property
    def hours_on_duty_per_day(self) -> float:
        """Mean hours a day with at least one team on duty."""
        return self.hours_on_duty_per_week / 7

    @property
    def predicted(self) -> dict[str, float]:
        """The plan's predicted measures (``plan.predicted``)."""
        return self.plan.predicted

    def simulated(self, measure: str) -> SimulatedMeasure:
        """Mean and 95% CI of a simulated measure (e.g. ``reached_share``)."""
        row = self.summary.set_index("measure").loc[measure]
        return SimulatedMeasure(float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]))

    @property
    def reached_share(self) -> float:
        """Simulated mean share of citywide eligible calls reached."""
        return self.simulated("reached_share").mean


@dataclass(frozen=True, eq=False)
class CandidateOutcome:
    """One candidate of the recommendation: its plan (with the evaluator's ``predicted``),
    cost and simulated measures (common random numbers, ``replications`` each).
    """

    name: str
    plan: Plan
    fte: float
    cost_per_year_usd: float
    replications: int
    simulated: dict[str, SimulatedMeasure]
    recommended: bool


@dataclass(frozen=True)
class UnitResult:
    """One HEART unit in the run (issue 16): hours, teams or staff, FTE (roster convention:
    crews x crew x relief), cost, and its own figure ``reached_share_of_unit_eligible``
    (calls reached within the standard *by this unit* / the calls it takes), predicted
    (queue-aware evaluator with the overflow approximation; Erlang A answered share for a
    phone unit) beside its simulated twin (joint CRT + CoR simulation; ``None`` for units
    not simulated).  ``resolved_by_phone_share`` (CCD: share of citywide eligible calls
    resolved by phone, never counted as reached) and ``deadline_met`` (CN) are ``nan`` /
    ``None`` for the other units.  ``assumptions``: the scenario keys the numbers rest on.
    """

    unit: str
    label: str
    role: str
    hours: str
    teams_or_staff: int
    team_hours_per_week: float
    fte: float
    fte_basis: str
    cost_per_year_usd: float
    eligible_calls_per_year: float
    reached_share_of_unit_eligible_predicted: float
    reached_share_of_unit_eligible_simulated: SimulatedMeasure | None
    resolved_by_phone_share: float
    deadline_met: bool | None
    assumptions: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class UnitsOutcome:
    """All four units beside the recommended CRT plan (``planning.units_run``).

    ``reached_share_predicted`` / ``reached_share_simulated``: calls reached within the
    standard by CRT or CoR / citywide eligible calls (CCD phone resolutions never added);
    the budget view sums ``units``' FTE and cost.  ``view`` holds the CCD curve, the 911
    effect and the CN workload; ``cor_plans`` the other driving types' plans.
    """

    units: tuple[UnitResult, ...]
    reached_share_predicted: float
    reached_share_simulated: SimulatedMeasure
    resolved_by_phone_share: float
    view: UnitsView
    cor_plans: dict[str, Plan]

    @property
    def total_fte(self) -> float:
        """FTE of every unit (the budget view)."""
        return sum(u.fte for u in self.units)

    @property
    def total_cost_per_year_usd(self) -> float:
        """Cost per year of every unit (the budget view)."""
        return sum(u.cost_per_year_usd for u in self.units)

    def unit(self, name: str) -> UnitResult:
        """The result of unit ``name``."""
        return next(u for u in self.units if u.unit == name)


@dataclass(frozen=True)
class Staffing:
    """A schedule's size and what it delivers: peak teams, FTE, cost and the hypercube's
    expected shares of citywide eligible calls reached and served per year.
    """

    peak_teams: int
    team_hours_per_week: int
    fte: float
    cost_per_year_usd: float
    reached_share: float
    served_share: float


@dataclass(frozen=True)
class TargetAnswer:
    """What reaching ``target`` of citywide eligible calls (calls *reached*) would take,
    citywide, each hour staffing the citywide post set of its team count.

    ``around_the_clock``: the fewest teams on duty in every hour that reach the target
    (None: not even ``max_teams``); ``cheapest``: the CP-SAT schedule of least FTE whose
    expected calls reached meet the target (None: infeasible); ``max_reached_share``: with
    ``max_teams`` on duty every hour; ``baseline_window_max_reached_share``: the most the
    ``[baseline]`` daily window can reach (``max_teams`` in its hours, none outside).
    """

    target: float
    max_teams: int
    around_the_clock: Staffing | None
    cheapest: Staffing | None
    max_reached_share: float
    baseline_window_max_reached_share: float
    measure: str = "reached"


@dataclass(frozen=True)
class OffLineEffect:
    """What breaks, meals and documentation (``[roster.off_line]``) cost the recommended
    plan, predicted by the queue-aware evaluator: shares of citywide eligible calls with
    the scenario's off-line time and with none (teams on line every minute on duty).
    """

    reached_share: float
    reached_share_without: float
    served_share: float
    served_share_without: float

    @property
    def reached_points_lost(self) -> float:
        """Percentage points of citywide calls reached that the off-line time costs."""
        return 100.0 * (self.reached_share_without - self.reached_share)


@dataclass(frozen=True, eq=False)
class RunResult:
    """Everything a run computed (no files written; see ``heart_plan.writer``)."""

    ctx: PlanningContext
    pilot: PlanOutcome
    current: PlanOutcome
    recommended: PlanOutcome
    shift_plan: ShiftPlanResult
    roadmap: pd.DataFrame
    candidates: pd.DataFrame
    candidate_plans: tuple[CandidateOutcome, ...]
    comparison: CandidateComparison
    curve: pd.DataFrame
    hours: HoursAnswer
    target: TargetAnswer
    replay: ReplayInputs
    equity: pd.DataFrame
    equity_tracts: gpd.GeoDataFrame
    city_busiest_band: str
    timings_s: dict[str, float] = field(default_factory=dict)
    #: The recommended plan's roster (its cover is the plan's teams on duty).
    roster: RosterResult | None = None
    #: What the off-line time on duty costs the recommended plan (evaluator).
    off_line: OffLineEffect | None = None
    #: All four HEART units beside the recommended CRT plan (issue 16).
    units: UnitsOutcome | None = None

    @property
    def plans(self) -> dict[str, PlanOutcome]:
        """The reported plans by name: ``pilot_2022``, ``current`` (today), ``recommended``."""
        return {o.name: o for o in (self.pilot, self.current, self.recommended)}

    @property
    def excluded_beats(self) -> tuple[str, ...]:
        """City beats the recommended plan's service area leaves out, sorted."""
        area = set(self.recommended.plan.service_area_beats)
        return tuple(b for b in self.ctx.city_beats if b not in area)

    @property
    def calls_per_year(self) -> float:
        """Citywide eligible calls per year (the denominator of every citywide share)."""
        return self.ctx.calls_per_year

    @property
    def modeled_share(self) -> float:
        """Share of eligible demand that is modeled (no call points)."""
        return float(self.ctx.demand.summary.get("modeled_share", float("nan")))
