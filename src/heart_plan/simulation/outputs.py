"""Writing a simulation's tables (all computed before the first write, written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from heart_plan.atomic import write_csv, write_json
from heart_plan.simulation.results import SimulationResult

OUTPUT_FILES = (
    "simulation.csv",
    "simulation.json",
    "calls_replication0.csv",
    "missed_by_reason.csv",
    "utilization_by_team.csv",
    "utilization_by_hour.csv",
    "comparison.csv",
    "run_info.json",
)


def simulation_tables(result: SimulationResult, predicted: dict[str, Any]) -> dict[str, Any]:
    """Every output table keyed by file name (``run_info.json`` excluded)."""
    summary = result.summary()
    return {
        "simulation.csv": summary,
        "simulation.json": {
            "replications": result.replications,
            "seed": result.seed,
            "standard_s": result.standard_s,
            "turnout_s": result.turnout_s,
            "return_rule": result.return_rule,
            "on_scene": result.on_scene,
            "on_scene_is_assumption": True,
            "measures": {
                row.measure: {
                    "mean": _num(row.mean),
                    "ci_low": _num(row.ci_low),
                    "ci_high": _num(row.ci_high),
                    "description": row.description,
                }
                for row in summary.itertuples()
            },
        },
        "calls_replication0.csv": result.calls_frame(0),
        "missed_by_reason.csv": result.missed_by_reason(),
        "utilization_by_team.csv": result.utilization_by_team(),
        "utilization_by_hour.csv": result.utilization_by_hour(),
        "comparison.csv": result.comparison(predicted),
    }


def write_simulation_outputs(
    result: SimulationResult, predicted: dict[str, Any], out_dir: str | Path, info: dict[str, Any]
) -> dict[str, Any]:
    """Write the tables and ``run_info.json`` into ``out_dir``; returns the tables."""
    tables = simulation_tables(result, predicted)
    out_dir = Path(out_dir)
    for name, table in tables.items():
        if isinstance(table, pd.DataFrame):
            write_csv(out_dir / name, table)
        else:
            write_json(out_dir / name, table)
    write_json(out_dir / "run_info.json", info)
    return tables


def _num(value: float) -> float | None:
    """JSON-safe number (NaN -> null)."""
    return None if value != value else float(value)
