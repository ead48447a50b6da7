"""One sweep case: its key (built from its inputs) and its run (``run_plan``) reduced to a
flat, JSON-ready row of parameters and key results with 95% CIs.

The key is the sha256 of the case's resolved scenario (``Scenario.to_dict``: every
assumption, so a comment-only edit of the base file keeps the key), the data manifest
(pinned sha256 of every dataset; the run checks its files against it) and the code
(every source file that computes results), so a finished case is reused only when nothing that
could change its results changed.  ``run_case`` is what a Dask worker executes: plain
dicts in and out, nothing pickled but the function reference.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from importlib import resources
from pathlib import Path
from typing import Any

from heart_plan.config import Scenario

#: Key results of a case (columns of the results table), beside ``param__<key>`` columns.
RESULT_COLUMNS = (
    "recommended_beats", "recommended_teams_max", "recommended_fte",
    "recommended_cost_per_year_usd",
    "reached_share", "reached_ci_low", "reached_ci_high",
    "served_share", "served_ci_low", "served_ci_high",
    "predicted_reached_share",
    "margin_measurable", "margin_reached_share", "margin_ci_low", "margin_ci_high",
    "runner_up_beats",
    "current_reached_share", "current_reached_ci_low", "current_reached_ci_high",
    "pilot_2022_reached_share",
    "fte_24_7", "fte_24_7_added", "target_fte_around_the_clock",
    "calls_per_year", "modeled_share", "replications",
)  # fmt: skip


#: Package parts that only present results (pages, files, the CLI): not part of the key.
PRESENTATION = ("report/", "commands/", "cli.py", "writer.py", "runcompare.py", "sweep/outputs.py")


@functools.cache
def code_digest() -> str:
    """sha256 over the source that computes a case's results and the data manifest (path and bytes; ``PRESENTATION`` modules left out)."""
    root = Path(str(resources.files("heart_plan")))
    digest = hashlib.sha256()
    for path in sorted(
        p
        for p in root.rglob("*")
        if (p.suffix == ".py" or p.name == "manifest.toml")
        and "__pycache__" not in p.parts
        and not p.relative_to(root).as_posix().startswith(PRESENTATION)
    ):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def case_key(scenario: Scenario) -> str:
    """The key of a case: sha256 of its resolved scenario and the code (see module doc)."""
    payload = json.dumps(
        {"scenario": scenario.to_dict(), "code": code_digest()}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def run_case(
    scenario_dict: dict[str, Any],
    *,
    mirror: str | None = None,
    cache_dir: str | None = None,
    blas_threads: int = 1,
) -> dict[str, Any]:
    """Run one case (``planning.run.run_plan``) and return its key results (a flat dict).

    Executed in-process or on a Dask worker; ``blas_threads`` caps numpy's thread pools so
    that solver threads x workers do not oversubscribe the cores, ``cache_dir`` points the
    worker at the shared content-keyed cache (graph, drive-time matrices).
    """
    from threadpoolctl import threadpool_limits

    from heart_plan.paths import CACHE_ENV
    from heart_plan.planning.run import run_plan

    if cache_dir:
        os.environ[CACHE_ENV] = cache_dir
    scenario = Scenario.from_dict(scenario_dict, source="<sweep case>")
    t0 = time.perf_counter()
    with threadpool_limits(limits=blas_threads):
        result = run_plan(scenario, mirror=mirror)
    row = case_results(result)
    row["runtime_s"] = round(time.perf_counter() - t0, 2)
    return row


def case_results(result: Any) -> dict[str, Any]:
    """The key results of a ``RunResult`` (``RESULT_COLUMNS``), plain numbers."""
    rec = result.recommended
    reached = rec.simulated("reached_share")
    served = rec.simulated("served_share")
    cur = result.current.simulated("reached_share")
    cmp = result.comparison
    beats = [int(b) for b in result.candidates["beats"]]
    margin = cmp.margin
    target = result.target.around_the_clock
    f = result.hours.to_24_7
    row = {
        "recommended_beats": len(rec.plan.service_area_beats),
        "recommended_teams_max": int(max(rec.plan.teams_on_duty)),
        "recommended_fte": float(rec.fte),
        "recommended_cost_per_year_usd": float(rec.cost_per_year_usd),
        "reached_share": reached.mean,
        "reached_ci_low": reached.ci_low,
        "reached_ci_high": reached.ci_high,
        "served_share": served.mean,
        "served_ci_low": served.ci_low,
        "served_ci_high": served.ci_high,
        "predicted_reached_share": float(rec.predicted.get("reached_share", float("nan"))),
        "margin_measurable": bool(cmp.measurable),
        "margin_reached_share": None if margin is None else margin.mean,
        "margin_ci_low": None if margin is None else margin.ci_low,
        "margin_ci_high": None if margin is None else margin.ci_high,
        "runner_up_beats": None if cmp.runner_up is None else beats[cmp.runner_up],
        "current_reached_share": cur.mean,
        "current_reached_ci_low": cur.ci_low,
        "current_reached_ci_high": cur.ci_high,
        "pilot_2022_reached_share": result.pilot.reached_share,
        "fte_24_7": float(f.full.fte),
        "fte_24_7_added": float(f.added_fte),
        "target_fte_around_the_clock": None if target is None else float(target.fte),
        "calls_per_year": float(result.calls_per_year),
        "modeled_share": float(result.modeled_share),
        "replications": int(rec.simulation.replications),
    }
    return {k: _plain(v) for k, v in row.items()}


def _plain(value: Any) -> Any:
    """Python numbers from numpy scalars (JSON, and identical serial/Dask comparisons)."""
    if hasattr(value, "item"):
        return value.item()
    return value
