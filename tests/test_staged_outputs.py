"""Issue 13, items 7-8: all-or-nothing output folders (staging beside ``--out``, swapped in
on success; interrupted commands leave the previous complete output) and stale temp
cleanup; ``run`` accepts a calls file."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from heart_plan.atomic import clean_stale, staged_output_dir, write_text
from heart_plan.cli import cli


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(
        str(p.relative_to(parent))
        for p in parent.rglob("*")
        if ".staging-" in p.name or ".old-" in p.name or p.name.endswith(".tmp")
    )


def test_success_replaces_the_folder_as_a_whole(tmp_path):
    out = tmp_path / "out"
    with staged_output_dir(out) as stage:
        write_text(stage / "a.txt", "1")
        write_text(stage / "b.txt", "1")
    with staged_output_dir(out) as stage:
        assert stage.parent == tmp_path and stage.name.startswith(".out.staging-")
        write_text(stage / "a.txt", "2")
    assert snapshot(out).keys() == {"a.txt"}  # b.txt was this command's: not mixed in
    assert (out / "a.txt").read_text() == "2"
    assert leftovers(tmp_path) == []


def test_failure_leaves_the_previous_output(tmp_path):
    out = tmp_path / "out"
    with staged_output_dir(out) as stage:
        write_text(stage / "a.txt", "1")
    before = snapshot(out)
    with pytest.raises(RuntimeError), staged_output_dir(out) as stage:
        write_text(stage / "a.txt", "2")
        raise RuntimeError("half-way")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []
    # a first run that fails leaves nothing
    with pytest.raises(RuntimeError), staged_output_dir(tmp_path / "new") as stage:
        write_text(stage / "x.txt", "x")
        raise RuntimeError
    assert not (tmp_path / "new").exists() and leftovers(tmp_path) == []


def test_entries_of_other_commands_are_carried_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "simulate").mkdir()
    (out / "simulate" / "summary.csv").write_text("kept")
    (out / "graph_summary.json").write_text("other command")
    (out / "drive_times__old.parquet").write_text("stale own output")
    with staged_output_dir(out, owns=("drive_times__*.parquet", "sites.csv")) as stage:
        write_text(stage / "sites.csv", "new")
    assert snapshot(out).keys() == {"simulate/summary.csv", "graph_summary.json", "sites.csv"}
    assert (out / "simulate" / "summary.csv").read_text() == "kept"


def test_writes_outside_the_staging_folder_are_refused(tmp_path):
    from heart_plan.errors import OutputError

    with pytest.raises(OutputError), staged_output_dir(tmp_path / "out") as stage:
        write_text(stage / ".." / "escape.txt", "x")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()


def test_stale_staging_and_temp_files_of_dead_processes_are_cleaned(tmp_path):
    dead = _dead_pid()
    (tmp_path / f".out.staging-{dead}").mkdir()
    (tmp_path / f".out.staging-{dead}" / "half.csv").write_text("x")
    (tmp_path / f".a.csv.{dead}.abcd.tmp").write_text("")
    (tmp_path / f".b.csv.{os.getpid()}.abcd.tmp").write_text("")  # alive: ours
    (tmp_path / f".prev.old-{dead}").mkdir()  # a swap interrupted between its renames
    (tmp_path / f".prev.old-{dead}" / "a.txt").write_text("previous")
    clean_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".b.csv.{os.getpid()}.abcd.tmp", "prev"]
    assert (tmp_path / "prev" / "a.txt").read_text() == "previous"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


def test_sigkilled_writer_leaves_previous_output_and_next_run_cleans(tmp_path):
    """A process killed (SIGKILL) while writing: the old output stays; its staging folder
    is removed by the next command writing beside it."""
    out = tmp_path / "out"
    with staged_output_dir(out) as stage:
        write_text(stage / "a.txt", "old")
    before = snapshot(out)
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from heart_plan.atomic import staged_output_dir, write_text
        with staged_output_dir({str(out)!r}) as stage:
            write_text(stage / "a.txt", "new")
            print("writing", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.run([sys.executable, "-c", script], env=env, timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(out) == before
    assert any(".staging-" in name for name in leftovers(tmp_path))
    with staged_output_dir(tmp_path / "other") as stage:
        write_text(stage / "x.txt", "x")
    assert leftovers(tmp_path) == []
    assert snapshot(out) == before


def test_sigterm_removes_the_staging_folder(tmp_path):
    """SIGTERM during a command (``heart-plan`` main) cleans up: no staging left behind."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    script = textwrap.dedent(
        f"""
        import os, signal, sys, time
        import click
        from heart_plan import cli as hp
        from heart_plan.atomic import staged_output_dir, write_text

        @hp.cli.command("sleepy")
        def sleepy():
            with staged_output_dir({str(out)!r}) as stage:
                write_text(stage / "a.txt", "new")
                print("writing", flush=True)
                time.sleep(60)

        hp.main(["sleepy"])
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert "terminated" in err and "Traceback" not in err
    assert (out / "a.txt").read_text() == "old"
    assert leftovers(tmp_path) == []


def test_run_documents_and_checks_a_calls_file(tmp_path):
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0 and "--calls" in result.output
    result = CliRunner().invoke(cli, ["run", "--calls", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "--calls" in result.output


@pytest.mark.durham
def test_calls_file_path_in_the_scenario_is_loaded_and_recorded(mirror, tmp_path, scenario):
    import dataclasses
    from types import SimpleNamespace

    from heart_plan.loaders import load_inputs
    from heart_plan.writer import provenance_table

    calls = tmp_path / "my_calls.csv"
    shutil.copyfile(mirror / "calls" / "dpd_calls2021_comsafe_6types__combined.csv", calls)
    scen = dataclasses.replace(
        scenario, calls=dataclasses.replace(scenario.calls, dataset=str(calls))
    )
    inputs = load_inputs(scen, mirror)
    assert inputs.paths["calls"] == calls and len(inputs.calls) == 3027
    table = provenance_table(SimpleNamespace(ctx=SimpleNamespace(inputs=inputs)))
    row = table.set_index("dataset").loc["calls"]
    assert row["file"] == "my_calls.csv" and row["title"] == "user-supplied file"
    assert "trm_graph" in set(table["dataset"])


@pytest.mark.durham
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_killed_run_leaves_the_previous_complete_output(
    durham_run, mirror, tmp_path, quick_scenario
):
    """A real ``heart-plan run`` terminated while it writes the maps (its last steps, one map
    already in its staging folder) leaves ``--out`` identical to the previous complete run,
    with no staging or temp files.  The killed run uses ``quick_scenario`` (it reaches its
    output steps in ~15 s instead of ~100 s; the output folder does not depend on the
    numbers)."""
    out = tmp_path / "out"
    shutil.copytree(durham_run, out)
    before = snapshot(out)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "heart_plan.cli", "run", "--scenario", str(quick_scenario),
         "--out", str(out), "--mirror", str(mirror)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 1200
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "] maps and GeoPackage (plan.gpkg) ..." in line:
                # Kill once the first map is complete in the staging folder (the second map
                # takes seconds more): a half-written output exists beside --out.
                staged = _wait_for_file(tmp_path, ".out.staging-", "map_citywide.html", proc)
                assert staged, "no staged map_citywide.html before the run ended:\n" + "".join(seen)
                proc.send_signal(signal.SIGTERM)
                break
            assert time.monotonic() < deadline, "no maps progress line in time"
        else:
            pytest.fail("run ended before the maps step:\n" + "".join(seen[-20:]))
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def _wait_for_file(parent: Path, marker: str, name: str, proc: subprocess.Popen) -> bool:
    """Poll until a folder of ``parent`` whose name contains ``marker`` holds ``name``;
    False when ``proc`` ends first (or after 300 s)."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        if any((d / name).is_file() for d in parent.iterdir() if marker in d.name):
            return True
        time.sleep(0.02)
    return False
