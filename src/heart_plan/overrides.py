"""Dotted-key overrides of a scenario: ``section.key=value`` (CLI ``--set``, sweeps, API).

Top-level keys work without a dot (``name=night_shift``: the output folder's name).

Two functions, one job each:

* :func:`parse_override` turns ``"budget.crt_fte=40"`` into ``("budget.crt_fte", 40.0)``;
  the value is read with TOML value syntax (``40``, ``0.85``, ``true``, ``"text"``,
  ``["111", "112"]``, ``{ mean = 1 }``), and a bare word that is not valid TOML is taken as
  a string (``--set calls.schema=durham_cad``);
* :func:`apply_overrides` applies ``{"section.key": value}`` to a scenario and validates the
  result exactly like a scenario file (unknown sections or keys, wrong types, ranges);
  errors are one line naming the key (``ConfigError``, exit code 2 on the CLI).

``apply_overrides(scenario, {})`` returns ``scenario`` unchanged.  Table keys chosen by the
user work too (``units.crt.crew_size=2``, ``network.time_bands.midday.speed_factor=0.9``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from heart_plan.config import Scenario, with_overrides
from heart_plan.errors import ConfigError

__all__ = ["apply_overrides", "parse_override", "parse_overrides"]


def parse_override(text: str) -> tuple[str, Any]:
    """``"section.key=value"`` -> ``("section.key", value)`` (TOML value syntax).

    Raises ``ConfigError`` naming the text when there is no ``=``, an empty key part, or an
    empty value.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ConfigError(
            f"--set {text!r}: expected section.key=value (e.g. --set budget.crt_fte=40)"
        )
    if any(not part for part in key.split(".")):
        raise ConfigError(
            f"--set {text!r}: {key!r} is not a dotted key; use section.key (e.g. "
            f"response.standard_s) or a top-level key (name)"
        )
    if not raw:
        raise ConfigError(f'--set {key}: empty value; give a TOML value (40, true, "text")')
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if any(c in raw for c in "[]{}\"'=,"):
            raise ConfigError(
                f'--set {key}={raw}: not a TOML value; quote strings ("text") and write '
                f"lists as [1, 2]"
            ) from None
        value = raw  # a bare word: a string
    return key, value


def parse_overrides(texts: Iterable[str]) -> dict[str, Any]:
    """Several ``section.key=value`` texts as one dict (a later key wins)."""
    return dict(parse_override(t) for t in texts)


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``scenario`` with ``{"section.key": value}`` applied and validated like a file.

    The result's ``sha256`` covers the scenario's hash and the overrides (run records
    tell overridden runs apart).  Errors are one-line ``ConfigError`` s naming the key.
    """
    if not overrides:
        return scenario
    try:
        return with_overrides(scenario, dict(overrides))
    except ConfigError as exc:
        message = str(exc)
        if message.startswith("override "):
            raise ConfigError(f"--set {message.removeprefix('override ')}") from None
        message = message.removeprefix(f"{scenario.source} + overrides: ")
        raise ConfigError(f"--set {message}") from None
