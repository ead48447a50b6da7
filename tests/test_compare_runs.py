"""``heart-plan compare A B``: inputs and answers of two run records (hand-made run.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from click.testing import CliRunner

from heart_plan.cli import cli
from heart_plan.runcompare import compare_runs, headline_table

RECORD = {
    "command": "heart-plan run",
    "scenario": {"resolved": {"name": "durham", "response": {"standard_s": 720}}},
    "data_checksums": {"calls_2021": {"sha256": "aa"}},
    "packages": {"numpy": "2.0"},
    "key_results": {
        "eligible_calls_per_year": 14745.0,
        "recommended": {
            "beats": 30,
            "fte": 29.9,
            "simulated": {"reached_share": {"mean": 0.452, "ci_low": 0.451, "ci_high": 0.453}},
        },
        "recommendation_margin": {"measurable": True, "excluded_beats": ["111"]},
        "teams_curve": [{"teams": 1, "reached_share": 0.1}],
    },
}


def _run(folder: Path, record: dict) -> Path:
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps(record))
    return folder


def test_compare_names_what_changed_in_inputs_and_answers(tmp_path: Path) -> None:
    b_record = copy.deepcopy(RECORD)
    b_record["scenario"]["resolved"]["response"]["standard_s"] = 600
    b_record["scenario"]["resolved"]["name"] = "<script>alert(1)</script>"
    b_record["key_results"]["recommended"]["beats"] = 18
    b_record["key_results"]["recommended"]["simulated"]["reached_share"]["mean"] = 0.415
    a, b = _run(tmp_path / "a", RECORD), _run(tmp_path / "b", b_record)
    cmp = compare_runs(a, b)
    assert set(cmp.inputs["input"]) == {"scenario.response.standard_s", "scenario.name"}
    changed = cmp.answers[cmp.answers["changed"]].set_index("answer")
    assert set(changed.index) == {
        "recommended.beats",
        "recommended.simulated.reached_share.mean",
    }
    assert changed.loc["recommended.beats", "change"] == -12
    heads = headline_table(cmp).set_index("answer")
    assert heads.loc["recommended reached (simulated)", "change"] == "-3.7 points"
    assert heads.loc["recommended FTE", "change"] == ""

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "recommended area (beats): 30 -> 18 (-12.0)" in result.output
    page = (out / "compare.html").read_text()
    assert "<script" not in page and "&lt;script&gt;" in page
    assert len((out / "answers_diff.csv").read_text().splitlines()) == 1 + len(cmp.answers)


def test_compare_needs_two_run_folders(tmp_path: Path) -> None:
    a = _run(tmp_path / "a", RECORD)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["compare", str(a), str(tmp_path / "nope"), "--out", str(out)])
    assert result.exit_code == 2
    assert "not a run folder (no run.json)" in result.output and not out.exists()
