"""plan.json schema 2: one post set per band and team count (``posts[band][k]``).

Round trips, the strict validator's one-line errors, the expansion of legacy (schema 1,
prefix rule) posts into explicit sets, and reading schema 1 files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heart_plan.errors import ModelError, PlanError
from heart_plan.plan import (
    SCHEMA_VERSION,
    Plan,
    Post,
    daily_window_on_duty,
    read_plan,
    slot_post_indices,
    write_plan,
)
from heart_plan.simulation import Deployment

BANDS = {
    "night": {"speed_factor": 1.0, "bins": [h for h in range(168) if h % 24 < 7]},
    "day": {"speed_factor": 0.8, "bins": [h for h in range(168) if h % 24 >= 7]},
}
BAND_OF_HOUR = tuple("night" if h % 24 < 7 else "day" for h in range(168))


def _post(site: str, node: int, band: str, teams: int, k: int) -> Post:
    return Post(site, node, -78.9, 36.0, band, teams=teams, access_s=12.5, team_count=k)


def _plan(posts: tuple[Post, ...], teams_on_duty: tuple[int, ...] | None = None) -> Plan:
    return Plan(
        scenario_name="toy",
        scenario_sha256="0" * 64,
        command="test",
        service_area_beats=("111",),
        teams_on_duty=teams_on_duty or daily_window_on_duty(7, 19, 2),
        posts=posts,
        time_bands=BANDS,
    )


#: Sets not nested: k = 1 at B, k = 2 at A and C; a day-specific 1-team set at C.
EXPLICIT = (
    _post("B", 2, "", 1, 1),
    _post("A", 1, "", 1, 2),
    _post("C", 3, "", 1, 2),
    _post("C", 3, "day", 1, 1),
)


def test_v2_round_trip_and_file_shape(tmp_path: Path) -> None:
    plan = _plan(EXPLICIT)
    path = write_plan(tmp_path / "plan.json", plan)
    raw = json.loads(path.read_text())
    assert raw["schema_version"] == SCHEMA_VERSION == 2
    assert raw["posts"] == {
        "": {
            "1": [{"site_id": "B", "node_id": 2, "lon": -78.9, "lat": 36.0, "teams": 1,
                   "access_s": 12.5}],
            "2": [{"site_id": "A", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1,
                   "access_s": 12.5},
                  {"site_id": "C", "node_id": 3, "lon": -78.9, "lat": 36.0, "teams": 1,
                   "access_s": 12.5}],
        },
        "day": {"1": [{"site_id": "C", "node_id": 3, "lon": -78.9, "lat": 36.0, "teams": 1,
                       "access_s": 12.5}]},
    }  # fmt: skip
    again = read_plan(path)
    assert again == plan.with_explicit_post_sets()
    assert set(again.posts) == set(EXPLICIT)  # canonical order: bands sorted, k ascending
    assert Plan.from_dict(again.to_dict()) == again
    assert again.post_sets()["day"][1] == (EXPLICIT[3],)


def test_round_trip_with_ten_or_more_teams(tmp_path: Path) -> None:
    # JSON keys are sorted as strings ("10" < "2"); sets come back with k ascending
    posts = tuple(_post(f"S{k}", k, "", k, k) for k in range(1, 12))
    plan = _plan(posts, (11,) * 168)
    again = read_plan(write_plan(tmp_path / "plan.json", plan))
    assert again == plan
    assert [p.team_count for p in again.posts] == list(range(1, 12))


def test_deployment_of_a_read_plan_staffs_the_sets(tmp_path: Path) -> None:
    plan = read_plan(write_plan(tmp_path / "plan.json", _plan(EXPLICIT)))
    dep = Deployment.from_plan(plan, BAND_OF_HOUR)
    sites = dep.site_ids
    assert [sites[j] for j in dep.slot_posts("night", 1)] == ["B"]
    assert [sites[j] for j in dep.slot_posts("day", 1)] == ["C"]  # band-specific first
    assert [sites[j] for j in dep.slot_posts("day", 2)] == ["A", "C"]  # else band ""


def _v2(posts: dict) -> dict:
    return _plan(()).to_dict() | {"posts": posts}


ONE = {"site_id": "a", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1}


@pytest.mark.parametrize(
    ("posts", "message"),
    [
        ({"": {"2": [ONE]}}, 'posts[""]["2"]: teams sum to 1, not 2'),
        ({"": {"1": [ONE, ONE | {"site_id": "b"}]}}, 'posts[""]["1"]: teams sum to 2, not 1'),
        ({"": {"0": [ONE]}}, "key '0' is not a team count"),
        ({"": {"01": [ONE]}}, "key '01' is not a team count"),
        ({"": {"1.0": [ONE]}}, "key '1.0' is not a team count"),
        ({"": {"two": [ONE]}}, "positive integer string"),
        ({"dusk": {"1": [ONE]}}, "'dusk' is not one of the plan's time_bands (night, day)"),
        ({"": {"1": []}}, 'posts[""]["1"] is empty'),
        ({"": {"1": [ONE | {"teams": 0}]}}, 'posts[""]["1"][0].teams = 0 is not an integer'),
        ({"": {"1": [ONE | {"teams": 1.0}]}}, 'posts[""]["1"][0].teams = 1.0 is not an integer'),
        ({"": {"1": [{k: v for k, v in ONE.items() if k != "teams"}]}}, "no 'teams' field"),
        ({"": {"1": [ONE | {"band": ""}]}}, "unknown field 'band'"),
        ({"": {"1": [ONE | {"team_count": 1}]}}, "unknown field 'team_count'"),
        ({"": {"2": [ONE, ONE]}}, "site 'a' is listed twice"),
        ({"": [ONE]}, 'posts[""] = '),
        ([ONE], "posts is a list (the schema_version 1 shape)"),
    ],
)
def test_v2_validator_errors_are_one_line(tmp_path: Path, posts, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_v2(posts)))
    with pytest.raises(PlanError) as exc:
        read_plan(path)
    text = str(exc.value)
    assert message in text, text
    assert "\n" not in text and str(path) in text


def test_plan_value_checks_its_sets() -> None:
    with pytest.raises(PlanError, match=r"post set \('', 2\) has teams summing to 1"):
        _plan((_post("A", 1, "", 1, 2),))
    with pytest.raises(PlanError, match="team_count is negative"):
        _plan((_post("A", 1, "", 1, -1),))


# ----------------------------------------------------------------------------- legacy posts

LEGACY = (
    Post("N1", 1, -78.9, 36.0, "", teams=2),
    Post("D1", 2, -78.9, 36.0, "day", teams=1),
    Post("N2", 3, -78.9, 36.0, "night", teams=1),
    Post("D2", 4, -78.9, 36.0, "day", teams=1),
)


def _slot_sites(dep: Deployment, band: str, k: int) -> list[str]:
    return [dep.site_ids[j] for j in dep.slot_posts(band, k)]


def test_legacy_posts_are_written_as_the_prefix_rule_sets(tmp_path: Path) -> None:
    tod = (1,) * 7 + (3,) * 12 + (2,) * 5
    plan = _plan(LEGACY, tod * 7)
    again = read_plan(write_plan(tmp_path / "plan.json", plan))
    assert all(p.team_count > 0 for p in again.posts)
    assert again == plan.with_explicit_post_sets()
    before = Deployment.from_plan(plan, BAND_OF_HOUR)
    after = Deployment.from_plan(again, BAND_OF_HOUR)
    for band in ("night", "day"):
        for k in range(1, 4):
            assert _slot_sites(before, band, k) == _slot_sites(after, band, k), (band, k)
    # day: N1, D1, D2 round-robin then N1's second team; the 2-team set is a prefix
    assert _slot_sites(after, "day", 3) == ["N1", "D1", "D2"]
    sets = again.post_sets()
    assert [(p.site_id, p.teams) for p in sets["day"][2]] == [("N1", 1), ("D1", 1)]
    # k runs to the teams the band's posts hold (4 for day: N1 x 2, D1, D2), not only 3
    assert sorted(sets["day"]) == [1, 2, 3, 4]
    assert [(p.site_id, p.teams) for p in sets["day"][4]] == [("N1", 2), ("D1", 1), ("D2", 1)]
    assert sorted(sets[""]) == [1, 2, 3]  # N1 holds 2; 3 teams on duty at most


@given(
    teams=st.lists(st.integers(1, 3), min_size=1, max_size=5),
    band_picks=st.lists(st.sampled_from(["", "night", "day"]), min_size=5, max_size=5),
    k_max=st.integers(1, 6),
)
def test_expansion_staffs_the_same_posts_as_the_prefix_rule(teams, band_picks, k_max) -> None:
    posts = tuple(
        Post(f"S{j}", j, -78.9, 36.0, band_picks[j], teams=t) for j, t in enumerate(teams)
    )
    plan = _plan(posts, (k_max,) * 168)
    explicit = plan.with_explicit_post_sets()
    assert Plan.from_dict(explicit.to_dict()) == explicit
    legacy_bands = [p.band for p in posts]
    legacy_teams = [p.teams for p in posts]
    for band in ("night", "day"):
        for k in range(1, k_max + 1):
            legacy = slot_post_indices(legacy_bands, legacy_teams, [0] * len(posts), band, k)
            new = slot_post_indices(
                [p.band for p in explicit.posts],
                [p.teams for p in explicit.posts],
                [p.team_count for p in explicit.posts],
                band,
                k,
            )
            if legacy is None:
                assert new is None
                continue
            assert new is not None
            old_sites = [posts[j].site_id for j in legacy]
            new_sites = [explicit.posts[j].site_id for j in new]
            held = sum(p.teams for p in posts if p.band in ("", band))
            if k <= held:  # same slots exactly
                assert new_sites == old_sites
            else:  # cycling: the same posts with the same teams each
                assert sorted(new_sites) == sorted(old_sites)


def test_schema_1_files_are_read_by_the_prefix_rule(tmp_path: Path) -> None:
    raw = _plan(()).to_dict() | {
        "schema_version": 1,
        "posts": [
            {"site_id": "N1", "node_id": 1, "lon": -78.9, "lat": 36.0, "band": "", "teams": 2},
            {"site_id": "D1", "node_id": 2, "lon": -78.9, "lat": 36.0, "band": "day"},
        ],
    }
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(raw))
    plan = read_plan(path)
    assert [(p.site_id, p.band, p.teams, p.team_count) for p in plan.posts] == [
        ("N1", "", 2, 0),
        ("D1", "day", 1, 0),
    ]
    dep = Deployment.from_plan(plan, BAND_OF_HOUR)
    assert _slot_sites(dep, "day", 2) == ["N1", "D1"]
    assert _slot_sites(dep, "night", 2) == ["N1", "N1"]
    written = json.loads(write_plan(tmp_path / "v2.json", plan).read_text())
    assert written["schema_version"] == 2
    assert written["posts"]["day"]["2"] == [
        {"site_id": "N1", "node_id": 1, "lon": -78.9, "lat": 36.0, "teams": 1, "access_s": 0.0},
        {"site_id": "D1", "node_id": 2, "lon": -78.9, "lat": 36.0, "teams": 1, "access_s": 0.0},
    ]
    # a v1 post object in a v2 file is an error, and so is an unknown version
    for bad in ({"schema_version": 2}, {"schema_version": 3}):
        path.write_text(json.dumps(raw | bad))
        with pytest.raises(PlanError):
            read_plan(path)


def test_more_teams_than_any_set_needs_new_sets() -> None:
    plan = _plan((_post("B", 2, "", 1, 1), _post("A", 1, "", 1, 2), _post("C", 3, "", 1, 2)))
    three = plan.with_changes(teams_on_duty=daily_window_on_duty(7, 19, 3))
    with pytest.raises(ModelError, match=r"3 teams are on duty in band 'day'"):
        Deployment.from_plan(three, BAND_OF_HOUR)
    filled = three.with_post_sets_up_to()
    assert [(p.site_id, p.teams) for p in filled.post_sets()[""][3]] == [("A", 2), ("C", 1)]
    assert filled.post_sets()[""][1] == plan.post_sets()[""][1]  # existing sets kept
    dep = Deployment.from_plan(filled, BAND_OF_HOUR)
    assert _slot_sites(dep, "day", 3) == ["A", "C", "A"]
    assert filled.with_post_sets_up_to() == filled
