"""Sweeps of real quick Durham scenarios: serial, on a local Dask cluster and on real
``dask scheduler`` / ``dask worker`` processes on loopback, one of them killed mid-sweep.

The scenarios are ``quick_scenario`` made smaller still (``TINY_LINES``: fewer teams per
hour, a shorter deterministic solver limit, one exchange round), about 15 s of CPU each.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.durham, pytest.mark.slow, pytest.mark.timeout(900)]

TINY_LINES = {
    "max_teams_per_hour = 8": "max_teams_per_hour = 4",
    "max_deterministic_time = 30.0": "max_deterministic_time = 5.0",
    "exchange_rounds = 3": "exchange_rounds = 1",
}
SCRIPT_NAME = "<script>alert(1)</script> & on-scene 30"
GRID = f"""
base = "tiny.toml"
include_base = false

[grid]
"response.standard_s" = [600]

[[case]]
name = "{SCRIPT_NAME}"
"units.crt.on_scene_mean_min" = 30.0
"""
#: The grid of the killed-worker sweep: the two cases above and one more.
# Four scenarios, one resumed from the store: three to compute on two workers, so that when
# the first finishes another is still running or queued on a worker (the one killed).
GRID_3 = (
    GRID
    + '\n[[case]]\nname = "standard 900 s"\n"response.standard_s" = 900\n'
    + '\n[[case]]\nname = "standard 840 s"\n"response.standard_s" = 840\n'
)


def _sweep(args: list[str], mirror: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "heart_plan.cli", "sweep", "--mirror", str(mirror), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _results(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "results.parquet").drop(columns="runtime_s")


@pytest.fixture(scope="module")
def grids(tmp_path_factory: pytest.TempPathFactory, quick_scenario: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sweep_grids")
    text = quick_scenario.read_text()
    for old, new in TINY_LINES.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (folder / "tiny.toml").write_text(text)
    (folder / "grid.toml").write_text(GRID)
    (folder / "grid3.toml").write_text(GRID_3)
    return {"two": folder / "grid.toml", "three": folder / "grid3.toml"}


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory, grids, mirror: Path) -> Path:
    """The two scenarios run one by one in one process (the reference)."""
    out = tmp_path_factory.mktemp("sweep_serial") / "out"
    proc = _sweep(
        ["--grid", str(grids["two"]), "--out", str(out), "--serial", "--solver-threads", "1"],
        mirror,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 scenarios (2 computed, 0 reused)" in proc.stdout
    return out


def test_serial_sweep_writes_one_tidy_row_per_scenario(serial: Path) -> None:
    table = _results(serial)
    csv = pd.read_csv(serial / "results.csv")
    assert list(table["case_id"]) == list(csv["case_id"]) == ["case_001", "case_002"]
    assert table["key"].is_unique and len(list((serial / "cases").glob("*.json"))) == 2
    assert list(table["param__response.standard_s"]) == [600, 720]
    assert list(table["param__units.crt.on_scene_mean_min"]) == [45.0, 30.0]
    for m in ("reached", "served"):
        assert (table[f"{m}_ci_low"] <= table[f"{m}_share"]).all()
        assert (table[f"{m}_share"] <= table[f"{m}_ci_high"]).all()
    assert (table["served_share"] >= table["reached_share"]).all()
    page = (serial / "sweep.html").read_text()
    assert (
        "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; on-scene 30" in page
    )


def test_restarted_sweep_skips_finished_scenarios(
    serial: Path, grids, tmp_path: Path, mirror: Path
) -> None:
    """A sweep stopped after one scenario: the restart computes only the other."""
    out = tmp_path / "out"
    (out / "cases").mkdir(parents=True)
    first = _results(serial)["key"].iloc[0]
    shutil.copy(serial / "cases" / f"{first}.json", out / "cases")
    proc = _sweep(
        ["--grid", str(grids["two"]), "--out", str(out), "--serial", "--solver-threads", "1"],
        mirror,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 scenarios (1 computed, 1 reused)" in proc.stdout
    pd.testing.assert_frame_equal(_results(out), _results(serial))
    again = _sweep(
        ["--grid", str(grids["two"]), "--out", str(out), "--serial", "--solver-threads", "1"],
        mirror,
        timeout=120,
    )
    assert "2 scenarios (0 computed, 2 reused)" in again.stdout


def test_local_cluster_with_two_workers_gives_the_serial_results(
    serial: Path, grids, tmp_path: Path, mirror: Path
) -> None:
    out = tmp_path / "out"
    proc = _sweep(
        ["--grid", str(grids["two"]), "--out", str(out), "--workers", "2", "--solver-threads", "1"],
        mirror,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "local Dask cluster: 2 workers x 1 thread" in proc.stderr
    assert "2 scenarios (2 computed, 0 reused)" in proc.stdout
    pd.testing.assert_frame_equal(_results(out), _results(serial))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(condition, timeout_s: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        for p in procs:
            if p.poll() is not None:
                raise AssertionError(f"{what}: process {p.args[:3]} exited with {p.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.2)


def test_killed_worker_on_loopback_every_scenario_once(
    serial: Path, grids, tmp_path: Path, mirror: Path
) -> None:
    """A real scheduler and two workers (separate processes); the worker running a scenario
    is killed once another scenario has finished; the sweep still finishes every scenario,
    each once, with the serial results.  One scenario is already in the store (resumed).
    """
    from distributed import Client

    dask = str(Path(sys.executable).parent / "dask")  # the `dask` command of this environment
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []
    files = []

    def start(name: str, args: list[str]) -> subprocess.Popen:
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 (closed in the finally block)
        files.append(log)
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        procs.append(proc)
        return proc

    out = tmp_path / "out"
    (out / "cases").mkdir(parents=True)
    first = _results(serial)["key"].iloc[0]
    shutil.copy(serial / "cases" / f"{first}.json", out / "cases")
    try:
        start(
            "scheduler",
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        )
        worker_ports = [_free_port(), _free_port()]
        workers = {
            f"tcp://127.0.0.1:{wp}": start(
                f"worker{i}",
                [
                    dask,
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--worker-port",
                    str(wp),
                    "--memory-limit",
                    "0",
                ],
            )  # fmt: skip
            for i, wp in enumerate(worker_ports)
        }
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            sweep = start(
                "sweep",
                [sys.executable, "-m", "heart_plan.cli", "sweep", "--mirror", str(mirror),
                 "--grid", str(grids["three"]), "--out", str(out), "--scheduler", address,
                 "--solver-threads", "1"],
            )  # fmt: skip
            # A sign of progress: a scenario computed by this sweep is stored.
            _wait(
                lambda: (
                    len(list((out / "cases").glob("*.json"))) >= 2
                    and any(client.processing().values())
                ),
                600,
                "a first stored scenario while another is running",
                [sweep],
            )
            busy = [w for w, keys in client.processing().items() if keys]
            assert busy, "no scenario left running when the first one finished"
            victim = workers[busy[0]]
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            assert sweep.wait(timeout=600) == 0, (logs / "sweep.log").read_text()[-3000:]
        log = (logs / "sweep.log").read_text()
        assert (
            "4 scenarios: 1 already finished" in log
            and "connected to the Dask scheduler: 2 workers" in log
        )
        table = _results(out)
        assert len(table) == 4 and table["case_id"].is_unique and table["key"].is_unique
        assert len(list((out / "cases").glob("*.json"))) == 4
        assert "4 scenarios (3 computed, 1 reused)" in log
        shared = table[table["case_id"].isin(["case_001", "case_002"])].reset_index(drop=True)
        pd.testing.assert_frame_equal(shared, _results(serial))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=20)
        for log in files:
            log.close()


@pytest.mark.browser
def test_sweep_page_is_offline_escaped_and_fits_a_phone(serial: Path) -> None:
    """The comparison page in chromium at 390 px: no network, no script ran, the escaped
    scenario name shown as text, and no horizontal overflow (wide tables scroll in a box).
    """
    from browser_harness import BrowserHarness

    with (
        BrowserHarness(viewport=(390, 844)) as harness,
        harness.open(serial / "sweep.html") as result,
    ):
        assert result.problems() == []
        page = result.page
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("script").count() == 0
        assert SCRIPT_NAME in page.inner_text("main")
