"""``README.txt`` of every output folder, generated from one table of file and column
descriptions (:data:`FILES`, :data:`COLUMNS`) and the codes used in them (:data:`CODES`).

:func:`write_readme` lists the files a command wrote (subfolders included) with their
descriptions and, for each CSV, its columns with theirs.  A column of the form
``<measure>__<plan>`` (``reached_share__current``) or ``calls_per_year__<NATURE>`` is
described from its first part.  Unknown files and columns are listed as
``(not described)``; ``tests/test_output_docs.py`` keeps the run's README free of them.
"""

from __future__ import annotations

import csv
import fnmatch
from pathlib import Path

from heart_plan.atomic import write_text

#: File name (glob) -> what it holds.  First match wins.
FILES: dict[str, str] = {
    "README.txt": "this file: what each output file and column means",
    "report.html": "the report: what to do, what it costs, what it reaches (open in a browser)",
    "map_citywide.html": "interactive map: beats, demand, posts, drive-time areas",
    "map_hours.html": "interactive map: teams on duty by hour of week",
    "plan.gpkg": "GeoPackage (EPSG:4326) for QGIS/ArcGIS: layers beats (with demand), "
    "service_area, posts, drive_time_areas and, with a roadmap, roadmap",
    "run.json": "run record: resolved scenario, data checksums, versions, key results",
    "run_info.json": "run record: resolved scenario, data checksums, versions, parameters",
    "plan.json": "the plan (service area, posts per team count, teams on duty per hour); "
    "input to `heart-plan shifts` and `heart-plan simulate`",
    "plan_*.json": "a reported plan (same format as plan.json): pilot_2022, current, recommended",
    "posts.csv": "posts of the plan, one row per post",
    "posts_*.csv": "posts of a reported plan, one row per team count and post",
    "roadmap.csv": "service-area expansion roadmap, one row per step (beat added)",
    "citywide_curve.csv": "citywide calls reached and served against teams on duty every hour",
    "recommendation_candidates.csv": "the candidate areas the recommended plan was chosen "
    "from, simulated",
    "expansion.json": "what the reached target would take citywide and the roadmap order",
    "hours_curve.csv": "daily operating window length against FTE and calls reached/served",
    "hours_fte_curve.csv": "calls reached/served against FTE budget (best schedule per budget)",
    "hours_overnight.csv": "what each added overnight hour brings (hours 0-5)",
    "hours_answer.json": "the 24/7 answer and the best 12-hour window",
    "shifts.csv": "shift schedule: one row per shift start",
    "teams_on_duty.csv": "teams on duty and expected calls per hour of week",
    "simulation_*.csv": "simulated measures of a reported plan (mean and 95% CI over replications)",
    "comparison_*.csv": "a reported plan's predicted measures next to their simulated twins",
    "simulation.csv": "simulated measures of the plan (mean and 95% CI over replications)",
    "simulation.json": "simulated measures of the plan (JSON)",
    "comparison.csv": "predicted measures next to their simulated twins",
    "calls_replication0.csv": "every replayed call of replication 0 and its outcome",
    "missed_by_reason.csv": "calls not reached, by reason",
    "utilization_by_team.csv": "busy share of each team slot",
    "utilization_by_hour.csv": "busy share of the teams on duty by hour of week",
    "equity.csv": "calls reached by tract group (income, race/ethnicity), per plan",
    "calls_quality.csv": "calls export checks: rows read, dropped by reason, kept",
    "beat_demand.csv": "eligible calls per year per city beat (calibrated, by nature)",
    "beat_nature_demand.csv": "eligible calls per year per beat and nature",
    "hour_of_week.csv": "citywide eligible calls per year by hour of week",
    "demand_points.parquet": "GeoParquet of demand points (observed calls and modeled points)",
    "demand_validation.csv": "leave-one-beat-out validation of the demand model",
    "beat_mismatches.csv": "calls whose recorded beat differs from the polygon they fall in",
    "calibration_check.csv": "modeled totals against the published totals, per nature",
    "demand_nodes.csv": "road nodes carrying demand (snapped points)",
    "sites.csv": "candidate post sites snapped to the road network",
    "snapping_report.csv": "snap distance of every demand point and site",
    "drive_times__*.parquet": "drive-time matrix (s) of one time band, demand x sites",
    "graph_summary.json": "road graph summary",
    "road_nodes.parquet": "road graph nodes (GeoParquet)",
    "road_edges.parquet": "road graph edges (GeoParquet)",
    "inputs_diff.csv": "scenario keys that differ between runs A and B",
    "answers_diff.csv": "every answer of runs A and B side by side",
    "compare.html": "runs A and B compared (open in a browser)",
    "beat_demand_intervals.csv": "eligible calls per year per beat with the completion "
    "model's 90% prediction interval (observed beats: their calibrated counts)",
    "roster.csv": "the roster: one row per crew, cycle week and work day (fixed shift start "
    "and length, local time)",
    "roster.json": "the roster: crews, patterns, FTE, pay breakdown and binding soft rules",
    "backtest_comparison.csv": "backtest: predicted (training model) against realized (real "
    "test-window calls) reached, served and drive time, 95% CIs, city and observed beats",
    "backtest_by_beat.csv": "backtest: predicted against realized per beat",
    "backtest_shift.csv": "backtest: the test calls' shift from training (total variation by "
    "hour of week, beat and nature) against its noise level",
    "class_factors.toml": "scenario fragment: fitted road class x time band speed factors",
    "class_factors.csv": "fitted road class x time band speed factors",
    "calibration_fit.csv": "timed trips: observed against fitted seconds",
    "units.csv": "per HEART unit (CRT, CoR, CCD, CN) and all: hours, staff, FTE, cost and its "
    "share of its eligible calls",
    "units_field_hours.csv": "field units on duty by hour of week",
    "units_summary.json": "the units view (JSON), with the assumptions each figure rests on",
    "assumptions.csv": "each output and the assumed scenario keys it depends on",
    "arrivals_by_nature.csv": "eligible calls per year by hour of week and nature (input to "
    "`heart-plan units --arrivals`)",
    "ccd_staffing_curve.csv": "Crisis Call Diversion: clinicians needed per service level",
    "ccd_hours.csv": "Crisis Call Diversion by hour of week: calls, clinicians, answered share",
    "ccd_911_effect.csv": "911 answer times with CCD's added call-taker time (answered within "
    "10 and 15 s), by added seconds and call-taker shortfall",
    "ccd_911_hours.csv": "911 answer times by hour of day, before and after CCD",
    "cn_staff.csv": "Care Navigators: follow-ups, navigators and the 48-hour deadline check",
    "cn_by_day.csv": "Care Navigators by day: follow-ups due and done",
    "*.html": "an HTML page",
}

#: Column name -> meaning and unit.  Names carry their unit (``_s`` seconds, ``_h`` hours,
#: ``_usd`` dollars, ``_per_year`` per year, ``_share`` a fraction 0-1, ``_m`` metres).
COLUMNS: dict[str, str] = {
    # identifiers and codes
    "beat_id": "police beat id", "district": "police district (D1-D5)",
    "beat_added": "beat added at this step", "last_beat_added": "last beat added to the area",
    "site_id": "candidate site id (N<node> road node, F<n> fire station)",
    "node_id": "road node id (TRM road graph)", "demand_id": "demand node id",
    "scene_node": "road node of the call", "call_id": "call id", "point_id": "demand point id",
    "id": "point or site id", "kind": "site kind (fire_station, road_node)",
    "name": "candidate plan name", "plan": "plan name", "team": "team slot number",
    "band": "time band (see the scenario's [network.time_bands])",
    "search_band": "time band whose load the post search used",
    "busiest_band": "time band with the most calls per hour",
    "day": "day of week code (0 = Monday ... 6 = Sunday)", "day_name": "day of week",
    "hour": "hour of day 0-23 (local time)", "hour_of_day": "hour of day 0-23 (local time)",
    "hour_of_week": "hour of week code (0 = Monday 00:00-01:00 ... 167 = Sunday 23:00)",
    "start_hour": "start hour of day 0-23", "end_hour": "end hour of day 0-24",
    "step": "expansion step (0 = the pilot area)", "order": "staffing order (1 = first)",
    "nature": "call nature (CAD type)", "basis": "observed (call data) or modeled",
    "measure": "measure name (served, reached, covered: see the report's glossary)",
    "method": "how the row was computed", "model": "placement model", "status": "solver status",
    "check": "data check", "action": "what was done with the rows",
    "dimension": "equity dimension", "group": "group of tracts",
    "reason": "why calls were not reached", "outcome": "what happened to the call",
    "description": "what the measure is", "note": "remark", "covariate": "demand covariate",
    "recorded_beat_id": "beat in the call record", "polygon_beat_id": "beat polygon of the call",
    "called_at": "call time (local)", "predicted_measure": "predicted measure name",
    "simulated_measure": "simulated twin's name",
    # counts
    "teams": "teams (count)", "teams_on_duty": "teams on duty (count)",
    "teams_max": "most teams on duty in any hour", "peak_teams": "most teams on duty",
    "teams_spatial": "teams needed for coverage", "teams_workload": "teams needed for workload",
    "beats": "beats in the area (count)", "beats_in_area": "beats in the area (count)",
    "tracts": "census tracts (count)", "rows": "rows (count)", "calls": "calls (count)",
    "replications": "simulation replications", "n_points": "demand points at the node",
    "window_h": "daily window length (h)", "length_h": "shift length (h)",
    "team_hours_per_week": "team-hours on duty per week",
    "on_duty_hours": "hours on duty in the simulated year",
    "on_duty_team_hours": "team-hours on duty in the simulated year",
    "busy_team_hours_mean": "busy team-hours (mean over replications)",
    "hours_target_not_met": "hours of the week below the target (count)",
    "calls_mean": "calls (mean over replications)",
    "calls_ci_low": "calls, 95% CI low", "calls_ci_high": "calls, 95% CI high",
    "eligible_calls": "eligible calls",
    # flags
    "recommended": "true for the recommended candidate", "selected": "covariate chosen",
    "same_measure": "predicted and simulated measure are the same quantity",
    "table_concave": "calls per added team decrease (true/false)",
    "crosses_midnight": "the shift runs past midnight", "in_area": "call inside the area",
    "covered": "within the standard of a post", "covered_in_hours": "covered and in hours",
    "served": "handled by a team", "reached": "served within the response standard",
    "beyond_warn": "snap farther than [network] snap_warn_m",
    "outside_extent": "outside the road graph's extent",
    # roster (roster.csv)
    "unit_type": "unit type (crt, cor, ccd, cn)", "crew": "crew name (A, B, ...)",
    "week": "week of the roster's repeating cycle (1 = first)",
    "start_local": "shift start, local time (HH:MM)",
    "end_local": "shift end, local time (HH:MM; earlier than the start: the next day)",
    "duration_h": "shift length in hours",
    # demand intervals
    "lower_calls_per_year": "lower end of the 90% prediction interval, calls per year",
    "upper_calls_per_year": "upper end of the 90% prediction interval, calls per year",
    # money and staff
    "fte": "full-time equivalents (crew x team-hours / productive hours per FTE)",
    "fte_used": "FTE the schedule uses", "budget_fte": "FTE budget",
    "cumulative_fte": "FTE so far", "cost_per_year_usd": "staff cost per year (US$)",
    "cumulative_cost_per_year_usd": "staff cost per year so far (US$)",
    # calls per year
    "calls_per_year": "eligible calls per year",
    "eligible_calls_per_year": "eligible calls per year",
    "observed_calls_per_year": "eligible calls per year from observed calls",
    "modeled_calls_per_year": "eligible calls per year from the covariate model",
    "predicted_calls_per_year": "predicted eligible calls per year",
    "error_calls_per_year": "predicted - observed calls per year",
    "calls_added_per_year": "calls per year the step adds",
    "area_calls_per_year": "calls per year in the area",
    "calls_in_window_per_year": "calls per year inside the daily window",
    "arrivals_per_year": "eligible calls per year in this hour of week",
    "expected_reached_per_year": "expected calls reached per year",
    "expected_served_per_year": "expected calls served per year",
    "cumulative_reached_per_year": "calls reached per year so far",
    "cumulative_served_per_year": "calls served per year so far",
    "marginal_calls_per_added_team": "calls per year per added team",
    "marginal_reached_per_fte": "added calls reached per year per added FTE",
    "marginal_served_per_fte": "added calls served per year per added FTE",
    "reached_per_fte": "calls reached per year per FTE", "served_per_fte": "calls served per "
    "year per FTE", "offered_load_erlangs": "offered load (Erlangs: busy hours per hour)",
    "published_city": "published citywide total", "model_city": "modeled citywide total",
    "published_observed": "published total, observed beats",
    "model_observed": "modeled total, observed beats",
    # shares (fractions 0-1)
    "share": "share 0-1", "reached_share": "share of citywide eligible calls reached "
    "(served within the standard), 0-1", "served_share": "share of citywide eligible calls "
    "served, 0-1", "covered_share": "share of citywide calls within the standard of a post "
    "(teams never busy), 0-1", "expected_covered_share": "expected covered share (busy "
    "teams, MEXCLP), 0-1", "covered_share_of_area": "share of the area's calls covered, 0-1",
    "predicted_reached_share": "reached share predicted by the queue-aware evaluator, 0-1",
    "reached_ci_low": "reached share, 95% CI low", "reached_ci_high": "reached share, 95% "
    "CI high", "cumulative_share": "share of citywide calls in the area, 0-1",
    "modeled_share": "share of the calls from the covariate model (no call points), 0-1",
    "share_of_rows_read": "share of the rows read, 0-1",
    "share_of_calls_in_window": "share of the calls inside the window, 0-1",
    "reached_share_of_all_calls": "reached share of all calls, 0-1",
    "served_share_of_all_calls": "served share of all calls, 0-1",
    "search_reached_share_of_area": "reached share of the area's calls in the post search",
    "share_mean": "share (mean over replications)", "share_ci_low": "share, 95% CI low",
    "share_ci_high": "share, 95% CI high", "utilization_mean": "busy share of on-duty time",
    "utilization_ci_low": "busy share, 95% CI low", "utilization_ci_high": "busy share, 95% "
    "CI high", "abs_pct_error": "absolute error / observed", "mape": "mean abs_pct_error",
    "rel_error_city": "relative error, citywide", "rel_error_observed": "relative error, "
    "observed beats", "gap": "solver's relative optimality gap",
    # values with their statistics
    "mean": "mean over replications (unit of the measure)", "ci_low": "95% CI low",
    "ci_high": "95% CI high", "predicted_value": "predicted value",
    "simulated_mean": "simulated mean", "simulated_ci_low": "simulated 95% CI low",
    "simulated_ci_high": "simulated 95% CI high",
    # times and distances
    "mean_drive_time_s": "mean drive time to reached calls (s)",
    "search_mean_drive_time_s": "mean drive time in the post search (s)",
    "nearest_post_drive_time_s": "mean drive time from the nearest post, teams free (s)",
    "drive_time_s": "drive time (s)", "response_time_s": "turnout + drive (s)",
    "on_scene_s": "time on scene (s, an assumption)", "clear_s": "time the team is clear (s)",
    "t_s": "call time, seconds from the start of the year", "access_s": "drive from the "
    "point to its road node at the access speed (s)", "snap_distance_m": "snap distance (m)",
    "lon": "longitude (degrees, WGS 84)", "lat": "latitude (degrees, WGS 84)",
    "node_lon": "road node longitude (WGS 84)", "node_lat": "road node latitude (WGS 84)",
}  # fmt: skip

#: The codes used across files.
CODES = """\
Codes
  day            0 = Monday, 1 = Tuesday, ..., 5 = Saturday, 6 = Sunday
  hour, *_hour   hour of day, 0-23, local time (America/New_York); end hours may be 24
  hour_of_week   day x 24 + hour: 0 = Monday 00:00-01:00, 24 = Tuesday 00:00, ...,
                 167 = Sunday 23:00-24:00
  band           time band of the scenario ([network.time_bands]: drive speeds by hour)
  measure        covered = within the response standard of a post (teams never busy);
                 served = handled by a team at all; reached = served within the standard
                 (the headline). Shares are of citywide eligible calls per year unless the
                 name says _of_area or _in_scope.
Units are in the column names: _s seconds, _h hours, _m metres, _usd US dollars,
_per_year per year, _share a fraction 0-1 (0.25 = 25%), fte full-time equivalents.
Numbers are rounded: shares 4 decimals, seconds 1, dollars 2, calls per year 2, others
6 significant digits.
"""


def describe_file(name: str) -> str:
    """The description of a file name (:data:`FILES`), or ``(not described)``."""
    for pattern, text in FILES.items():
        if fnmatch.fnmatch(name, pattern):
            return text
    return "(not described)"


def describe_column(column: str) -> str:
    """The description of a CSV column (:data:`COLUMNS`), or ``(not described)``.

    ``<measure>__<suffix>`` columns are described from the measure and named by the suffix
    (a plan or a nature).
    """
    if column in COLUMNS:
        return COLUMNS[column]
    head, sep, tail = column.partition("__")
    if sep and head in COLUMNS:
        return f"{COLUMNS[head]}: {tail}"
    return "(not described)"


def readme_text(folder: str | Path, *, title: str = "") -> str:
    """The README.txt text of ``folder``: files (subfolders too), CSV columns, codes."""
    root = Path(folder)
    lines = [title or f"heart_plan outputs in {root.name}/", ""]
    lines.append("Files")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    names = [p.relative_to(root).as_posix() for p in files]
    if "README.txt" not in names:
        names.insert(0, "README.txt")
    width = max((len(n) for n in names), default=10) + 2
    for name in names:
        lines.append(f"  {name:<{width}}{describe_file(Path(name).name)}")
    for path in files:
        if path.suffix != ".csv":
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        lines += ["", f"Columns of {path.relative_to(root).as_posix()}"]
        col_width = max((len(c) for c in header), default=10) + 2
        lines += [f"  {c:<{col_width}}{describe_column(c)}" for c in header]
    lines += ["", CODES]
    return "\n".join(lines)


def write_readme(folder: str | Path, *, title: str = "") -> Path:
    """Write ``README.txt`` into ``folder`` (atomically) from :func:`readme_text`."""
    return write_text(Path(folder) / "README.txt", readme_text(folder, title=title))
