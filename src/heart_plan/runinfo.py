"""Run records: every run writes its resolved scenario, data checksums, package versions
and solver parameters beside its outputs (``run_info.json``), so a result can be
reproduced and audited.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from heart_plan._version import __version__
from heart_plan.atomic import write_json
from heart_plan.config import Scenario
from heart_plan.hashing import sha256_file

PACKAGES = (
    "numpy", "pandas", "scipy", "shapely", "pyproj", "geopandas", "pyogrio", "pyarrow",
    "networkx", "osmnx", "ortools", "folium", "click",
)  # fmt: skip


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
        "data_checksums": data_checksums(data_files or {}),
        "checksum_mismatches_accepted": [
            {"dataset": d, "path": p, "sha256": got, "pinned_sha256": want}
            for d, p, got, want in _accepted_mismatches()
        ],
        "cache_entries_refused": [{"path": p, "reason": r} for p, r in _refused()],
        "packages": package_versions(),
        "platform": platform.platform(),
        **(extra or {}),
    }


def data_checksums(data_files: Mapping[str, str | Path]) -> dict[str, dict[str, str]]:
    """Per data file: path, sha256 and how it was checked (``pinned`` = matches the
    manifest, ``MISMATCH (accepted)`` = differs and was allowed, ``recorded`` = not pinned).
    """
    from heart_plan.catalog import load_manifest

    manifest = load_manifest()
    out = {}
    for key, p in data_files.items():
        digest = sha256_file(p)
        ds = manifest.datasets.get(key)
        if ds is not None and ds.kind == "pinned":
            check = "pinned" if digest == ds.sha256 else "MISMATCH (accepted)"
        else:
            check = "recorded"
        out[key] = {"path": str(p), "sha256": digest, "check": check}
    return out


def _accepted_mismatches() -> list[tuple[str, str, str, str]]:
    from heart_plan.catalog import ACCEPTED_MISMATCHES

    return list(ACCEPTED_MISMATCHES)


def _refused() -> list[tuple[str, str]]:
    from heart_plan.cachefile import REFUSED

    return list(REFUSED)


def write_run_info(out_dir: str | Path, info: dict[str, Any], name: str = "run_info.json") -> Path:
    """Write the run record atomically into ``out_dir``."""
    return write_json(Path(out_dir) / name, info)
