"""``heart-plan place`` / ``expand`` / ``run``: real runs and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from gpkg_checks import assert_plan_gpkg

from heart_plan.cli import main
from heart_plan.config import load_scenario
from heart_plan.plan import read_plan
from heart_plan.simulation import Deployment


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code), out, err


def _bad_scenario(tmp_path: Path) -> Path:
    from heart_plan.config import default_scenario_path

    text = default_scenario_path().read_text() + "\n[budget.extra]\nteams = 3\n"
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("crt_fte = 30.0", "crt_fte = 30.0\ncrt_ftes = 2"))
    return path


@pytest.mark.durham
def test_place_writes_a_plan_for_the_pilot(tmp_path: Path, capsys, mirror: Path) -> None:
    out = tmp_path / "place"
    code, stdout, _ = _run(
        ["place", "--out", str(out), "--mirror", str(mirror), "--model", "mclp", "--band",
         "midday"], capsys,
    )  # fmt: skip
    assert code == 0
    plan = read_plan(out / "plan.json")
    assert len(plan.service_area_beats) == 12
    sets = plan.post_sets()
    assert list(sets) == [""]  # one band's posts serve every hour
    assert sorted(sets[""]) == [1, 2] and len(sets[""][2]) == 2  # 2 teams at two posts
    assert sets[""][1][0].site_id == sets[""][2][0].site_id  # 1 team: the first (prefix)
    assert plan.predicted["covered_share_of_area"] > 0.9
    Deployment.from_plan(plan, load_scenario().network.band_of_hour())  # simulatable
    assert "MCLP: OPTIMAL" in stdout
    info = json.loads((out / "run_info.json").read_text())
    assert info["placements"]["midday"]["status"] == "OPTIMAL"


@pytest.mark.parametrize("command", ["place", "expand", "run"])
def test_unknown_scenario_key_is_a_usage_error_without_outputs(
    command: str, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "out"
    code, _, err = _run(
        [command, "--scenario", str(_bad_scenario(tmp_path)), "--out", str(out)], capsys
    )
    assert code == 2
    assert err.count("\n") == 1
    assert "bad.toml: unknown key 'crt_ftes' in [budget]" in err
    assert not out.exists()


@pytest.mark.durham
@pytest.mark.durham
def test_place_reached_writes_one_post_set_per_team_count(tmp_path: Path, capsys, mirror) -> None:
    out = tmp_path / "place"
    code, stdout, err = _run(
        ["place", "--teams", "3", "--out", str(out), "--mirror", str(mirror)], capsys
    )
    assert code == 0, err
    plan = read_plan(out / "plan.json")
    assert {p.team_count for p in plan.posts} == {1, 2, 3}
    for k in (1, 2, 3):
        assert sum(p.teams for p in plan.posts if p.team_count == k) == k
    deployment = Deployment.from_plan(plan, load_scenario().network.band_of_hour())
    assert len(deployment.slot_posts("midday", 2)) == 2  # the 2-team set when 2 are on duty
    assert "reached" in stdout
    posts = pd.read_csv(out / "posts.csv")
    assert sorted(posts["teams_on_duty"].unique()) == [1, 2, 3]
    assert_plan_gpkg(out / "plan.gpkg", {"plan": plan})
    readme = (out / "README.txt").read_text()
    assert "plan.gpkg" in readme and "(not described)" not in readme
    code, _, err = _run(["place", "--band", "midday", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--model mclp" in err


def test_place_unknown_beat_names_the_option(tmp_path: Path, capsys, mirror: Path) -> None:
    out = tmp_path / "out"
    code, _, err = _run(
        ["place", "--beats", "111,999x", "--out", str(out), "--mirror", str(mirror)], capsys
    )
    assert code == 2
    assert "'999x' is not a city beat" in err and "--beats" in err
    assert not out.exists()


def test_place_unknown_band_and_bad_teams_are_usage_errors(tmp_path: Path, capsys) -> None:
    code, _, err = _run(["place", "--band", "rush", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "unknown band 'rush'" in err
    code, _, err = _run(["place", "--teams", "0", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "--teams" in err
    assert not (tmp_path / "o").exists()


def test_missing_mirror_is_a_data_error(tmp_path: Path, capsys) -> None:
    code, _, err = _run(
        ["run", "--mirror", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")], capsys
    )
    assert code == 1
    assert "data mirror directory (from --mirror) does not exist" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.durham
def test_expand_writes_roadmap_curve_and_plan(
    tmp_path: Path, capsys, mirror: Path, quick_scenario: Path
) -> None:
    # The quick scenario (fire-station posts) keeps the 23 roadmap steps to seconds; the
    # default's roadmap is checked on the durham_run output (test_planning_durham.py).
    out = tmp_path / "expand"
    args = ["expand", "--scenario", str(quick_scenario), "--max-teams", "2", "--out", str(out)]
    code, stdout, err = _run([*args, "--mirror", str(mirror)], capsys)
    assert code == 0, err
    roadmap = pd.read_csv(out / "roadmap.csv", dtype={"beat_added": str})
    assert len(roadmap) == 35 - 12 + 1
    curve = pd.read_csv(out / "citywide_curve.csv")
    assert curve["teams"].tolist() == [1, 2]
    assert (curve["reached_share"] <= curve["covered_share"] + 1e-9).all()
    summary = json.loads((out / "expansion.json").read_text())
    assert summary["roadmap_order"] == roadmap["beat_added"].iloc[1:].tolist()
    assert summary["measure"] == "reached"
    assert summary["teams_every_hour_for_target"] is None  # 2 teams cannot reach 90%
    # citywide_curve.csv: shares rounded to 4 decimals
    assert summary["max_reached_share"] == pytest.approx(curve["reached_share"].iloc[-1], abs=1e-4)
    plan = read_plan(out / "plan.json")
    assert len(plan.service_area_beats) == 35
    assert_plan_gpkg(out / "plan.gpkg", {"plan": plan}, roadmap)
    assert "[expand] expansion step 23" in err  # progress lines
