"""Tagged numbers (``report.fields``) and posts named by place (``network.place_names``) on
toy inputs you can check by hand."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd
import pytest

from heart_plan.network.place_names import place_name, site_place_names
from heart_plan.report.fields import Num, Text, page_fields, resolve_field, tagged_html


@dataclass(frozen=True)
class _Plan:
    service_area_beats: tuple[str, ...]


@dataclass(frozen=True)
class _Outcome:
    plan: _Plan
    fte: float

    def simulated(self, measure: str) -> dict[str, float]:
        return {"mean": {"reached_share": 0.5716}[measure]}


@dataclass(frozen=True)
class _Result:
    recommended: _Outcome
    excluded_beats: tuple[str, ...]


TOY = _Result(_Outcome(_Plan(("111", "112", "113")), 29.89532), ("212", "213"))


def test_resolve_field_walks_attributes_methods_and_len():
    assert resolve_field(TOY, "recommended.fte") == 29.89532
    assert resolve_field(TOY, "recommended.simulated.reached_share.mean") == 0.5716
    assert resolve_field(TOY, "recommended.plan.service_area_beats.len()") == 3
    with pytest.raises(AttributeError):
        resolve_field(TOY, "recommended.cost")


def test_num_formats_and_tags():
    cases = [
        (Num(0.5716, "a", "pct"), "57.2%"), (Num(0.9, "a", "pct0"), "90%"),
        (Num(14745.0, "a", "int"), "14,745"), (Num(2690578.8, "a", "usd"), "$2,690,579"),
        (Num(7, "a", "hour"), "07:00"), (Num(24, "a", "hour"), "00:00"),
        (Num(720, "a", "min"), "12"), (Num(["212", "213"], "a", "list"), "212, 213"),
        (Num([], "a", "list"), "none"), (Num(29.89532, "a"), "29.9"),
    ]  # fmt: skip
    for num, text in cases:
        assert num.text() == text
    page = tagged_html(
        ["Reached <b>", Num(0.5716, "recommended.simulated.reached_share.mean", "pct"),
         " since ", Text("October 2023", "2023-10")]
    )  # fmt: skip
    assert page == (
        "Reached &lt;b&gt;<span data-field='recommended.simulated.reached_share.mean' "
        "data-kind='pct'>57.2%</span> since <time datetime='2023-10'>October 2023</time>"
    )
    assert page_fields(TOY, page) == {"recommended.simulated.reached_share.mean": 0.5716}


def _toy_graph() -> nx.MultiDiGraph:
    """A cross of Main St (1-2-3) and Duke St (4-2-5), an unnamed lane 3-6-7."""
    g = nx.MultiDiGraph()
    for u, v, name in [(1, 2, "Main St"), (2, 3, "Main St"), (4, 2, "Duke St"),
                       (2, 5, "Duke St"), (3, 6, None), (6, 7, None)]:  # fmt: skip
        g.add_edge(u, v, osm_name=name, osm_ref=None)
        g.add_edge(v, u, osm_name=name, osm_ref=None)
    return g


def test_place_names_intersection_street_nearby_and_station():
    g = _toy_graph()
    assert place_name(g, 2) == "Duke St & Main St"  # equal counts: alphabetical
    assert place_name(g, 1) == "on Main St"
    assert place_name(g, 6) == "near Main St"  # one hop to node 3 on Main St
    assert place_name(g, 7) == "near Main St"  # two hops
    assert place_name(g, 7, max_hops=1) == ""
    assert place_name(g, 99) == ""
    stations = pd.DataFrame(
        {"site_id": ["fire_1"], "name": ["Station 1"], "address": ["139 E. Morgan Street"]}
    )
    names = site_place_names(g, [("fire_1", 5), ("N2", 2)], stations)
    assert names == {"fire_1": "Station 1, 139 E. Morgan Street", "N2": "Duke St & Main St"}
