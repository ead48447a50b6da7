"""Telling candidate plans apart: simulated with common random numbers until the margin of
the best over the runner-up is measurable.

Every candidate is replayed over the same calls with the same seeds (replication ``r`` of
every plan draws its on-scene times from ``seed + r``: common random numbers), so the
per-replication difference of reached shares between two plans has far less variance than
either share.  Starting with ``[simulation] first_replications``, the replications are
doubled (the new ones continue the seed sequence, so nothing is recomputed) until the 95%
confidence interval of the paired margin ``reached(best) - reached(runner-up)`` excludes
zero, or ``max_replications`` is reached; then there is *no measurable difference* and the
cheaper of the two is preferred (ties: the larger area).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from heart_plan.simulation.results import Estimate, mean_ci


@dataclass(frozen=True)
class CandidateComparison:
    """The outcome of comparing candidates by simulated reached share.

    ``reached_by_replication[i]`` holds candidate ``i``'s reached share in each
    replication; ``margin`` is the paired difference best - runner-up (mean, 95% CI);
    ``chosen`` is the leader when ``measurable``, else the cheaper of the two.
    """

    reached_by_replication: tuple[tuple[float, ...], ...]
    replications: int
    best: int
    runner_up: int | None
    margin: Estimate | None
    measurable: bool
    chosen: int

    def reached(self, i: int) -> Estimate:
        """Candidate ``i``'s reached share over all replications (mean, 95% CI)."""
        return mean_ci(np.asarray(self.reached_by_replication[i]))


def compare_candidates(
    reached_of: Callable[[int, int], Sequence[np.ndarray]],
    n_candidates: int,
    *,
    cost: Sequence[float],
    size: Sequence[int],
    first_replications: int,
    max_replications: int,
    seed: int,
) -> CandidateComparison:
    """Compare ``n_candidates`` plans (module docstring).

    ``reached_of(replications, seed)`` simulates every candidate and returns, per
    candidate, its reached share per replication (replication ``r`` uses ``seed + r``);
    ``cost`` (USD/year) and ``size`` (beats) break a tie that is not measurable.
    """
    runs: list[list[float]] = [[] for _ in range(n_candidates)]
    done, batch = 0, first_replications
    while True:
        for i, reached in enumerate(reached_of(batch, seed + done)):
            runs[i].extend(float(v) for v in reached)
        done += batch
        means = np.array([np.mean(r) for r in runs])
        order = sorted(range(n_candidates), key=lambda i: (-means[i], -size[i]))
        best = order[0]
        if n_candidates == 1:
            return CandidateComparison(
                tuple(tuple(r) for r in runs), done, best, None, None, True, best
            )
        runner = order[1]
        margin = mean_ci(np.asarray(runs[best]) - np.asarray(runs[runner]))
        measurable = bool(margin.ci_low > 0)
        if measurable or done >= max_replications:
            break
        batch = min(done, max_replications - done)
    chosen = best
    if not measurable and (cost[runner], -size[runner]) < (cost[best], -size[best]):
        chosen = runner
    return CandidateComparison(
        tuple(tuple(r) for r in runs), done, best, runner, margin, measurable, chosen
    )
