"""Two run folders side by side (``heart-plan compare A B``): what changed in the inputs
(resolved scenario, data checksums, package versions) and in each answer (every number of
``run.json`` ``key_results``), as tables and an offline page.

Reads only the run records (``run.json``) the runs wrote; no pipeline step is re-run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from heart_plan.errors import ConfigError
from heart_plan.report import simple_page as sp

#: Headline answers shown first: (dotted key in key_results, label, kind).
HEADLINES = (
    ("recommended.beats", "recommended area (beats)", "number"),
    ("recommended.max_teams_on_duty", "recommended: most teams on duty", "number"),
    ("recommended.fte", "recommended FTE", "number"),
    ("recommended.simulated.reached_share.mean", "recommended reached (simulated)", "share"),
    ("recommended.simulated.reached_share.ci_low", "  95% CI low", "share"),
    ("recommended.simulated.reached_share.ci_high", "  95% CI high", "share"),
    ("recommended.predicted.reached_share", "recommended reached (predicted)", "share"),
    ("recommended.simulated.served_share.mean", "recommended served (simulated)", "share"),
    ("recommendation_margin.margin_reached_share.mean", "margin over the runner-up", "share"),
    ("recommendation_margin.measurable", "margin measurable", "flag"),
    ("current.simulated.reached_share.mean", "today (current) reached", "share"),
    ("pilot_2022.simulated.reached_share.mean", "pilot_2022 reached", "share"),
    ("fte_24_7.full_24_7.fte", "24/7 citywide FTE", "number"),
    ("fte_24_7.added_fte", "24/7: FTE added over the baseline hours", "number"),
    ("what_the_target_would_take.around_the_clock.fte", "target around the clock FTE", "number"),
    ("eligible_calls_per_year", "eligible calls per year", "number"),
)


@dataclass(frozen=True, eq=False)
class RunComparison:
    """Inputs and answers of run ``a`` against run ``b``.

    ``inputs``: ``input, a, b`` for every input that differs (``scenario.<dotted key>``,
    ``data.<dataset>.sha256``, ``package.<name>``).  ``answers``: ``answer, a, b,
    change, changed`` for every scalar of ``key_results`` (``change`` = b - a for numbers).
    """

    a: Path
    b: Path
    inputs: pd.DataFrame
    answers: pd.DataFrame


def read_run(folder: str | Path, *, which: str) -> dict[str, Any]:
    """``run.json`` of a run folder (``ConfigError`` naming the folder when it is not one)."""
    path = Path(folder) / "run.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{which} {folder}: not a run folder (no run.json); pass two folders written by "
            f"heart-plan run"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable run record ({exc}); rerun heart-plan run") from None
    if not isinstance(record, dict) or "key_results" not in record:
        raise ConfigError(f"{path}: no key_results; pass folders written by heart-plan run")
    return record


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Scalar leaves of nested dicts as dotted keys; lists become JSON text."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        return {prefix: json.dumps(value, sort_keys=True)}
    return {prefix: value}


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (math.isnan(x) and math.isnan(y))
    return bool(x == y)


def _change(x: Any, y: Any) -> Any:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
    return y - x if numbers else None


def compare_runs(a: str | Path, b: str | Path) -> RunComparison:
    """Compare the run records of folders ``a`` and ``b``."""
    ra, rb = read_run(a, which="A"), read_run(b, which="B")
    inputs_a = _inputs(ra)
    inputs_b = _inputs(rb)
    rows = [
        {"input": k, "a": inputs_a.get(k), "b": inputs_b.get(k)}
        for k in sorted(set(inputs_a) | set(inputs_b))
        if not _same(inputs_a.get(k), inputs_b.get(k))
    ]
    inputs = pd.DataFrame(rows, columns=["input", "a", "b"])
    # long lists (curves, roadmaps) are compared whole; their rows stay in the CSVs
    ka = flatten(ra["key_results"])
    kb = flatten(rb["key_results"])
    answers = pd.DataFrame(
        [
            {
                "answer": k, "a": ka.get(k), "b": kb.get(k), "change": _change(ka.get(k), kb.get(k)),
                "changed": not _same(ka.get(k), kb.get(k)),
            }
            for k in sorted(set(ka) | set(kb))
        ],
        columns=["answer", "a", "b", "change", "changed"],
    )  # fmt: skip
    return RunComparison(Path(a), Path(b), inputs, answers)


def _inputs(record: dict[str, Any]) -> dict[str, Any]:
    scenario = flatten(record.get("scenario", {}).get("resolved", {}), "scenario")
    data = {
        f"data.{ds}.sha256": (entry or {}).get("sha256")
        for ds, entry in record.get("data_checksums", {}).items()
    }
    packages = {f"package.{k}": v for k, v in record.get("packages", {}).items()}
    return scenario | data | packages


def _show(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if kind == "share" and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if kind == "flag":
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def headline_table(cmp: RunComparison) -> pd.DataFrame:
    """The headline answers, formatted: ``answer, A, B, change``."""
    by_key = cmp.answers.set_index("answer")
    rows = []
    for key, label, kind in HEADLINES:
        if key not in by_key.index:
            continue
        row = by_key.loc[key]
        change = row["change"]
        if not row["changed"]:
            shown = ""
        elif change is None or pd.isna(change):
            shown = "changed"
        elif kind == "share":
            shown = f"{100 * change:+.1f} points"
        else:
            shown = f"{change:+,.1f}"
        rows.append(
            {
                "answer": label,
                "A": _show(row["a"], kind),
                "B": _show(row["b"], kind),
                "change": shown,
            }
        )
    return pd.DataFrame(rows, columns=["answer", "A", "B", "change"])


def compare_page(cmp: RunComparison) -> str:
    """The offline comparison page (escaped; tables scroll inside their box on a phone)."""
    changed = cmp.answers[cmp.answers["changed"]]
    scenario_inputs = cmp.inputs[cmp.inputs["input"].str.startswith("scenario.")]
    sections = [
        sp.section(
            "What changed in the inputs",
            sp.paragraph(
                f"{len(scenario_inputs)} scenario keys, "
                f"{int(cmp.inputs['input'].str.startswith('data.').sum())} data files and "
                f"{int(cmp.inputs['input'].str.startswith('package.').sum())} package versions "
                f"differ between A and B."
            ),
            sp.scroll_table(cmp.inputs.astype(str), decimals=2) if len(cmp.inputs) else "",
            section_id="inputs",
        ),
        sp.section(
            "Headline answers",
            sp.scroll_table(headline_table(cmp)),
            section_id="headlines",
        ),
        sp.section(
            "Every answer that changed",
            sp.paragraph(
                f"{len(changed)} of {len(cmp.answers)} numbers in run.json key_results differ "
                f"(answers_diff.csv holds all of them)."
            ),
            sp.scroll_table(changed[["answer", "a", "b", "change"]].head(200), decimals=4),
            section_id="answers",
        ),
    ]
    return sp.page("HEART runs compared", f"A = {cmp.a}   B = {cmp.b}", sections)
