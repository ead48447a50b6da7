"""Dotted ``section.key`` overrides of a scenario: one parser for ``--set section.key=value``
and for sweep grid files (``heart-plan sweep``).

``apply_dotted_overrides(scenario, {"response.standard_s": 600})`` works on a
:class:`~heart_plan.config.Scenario` (returns a validated Scenario, like
:func:`heart_plan.config.with_overrides`) or on a plain scenario dict (returns a new dict;
the keys are checked against the dict, validation happens when it becomes a Scenario).
``parse_assignment("response.standard_s=600")`` reads one ``--set`` value: the right-hand
side is a TOML value (``600``, ``0.8``, ``true``, ``["A", "B"]``, ``"text"``), and a bare
word that is not TOML is taken as a string.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from typing import Any, overload

from heart_plan.config import Scenario, with_overrides
from heart_plan.errors import ConfigError

__all__ = ["apply_dotted_overrides", "flatten_dotted", "parse_assignment"]


@overload
def apply_dotted_overrides(target: Scenario, overrides: Mapping[str, Any]) -> Scenario: ...
@overload
def apply_dotted_overrides(
    target: dict[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]: ...
def apply_dotted_overrides(
    target: Scenario | dict[str, Any], overrides: Mapping[str, Any]
) -> Scenario | dict[str, Any]:
    """``target`` with each dotted key set to its value (inputs are never modified).

    Raises ``ConfigError`` naming the override when a section or key does not exist.
    """
    if isinstance(target, Scenario):
        return with_overrides(target, dict(overrides))
    raw = copy.deepcopy(target)
    for dotted, value in sorted(overrides.items()):
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            if not isinstance(node.get(key), dict):
                raise ConfigError(f"override {dotted!r}: no section {key!r} in the scenario")
            node = node[key]
        if leaf not in node:
            raise ConfigError(f"override {dotted!r}: unknown key {leaf!r}; see the scenario file")
        node[leaf] = copy.deepcopy(value)
    return raw


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"section.key=value"`` -> ``("section.key", value)`` (value parsed as TOML)."""
    key, sep, value_text = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(
            f"--set {text!r}: expected section.key=value (e.g. response.standard_s=600)"
        )
    value_text = value_text.strip()
    try:
        value = tomllib.loads(f"v = {value_text}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text
    return key, value


def flatten_dotted(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables -> dotted keys (``{"response": {"standard_s": [1]}}`` ->
    ``{"response.standard_s": [1]}``); quoted dotted keys pass through unchanged.
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten_dotted(value, dotted))
        else:
            out[dotted] = value
    return out
