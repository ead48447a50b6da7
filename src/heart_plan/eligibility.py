"""Which calls HEART could take: scenario-configured eligibility (``[eligibility]``).

A call is eligible when its nature is in ``natures`` (case-insensitive), its priority is in
``priorities`` (calls without a priority pass), no ``exclude_flag_columns`` column that the
export has is true for it, and, where the export says so, it is not cancelled and not
self-initiated (``Source`` containing "SELF" or "OFFICER").  Columns an export lacks are
skipped; ``EligibilityReport`` says which rules could be applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.errors import DataError

TRUE_TEXT = {"Y", "YES", "TRUE", "T", "1", "CANCELLED", "CANCELED"}


@dataclass(frozen=True)
class EligibilityReport:
    """Counts removed by each rule (``None`` = the export has no such column)."""

    n_input: int
    n_eligible: int
    removed_nature: int
    removed_priority: int | None
    removed_flags: dict[str, int]
    removed_cancelled: int | None
    removed_self_initiated: int | None


def truthy(series: pd.Series) -> pd.Series:
    """Boolean view of a Y/N, yes/no, true/false or 0/1 column (empty = False)."""
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).astype(bool)
    return series.astype(str).str.strip().str.upper().isin(TRUE_TEXT)


def eligible_mask(calls: pd.DataFrame, scenario: Scenario) -> tuple[pd.Series, EligibilityReport]:
    """Boolean mask of eligible calls and a report of what each rule removed."""
    cfg = scenario.eligibility
    natures = {n.strip().upper() for n in cfg.natures}
    keep = calls["nature"].astype(str).str.strip().str.upper().isin(natures)
    removed_nature = int((~keep).sum())
    removed_priority = None
    if "priority" in calls.columns and calls["priority"].notna().any():
        ok = calls["priority"].isna() | calls["priority"].isin(list(cfg.priorities))
        ok = ok.fillna(True).astype(bool)
        removed_priority = int((keep & ~ok).sum())
        keep &= ok
    flags: dict[str, int] = {}
    for col in cfg.exclude_flag_columns:
        if col in calls.columns:
            hit = truthy(calls[col])
            flags[col] = int((keep & hit).sum())
            keep &= ~hit
    removed_cancelled = None
    if cfg.exclude_cancelled and "cancelled" in calls.columns:
        hit = truthy(calls["cancelled"])
        removed_cancelled = int((keep & hit).sum())
        keep &= ~hit
    removed_self = None
    if cfg.exclude_self_initiated and "source" in calls.columns:
        src = calls["source"].astype(str).str.upper()
        hit = src.str.contains("SELF") | src.str.contains("OFFICER")
        removed_self = int((keep & hit).sum())
        keep &= ~hit
    report = EligibilityReport(
        n_input=len(calls),
        n_eligible=int(keep.sum()),
        removed_nature=removed_nature,
        removed_priority=removed_priority,
        removed_flags=flags,
        removed_cancelled=removed_cancelled,
        removed_self_initiated=removed_self,
    )
    return keep, report


def filter_eligible(calls: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The eligible calls; ``DataError`` when none is left (names the file and the fix)."""
    keep, report = eligible_mask(calls, scenario)
    if report.n_eligible == 0:
        found = ", ".join(sorted(calls["nature"].astype(str).unique())[:6]) or "none"
        raise DataError(
            f"{calls.attrs.get('path', 'calls')}: no eligible calls among {report.n_input} "
            f"(field 'nature' has: {found}; eligibility.priorities = {list(scenario.eligibility.priorities)}); "
            f"fix eligibility.natures/priorities in the scenario or the calls column mapping"
        )
    out = calls[keep.to_numpy()].reset_index(drop=True)
    out.attrs = dict(calls.attrs) | {"eligibility": report}
    return out
