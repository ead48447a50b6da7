"""``heart-plan compare A B --out DIR``: two run folders side by side.

The one command without ``--scenario`` (it reads the two runs' records, which hold their
resolved scenarios); writes ``inputs_diff.csv``, ``answers_diff.csv``, ``compare.html`` and
``run_info.json`` into ``--out`` (all-or-nothing).
"""

from __future__ import annotations

from pathlib import Path

import click

from heart_plan.commands._common import command_line, out_option, staged

OUTPUT_FILES = ("inputs_diff.csv", "answers_diff.csv", "compare.html", "run_info.json")


@click.command("compare")
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@out_option("outputs/compare")
def compare(run_a: Path, run_b: Path, out_dir: Path) -> None:
    """What changed between run folders A and B: inputs and every answer."""
    from heart_plan.atomic import write_csv, write_json, write_text
    from heart_plan.runcompare import compare_page, compare_runs, headline_table

    cmp = compare_runs(run_a, run_b)
    with staged(out_dir, OUTPUT_FILES) as stage:
        write_csv(stage / "inputs_diff.csv", cmp.inputs)
        write_csv(stage / "answers_diff.csv", cmp.answers)
        write_text(stage / "compare.html", compare_page(cmp))
        write_json(
            stage / "run_info.json",
            {"command": command_line(), "a": str(run_a), "b": str(run_b)},
        )
    click.echo(f"{len(cmp.inputs)} inputs and {int(cmp.answers['changed'].sum())} answers differ")
    for row in headline_table(cmp).itertuples():
        if row.change:
            click.echo(f"{row.answer.strip()}: {row.A} -> {row.B} ({row.change})")
    click.echo(f"outputs: {out_dir} (compare.html, inputs_diff.csv, answers_diff.csv)")
