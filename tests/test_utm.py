"""``heart_plan.utm.utm_crs`` gives what ``estimate_utm_crs`` gives, everywhere."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from heart_plan.utm import utm_crs, utm_crs_at


def test_durham_beats_zone():
    frame = gpd.GeoDataFrame(geometry=[box(-79.0, 35.87, -78.75, 36.14)], crs=4326)
    assert utm_crs(frame) == frame.estimate_utm_crs()
    assert utm_crs(frame).to_epsg() == 32617


@pytest.mark.parametrize(
    "lon, lat",
    [
        *((lon, lat) for lon in np.arange(-179.5, 180, 29.9) for lat in (-70.2, -12.5, 0.3, 45.1)),
        (5.0, 60.0),  # zone 32V (Norway), irregular
        (3.5, 58.0),
        (10.0, 78.0),  # Svalbard, 33X
        (25.0, 78.0),  # 35X
        (-78.0, 36.0),  # on a zone edge (-78 = edge of 17 and 18)
        (-78.9, 0.0),  # on the equator
    ],
)
def test_same_zone_as_geopandas(lon, lat):
    frame = gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs=4326)
    assert utm_crs_at(lon, lat) == frame.estimate_utm_crs()
    assert utm_crs(frame) == frame.estimate_utm_crs()


def test_projected_frame_and_antimeridian():
    utm = gpd.GeoDataFrame(geometry=[box(-79.0, 35.87, -78.75, 36.14)], crs=4326).to_crs(32617)
    assert utm_crs(utm) == utm.estimate_utm_crs()
    across = gpd.GeoDataFrame(geometry=[Point(179.0, -17.0), Point(-179.0, -17.2)], crs=4326)
    # geographic bounds span the globe here; geopandas takes their centre as given
    assert utm_crs(across) == across.estimate_utm_crs()
