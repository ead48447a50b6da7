"""The sweep grid file: a base scenario and the overrides that expand into cases.

Format (TOML)::

    base = "durham.toml"        # relative to the grid file; "" = the embedded default
    include_base = true         # also run the base scenario unchanged (default true)

    [grid]                      # dotted section.key -> list of values: Cartesian product
    "response.standard_s" = [600, 900]
    "units.crt.on_scene_mean_min" = [30.0, 60.0]

    [[case]]                    # explicit cases: a name and dotted overrides
    name = "speeds x0.8"
    "network.time_bands.night.speed_factor" = 0.8

Dotted names are the ones ``--set section.key=value`` uses; nested tables
(``[grid.response] standard_s = [...]``) are read the same way.  Cases with identical
overrides are run once.  Every case's scenario is built and validated when the file is
read, so a bad key or value fails before anything runs.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heart_plan.config import Scenario, load_scenario
from heart_plan.errors import ConfigError
from heart_plan.overrides import apply_dotted_overrides, flatten_dotted

GRID_KEYS = ("base", "include_base", "grid", "case")


@dataclass(frozen=True)
class SweepCase:
    """One scenario of a sweep: ``case_id`` (``case_001``...), a readable ``label`` and its
    dotted ``overrides`` (sorted key, value pairs; empty for the base scenario).
    """

    case_id: str
    label: str
    overrides: tuple[tuple[str, Any], ...]

    @property
    def override_dict(self) -> dict[str, Any]:
        """The overrides as a dict."""
        return dict(self.overrides)


@dataclass(frozen=True)
class SweepGrid:
    """A parsed grid file: the base scenario and the cases it expands into."""

    path: Path
    base: Scenario
    cases: tuple[SweepCase, ...]

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every dotted key some case overrides, sorted."""
        return tuple(sorted({k for c in self.cases for k, _ in c.overrides}))

    def scenario(self, case: SweepCase) -> Scenario:
        """The case's validated scenario."""
        return apply_dotted_overrides(self.base, case.override_dict)


def _label(overrides: dict[str, Any]) -> str:
    if not overrides:
        return "base"
    return ", ".join(f"{k}={_short(v)}" for k, v in sorted(overrides.items()))


def _short(value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"[{len(value)} values]"
    return str(value)


def load_grid(path: str | Path) -> SweepGrid:
    """Read and validate a grid file (``ConfigError`` naming the file, key and fix)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: grid file not found; pass an existing file to --grid") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    unknown = sorted(set(raw) - set(GRID_KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r}; a grid file has {', '.join(GRID_KEYS)}"
        )
    base_text = raw.get("base", "")
    if not isinstance(base_text, str):
        raise ConfigError(f"{path}: base must be a scenario file path (a string)")
    base_path = (path.parent / base_text) if base_text else None
    try:
        base = load_scenario(base_path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: base: {exc}") from None
    include_base = raw.get("include_base", True)
    if not isinstance(include_base, bool):
        raise ConfigError(f"{path}: include_base must be true or false")
    grid = raw.get("grid", {})
    if not isinstance(grid, dict):
        raise ConfigError(f"{path}: [grid] must be a table of dotted keys -> lists")
    axes = flatten_dotted(grid)
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"{path}: [grid] {key!r} must be a non-empty list of values, got {values!r}"
            )
    explicit = raw.get("case", [])
    if not isinstance(explicit, list) or not all(isinstance(c, dict) for c in explicit):
        raise ConfigError(f"{path}: case must be [[case]] tables of dotted overrides")

    named: list[tuple[str, dict[str, Any]]] = []
    if include_base:
        named.append(("base", {}))
    if axes:
        keys = sorted(axes)
        for combo in itertools.product(*(axes[k] for k in keys)):
            overrides = dict(zip(keys, combo, strict=True))
            named.append((_label(overrides), overrides))
    for i, table in enumerate(explicit):
        table = dict(table)
        name = table.pop("name", None)
        if name is not None and not isinstance(name, str):
            raise ConfigError(f"{path}: case {i + 1}: name must be a string")
        overrides = flatten_dotted(table)
        named.append((name or _label(overrides), overrides))
    if not named:
        raise ConfigError(f"{path}: no cases; add a [grid] list, a [[case]] or include_base")

    cases: list[SweepCase] = []
    seen: set[str] = set()
    for label, overrides in named:
        ident = json.dumps(sorted(overrides.items()), default=str)
        if ident in seen:
            continue
        seen.add(ident)
        try:
            apply_dotted_overrides(base, overrides)
        except ConfigError as exc:
            raise ConfigError(f"{path}: case {label!r}: {exc}") from None
        cases.append(
            SweepCase(f"case_{len(cases) + 1:03d}", label, tuple(sorted(overrides.items())))
        )
    return SweepGrid(path=path, base=base, cases=tuple(cases))
