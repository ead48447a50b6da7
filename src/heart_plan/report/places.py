"""The reported posts named by place (nearest intersection or fire station)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from heart_plan.network.place_names import site_place_names

if TYPE_CHECKING:
    from heart_plan.planning.results import RunResult

__all__ = ["post_names"]


def post_names(result: RunResult) -> dict[str, str]:
    """``{site_id: place}`` for every post of every reported plan and team count."""
    ctx = result.ctx
    pairs = {
        (p.site_id, p.node_id)
        for o in result.plans.values()
        for ps in o.post_sets.values()
        for p in ps.posts
    }
    stations = getattr(ctx.inputs, "stations", None)
    return site_place_names(ctx.network.graph, sorted(pairs), stations)
