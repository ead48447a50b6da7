"""Run records: every run writes its resolved scenario, data checksums, package versions
and solver parameters beside its outputs (``run_info.json``), so a result can be
reproduced and audited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from heart_plan._version import __version__
from heart_plan.atomic import write_json
from heart_plan.config import Scenario

PACKAGES = (
    "numpy", "pandas", "scipy", "shapely", "pyproj", "geopandas", "pyogrio", "pyarrow",
    "networkx", "osmnx", "ortools", "folium", "plotly", "click",
)  # fmt: skip


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that can change a result."""
    out = {"python": sys.version.split()[0], "heart_plan": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_info(
    scenario: Scenario,
    *,
    command: str,
    data_files: Mapping[str, str | Path] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The record of one run: command, scenario (resolved), data checksums, versions."""
    return {
        "command": command,
        "scenario": {
            "name": scenario.name,
            "source": scenario.source,
            "sha256": scenario.sha256,
            "resolved": scenario.to_dict(),
        },
        "solver": dataclasses.asdict(scenario.solver),
        "data_checksums": {
            key: {"path": str(p), "sha256": sha256_file(p)} for key, p in (data_files or {}).items()
        },
        "packages": package_versions(),
        "platform": platform.platform(),
        **(extra or {}),
    }


def write_run_info(out_dir: str | Path, info: dict[str, Any], name: str = "run_info.json") -> Path:
    """Write the run record atomically into ``out_dir``."""
    return write_json(Path(out_dir) / name, info)
