"""Turn a run's typed result into files: tables, plans, maps, the report and ``run.json``.

Everything is computed before writing starts (``planning.run.run_plan``); this module only
renders and writes, each file atomically.  ``key_results`` is the one serialization of the
run's headline numbers (``run.json`` ``key_results``; the CLI prints from the same result).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from heart_plan.atomic import write_csv, write_json, write_text
from heart_plan.catalog import load_manifest
from heart_plan.demand.outputs import write_demand_outputs
from heart_plan.gpkg import write_plan_gpkg
from heart_plan.loaders.quality import calls_quality_record, write_calls_quality
from heart_plan.plan import write_plan
from heart_plan.planning.posts import post_set_table
from heart_plan.planning.results import CandidateOutcome, PlanOutcome, RunResult
from heart_plan.planning.run import Timer
from heart_plan.processes import run_independent
from heart_plan.report.fields import page_fields
from heart_plan.report.plan_maps import citywide_map, hours_map
from heart_plan.report.plan_report import build_report
from heart_plan.runinfo import run_info, sha256_file
from heart_plan.staffing.plan_inputs import shift_table

Progress = Callable[[str], None]


def provenance_table(result: RunResult) -> pd.DataFrame:
    """Datasets the run read: id, title, vintage, licence, official source, sha256."""
    manifest = load_manifest()
    rows = []
    for ds_id, path in result.ctx.inputs.paths.items():
        ds = manifest.datasets.get(ds_id)
        if ds is None:  # a user file (e.g. a calls export path): no manifest entry
            rows.append(
                {"dataset": ds_id, "title": "user-supplied file", "vintage": "",
                 "licence": "", "official source": "", "file": Path(path).name,
                 "sha256": sha256_file(path)[:16] + "..."}
            )  # fmt: skip
            continue
        rows.append(
            {
                "dataset": ds_id,
                "title": ds.title,
                "vintage": ds.vintage,
                "licence": ds.licence,
                "official source": ds.official_url or ds.download_url,
                "file": Path(path).name,
                "sha256": ds.sha256[:16] + "...",
            }
        )
    return pd.DataFrame(rows)


def plan_key(outcome: PlanOutcome) -> dict[str, Any]:
    """One plan's entry in ``key_results``: size, staffing, cost, predicted and simulated."""
    plan = outcome.plan
    return {
        "beats": len(plan.service_area_beats),
        "max_teams_on_duty": max(plan.teams_on_duty),
        "team_hours_per_week": plan.team_hours_per_week,
        "fte": outcome.fte,
        "cost_per_year_usd": outcome.cost_per_year_usd,
        "predicted": plan.predicted,
        "replications": outcome.simulation.replications,
        "simulated": _estimates(outcome.summary),
        "simulated_on_scene_only": None
        if outcome.summary_on_scene_only is None
        else _estimates(outcome.summary_on_scene_only),
    }


def _estimates(summary: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``{measure: {mean, ci_low, ci_high}}`` of a simulation summary table."""
    return {
        row.measure: {"mean": row.mean, "ci_low": row.ci_low, "ci_high": row.ci_high}
        for row in summary.itertuples()
    }


def candidate_key(c: CandidateOutcome) -> dict[str, Any]:
    """One candidate's entry in ``key_results`` (the shape of :func:`plan_key`)."""
    plan = c.plan
    return {
        "beats": len(plan.service_area_beats),
        "max_teams_on_duty": max(plan.teams_on_duty),
        "team_hours_per_week": plan.team_hours_per_week,
        "fte": c.fte,
        "cost_per_year_usd": c.cost_per_year_usd,
        "recommended": c.recommended,
        "predicted": plan.predicted,
        "replications": c.replications,
        "simulated": {
            m: {"mean": v.mean, "ci_low": v.ci_low, "ci_high": v.ci_high}
            for m, v in c.simulated.items()
        },
    }


def key_results(result: RunResult) -> dict[str, Any]:
    """The run's headline numbers, JSON-ready (``run.json`` ``key_results``).

    One entry per reported plan (``pilot_2022``, ``current``, ``recommended``) and per
    candidate (``candidate_<n>_beats``), each with ``predicted.<measure>`` (a number) and
    ``simulated.<measure>`` (``{mean, ci_low, ci_high}``) under the same measure names.
    """
    t = result.target
    target: dict[str, Any] = {
        "measure": t.measure,
        "target": t.target,
        "max_teams_per_hour": t.max_teams,
        "around_the_clock": None if t.around_the_clock is None else asdict(t.around_the_clock),
        "cheapest_schedule": None if t.cheapest is None else asdict(t.cheapest),
        "max_reached_share": t.max_reached_share,
        "baseline_window_max_reached_share": t.baseline_window_max_reached_share,
    }
    return {
        "eligible_calls_per_year": result.calls_per_year,
        "modeled_share": result.modeled_share,
        **{name: plan_key(outcome) for name, outcome in result.plans.items()},
        **{c.name: candidate_key(c) for c in result.candidate_plans},
        "expansion_steps": result.roadmap.to_dict(orient="records"),
        "recommendation_candidates": result.candidates.to_dict(orient="records"),
        "recommendation_margin": _margin(result),
        "simulation_variation": result.ctx.scenario.simulation.variation,
        "what_the_target_would_take": target,
        "teams_curve": result.curve.to_dict(orient="records"),
        "hours_curve": result.hours.curve.to_dict(orient="records"),
        "fte_24_7": result.hours.to_24_7.to_dict(),
        "best_12h_window": result.hours.best_window.to_dict(),
        "roster": roster_key(result),
        "off_line": None if result.off_line is None else asdict(result.off_line),
        "units": units_key(result),
    }


def units_key(result: RunResult) -> dict[str, Any] | None:
    """All four HEART units (``RunResult.units``): per unit hours, teams or staff, FTE
    (roster convention), cost, ``predicted`` / ``simulated``
    ``reached_share_of_unit_eligible``, CCD's ``resolved_by_phone_share``, CN's
    ``deadline_met`` and the assumptions; the budget view (sums of all four) and the
    CRT + CoR ``reached_share`` (phone resolutions never added).
    """
    u = result.units
    if u is None:
        return None

    def sim(m: Any) -> dict[str, float] | None:
        return None if m is None else {"mean": m.mean, "ci_low": m.ci_low, "ci_high": m.ci_high}

    return {
        "units": {
            r.unit: {
                "label": r.label, "role": r.role, "hours": r.hours,
                "teams_or_staff": r.teams_or_staff, "team_hours_per_week": r.team_hours_per_week,
                "fte": r.fte, "fte_basis": r.fte_basis, "cost_per_year_usd": r.cost_per_year_usd,
                "eligible_calls_per_year": r.eligible_calls_per_year,
                "predicted": {
                    "reached_share_of_unit_eligible": r.reached_share_of_unit_eligible_predicted
                },
                "simulated": {
                    "reached_share_of_unit_eligible": sim(
                        r.reached_share_of_unit_eligible_simulated
                    )
                },
                "resolved_by_phone_share": r.resolved_by_phone_share,
                "deadline_met": r.deadline_met, "assumptions": list(r.assumptions),
            }
            for r in u.units
        },
        "budget_view": {"fte": u.total_fte, "cost_per_year_usd": u.total_cost_per_year_usd},
        "predicted": {"reached_share": u.reached_share_predicted},
        "simulated": {"reached_share": sim(u.reached_share_simulated)},
        "reached_share_counts": "CRT and CoR responses within the standard (never CCD phone "
        "resolutions) / citywide eligible calls",
        "resolved_by_phone_share": u.resolved_by_phone_share,
    }  # fmt: skip


def roster_key(result: RunResult) -> dict[str, Any] | None:
    """The recommended plan's roster (crews, FTE = crews x crew x relief, pay with
    differentials), the shift planner's FTE and cost for the candidate hours before it, and
    the pay with night and weekend differentials and relief of every reported cover.
    """
    if result.roster is None:
        return None
    from heart_plan.staffing.pay import pay_of_cover

    s = result.ctx.scenario
    covers = {name: o.plan.teams_on_duty for name, o in result.plans.items()}
    covers |= {
        "24_7_baseline_window": result.hours.to_24_7.baseline.teams_on_duty,
        "24_7_full": result.hours.to_24_7.full.teams_on_duty,
    }
    return result.roster.to_dict() | {
        "shift_planner": {
            "fte": result.shift_plan.fte,
            "cost_per_year_usd": pay_of_cover(
                result.shift_plan.teams_on_duty, s.roster, s.crt
            ).total_usd,
            "team_hours_per_week": result.shift_plan.team_hours_per_week,
            "shift_rows": len(result.shift_plan.shifts),
        },
        "pay_of_cover_usd": {
            name: pay_of_cover(cover, s.roster, s.crt).to_dict() for name, cover in covers.items()
        },
    }


def _margin(result: RunResult) -> dict[str, Any]:
    """The recommendation's comparison: margin over the runner-up (paired, CRN)."""
    cmp, beats = result.comparison, [int(b) for b in result.candidates["beats"]]
    m = cmp.margin
    return {
        "best_beats": beats[cmp.best],
        "runner_up_beats": None if cmp.runner_up is None else beats[cmp.runner_up],
        "recommended_beats": beats[cmp.chosen],
        "measurable": cmp.measurable,
        "replications": cmp.replications,
        "margin_reached_share": None
        if m is None
        else {"mean": m.mean, "ci_low": m.ci_low, "ci_high": m.ci_high},
        "excluded_beats": list(result.excluded_beats),
    }


def write_run(
    result: RunResult,
    out_dir: str | Path,
    *,
    command: str,
    progress: Progress | None = None,
    sensitivity: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Write every table, plan, map, the report and ``run.json`` (atomically, each file).
    ``sensitivity``: a sweep's results table for the report's sensitivity section.

    Returns the ``run.json`` record.
    """
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    ctx = result.ctx
    timer = Timer(say, dict(result.timings_s))
    with timer.step("report page"):
        report = build_report(
            result,
            provenance=provenance_table(result),
            run_label=command,
            sensitivity=sensitivity,
        ).to_html()
    info = run_info(
        ctx.scenario,
        command=command,
        data_files=ctx.inputs.paths,
        extra={
            "key_results": key_results(result),
            "report_fields": page_fields(result, report),
            "timings_s": timer.timings_s,
        },
    )
    with timer.step("maps and GeoPackage (plan.gpkg)"):
        plans = {o.name: o.plan for o in result.plans.values()}
        run_independent(
            [
                partial(citywide_map, result, out / "map_citywide.html"),
                partial(hours_map, result, out / "map_hours.html"),
                partial(write_plan_gpkg, out / "plan.gpkg", ctx, plans, result.roadmap),
            ],
            ctx.scenario.solver.workers,
        )
    with timer.step("tables, plans and report"):
        write_demand_outputs(ctx.demand, ctx.inputs, ctx.scenario, out / "demand", command=command)
        for outcome in result.plans.values():
            write_plan(out / f"plan_{outcome.name}.json", outcome.plan)
            write_csv(out / f"posts_{outcome.name}.csv", post_set_table(outcome.post_sets))
        write_csv(out / "roadmap.csv", result.roadmap)
        write_csv(out / "recommendation_candidates.csv", result.candidates)
        write_csv(out / "citywide_curve.csv", result.curve)
        write_csv(out / "hours_curve.csv", result.hours.curve)
        write_csv(out / "hours_fte_curve.csv", result.hours.fte_curve)
        write_csv(out / "hours_overnight.csv", result.hours.overnight)
        shifts = result.recommended.plan.shifts  # the roster's week when there is one
        write_csv(out / "shifts.csv", shift_table(shifts))
        if result.roster is not None:
            write_csv(out / "roster.csv", result.roster.rows())
        for outcome in result.plans.values():
            write_csv(out / f"simulation_{outcome.name}.csv", outcome.summary)
            write_csv(out / f"comparison_{outcome.name}.csv", outcome.comparison)
        write_csv(out / "equity.csv", result.equity)
        write_text(out / "report.html", report)
        write_calls_quality(out, ctx.inputs.calls)
    info["calls_quality"] = calls_quality_record(ctx.inputs.calls)
    info["timings_s"] = timer.timings_s
    write_json(out / "run.json", info)
    return info
