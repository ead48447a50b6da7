"""The planning context: everything the optimizers, the shift planner and the simulator
need about one scenario, built once.

``build_context(scenario, mirror)`` runs the data half of the pipeline:

1. ``loaders.load_inputs`` (validated beats, calls, stations, population, checksums);
2. ``demand.build_demand`` (calibrated, completed eligible-call demand);
3. ``network.load_graph`` + ``DriveTimeEngine`` (drive times per time band);
4. snapping every demand point to its nearest routable node; demand nodes
   (``demand_id`` = node id) carry the annual eligible calls of every beat that snaps there;
5. candidate sites (fire stations and/or road nodes).

Drive-time matrices (demand nodes x sites, integer seconds) are computed per band on first
use and cached on disk by the network engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from heart_plan.config import Scenario
from heart_plan.demand import Demand, build_demand
from heart_plan.errors import DataError
from heart_plan.loaders import DurhamInputs, load_inputs
from heart_plan.network import (
    DriveTimeEngine,
    RoadNetwork,
    aggregate_demand,
    candidate_sites,
    drive_time_matrices,
    load_graph,
    snap_table,
)
from heart_plan.planning.area import AreaDemand
from heart_plan.staffing.workload import arrivals_by_how_for_area

Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class PlanningContext:
    """One scenario's inputs, demand, road network and candidate sites.

    Attributes
    ----------
    demand_nodes
        ``demand_id`` (= node id), ``node_id``, ``calls_per_year`` (citywide, all beats),
        ``access_s``, ``lon``, ``lat``, ``modeled_share``.
    node_beat_calls
        index ``demand_id``, one column per city beat: annual eligible calls of that beat
        snapped to the node (rows sum to ``demand_nodes.calls_per_year``).
    sites
        ``site_id, node_id, lon, lat, kind, snap_distance_m, access_s``.
    """

    scenario: Scenario
    inputs: DurhamInputs
    demand: Demand
    network: RoadNetwork
    engine: DriveTimeEngine
    point_snaps: pd.DataFrame
    demand_nodes: pd.DataFrame
    node_beat_calls: pd.DataFrame
    sites: pd.DataFrame
    _matrices: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def city_beats(self) -> tuple[str, ...]:
        """The city beat ids (35 for Durham), sorted."""
        return tuple(self.node_beat_calls.columns)

    @property
    def calls_per_year(self) -> float:
        """Citywide eligible calls per year (the denominator of every citywide share)."""
        return float(self.demand_nodes["calls_per_year"].sum())

    def weights(self, beats: Iterable[str] | None = None) -> pd.Series:
        """Annual eligible calls per demand node inside ``beats`` (all city beats if None),
        zero rows dropped; index ``demand_id``.
        """
        cols = list(self.city_beats) if beats is None else [str(b) for b in beats]
        unknown = sorted(set(cols) - set(self.city_beats))
        if unknown:
            raise DataError(
                f"beat {unknown[0]!r} is not a city beat; use ids from beat_demand.csv "
                f"(e.g. {', '.join(self.city_beats[:3])})"
            )
        w = self.node_beat_calls[cols].sum(axis=1)
        return w[w > 0].rename("calls_per_year")

    def matrix(self, band: str) -> pd.DataFrame:
        """Drive times (int s) from every site to every demand node in ``band``.

        The first call loads (or computes, in one shortest-path pass) every band's matrix.
        """
        if band not in self._matrices:
            self.engine.speed_factor(band)  # unknown band: NetworkError naming the bands
            self._matrices.update(
                drive_time_matrices(
                    self.engine, self.demand_nodes, self.sites, bands=tuple(self.engine.bands)
                )
            )
        return self._matrices[band]

    def arrivals_by_hour(self, beats: Iterable[str] | None = None) -> np.ndarray:
        """Annual eligible calls in each of the 168 hour-of-week bins for ``beats``."""
        return arrivals_by_how_for_area(
            self.demand.beats.set_index("beat_id")["eligible_calls_per_year"],
            self.demand.beat_hour_share,
            list(self.city_beats if beats is None else beats),
        )

    def area(self, beats: Iterable[str] | None = None) -> AreaDemand:
        """The demand view of one service area (all city beats if None), built once and
        handed to placement and staffing instead of the whole context.
        """
        area_beats = self.city_beats if beats is None else tuple(str(b) for b in beats)
        weights = self.weights(area_beats)
        return AreaDemand(
            beats=area_beats,
            weights=weights,
            arrivals_by_hour=np.asarray(self.arrivals_by_hour(area_beats), dtype=float),
            band_of_hour=self.scenario.network.band_of_hour(),
            sites=self.sites,
            city_calls_per_year=self.calls_per_year,
            standard_s=self.scenario.response.standard_s,
            full_matrix=self.matrix,
        )


def node_beat_table(
    points: pd.DataFrame, snaps: pd.DataFrame, demand_ids: np.ndarray
) -> pd.DataFrame:
    """Annual calls of ``points`` (``point_id, beat_id, calls_per_year``) per demand node
    (rows ``demand_ids``, the node each point snapped to in ``snaps``: ``id, node_id,
    outside_extent``; points outside the extent left out) and beat (sorted columns).
    """
    node_of_point = pd.Series(snaps["node_id"].to_numpy(), index=snaps["id"].to_numpy())
    inside = pd.Series(~snaps["outside_extent"].to_numpy(dtype=bool), index=snaps["id"].to_numpy())
    ids = points["point_id"].to_numpy()
    joined = pd.DataFrame(
        {
            "demand_id": node_of_point.loc[ids].to_numpy(),
            "beat_id": points["beat_id"].astype(str).to_numpy(),
            "calls_per_year": points["calls_per_year"].to_numpy(dtype=float),
        }
    )[inside.loc[ids].to_numpy()]
    node_beat = joined.pivot_table(
        index="demand_id", columns="beat_id", values="calls_per_year", aggfunc="sum", fill_value=0.0
    )
    node_beat = node_beat.reindex(demand_ids, fill_value=0.0)
    node_beat = node_beat[sorted(node_beat.columns)]
    node_beat.columns.name = None
    return node_beat


def build_context(
    scenario: Scenario,
    mirror: str | Path | None = None,
    *,
    progress: Progress | None = None,
    on_outside: Literal["raise", "flag"] = "raise",
) -> PlanningContext:
    """Load data, build demand and the road network, snap demand and candidate sites.

    ``on_outside="flag"`` keeps going when demand points lie outside the road network's
    extent: they are left out of the demand nodes and flagged in ``point_snaps``.
    """
    say = progress or (lambda _msg: None)
    say("loading and validating inputs")
    inputs = load_inputs(scenario, mirror)
    say("building calibrated eligible-call demand")
    demand = build_demand(inputs, scenario)
    say("loading the road network")
    network = load_graph(scenario, inputs.mirror)  # type: ignore[arg-type]
    engine = DriveTimeEngine.from_scenario(network, scenario)
    say("snapping demand points and candidate sites")
    points = demand.points
    snaps = snap_table(
        engine, points, id_col="point_id", network=scenario.network, on_outside=on_outside
    )
    demand_nodes = aggregate_demand(points, snaps)
    node_beat = node_beat_table(points, snaps, demand_nodes["demand_id"].to_numpy())
    sites = candidate_sites(
        engine,
        inputs.stations,
        sources=scenario.candidates.sources,
        access_speed_kph=scenario.network.access_speed_kph,
        snap_warn_m=scenario.network.snap_warn_m,
    )
    return PlanningContext(
        scenario=scenario,
        inputs=inputs,
        demand=demand,
        network=network,
        engine=engine,
        point_snaps=snaps,
        demand_nodes=demand_nodes,
        node_beat_calls=node_beat,
        sites=sites,
    )
