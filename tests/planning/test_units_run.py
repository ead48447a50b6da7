"""The hours text of a unit's weekly cover (planning.units_run.hours_text)."""

from __future__ import annotations

from heart_plan.planning.units_run import hours_text


def _cover(hours: list[int], teams: int = 2) -> list[int]:
    t = [0] * 168
    for d in range(7):
        for h in hours:
            t[d * 24 + h] = teams
    return t


def test_hours_text_runs_and_team_hours() -> None:
    assert hours_text(tuple(_cover(list(range(6, 21))))) == "06:00-21:00 (210 team-h/week)"
    wrap = _cover([22, 23, 0, 1, 9, 10], teams=1)
    assert hours_text(tuple(wrap)) == "09:00-11:00, 22:00-02:00 (42 team-h/week)"
    monday_only = [0] * 168
    monday_only[8] = 3
    assert hours_text(tuple(monday_only)) == "08:00-09:00 (3 team-h/week)"
    assert hours_text(tuple([1] * 168)) == "00:00-24:00 (168 team-h/week)"
    assert hours_text(tuple([0] * 168)) == "none"
