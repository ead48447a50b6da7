"""Plausible locations for modeled demand: population-weighted random points in a beat.

For beat b, ``n`` points are drawn: each picks a beat x block-group piece with probability
proportional to its interpolated population (area when the beat has no population), then a
uniform point inside that piece (rejection sampling in its bounding box).  The generator is
seeded by ``(seed, crc32(beat_id))`` so each beat's points are reproducible on their own.
"""

from __future__ import annotations

import zlib

import geopandas as gpd
import numpy as np
import shapely


def beat_rng(seed: int, beat_id: str) -> np.random.Generator:
    """The reproducible generator for one beat."""
    return np.random.default_rng([seed, zlib.crc32(beat_id.encode())])


def sample_points(
    pieces: gpd.GeoDataFrame,
    beat_id: str,
    n: int,
    *,
    seed: int,
    fallback: shapely.Geometry | None = None,
) -> np.ndarray:
    """``n`` x 2 array of lon/lat points inside ``beat_id``'s pieces (population-weighted)."""
    rng = beat_rng(seed, beat_id)
    mine = pieces[pieces["beat_id"] == beat_id]
    geoms = list(mine.geometry.values)
    weights = mine["population"].to_numpy(dtype=float) if len(mine) else np.array([])
    if not len(geoms) or weights.sum() <= 0:
        if len(geoms):
            weights = mine["area_km2"].to_numpy(dtype=float)
        elif fallback is not None:
            geoms, weights = [fallback], np.array([1.0])
        else:
            return np.empty((0, 2))
    p = weights / weights.sum()
    choice = rng.choice(len(geoms), size=n, p=p)
    out = np.empty((n, 2))
    for k, g_index in enumerate(choice):
        out[k] = _point_in(geoms[g_index], rng)
    return out


def _point_in(geom: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(50):
        xs = rng.uniform(minx, maxx, 64)
        ys = rng.uniform(miny, maxy, 64)
        inside = shapely.contains_xy(geom, xs, ys)
        if inside.any():
            i = int(np.argmax(inside))
            return float(xs[i]), float(ys[i])
    pt = geom.representative_point()
    return float(pt.x), float(pt.y)
