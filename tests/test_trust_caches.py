"""Issue 13, items 1-3: nothing executable from caches or data, no path from unchecked
strings, every data file verified (the road graph included) and recorded."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from heart_plan import cachefile
from heart_plan.atomic import allow_writes_under, safe_name, write_text
from heart_plan.cli import cli
from heart_plan.config import default_scenario_path, load_scenario
from heart_plan.errors import ConfigError, DataError, OutputError
from heart_plan.network.cache import load_matrix, matrix_key, matrix_path, save_matrix
from heart_plan.network.graph import (
    TRM_GRAPHML,
    load_graph,
    network_from_json,
    network_to_json,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "heart_plan"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path / "cache"))
    cachefile.REFUSED.clear()
    return tmp_path / "cache"


def _scenario_text(tmp_path: Path, old: str, new: str, name: str = "s.toml") -> Path:
    text = default_scenario_path().read_text()
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


# ----------------------------------------------------------------------------- 1. caches


def test_no_pickle_anywhere_in_the_package():
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(c?pickle|dill|joblib)\b", text, re.M), path
        assert "allow_pickle=True" not in text, path


def test_cache_entry_roundtrip_and_refusals(tmp_path):
    path = tmp_path / "e.entry"
    cachefile.write_entry(path, kind="matrix", key="k1", payload=b"payload")
    assert cachefile.read_entry(path, kind="matrix", key="k1") == b"payload"
    # asked under another key or kind: refused (and removed so it is rebuilt)
    assert cachefile.read_entry(path, kind="graph", key="k1") is None
    cachefile.write_entry(path, kind="matrix", key="k1", payload=b"payload")
    assert cachefile.read_entry(path, kind="matrix", key="k2") is None
    assert not path.exists()
    # edited content, truncated content, a foreign file
    cachefile.write_entry(path, kind="matrix", key="k1", payload=b"payload")
    path.write_bytes(path.read_bytes().replace(b"payload", b"paylOad"))
    assert cachefile.read_entry(path, kind="matrix", key="k1") is None
    cachefile.write_entry(path, kind="matrix", key="k1", payload=b"payload")
    path.write_bytes(path.read_bytes()[:-2])
    assert cachefile.read_entry(path, kind="matrix", key="k1") is None
    path.write_bytes(b"\x80\x05pickle-ish bytes without a header")
    assert cachefile.read_entry(path, kind="matrix", key="k1") is None
    reasons = [r for _, r in cachefile.REFUSED[-5:]]
    assert any("wrong key" in r for r in reasons)
    assert any("sha256" in r for r in reasons)


def test_forged_matrix_entry_is_refused_and_rebuilt(cache):
    """A valid entry of another band copied over this band's entry is not a cache hit."""
    frame_a = pd.DataFrame(np.array([[1, 2], [3, 4]], dtype=np.int32), index=[10, 11])
    frame_b = frame_a * 2
    key_a, key_b = matrix_key("band", "night"), matrix_key("band", "am_peak")
    save_matrix(key_a, frame_a)
    save_matrix(key_b, frame_b)
    pd.testing.assert_frame_equal(load_matrix(key_b), frame_b, check_names=False)
    shutil.copyfile(matrix_path(key_a), matrix_path(key_b))  # the forgery
    assert load_matrix(key_b) is None
    assert any("wrong key" in r for _, r in cachefile.REFUSED)
    assert load_matrix(key_a) is not None  # the genuine entry still serves


def test_cached_matrix_comes_back_in_c_order(cache):
    """A matrix saved from a transposed (Fortran-order) array loads in C order, as a freshly
    computed one: float reductions over the matrix then round the same in a cold and a
    warm run (they once picked different post sets on near-ties)."""
    values = np.arange(12, dtype=np.int32).reshape(3, 4).T  # F-contiguous view
    frame = pd.DataFrame(values, index=[1, 2, 3, 4], copy=False)
    assert frame.to_numpy().flags["F_CONTIGUOUS"] and not frame.to_numpy().flags["C_CONTIGUOUS"]
    key = matrix_key("layout", "midday")
    save_matrix(key, frame)
    loaded = load_matrix(key)
    assert loaded is not None
    assert loaded.to_numpy().flags["C_CONTIGUOUS"]
    pd.testing.assert_frame_equal(loaded, frame, check_names=False)


def test_graph_cache_is_json_verified_and_identical(cache, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "network_conftest", Path(__file__).parent / "network" / "conftest.py"
    )
    toy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(toy)
    TOY_SPEEDS = toy.TOY_SPEEDS
    graph_file = tmp_path / "toy.graphml"
    toy.write_toy_trm(graph_file)
    base = load_scenario()
    scenario = dataclasses.replace(
        base,
        network=dataclasses.replace(
            base.network, graph_file=str(graph_file), speed_kph_by_class=TOY_SPEEDS
        ),
    )
    fresh = load_graph(scenario, tmp_path)
    entries = list((cache / "graph").iterdir())
    assert len(entries) == 1 and entries[0].name.endswith(".json.entry")
    assert b"pickle" not in entries[0].read_bytes()[:200]
    cached = load_graph(scenario, tmp_path)
    assert list(cached.graph.edges(keys=True, data=True)) == list(
        fresh.graph.edges(keys=True, data=True)
    )
    assert list(cached.graph.nodes(data=True)) == list(fresh.graph.nodes(data=True))
    assert cached.report == fresh.report
    # a forged entry (edited content, header unchanged) is refused and rebuilt
    data = entries[0].read_bytes()
    entries[0].write_bytes(data.replace(b'"free_flow_s":100.0', b'"free_flow_s":1.0', 1))
    rebuilt = load_graph(scenario, tmp_path)
    assert rebuilt.report == fresh.report
    assert any("edited" in r for _, r in cachefile.REFUSED)
    assert network_from_json(network_to_json(fresh)).report == fresh.report


def test_stale_temp_files_in_the_cache_are_cleaned(cache):
    from heart_plan import paths

    folder = cache / "matrix"
    folder.mkdir(parents=True)
    stale = folder / ".abc.npz.entry.999999999.x1y2.tmp"
    stale.write_bytes(b"")
    paths._CLEANED.discard(folder)
    paths.cache_dir("matrix")
    assert not stale.exists()


# ----------------------------------------------------------------------------- 2. paths


@pytest.mark.parametrize("band", ["../evil", "a/b", "..", ".hidden", "x" * 65, "spa ce", "é"])
def test_band_names_must_be_safe_slugs(tmp_path, band):
    path = _scenario_text(
        tmp_path, "[network.time_bands.evening]", f'[network.time_bands."{band}"]'
    )
    with pytest.raises(ConfigError, match="network.time_bands") as exc:
        load_scenario(path)
    assert "file names" in str(exc.value)


def test_band_with_dotdot_is_refused_by_the_cli_with_exit_2(tmp_path):
    path = _scenario_text(tmp_path, "[network.time_bands.evening]", '[network.time_bands."../"]')
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["network", "matrix", "--scenario", str(path), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "'../'" in result.output and "network.time_bands" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_unit_type_and_scenario_names_must_be_slugs(tmp_path):
    with pytest.raises(ConfigError, match=r"units\.c/d"):
        load_scenario(_scenario_text(tmp_path, "[units.crt]\n", '[units.crt]\n[units."c/d"]\n'))
    with pytest.raises(ConfigError, match="name"):
        load_scenario(_scenario_text(tmp_path, 'name = "durham"', 'name = "../durham"'))


def test_writes_cannot_escape_the_allowed_folder(tmp_path):
    inside = tmp_path / "out"
    inside.mkdir()
    with allow_writes_under(inside):
        write_text(inside / "ok.txt", "ok")
        with pytest.raises(OutputError, match="escapes the output folder"):
            write_text(inside / ".." / "escaped.txt", "no")
        with pytest.raises(OutputError):
            write_text(tmp_path / "elsewhere.txt", "no")
    assert (inside / "ok.txt").exists() and not (tmp_path / "escaped.txt").exists()
    with pytest.raises(OutputError, match="file name"):
        safe_name("../x", what="time band")
    assert safe_name("am_peak") == "am_peak"


# ----------------------------------------------------------------------------- 3. verification


def _mirror_copy(mirror: Path, dest: Path) -> Path:
    """A mirror of symlinks to the read-only mirror, with a real copy of the road graph."""
    for src in mirror.rglob("*"):
        if src.is_file():
            target = dest / src.relative_to(mirror)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(src)
    graph = dest / TRM_GRAPHML
    graph.unlink()
    shutil.copyfile(mirror / TRM_GRAPHML, graph)
    return graph


@pytest.mark.durham
def test_modified_graph_file_is_refused(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("HEART_PLAN_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "mirror"
    graph = _mirror_copy(mirror, copy)
    with open(graph, "ab") as fh:
        fh.write(b"<!-- edited -->\n")
    out = tmp_path / "net"
    args = ["network", "build", "--mirror", str(copy), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert str(graph) in result.output and "trm_graph" in result.output
    assert "on_checksum_mismatch" in result.output and "Traceback" not in result.output
    assert not out.exists()
    # the explicit downgrade: a warning recorded in the run record
    scen = _scenario_text(
        tmp_path, 'on_checksum_mismatch = "error"', 'on_checksum_mismatch = "warn"'
    )
    result = CliRunner().invoke(cli, [*args, "--scenario", str(scen)])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run_info.json").read_text())
    assert info["data_checksums"]["trm_graph"]["check"] == "MISMATCH (accepted)"
    assert any(m["dataset"] == "trm_graph" for m in info["checksum_mismatches_accepted"])


@pytest.mark.durham
def test_road_graph_is_verified_and_recorded_with_the_inputs(durham_inputs):
    from heart_plan.runinfo import data_checksums

    assert durham_inputs.paths["trm_graph"].name == TRM_GRAPHML.name
    checks = data_checksums(durham_inputs.paths)
    assert checks["trm_graph"]["check"] == "pinned"
    assert all(c["check"] == "pinned" for c in checks.values())


def test_mismatch_error_names_file_and_fix(tmp_path):
    from heart_plan.catalog import load_manifest, verify

    ds = load_manifest().get("trm_graph")
    fake = tmp_path / "g.graphml"
    fake.write_text("<graphml/>")
    with pytest.raises(DataError) as exc:
        verify(ds, fake)
    assert str(fake) in str(exc.value) and "heart-plan data fetch" in str(exc.value)
