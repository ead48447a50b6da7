"""The calls data-quality table (rows kept, dropped and why) written beside every output
that reads calls, and its dict form for run records (see ``loaders.calls``).
"""

from __future__ import annotations

from pathlib import Path

from heart_plan.atomic import write_csv
from heart_plan.loaders.calls import calls_quality_table

#: Every output folder of ``heart-plan run``/``demand``/... also holds this table.
CALLS_QUALITY_FILE = "calls_quality.csv"


def write_calls_quality(out_dir: Path, calls) -> dict:
    """Write ``calls_quality.csv`` (see ``loaders.calls``) into ``out_dir``; return it as a
    dict ``{check: {rows, share_of_rows_read, action}}`` for the run record.
    """
    table = calls_quality_table(calls)
    write_csv(Path(out_dir) / CALLS_QUALITY_FILE, table)
    return calls_quality_record(calls)


def calls_quality_record(calls) -> dict:
    """The data-quality table as a dict for ``run.json`` / ``run_info.json``."""
    table = calls_quality_table(calls)
    return {
        row.check: {"rows": int(row.rows), "share_of_rows_read": float(row.share_of_rows_read),
                    "action": row.action}
        for row in table.itertuples()
    }  # fmt: skip
