"""A sweep's outputs: the tidy results table (``results.parquet`` and ``results.csv``: one
row per scenario, its parameters and key results with 95% CIs), the comparison page
(``sweep.html``) and the run record (``run_info.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from heart_plan.atomic import write_csv, write_text, write_with
from heart_plan.report import simple_page as sp
from heart_plan.runinfo import run_info, write_run_info
from heart_plan.sweep.cases import RESULT_COLUMNS
from heart_plan.sweep.execute import SweepRun

#: Files a sweep owns at the top of ``--out`` (``cases/`` is the resumable store).
OUTPUT_FILES = ("results.parquet", "results.csv", "sweep.html", "run_info.json")


def dotted_value(raw: dict[str, Any], dotted: str) -> Any:
    """The value at ``dotted`` in a scenario dict (None when absent)."""
    node: Any = raw
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _cell(value: Any) -> Any:
    """Lists and tables as JSON text (a tidy, typed column)."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, sort_keys=True)
    return value


def results_table(run: SweepRun) -> pd.DataFrame:
    """One row per scenario: ``case_id, label, key``, ``param__<dotted key>`` (the value
    the case ran with, the base's where it does not override), ``RESULT_COLUMNS`` and
    ``runtime_s``.  Shares are fractions of citywide eligible calls per year.
    """
    base = run.grid.base.to_dict()
    params = run.grid.parameters
    rows = []
    for rec in run.records:
        overrides = rec.case.override_dict
        row: dict[str, Any] = {"case_id": rec.case.case_id, "label": rec.case.label, "key": rec.key}
        for p in params:
            row[f"param__{p}"] = _cell(overrides[p] if p in overrides else dotted_value(base, p))
        for col in (*RESULT_COLUMNS, "runtime_s"):
            row[col] = rec.results.get(col)
        rows.append(row)
    return pd.DataFrame(rows)


def _ci(mean: Any, low: Any, high: Any) -> str:
    if mean is None or pd.isna(mean):
        return "\u2013"
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return f"{100 * mean:.1f}%"
    return f"{100 * mean:.1f}% ({100 * low:.1f}-{100 * high:.1f})"


def sweep_page(run: SweepRun, table: pd.DataFrame) -> str:
    """The comparison page: one row per scenario, differences from the base scenario."""
    shown = pd.DataFrame(
        {
            "scenario": table["label"],
            "recommended area (beats)": table["recommended_beats"],
            "reached (95% CI)": [
                _ci(m, lo, hi)
                for m, lo, hi in zip(
                    table["reached_share"],
                    table["reached_ci_low"],
                    table["reached_ci_high"],
                    strict=True,
                )
            ],
            "served": [_ci(m, None, None) for m in table["served_share"]],
            "FTE": table["recommended_fte"],
            "24/7 FTE": table["fte_24_7"],
            "today reached": [_ci(m, None, None) for m in table["current_reached_share"]],
        }
    )
    sections = [
        sp.section(
            "Scenarios",
            sp.paragraph(
                "Each row is one scenario: the recommended plan's area, the simulated share of "
                "citywide eligible calls reached within the response standard (95% CI over "
                "replications), served, its FTE, what 24/7 citywide would take, and today's "
                "plan (current) reached."
            ),
            sp.scroll_table(shown, decimals=1),
            section_id="scenarios",
        )
    ]
    base = table[table["label"] == "base"]
    if len(base) == 1:
        b = base.iloc[0]
        lines = []
        for r in table.itertuples():
            if r.label == "base":
                continue
            change = (
                f"{r.label}: reached {100 * (r.reached_share - b.reached_share):+.1f} points, "
                f"24/7 FTE {r.fte_24_7 - b.fte_24_7:+.1f}"
            )
            if r.recommended_beats != b.recommended_beats:
                change += (
                    f"; the recommended area changes from {b.recommended_beats} to "
                    f"{r.recommended_beats} beats"
                )
            lines.append(change)
        if lines:
            sections.append(
                sp.section("Against the base scenario", sp.bullets(lines), section_id="changes")
            )
    params = [c for c in table.columns if c.startswith("param__")]
    if params:
        frame = table[["case_id", "label", *params]].rename(
            columns={c: c.removeprefix("param__") for c in params}
        )
        sections.append(
            sp.section("Parameters", sp.scroll_table(frame, decimals=2), section_id="parameters")
        )
    subtitle = (
        f"{len(table)} scenarios over {run.grid.base.name}; grid {run.grid.path.name}; "
        f"results.csv / results.parquet hold every number"
    )
    return sp.page("HEART scenario sweep", subtitle, sections)


def write_sweep_outputs(run: SweepRun, out_dir: str | Path, *, command: str) -> pd.DataFrame:
    """Write ``results.parquet``, ``results.csv``, ``sweep.html`` and ``run_info.json``."""
    out = Path(out_dir)
    table = results_table(run)
    write_with(out / "results.parquet", lambda p: table.to_parquet(p, index=False))
    write_csv(out / "results.csv", table)
    write_text(out / "sweep.html", sweep_page(run, table))
    info = run_info(
        run.grid.base,
        command=command,
        data_files={},
        extra={
            "sweep": {
                "grid": str(run.grid.path),
                "cases": [
                    {"case_id": r.case.case_id, "label": r.case.label, "key": r.key,
                     "overrides": dict(r.case.overrides), "reused": r.reused}
                    for r in run.records
                ],
                "executor": run.executor,
                "workers": run.workers,
                "solver_threads": run.solver_threads,
                "wall_s": run.wall_s,
            }
        },
    )  # fmt: skip
    write_run_info(out, info)
    return table
