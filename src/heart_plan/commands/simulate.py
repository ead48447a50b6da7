"""``heart-plan simulate``: replay eligible calls against a plan (trace-driven simulation)."""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import (
    calls_option,
    calls_quality_record,
    command_line,
    load_command_scenario,
    mirror_option,
    out_option,
    output_dir,
    scenario_option,
    scenario_with_calls,
    staged,
    write_calls_quality,
)


@click.command(
    "simulate",
    epilog="\b\nExamples:\n  heart-plan simulate --plan outputs/durham/plan_recommended.json\n  heart-plan simulate --plan outputs/durham/place/plan.json --replications 50\n",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="plan.json to simulate.",
)
@calls_option
@scenario_option
@out_option("simulate")
@mirror_option
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications (default: [simulation] replications).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=None,
    help="Seed, 0 or more (default: [simulation] seed).",
)
@click.option(
    "--observed-only/--with-modeled",
    "observed_only",
    default=None,
    help="Replay only observed calls (default: [simulation] observed_only).",
)
def simulate(
    plan_path: Path,
    calls_path: Path | None,
    scenario_path: Path | None,
    out_dir: Path | None,
    mirror: Path | None,
    replications: int | None,
    seed: int | None,
    observed_only: bool | None,
) -> None:
    """Replay calls against PLAN: served, reached, missed by reason, utilization (95% CIs)."""
    import time

    from heart_plan.plan import read_plan
    from heart_plan.planning.context import build_context
    from heart_plan.planning.replay import replay_inputs, simulate_plan
    from heart_plan.runinfo import run_info
    from heart_plan.simulation.outputs import OUTPUT_FILES, write_simulation_outputs

    scenario = load_command_scenario(scenario_path)

    out_dir = output_dir(out_dir, scenario, "simulate")
    plan = read_plan(plan_path)
    sim = scenario.simulation
    replications = sim.replications if replications is None else replications
    seed = sim.seed if seed is None else seed
    observed_only = sim.observed_only if observed_only is None else observed_only
    plan.check_against(source=str(plan_path), bands=scenario.network.time_bands,
                       unit_types=scenario.units)  # fmt: skip
    scenario = scenario_with_calls(scenario, calls_path)

    t0 = time.perf_counter()
    ctx = build_context(scenario, mirror)
    plan.check_against(source=str(plan_path), city_beats=ctx.city_beats,
                       node_ids=ctx.engine.node_ids)  # fmt: skip
    replay = replay_inputs(ctx, seed=seed, observed_only=observed_only)
    t1 = time.perf_counter()
    result = simulate_plan(plan, scenario, replay, replications=replications, seed=seed)
    t2 = time.perf_counter()
    info = run_info(
        scenario,
        command=command_line(),
        data_files={**replay.data_files, "plan": plan_path},
        extra={
            "simulation": {
                "replications": replications,
                "seed": seed,
                "observed_only": observed_only,
                "on_scene": result.on_scene,
                "on_scene_is_assumption": True,
                "load_seconds": round(t1 - t0, 2),
                "simulate_seconds": round(t2 - t1, 2),
                **replay.info.to_dict(),
            },
            "calls_quality": calls_quality_record(ctx.inputs.calls),
        },
    )
    with staged(out_dir, (*OUTPUT_FILES, "calls_quality.csv")) as stage:
        tables = write_simulation_outputs(result, plan.predicted, stage, info)
        write_calls_quality(stage, ctx.inputs.calls)
    measures = tables["simulation.json"]["measures"]
    click.echo(
        f"simulated {measures['eligible_calls']['mean']:,.0f} eligible calls (mean) x "
        f"{replications} replications ({scenario.simulation.variation}): "
        + ", ".join(
            f"{m} {measures[m]['mean']:.3f}"
            for m in ("served_share", "reached_share", "missed_all_busy_share")
            if measures[m]["mean"] is not None
        )
        + f" -> {out_dir}"
    )
