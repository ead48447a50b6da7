"""``heart-plan backtest``: a plan against calls it has not seen (predicted vs realized)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from heart_plan.commands._common import (
    command_line,
    mirror_option,
    out_option,
    scenario_option,
    staged,
    write_calls_quality,
)

OUTPUT_FILES = (
    "backtest_comparison.csv",
    "backtest_by_beat.csv",
    "backtest_shift.csv",
    "calls_quality.csv",
    "run_info.json",
)


@click.command(
    "backtest",
    epilog="\b\nExamples:\n  heart-plan place --scenario train.toml --out outputs/train\n"
    "  heart-plan backtest --scenario train.toml --plan outputs/train/plan.json \\\n"
    "      --calls calls_2021.csv --window 2021-07-01 2021-09-30\n",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="plan.json made from the training scenario (--scenario).",
)
@click.option(
    "--calls",
    "calls_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Calls export holding the test window's calls (the scenario's calls schema).",
)
@click.option(
    "--window",
    nargs=2,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Test window START END (inclusive dates; default: the day after the training "
    "window to the file's last call).",
)
@scenario_option
@out_option("outputs/durham/backtest")
@mirror_option
@click.option("--replications", type=click.IntRange(min=1), default=None,
              help="Replications (default: [simulation] replications).")  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 2), default=None,
              help="Seed (default: [simulation] seed).")  # fmt: skip
def backtest(
    plan_path: Path,
    calls_path: Path,
    window: tuple[dt.datetime, dt.datetime] | None,
    scenario_path: Path | None,
    out_dir: Path,
    mirror: Path | None,
    replications: int | None,
    seed: int | None,
) -> None:
    """Simulate PLAN on the training model's calls and on the real calls of the test
    window; write predicted vs realized measures (95% CIs), per beat, and the calls' shift.
    """
    import dataclasses

    from heart_plan.atomic import write_csv
    from heart_plan.config import load_scenario
    from heart_plan.eligibility import filter_eligible
    from heart_plan.loaders.calls import load_calls
    from heart_plan.plan import read_plan
    from heart_plan.planning.backtest import backtest as run_backtest
    from heart_plan.planning.context import build_context
    from heart_plan.runinfo import run_info, write_run_info

    scenario = load_scenario(scenario_path)
    plan = read_plan(plan_path)
    plan.check_against(source=str(plan_path), bands=scenario.network.time_bands,
                       unit_types=scenario.units)  # fmt: skip
    if not calls_path.is_file():
        raise click.BadParameter(f"{calls_path}: file not found", param_hint="--calls")
    train_end = dt.date.fromisoformat(scenario.calls.observed_end)
    train_start = dt.date.fromisoformat(scenario.calls.observed_start)
    if window is None:
        start, end = train_end + dt.timedelta(days=1), dt.date(train_end.year, 12, 31)
    else:
        start, end = window[0].date(), window[1].date()
    if end < start:
        raise click.BadParameter(f"END {end} is before START {start}", param_hint="--window")
    if start <= train_end and end >= train_start:
        raise click.BadParameter(
            f"the test window {start}..{end} overlaps the training window "
            f"{train_start}..{train_end} ([calls] observed_start/observed_end of the "
            f"scenario); test on later dates",
            param_hint="--window",
        )
    if scenario.demand.rake_observed:
        click.echo(
            "[backtest] warning: demand.rake_observed = true rakes the training counts to "
            "published full-year totals (leakage); set it false in the training scenario",
            err=True,
        )
    sim = scenario.simulation
    replications = sim.replications if replications is None else replications
    seed = sim.seed if seed is None else seed
    ctx = build_context(
        scenario, mirror, progress=lambda m: click.echo(f"[backtest] {m}", err=True)
    )
    plan.check_against(source=str(plan_path), city_beats=ctx.city_beats,
                       node_ids=ctx.engine.node_ids)  # fmt: skip
    test_scenario = dataclasses.replace(
        scenario,
        calls=dataclasses.replace(
            scenario.calls,
            dataset=str(calls_path.resolve()),
            observed_start=str(start),
            observed_end=str(end),
        ),
    )
    raw = load_calls(
        calls_path, test_scenario, beats=ctx.inputs.beats, city_limits=ctx.inputs.city_limits
    )
    test = filter_eligible(raw, test_scenario)
    if window is None and len(test):
        end = min(end, max(test["called_at"].dt.date))
    if not len(test):
        raise click.BadParameter(
            f"{calls_path}: no eligible calls in {start}..{end}", param_hint="--calls"
        )
    result = run_backtest(
        plan, ctx, test, start=start, end=end, replications=replications, seed=seed
    )
    info = run_info(
        scenario,
        command=command_line(),
        data_files={**ctx.inputs.paths, "plan": plan_path, "test_calls": calls_path},
        extra={"backtest": result.info},
    )
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_csv(stage / "backtest_comparison.csv", result.comparison)
        write_csv(stage / "backtest_by_beat.csv", result.by_beat)
        write_csv(stage / "backtest_shift.csv", result.shift)
        write_calls_quality(stage, raw)
        write_run_info(stage, info)
    for r in result.comparison.itertuples():
        if r.measure == "reached_share":
            click.echo(
                f"{r.scope}: reached share predicted {r.predicted:.1%} "
                f"[{r.predicted_ci_low:.1%}, {r.predicted_ci_high:.1%}], realized "
                f"{r.realized:.1%} [{r.realized_ci_low:.1%}, {r.realized_ci_high:.1%}] "
                f"({r.difference * 100:+.1f} points)"
            )
    for r in result.shift.itertuples():
        click.echo(
            f"shift by {r.dimension}: TV {r.total_variation:.3f} (noise {r.noise_mean:.3f}, "
            f"95% {r.noise_p95:.3f}){' beyond noise' if r.beyond_noise else ''}"
        )
    click.echo(f"outputs: {out_dir}")
