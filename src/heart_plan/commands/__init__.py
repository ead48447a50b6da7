"""CLI commands, one module each (thin: parse -> load -> call library -> save -> echo).

Heavy imports live inside the command functions so ``heart-plan --help`` is instant.
"""

from __future__ import annotations

import importlib

import click

# module name -> attribute holding the click command or group
COMMANDS: dict[str, str] = {
    "init": "init",
    "data": "data",
    "demand": "demand",
    "network": "network",
    "simulate": "simulate",
    "place": "place",
    "expand": "expand",
    "run": "run",
    "shifts": "shifts",
    "sweep": "sweep",
    "compare": "compare",
    "backtest": "backtest",
    "units": "units",
}


def register_all(group: click.Group) -> None:
    """Add every command in ``COMMANDS`` to ``group``."""
    for module_name, attr in COMMANDS.items():
        module = importlib.import_module(f"heart_plan.commands.{module_name}")
        group.add_command(getattr(module, attr))
