"""On-scene time samplers (seconds).

There are no on-scene times in the Durham data, so the default is an ASSUMPTION from the
scenario (``[units.crt]`` ``on_scene_mean_min`` / ``on_scene_sd_min``): lognormal with the
given mean and standard deviation.  Every sampler draws ``size`` float seconds from a
``numpy.random.Generator``; the engine draws one on-scene time per call and replication
(common random numbers: the draw for call *i* does not depend on whether it is served).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from heart_plan.config import UnitConfig
from heart_plan.errors import ConfigError


class OnSceneSampler(Protocol):
    """Anything that draws on-scene times in seconds."""

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` on-scene times (float seconds, > 0)."""
        ...

    def describe(self) -> dict[str, float | str]:
        """Distribution name and parameters (for run_info.json)."""
        ...


@dataclass(frozen=True)
class LognormalOnScene:
    """Lognormal on-scene time with mean ``mean_s`` and standard deviation ``sd_s``.

    With :math:`\\sigma^2 = \\ln(1 + sd^2/mean^2)` and :math:`\\mu = \\ln(mean) - \\sigma^2/2`
    the draws are :math:`\\exp(\\mu + \\sigma Z)`, :math:`Z \\sim N(0, 1)`.  ``sd_s = 0``
    gives the constant ``mean_s``.
    """

    mean_s: float
    sd_s: float

    def __post_init__(self) -> None:
        if self.mean_s <= 0 or self.sd_s < 0:
            raise ConfigError(
                f"on-scene time: mean {self.mean_s} s must be > 0 and sd {self.sd_s} s >= 0; "
                f"fix [units.crt] on_scene_mean_min / on_scene_sd_min"
            )

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.sqrt(math.log1p((self.sd_s / self.mean_s) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return math.log(self.mean_s) - self.sigma**2 / 2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` on-scene times (seconds) from ``rng``."""
        return np.exp(self.mu + self.sigma * rng.standard_normal(size))

    def describe(self) -> dict[str, float | str]:
        """The distribution and its parameters, for run records."""
        return {"distribution": "lognormal", "mean_s": self.mean_s, "sd_s": self.sd_s}


@dataclass(frozen=True)
class ExponentialOnScene:
    """Exponential on-scene time with mean ``mean_s`` (the M/M/c/c loss-system check)."""

    mean_s: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` on-scene times (seconds) from ``rng``."""
        return rng.exponential(self.mean_s, size)

    def describe(self) -> dict[str, float | str]:
        """The distribution and its parameters, for run records."""
        return {"distribution": "exponential", "mean_s": self.mean_s}


@dataclass(frozen=True)
class ConstantOnScene:
    """The same on-scene time ``seconds`` for every call (hand-checkable toy traces)."""

    seconds: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` on-scene times (seconds) from ``rng``."""
        return np.full(size, float(self.seconds))

    def describe(self) -> dict[str, float | str]:
        """The distribution and its parameters, for run records."""
        return {"distribution": "constant", "seconds": self.seconds}


def on_scene_from_unit(unit: UnitConfig) -> LognormalOnScene:
    """The scenario's (assumed) lognormal on-scene distribution for a unit type."""
    return LognormalOnScene(mean_s=unit.on_scene_mean_min * 60.0, sd_s=unit.on_scene_sd_min * 60.0)
