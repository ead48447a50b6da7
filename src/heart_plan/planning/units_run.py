"""All four HEART units beside the recommended CRT plan: the run's typed per-unit result
(:class:`heart_plan.planning.results.UnitsOutcome`; issue 16).

* **CRT**: the recommended plan as the run chose it (optimized within ``[budget] crt_fte``;
  FTE and cost from its roster).
* **CoR** (every other driving type): posts and hours from
  :func:`heart_plan.planning.field_units.plan_field_unit`; predicted with the overflow
  approximation and simulated jointly with the recommended CRT plan (the CRT figures here
  are from that joint model: CRT takes standard calls only, so they differ from the
  CRT-only headline of the recommended plan).
* **CCD, CN**: :func:`heart_plan.staffing.units_view.units_view` on the run's eligible
  calls (Erlang A answered share for CCD, never counted as reached; CN workload and its
  deadline from the units view's field served calls, which use ``[current]`` CRT hours: an
  approximation).  Every unit's FTE by the roster convention (least-cost roster of its
  cover).
* The headline of the units view, ``reached_share``, counts calls reached within the
  standard by CRT or CoR over citywide eligible calls, predicted and simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from heart_plan.config import Scenario
from heart_plan.plan import Plan
from heart_plan.planning.context import PlanningContext
from heart_plan.planning.field_units import (
    JOINT_ASSUMPTIONS,
    FieldUnitPlan,
    evaluate_field_units,
    simulate_field_units,
)
from heart_plan.planning.replay import ReplayInputs
from heart_plan.planning.results import SimulatedMeasure, UnitResult, UnitsOutcome
from heart_plan.simulation.results import Estimate
from heart_plan.simulation.takers import field_units
from heart_plan.staffing.units_view import (
    UnitsView,
    arrivals_by_nature_from_demand,
    units_view,
)


def hours_text(teams_on_duty: tuple[int, ...]) -> str:
    """The hours of day with a team on duty on some day, as ``HH:00-HH:00`` runs (a run
    through midnight is one run, e.g. ``22:00-02:00``), then the team-hours per week;
    ``none`` when nothing is on duty.
    """
    on = [any(teams_on_duty[d * 24 + h] > 0 for d in range(7)) for h in range(24)]
    if not any(on):
        return "none"
    total = sum(teams_on_duty)
    if all(on):
        return f"00:00-24:00 ({total} team-h/week)"
    start = next(h for h in range(24) if on[h] and not on[h - 1])  # a run start
    runs, h = [], start
    for _ in range(24):
        if on[h % 24] and not on[(h - 1) % 24]:
            begin = h % 24
        if on[h % 24] and not on[(h + 1) % 24]:
            runs.append(f"{begin:02d}:00-{(h + 1) % 24 or 24:02d}:00")
        h += 1
    return f"{', '.join(runs)} ({total} team-h/week)"


def _sim(est: Estimate) -> SimulatedMeasure:
    return SimulatedMeasure(est.mean, est.ci_low, est.ci_high)


@dataclass(frozen=True)
class OtherUnits:
    """The units planned without the CRT plan: every other driving type's posts and hours
    (``field``, by name) and the units view (CCD, CN and the Erlang parts).
    """

    field: dict[str, FieldUnitPlan]
    view: UnitsView


def other_field_units(scenario: Scenario) -> list[str]:
    """The driving unit types besides CRT, in dispatch order; each planned without the CRT
    plan by :func:`~heart_plan.planning.field_units.plan_field_unit` (one task each in a
    run, beside :func:`plan_units_view`).
    """
    return [n for n in field_units(scenario) if n != "crt"]


def plan_units_view(ctx: PlanningContext) -> UnitsView:
    """The units view (CCD, CN and the Erlang parts) of the run's demand: the part of
    :class:`OtherUnits` that is not a driving type.
    """
    arrivals = arrivals_by_nature_from_demand(ctx.demand.beat_nature, ctx.demand.shapes)
    return units_view(arrivals, ctx.scenario)


def units_outcome(
    ctx: PlanningContext,
    crt_plan: Plan,
    *,
    crt_fte: float,
    crt_cost_per_year_usd: float,
    crt_fte_basis: str,
    replay: ReplayInputs,
    other: OtherUnits,
) -> UnitsOutcome:
    """Every unit beside ``crt_plan`` (module docstring); ``other``: the units planned
    without it (:func:`other_field_units` by
    :func:`~heart_plan.planning.field_units.plan_field_unit`, and :func:`plan_units_view`).
    """
    s = ctx.scenario
    others, view = other.field, other.view
    plans = {"crt": crt_plan} | {n: p.plan for n, p in others.items()}
    predicted = evaluate_field_units(ctx, plans)
    joint = simulate_field_units(
        s, replay, plans, replications=s.simulation.replications, seed=s.simulation.seed
    )
    rows: list[UnitResult] = []
    for name in predicted.units:
        plan = plans[name]
        staffed = others.get(name)
        unit = s.units[name]
        rows.append(
            UnitResult(
                unit=name, label=unit.label or name, role=unit.role,
                hours=hours_text(plan.teams_on_duty), teams_or_staff=max(plan.teams_on_duty),
                team_hours_per_week=float(sum(plan.teams_on_duty)),
                fte=crt_fte if staffed is None else staffed.fte,
                fte_basis=crt_fte_basis if staffed is None else staffed.hours_basis,
                cost_per_year_usd=crt_cost_per_year_usd if staffed is None
                else staffed.cost_per_year_usd,
                eligible_calls_per_year=predicted.eligible_calls_per_year[name],
                reached_share_of_unit_eligible_predicted=predicted.reached_share_of_unit_eligible(
                    name
                ),
                reached_share_of_unit_eligible_simulated=_sim(
                    joint.reached_share_of_unit_eligible(name)
                ),
                resolved_by_phone_share=float("nan"), deadline_met=None,
                assumptions=tuple(k.format(u=name) for k in JOINT_ASSUMPTIONS),
            )
        )  # fmt: skip
    for row in view.rows:
        if row.role == "field":
            continue
        phone = row.role == "phone"
        rows.append(
            UnitResult(
                unit=row.unit, label=row.label, role=row.role, hours=f"{row.hours} {row.days}",
                teams_or_staff=row.teams_or_staff, team_hours_per_week=row.position_hours_per_week,
                fte=row.fte, fte_basis=row.fte_basis, cost_per_year_usd=row.cost_per_year_usd,
                eligible_calls_per_year=row.eligible_calls_per_year,
                reached_share_of_unit_eligible_predicted=row.reached_share_of_unit_eligible,
                reached_share_of_unit_eligible_simulated=None,
                resolved_by_phone_share=view.resolved_by_phone_share if phone else float("nan"),
                deadline_met=None if phone or view.cn is None else view.cn.check.deadline_met,
                assumptions=row.assumptions,
            )
        )  # fmt: skip
    return UnitsOutcome(
        units=tuple(rows),
        reached_share_predicted=predicted.reached_share,
        reached_share_simulated=_sim(joint.reached_share()),
        resolved_by_phone_share=view.resolved_by_phone_share,
        view=view,
        cor_plans={n: p.plan for n, p in others.items()},
    )
