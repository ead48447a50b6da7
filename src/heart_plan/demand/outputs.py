"""The demand tables a run or ``heart-plan demand`` writes, and their summary lines."""

from __future__ import annotations

from pathlib import Path

from heart_plan.atomic import write_csv, write_geoparquet
from heart_plan.loaders.quality import calls_quality_record, write_calls_quality
from heart_plan.runinfo import run_info, write_run_info


def write_demand_outputs(result, inputs, scenario, out_dir: Path, *, command: str) -> None:
    """Write every demand output atomically (all computed before the first write)."""
    info = run_info(
        scenario,
        command=command,
        data_files=inputs.paths,
        extra={
            "demand_summary": result.summary,
            "calls_quality": calls_quality_record(inputs.calls),
        },
    )
    out_dir = Path(out_dir)
    write_calls_quality(out_dir, inputs.calls)
    write_csv(out_dir / "beat_demand.csv", result.beats)
    write_csv(out_dir / "beat_nature_demand.csv", result.beat_nature)
    write_csv(out_dir / "hour_of_week.csv", result.hour_of_week)
    write_geoparquet(out_dir / "demand_points.parquet", result.points)
    write_csv(out_dir / "demand_validation.csv", result.validation)
    write_csv(out_dir / "beat_demand_intervals.csv", result.intervals)
    write_csv(out_dir / "beat_mismatches.csv", result.mismatches)
    write_csv(out_dir / "calibration_check.csv", result.calibration)
    write_run_info(out_dir, info)


def summary_text(result, out_dir: Path) -> str:
    """The few lines printed after a run."""
    s = result.summary
    return "\n".join(
        [
            f"eligible calls: {s['calls_eligible']:,} observed over {s['observed_days']} days "
            f"in {s['observed_beats']} beats; {s['share_inside_beat_polygon']:.2%} inside a beat "
            f"polygon, {s['beat_mismatches']} with a different recorded beat",
            f"demand: {s['eligible_calls_per_year']:,.0f} eligible calls/year in {s['city_beats']} "
            f"city beats, {s['modeled_share']:.1%} modeled",
            f"calibration: max |error| vs published totals {s['max_abs_rel_error_city']:.2%} "
            f"(35 beats), {s['max_abs_rel_error_observed']:.2%} (observed beats)",
            f"leave-one-beat-out ({s['model']}): weighted abs error "
            f"{s['validation_wape']:.1%}, MAPE {s['validation_mape']:.1%}",
            f"outputs: {out_dir}",
        ]
    )
