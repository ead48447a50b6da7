"""Road class x time band factors: the engine on a hand-checkable line, and the calibration
recovering known factors from synthetic timed trips."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan.config import Scenario, TimeBand
from heart_plan.network import DriveTimeEngine, bands_from_scenario
from heart_plan.network.calibrate import calibrate_class_factors, path_class_seconds
from heart_plan.network.engine import class_factors_of

CLASSES = ("motorway", "primary", "unmatched", "residential")  # residential -> unmatched


def _line(n: int = 30) -> nx.MultiDiGraph:
    """Nodes 0..n-1 on a line (lat 36.0); edge i <-> i+1 of class CLASSES[i % 4], 60 + i s."""
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(i, x=-78.9 + 0.005 * i, y=36.0)
    for i in range(n - 1):
        for a, b in ((i, i + 1), (i + 1, i)):
            g.add_edge(a, b, free_flow_s=60.0 + i, road_class=CLASSES[i % 4])
    return g


def test_engine_class_factors_on_a_line() -> None:
    g = _line(5)  # edges: 0-1 motorway 60 s, 1-2 primary 61, 2-3 unmatched 62, 3-4 resid. 63
    engine = DriveTimeEngine(
        g,
        bands={"free": 1.0, "peak": 0.5, "even": 1.0},
        class_factors={
            "peak": {"motorway": 0.5, "unmatched": 2.0},
            "even": {"motorway": 0.8, "primary": 0.8, "unmatched": 0.8},
        },
    )
    assert engine.drive_time_s(0, 4, band="free") == 60 + 61 + 62 + 63
    # peak: f = 0.5; motorway x0.5 -> 60/0.25; primary 61/0.5; unmatched (and residential) /1.0
    assert engine.drive_time_s(0, 4, band="peak") == round(240 + 122 + 62 + 63)
    assert engine.group_of("peak") == "peak" and engine.group_of("free") == ""
    # one factor for every class: the free-flow graph with the scalar 0.8
    assert engine.group_of("even") == "" and engine.speed_factor("even") == pytest.approx(0.8)
    assert engine.drive_time_s(0, 4, band="even") == round(246 / 0.8)
    assert engine.band_content_hash("peak") != engine.band_content_hash("free")
    m = engine.matrix([0, 4], [0, 4], band="peak")
    assert m.loc[0, 4] == m.loc[4, 0] == 487
    x = path_class_seconds(engine, np.array([0]), np.array([4]))
    assert x.iloc[0].to_dict() == {"motorway": 60.0, "primary": 61.0, "unmatched": 125.0}


def _scenario_with(scenario: Scenario, factors: dict[str, dict[str, float]]) -> Scenario:
    bands = {
        name: dataclasses.replace(tb, class_factors=factors.get(name, {}))
        for name, tb in scenario.network.time_bands.items()
    }
    return dataclasses.replace(
        scenario, network=dataclasses.replace(scenario.network, time_bands=bands)
    )


def test_calibration_recovers_known_factors(scenario: Scenario, tmp_path) -> None:
    truth = {"am_peak": {"motorway": 0.5, "primary": 0.8, "unmatched": 1.2}}
    g = _line()
    true_engine = DriveTimeEngine(
        g, bands=bands_from_scenario(scenario), class_factors=class_factors_of(
            _scenario_with(scenario, truth)
        ),
    )  # fmt: skip
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 30, 120), rng.integers(0, 30, 120)
    keep = a != b
    a, b = a[keep], b[keep]
    # Mondays 07:00 (am_peak) for half the trips, 02:00 (night) for the others
    hours = np.where(np.arange(len(a)) % 2 == 0, 7, 2)
    departed = pd.to_datetime([f"2021-03-01T{h:02d}:10:00" for h in hours])
    band = np.where(hours == 7, "am_peak", "night")
    observed = np.array(
        [
            true_engine.drive_time_s(int(i), int(j), band=str(k))
            for i, j, k in zip(a, b, band, strict=True)
        ]
    )
    lon = np.array([g.nodes[i]["x"] for i in range(30)])
    trips = pd.DataFrame(
        {
            "trip_id": [f"t{i}" for i in range(len(a))],
            "origin_lon": lon[a], "origin_lat": 36.0, "dest_lon": lon[b], "dest_lat": 36.0,
            "departed_at": departed, "observed_s": observed,
        }
    )  # fmt: skip
    base = DriveTimeEngine(g, bands=bands_from_scenario(scenario))
    result = calibrate_class_factors(base, trips, scenario)
    got = result.table.set_index(["band", "road_class"])["class_factor"]
    for k, c in truth["am_peak"].items():
        assert got[("am_peak", k)] == pytest.approx(c, rel=0.02), k
    for k in ("motorway", "primary", "unmatched"):
        assert got[("night", k)] == pytest.approx(1.0, rel=0.02)
    fit = result.fit.set_index("band")
    assert fit.loc["am_peak", "rmse_s_after"] < 1.0 < fit.loc["am_peak", "rmse_s_before"]
    text = result.fragment()
    assert "[network.time_bands.am_peak.class_factors]" in text
    assert "motorway = 0.5" in text
    # the fragment is a valid scenario part: merged, it validates and reproduces the truth
    import tomllib

    from heart_plan.config import with_overrides

    frag = tomllib.loads(text)["network"]["time_bands"]["am_peak"]["class_factors"]
    merged = with_overrides(scenario, {"network.time_bands.am_peak.class_factors": frag})
    assert isinstance(merged.network.time_bands["am_peak"], TimeBand)
    assert merged.network.time_bands["am_peak"].class_factors["motorway"] == pytest.approx(
        0.5, rel=0.02
    )


def test_calibrate_cli_bad_trips_file(tmp_path) -> None:
    from heart_plan.cli import cli

    bad = tmp_path / "trips.csv"
    bad.write_text("trip_id,origin_lon\n1,2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["network", "calibrate", "--trips", str(bad), "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "has no column 'origin_lat'" in result.output
    assert not out.exists()


FACTORS = {"peak": {"motorway": 0.5, "primary": 0.8, "unmatched": 1.3}}
MIXED_BANDS = {"free": 1.0, "slow": 0.55, "peak": 0.9}


def _classed_graph(seed: int) -> nx.MultiDiGraph:
    """Random directed graph (parallel edges, some pairs without a path) with road classes."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()
    for i in range(50):
        g.add_node(i * 5 + 1, x=float(rng.uniform(-79, -78.8)), y=float(rng.uniform(35.9, 36.1)))
    nodes = list(g.nodes)
    for _ in range(200):
        a, b = rng.choice(nodes, 2, replace=False)
        g.add_edge(
            int(a), int(b), free_flow_s=float(rng.uniform(1, 300)),
            road_class=CLASSES[int(rng.integers(0, 4))],
        )  # fmt: skip
    return g


def _reference(g: nx.MultiDiGraph, origins, dests, band: str, limit_s: float | None):
    """networkx Dijkstra on the band's class-scaled edge times (engine rounding/limit)."""
    from heart_plan.network import UNREACHABLE_S
    from heart_plan.network.engine import class_name

    table = FACTORS.get(band, {})
    h = nx.MultiDiGraph()
    h.add_nodes_from(g.nodes)
    for a, b, d in g.edges(data=True):
        h.add_edge(a, b, s=d["free_flow_s"] / table.get(class_name(d["road_class"]), 1.0))
    f = MIXED_BANDS[band]
    out = np.full((len(origins), len(dests)), UNREACHABLE_S, dtype=np.int64)
    for i, o in enumerate(origins):
        lengths = nx.single_source_dijkstra_path_length(h, int(o), weight="s")
        for j, d in enumerate(dests):
            if int(d) in lengths:
                t = np.rint(lengths[int(d)] / f)
                if limit_s is None or (t <= limit_s and lengths[int(d)] <= limit_s * f):
                    out[i, j] = t
    return out


@pytest.mark.parametrize("tiny_chunks", [False, True])
def test_mixed_weight_groups_in_one_call_match_networkx(tiny_chunks, monkeypatch) -> None:
    """bands_seconds over a BASE pair and a class-factor band: each band exact, in chunks."""
    from heart_plan.network import UNREACHABLE_S
    from heart_plan.network import engine as engine_mod

    if tiny_chunks:
        monkeypatch.setattr(engine_mod, "CHUNK_FLOOR_BYTES", 1)
    g = _classed_graph(7)
    engine = DriveTimeEngine(g, bands=MIXED_BANDS, class_factors=FACTORS)
    assert [engine.group_of(b) for b in MIXED_BANDS] == ["", "", "peak"]
    # BASE bands keep the graph's content hash (old cache keys stay valid)
    assert engine.band_content_hash("free") == engine.band_content_hash("slow")
    assert engine.band_content_hash("free") == engine.content_hash
    assert engine.band_content_hash("peak") != engine.content_hash
    nodes = np.array(sorted(g.nodes))
    rng = np.random.default_rng(1)
    few, many = rng.choice(nodes, 6), rng.choice(nodes, 20)
    for origins, dests in ((few, many), (many, few)):
        for limit in (None, 300.0):
            got = engine.bands_seconds(
                engine.index_of(origins), engine.index_of(dests), bands=["peak", "free", "slow"],
                limit_s=limit, on_unreachable="sentinel",
            )  # fmt: skip
            assert list(got) == ["peak", "free", "slow"]
            for band, (values, attrs) in got.items():
                ref = _reference(g, origins, dests, band, limit)
                assert values.dtype == np.int32
                assert np.array_equal(values, ref), (band, limit)
                n_none = int((_reference(g, origins, dests, band, None) == UNREACHABLE_S).sum())
                assert len(attrs["unreachable_pairs"]) == n_none
                assert attrs["beyond_limit"] == int((ref == UNREACHABLE_S).sum()) - n_none
    # within_limit and pairs use the band's own weights too
    src = engine.index_of(few)
    sparse_s = engine.within_limit(src, band="peak", limit_s=400)
    dense = np.full((len(few), len(nodes)), UNREACHABLE_S, dtype=np.int64)
    coo = sparse_s.tocoo()
    dense[coo.row, coo.col] = coo.data
    assert np.array_equal(dense, _reference(g, few, nodes, "peak", 400.0))
    m = engine.matrix(few, many, band="peak", on_unreachable="sentinel").to_numpy()
    ok = m != UNREACHABLE_S
    r, c = np.nonzero(ok)
    assert np.array_equal(engine.pairs(few[r], many[c], band="peak"), m[ok])


def test_from_arrays_takes_edge_classes_and_cch_refuses_class_bands() -> None:
    from heart_plan.errors import NetworkError

    g = _line(8)
    engine = DriveTimeEngine(g, bands=MIXED_BANDS, class_factors=FACTORS)
    ids = np.array(sorted(g.nodes))
    edges = list(g.edges(data=True))
    u = np.searchsorted(ids, [a for a, _, _ in edges])
    v = np.searchsorted(ids, [b for _, b, _ in edges])
    w = np.array([d["free_flow_s"] for _, _, d in edges])
    lon = np.array([g.nodes[n]["x"] for n in ids])
    lat = np.array([g.nodes[n]["y"] for n in ids])
    kinds = np.array([d["road_class"] for _, _, d in edges])
    arrays = DriveTimeEngine.from_arrays(
        ids, lon, lat, u, v, w, bands=MIXED_BANDS, edge_class=kinds, class_factors=FACTORS
    )
    plain = DriveTimeEngine.from_arrays(ids, lon, lat, u, v, w, bands=MIXED_BANDS)
    assert plain.group_of("peak") == ""  # no classes: every band is BASE
    for band in MIXED_BANDS:
        a = engine.matrix(ids, ids, band=band).to_numpy()
        assert np.array_equal(arrays.matrix(ids, ids, band=band).to_numpy(), a)
        assert arrays.band_content_hash(band) == engine.band_content_hash(band)
    assert not np.array_equal(
        plain.matrix(ids, ids, band="peak").to_numpy(), engine.matrix(ids, ids, band="peak")
    )
    with pytest.raises(NetworkError, match='backend "cch" serves the free-flow weights only'):
        DriveTimeEngine(g, bands=MIXED_BANDS, class_factors=FACTORS, backend="cch")
