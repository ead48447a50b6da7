"""The analyst notebooks: committed stripped, public API only, and they execute top to bottom
on the Durham mirror from an unrelated working directory, ending in a figure or a table.

Each notebook runs in its own ``python3`` kernel (jupyter_client starts it with this test
process's interpreter, so the venv's ``heart_plan``) and inherits the environment, hence
the same ``HEART_PLAN_MIRROR``/``HEART_PLAN_CACHE``: graphs and drive-time matrices cached
by earlier runs are reused.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = ("01_demand.ipynb", "02_drive_times.ipynb", "03_scenarios.ipynb")
MEMO_MIMETYPES = ("image/png", "text/html")


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS_DIR / name, as_version=4)


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_stripped(name):
    nb = _read(name)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cells"
    for cell in code:
        assert cell.outputs == [], f"{name} cell {cell.id} has outputs; strip them"
        assert cell.execution_count is None, f"{name} cell {cell.id} has an execution count"
    assert nb.cells[0].cell_type == "markdown", f"{name} should open with its narrative"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_uses_only_the_public_api(name):
    source = "\n".join(c.source for c in _read(name).cells if c.cell_type == "code")
    private = re.findall(r"heart_plan[\w.]*\._\w+|import\s+_\w+|\b(?:ctx|engine)\._\w+", source)
    assert private == [], f"{name} reaches into private names: {private}"
    # the analysts' API only: ``import heart_plan as hp``, never a submodule
    submodules = re.findall(r"heart_plan\.\w+", source)
    assert submodules == [], f"{name} imports heart_plan submodules: {submodules}"
    assert "import heart_plan as hp" in source
    import heart_plan

    used = set(re.findall(r"\bhp\.(\w+)", source))
    assert used <= set(heart_plan.__all__), f"{name} uses names outside the API: {used}"
    assert re.search(r"^\s*def \w+", source, flags=re.MULTILINE) is None, (
        f"{name} defines functions; put reusable code in the library, not in cells"
    )


@pytest.mark.durham
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes_and_ends_with_a_memo_output(name, mirror, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.chdir(tmp_path)  # data resolution must not depend on the working directory
    nb = _read(name)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed_s = time.perf_counter() - started
    print(f"{name}: executed in {elapsed_s:.1f} s")

    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    mimetypes = {m for o in last.outputs for m in o.get("data", {})}
    assert mimetypes & set(MEMO_MIMETYPES), (
        f"{name}: the last cell should show a figure or a table, got outputs {sorted(mimetypes)}"
    )
    stderr = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    )
    assert "Warning" not in stderr, f"{name} printed warnings an analyst would see:\n{stderr}"
    assert list(tmp_path.iterdir()) == [], f"{name} wrote files into the working directory"
