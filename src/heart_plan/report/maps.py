"""Generic offline folium map building blocks.

Every helper escapes data-derived text (``escape.escape_text``/``sanitize_properties``) and
returns the ``folium.FeatureGroup`` it created, so callers can name layers for the layer
control and tests can find them.  Coordinates are WGS84; frames with another CRS are
reprojected, and point sequences are ``(lat, lon)`` pairs as in folium.

Typical use::

    m = new_map((35.99, -78.90), 12)
    scale = color_scale(beats["eligible_calls_per_year"])
    add_choropleth_layer(m, beats, "eligible_calls_per_year", name="Eligible calls per year",
                         tooltip_fields=["beat_id", "eligible_calls_per_year"],
                         aliases=["Beat", "Eligible calls / year"], colormap=scale,
                         style_by="basis")
    add_numbered_markers(m, steps, [str(i) for i in range(1, len(steps) + 1)],
                         name="Expansion steps")
    add_legend(m, "Eligible calls per year", BASIS_LEGEND, colormap=scale)
    add_layer_control(m)
    save_map(m, out_dir / "map_citywide.html")
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element
from folium.template import Template

from heart_plan.atomic import write_text
from heart_plan.report.assets import external_resources, make_offline
from heart_plan.report.escape import escape_text, json_for_script, sanitize_properties

__all__ = [
    "BASIS_LEGEND",
    "BASIS_STYLES",
    "DEFAULT_COLORS",
    "DEFAULT_TILES",
    "TILE_HOSTS",
    "HourSelector",
    "Legend",
    "LegendItem",
    "add_choropleth_layer",
    "add_hour_selector",
    "add_isochrones",
    "add_layer_control",
    "add_legend",
    "add_numbered_markers",
    "add_outline_layer",
    "add_points_layer",
    "add_post_markers",
    "color_scale",
    "new_map",
    "render_map",
    "save_map",
]

#: Basemap used by ``new_map``; the only online resource of a page.
DEFAULT_TILES = "OpenStreetMap"
#: Hosts basemap tiles may come from (browser tests let these fail offline).
TILE_HOSTS = ("basemaps.cartocdn.com", "tile.openstreetmap.org")
#: Sequential fill palette (ColorBrewer YlOrRd, 6 classes).
DEFAULT_COLORS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
#: Style overrides by data basis: modeled beats get a dashed outline and a lighter fill.
BASIS_STYLES: dict[str, dict[str, Any]] = {
    "observed": {"dashArray": None, "fillOpacity": 0.75, "weight": 1.5},
    "modeled": {"dashArray": "6 4", "fillOpacity": 0.4, "weight": 2.0},
}

_COLOR_RE = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,\s%]+\))$")


def _color(value: str) -> str:
    if not _COLOR_RE.match(value):
        raise ValueError(
            f"color {value!r}: expected #rgb/#rrggbb, a CSS color name or rgb()/rgba()"
        )
    return value


# --------------------------------------------------------------------------- map, saving


def new_map(
    center: tuple[float, float],
    zoom: int = 12,
    *,
    tiles: str | None = DEFAULT_TILES,
    control_scale: bool = True,
    prefer_canvas: bool = False,
    zoom_snap: float = 0.25,
) -> folium.Map:
    """Create an offline folium map (Leaflet and jQuery inlined; no CDN).

    Parameters
    ----------
    center
        ``(lat, lon)`` in degrees WGS84.
    zoom
        Initial Leaflet zoom level.
    tiles
        folium/xyzservices basemap name (e.g. ``"OpenStreetMap"``; CartoDB now needs an API key) or
        None for a plain background.  Tiles are fetched online when available; every
        vector layer renders without them.
    control_scale
        Show a metric/imperial scale bar.
    prefer_canvas
        Render vector layers on a canvas (faster for thousands of features).
    zoom_snap
        Zoom steps (fractional, so that fitting the city's bounds fills the screen).
    """
    m = folium.Map(
        location=list(center),
        zoom_start=zoom,
        tiles=tiles,
        control_scale=control_scale,
        prefer_canvas=prefer_canvas,
        zoom_snap=zoom_snap,
    )
    return make_offline(m)


def render_map(m: folium.Map) -> str:
    """Render ``m`` to a full HTML page and check it loads nothing but tiles from the network.

    Raises
    ------
    ValueError
        If the page would fetch a script/stylesheet/image (e.g. a folium plugin's CDN
        resource) or uses ``folium.Icon`` (its awesome-markers plugin is not vendored).
    """
    root = m.get_root()
    _number_elements(root)
    with _macro_output_as_text():
        page = root.render()
    online = external_resources(page)
    if online:
        raise ValueError(
            f"map page would load {len(online)} resource(s) from the network ({online[0]}); "
            "use heart_plan.report.maps helpers or vendor the plugin's assets"
        )
    if "L.AwesomeMarkers" in page:
        raise ValueError(
            "map uses folium.Icon, whose awesome-markers plugin is not vendored; "
            "use add_post_markers/add_numbered_markers (DivIcon) or CircleMarker instead"
        )
    return page


class _TextElement(Element):
    """A macro's rendered output as branca's ``MacroElement.render`` wraps it, without
    compiling that output as a jinja template (branca compiles every header, html and
    script part, inline GeoJSON included: about 2,000 compiles, a second, for one map).

    Text with no jinja syntax renders as jinja would render it: unchanged but for a single
    trailing newline dropped (``keep_trailing_newline=False``); text with ``{{``, ``{%``,
    ``{#`` or a carriage return (jinja normalizes line ends) is compiled as before.
    """

    def __init__(self, template: str | None = None, template_name: str | None = None) -> None:
        plain = (
            template is not None
            and template_name is None
            and not any(tag in template for tag in ("{{", "{%", "{#", "\r"))
        )
        super().__init__(None if plain else template, template_name)
        self._text = template.removesuffix("\n") if plain and template is not None else None

    def render(self, **kwargs: Any) -> str:
        if self._text is not None:
            return self._text
        return str(super().render(**kwargs))


@contextmanager
def _macro_output_as_text() -> Iterator[None]:
    """Within: branca's ``MacroElement.render`` wraps macro output in ``_TextElement``."""
    import branca.element

    saved = branca.element.Element
    branca.element.Element = _TextElement  # type: ignore[misc]
    try:
        yield
    finally:
        branca.element.Element = saved  # type: ignore[misc]


def _number_elements(root: Any) -> None:
    """Give every element in the tree a sequential id (folium uses random uuids), so the
    same map renders to byte-identical HTML on every run.  ``_children`` keys that were the
    old names (templates use some of them as JS variable names) are renamed too.
    """
    seen: dict[int, tuple[Any, str]] = {}
    stack = [root]
    counter = 0
    while stack:
        element = stack.pop(0)
        if id(element) in seen:
            continue
        seen[id(element)] = (element, element.get_name())
        counter += 1
        element._id = f"{counter:06d}"
        children = list(getattr(element, "_children", {}).values())
        # Elements held in attributes (Popup.html, Popup.script, GeoJson.marker) render too.
        children += [
            v for k, v in vars(element).items() if k != "_parent" and isinstance(v, Element)
        ]
        stack[0:0] = children
    for element, _old in seen.values():
        kids = getattr(element, "_children", None)
        if not kids:
            continue
        renamed = [
            (child.get_name() if key == seen.get(id(child), (None, None))[1] else key, child)
            for key, child in kids.items()
        ]
        kids.clear()
        kids.update(renamed)


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Render ``m`` (checked by ``render_map``) and write it atomically to ``path``."""
    return write_text(path, render_map(m))


def add_layer_control(m: folium.Map, *, collapsed: bool = True) -> folium.LayerControl:
    """Add a layer control listing every named ``FeatureGroup`` with ``control=True``
    (collapsed to a button by default, so it never covers the map on a phone).
    """
    control = folium.LayerControl(collapsed=collapsed)
    control.add_to(m)
    return control


# --------------------------------------------------------------------------- inputs


def _to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"expected a GeoDataFrame, got {type(frame).__name__}")
    if frame.crs is None:
        raise ValueError("GeoDataFrame has no CRS; set it (e.g. .set_crs(4326)) before mapping")
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(4326)


def _lat_lon(points: Any) -> list[tuple[float, float]]:
    """``(lat, lon)`` pairs from a point GeoDataFrame, a DataFrame with lat/lon, or pairs."""
    if isinstance(points, gpd.GeoDataFrame):
        geo = _to_wgs84(points).geometry
        if not (geo.geom_type == "Point").all():
            raise ValueError("expected Point geometries")
        return [(float(p.y), float(p.x)) for p in geo]
    if isinstance(points, pd.DataFrame):
        missing = {"lat", "lon"} - set(points.columns)
        if missing:
            raise ValueError(f"points frame needs columns lat and lon (missing {sorted(missing)})")
        return [(float(a), float(b)) for a, b in zip(points["lat"], points["lon"], strict=True)]
    return [(float(a), float(b)) for a, b in points]


def _texts(values: Sequence[Any] | None, n: int, what: str) -> list[str | None]:
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"{what}: got {len(values)} values for {n} points")
    return [escape_text(v) for v in values]


# --------------------------------------------------------------------------- polygons


def color_scale(
    values: Sequence[float] | pd.Series,
    *,
    colors: Sequence[str] = DEFAULT_COLORS,
    vmin: float | None = None,
    vmax: float | None = None,
    caption: str = "",
) -> branca.colormap.LinearColormap:
    """Linear colour scale over ``values`` (NaN ignored); use for a layer and its legend."""
    arr = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    finite = arr[np.isfinite(arr)]
    lo = (
        float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    )
    hi = (
        float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    )
    if hi <= lo:
        hi = lo + 1.0
    return branca.colormap.LinearColormap(
        [_color(c) for c in colors], vmin=lo, vmax=hi, caption=caption
    )


def _tooltip(
    fields: Sequence[str] | None, aliases: Sequence[str] | None
) -> folium.GeoJsonTooltip | None:
    if not fields:
        return None
    aliases = list(fields) if aliases is None else list(aliases)
    if len(aliases) != len(fields):
        raise ValueError(f"aliases: got {len(aliases)} for {len(fields)} tooltip fields")
    return folium.GeoJsonTooltip(
        fields=list(fields), aliases=[escape_text(a) for a in aliases], localize=True, sticky=True
    )


def _geojson_frame(gdf: gpd.GeoDataFrame, keep: Sequence[str]) -> gpd.GeoDataFrame:
    frame = _to_wgs84(gdf)
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} not in the frame (have {list(frame.columns)})")
    cols = list(dict.fromkeys([*keep, frame.geometry.name]))
    return sanitize_properties(frame[cols])


def add_choropleth_layer(
    m: folium.Map | folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    value_col: str,
    *,
    name: str,
    tooltip_fields: Sequence[str] | None = None,
    aliases: Sequence[str] | None = None,
    colormap: branca.colormap.LinearColormap | None = None,
    style_by: str | None = None,
    styles: Mapping[str, Mapping[str, Any]] | None = None,
    line_color: str = "#444444",
    missing_color: str = "#d0d0d0",
    show: bool = True,
) -> folium.FeatureGroup:
    """Polygons filled by ``value_col`` on a linear colour scale, with a hover tooltip.

    Parameters
    ----------
    m
        Map (or a FeatureGroup, e.g. one hour of ``add_hour_selector``) to add to.
    gdf
        Polygons with ``value_col`` (numeric; NaN drawn in ``missing_color``).
    value_col
        Column that sets the fill colour.
    name
        Layer name shown in the layer control (escaped).
    tooltip_fields, aliases
        Columns shown on hover and their labels (labels default to the column names).
    colormap
        Scale from ``color_scale``; default a scale over ``gdf[value_col]``.
    style_by, styles
        Optional categorical column and Leaflet path-style overrides per category (e.g.
        ``style_by="basis"`` with ``BASIS_STYLES``: modeled beats dashed and lighter).
    show
        Whether the layer is on when the page opens.
    """
    colormap = colormap or color_scale(gdf[value_col])
    styles = dict(BASIS_STYLES if styles is None and style_by else (styles or {}))
    keep = [value_col, *(tooltip_fields or []), *([style_by] if style_by else [])]
    frame = _geojson_frame(gdf, keep)
    escaped_styles = {escape_text(k): dict(v) for k, v in styles.items()}
    base = {"color": _color(line_color), "weight": 1.5, "fillOpacity": 0.7}

    def style_function(feature: dict) -> dict:
        props = feature["properties"]
        value = props.get(value_col)
        ok = isinstance(value, int | float) and math.isfinite(value)
        style = {**base, "fillColor": colormap(value) if ok else _color(missing_color)}
        if style_by:
            style.update(escaped_styles.get(props.get(style_by), {}))
        return style

    return _geojson_group(
        m, frame, name=name, show=show, style_function=style_function,
        tooltip=_tooltip(tooltip_fields, aliases),
        highlight_function=lambda _f: {"weight": 3, "color": "#000000"},
    )  # fmt: skip


def _geojson_group(
    m: folium.Map | folium.FeatureGroup,
    frame: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool,
    style_function: Any,
    tooltip: Any,
    highlight_function: Any = None,
) -> folium.FeatureGroup:
    """``frame`` as one GeoJson layer in its own named FeatureGroup added to ``m``."""
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    folium.GeoJson(
        frame.to_json(na="null", drop_id=True),
        style_function=style_function,
        highlight_function=highlight_function,
        tooltip=tooltip,
        zoom_on_click=False,
    ).add_to(group)
    group.add_to(m)
    return group


def add_outline_layer(
    m: folium.Map | folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    color: str = "#1f4e9c",
    weight: float = 3.0,
    dash_array: str | None = None,
    fill_opacity: float = 0.0,
    tooltip_fields: Sequence[str] | None = None,
    aliases: Sequence[str] | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Outlines (e.g. the current service area) drawn in one colour, optionally filled."""
    frame = _geojson_frame(gdf, list(tooltip_fields or []))
    style = {
        "color": _color(color),
        "weight": weight,
        "dashArray": dash_array,
        "fill": fill_opacity > 0,
        "fillColor": _color(color),
        "fillOpacity": fill_opacity,
    }
    return _geojson_group(
        m, frame, name=name, show=show, style_function=lambda _f: style,
        tooltip=_tooltip(tooltip_fields, aliases),
    )  # fmt: skip


def add_isochrones(
    m: folium.Map | folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    color: str = "#2b8cbe",
    fill_opacity: float = 0.15,
    tooltip_fields: Sequence[str] | None = None,
    aliases: Sequence[str] | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Drive-time isochrone polygons (one per post), lightly filled so overlaps read darker."""
    return add_outline_layer(
        m,
        gdf,
        name=name,
        color=color,
        weight=1.5,
        fill_opacity=fill_opacity,
        tooltip_fields=tooltip_fields,
        aliases=aliases,
        show=show,
    )


# --------------------------------------------------------------------------- points


def add_points_layer(
    m: folium.Map | folium.FeatureGroup,
    points: gpd.GeoDataFrame,
    *,
    name: str,
    color: str = "#7a0177",
    radius_px: float = 4.0,
    size_col: str | None = None,
    max_radius_px: float = 12.0,
    tooltip_fields: Sequence[str] | None = None,
    aliases: Sequence[str] | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Circle markers for many points in one GeoJSON layer (e.g. unreachable demand).

    With ``size_col``, radius_px = max(2, max_radius_px * sqrt(value / max value)), so the
    circle *area* is proportional to the value (e.g. calls per year at a demand node).
    """
    frame = _to_wgs84(points)
    if not (frame.geometry.geom_type == "Point").all():
        raise ValueError(f"add_points_layer {name!r}: expected Point geometries")
    keep = list(tooltip_fields or [])
    if size_col:
        frame = frame.copy()
        values = pd.to_numeric(frame[size_col], errors="coerce").fillna(0.0).clip(lower=0.0)
        top = float(values.max()) or 1.0
        frame["_radius_px"] = np.maximum(2.0, max_radius_px * np.sqrt(values / top)).round(1)
        keep.append("_radius_px")
    frame = _geojson_frame(frame, keep)
    style = {"color": _color(color), "fillColor": _color(color), "weight": 1, "fillOpacity": 0.6}

    def style_function(feature: dict) -> dict:
        radius = feature["properties"].get("_radius_px", radius_px)
        return {**style, "radius": radius}

    group = folium.FeatureGroup(name=escape_text(name), show=show)
    folium.GeoJson(
        frame.to_json(na="null", drop_id=True),
        marker=folium.CircleMarker(radius=radius_px, fill=True),
        style_function=style_function,
        tooltip=_tooltip(tooltip_fields, aliases),
        zoom_on_click=False,
    ).add_to(group)
    group.add_to(m)
    return group


def _div_marker(
    group: folium.FeatureGroup,
    lat_lon: tuple[float, float],
    html: str,
    size_px: int,
    tooltip: str | None,
    popup: str | None,
) -> None:
    icon = folium.DivIcon(
        html=html,
        icon_size=(size_px, size_px),
        icon_anchor=(size_px // 2, size_px // 2),
        class_name="hp-div-icon",
    )
    folium.Marker(
        location=list(lat_lon),
        icon=icon,
        tooltip=folium.Tooltip(tooltip) if tooltip else None,
        popup=folium.Popup(popup, max_width=320) if popup else None,
    ).add_to(group)


def add_numbered_markers(
    m: folium.Map | folium.FeatureGroup,
    points: Any,
    labels: Sequence[Any],
    *,
    name: str,
    color: str = "#d95f02",
    tooltips: Sequence[Any] | None = None,
    popups: Sequence[str] | None = None,
    size_px: int = 24,
    show: bool = True,
) -> folium.FeatureGroup:
    """Round numbered markers (e.g. expansion steps 1, 2, 3 in order) as DivIcons.

    Parameters
    ----------
    points
        Point GeoDataFrame, DataFrame with ``lat``/``lon``, or ``(lat, lon)`` pairs.
    labels
        Text inside each marker (escaped), e.g. the step number.
    tooltips, popups
        Plain text per marker (escaped).  For a formatted table pass
        ``escape.html_table_rows(...)`` output through ``popups_html`` of ``add_post_markers``.
    """
    coords = _lat_lon(points)
    texts = _texts(labels, len(coords), "labels")
    tips = _texts(tooltips, len(coords), "tooltips")
    pops = _texts(popups, len(coords), "popups")
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    for lat_lon, text, tip, pop in zip(coords, texts, tips, pops, strict=True):
        html = f'<div class="hp-num-marker" style="background:{_color(color)}">{text}</div>'
        _div_marker(group, lat_lon, html, size_px, tip, pop)
    group.add_to(m)
    return group


def add_post_markers(
    m: folium.Map | folium.FeatureGroup,
    points: Any,
    *,
    name: str,
    color: str = "#1b7837",
    tooltips: Sequence[Any] | None = None,
    popup_rows: Sequence[Mapping[str, Any]] | None = None,
    size_px: int = 16,
    show: bool = True,
) -> folium.FeatureGroup:
    """Square markers for team posts, with a plain-text tooltip and a table popup.

    ``popup_rows`` gives one ``{label: value}`` mapping per post, rendered as an escaped
    table (numbers with thousands separators).
    """
    from heart_plan.report.escape import html_table_rows

    coords = _lat_lon(points)
    tips = _texts(tooltips, len(coords), "tooltips")
    if popup_rows is not None and len(popup_rows) != len(coords):
        raise ValueError(f"popup_rows: got {len(popup_rows)} for {len(coords)} points")
    pops = (
        [html_table_rows(r) for r in popup_rows] if popup_rows is not None else [None] * len(coords)
    )
    group = folium.FeatureGroup(name=escape_text(name), show=show)
    for lat_lon, tip, pop in zip(coords, tips, pops, strict=True):
        html = f'<div class="hp-post-marker" style="background:{_color(color)}"></div>'
        _div_marker(group, lat_lon, html, size_px, tip, pop)
    group.add_to(m)
    return group


# --------------------------------------------------------------------------- legend


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a swatch drawn as a filled ``box``, a ``dashed`` box, a ``line`` or a
    ``circle``, in ``color`` with ``opacity``, followed by ``label`` (escaped).
    """

    label: str
    color: str
    shape: str = "box"
    opacity: float = 0.75
    #: The map layer this row describes: the row shows only while the layer is visible.
    layer: Any = field(default=None, compare=False)


#: Legend rows telling observed and modeled polygons apart (matches ``BASIS_STYLES``).
BASIS_LEGEND = (
    LegendItem("Observed call points (calibrated)", "#fd8d3c", "box", 0.75),
    LegendItem("Modeled (no call points)", "#fd8d3c", "dashed", 0.4),
)


def _swatch(item: LegendItem) -> str:
    color = _color(item.color)
    if item.shape == "line":
        style = f"height:0;border:0;border-top:3px solid {color}"
    elif item.shape == "dashed":
        style = f"background:{color};opacity:{item.opacity};border:2px dashed #333"
    elif item.shape == "circle":
        style = f"background:{color};opacity:{item.opacity};border-radius:50%;width:12px"
    elif item.shape == "box":
        style = f"background:{color};opacity:{item.opacity}"
    else:
        raise ValueError(f"legend shape {item.shape!r}: expected box, dashed, line or circle")
    return f'<span class="hp-legend-swatch" style="{style}"></span>'


def _gradient_html(
    title: str | None, colormap: branca.colormap.LinearColormap, n_ticks: int, percent: bool
) -> str:
    stops = ", ".join(
        _color(colormap.rgba_hex_str(x)[:7]) for x in np.linspace(colormap.vmin, colormap.vmax, 8)
    )
    ticks = "".join(
        f"<span>{float(t):.0%}</span>" if percent else f"<span>{float(t):,.0f}</span>"
        for t in np.linspace(colormap.vmin, colormap.vmax, n_ticks)
    )
    head = f"<div>{escape_text(title)}</div>" if title else ""
    return (
        f'{head}<div class="hp-legend-gradient" style="background:linear-gradient(to right, '
        f'{stops})"></div><div class="hp-legend-ticks">{ticks}</div>'
    )


@dataclass(frozen=True)
class LegendScale:
    """A colour-scale block of a legend, shown only while ``layer`` is visible."""

    title: str
    colormap: branca.colormap.LinearColormap
    layer: Any = field(default=None, compare=False)
    percent: bool = False
    n_ticks: int = 5


def _legend_html(
    title: str,
    items: Sequence[LegendItem],
    colormap: branca.colormap.LinearColormap | None,
    n_ticks: int,
    scales: Sequence[LegendScale] = (),
    layers: list[Any] | None = None,
) -> str:
    layers = [] if layers is None else layers

    def attr(layer: Any) -> str:
        if layer is None:
            return ""
        if layer not in layers:
            layers.append(layer)
        return f' data-layer="{layers.index(layer)}"'

    parts = []
    for block in scales:
        parts.append(
            f'<div class="hp-legend-block"{attr(block.layer)}>'
            f"{_gradient_html(block.title, block.colormap, block.n_ticks, block.percent)}</div>"
        )
    if colormap is not None:
        stops = ", ".join(
            _color(colormap.rgba_hex_str(x)[:7])
            for x in np.linspace(colormap.vmin, colormap.vmax, 8)
        )
        ticks = "".join(
            f"<span>{float(t):,.0f}</span>"
            for t in np.linspace(colormap.vmin, colormap.vmax, n_ticks)
        )
        parts.append(
            f'<div class="hp-legend-gradient" style="background:linear-gradient(to right, {stops})"></div>'
        )
        parts.append(f'<div class="hp-legend-ticks">{ticks}</div>')
    for item in items:
        parts.append(
            f'<div class="hp-legend-row"{attr(item.layer)}>{_swatch(item)}'
            f"<span>{escape_text(item.label)}</span></div>"
        )
    return f"<details open><summary>{escape_text(title)}</summary>{''.join(parts)}</details>"


class Legend(folium.MacroElement):
    """A Leaflet control holding an HTML legend (``<div id=element_id class="hp-legend">``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var control = L.control({position: {{ this.position|tojson }}});
            var map = {{ this._parent.get_name() }};
            var layers = [{% for g in this.layers %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}];
            control.onAdd = function() {
                var div = L.DomUtil.create('div', 'hp-control hp-legend');
                div.id = {{ this.element_id|tojson }};
                div.innerHTML = {{ this.html_json }};
                if (window.innerWidth < 600) { div.querySelector('details').open = false; }
                function sync() {
                    div.querySelectorAll('[data-layer]').forEach(function(row) {
                        var on = map.hasLayer(layers[Number(row.getAttribute('data-layer'))]);
                        row.classList.toggle('hp-hidden', !on);
                    });
                }
                map.on('layeradd layerremove', sync);
                sync();
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, html: str, *, element_id: str, position: str, layers: Sequence[Any] = ()
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.layers = list(layers)
        self.html_json = json_for_script(html)
        self.element_id = element_id
        self.position = position


def add_legend(
    m: folium.Map,
    title: str,
    items: Sequence[LegendItem | tuple[str, str]] = (),
    *,
    colormap: branca.colormap.LinearColormap | None = None,
    element_id: str = "legend",
    position: str = "bottomright",
    n_ticks: int = 5,
    scales: Sequence[LegendScale] = (),
) -> Legend:
    """Add a legend control: colour-scale blocks (``scales``, each tied to a layer), an
    optional colour-scale bar, then one row per item.

    ``items`` are ``LegendItem`` or ``(label, color)`` pairs; all text is escaped.  Rows and
    blocks with a ``layer`` show only while that layer is on the map (they follow the layer
    control).  The legend is ``<div id="{element_id}" class="hp-control hp-legend">`` in the
    page, its body a ``<details>`` (closed at start on screens narrower than 600 px).
    """
    if not re.match(r"^[A-Za-z][A-Za-z0-9_-]*$", element_id):
        raise ValueError(f"element_id {element_id!r}: use letters, digits, - and _")
    rows = [i if isinstance(i, LegendItem) else LegendItem(i[0], i[1]) for i in items]
    layers: list[Any] = []
    legend = Legend(
        _legend_html(title, rows, colormap, n_ticks, scales, layers),
        element_id=element_id,
        position=position,
        layers=layers,
    )
    legend.add_to(m)
    return legend


# --------------------------------------------------------------------------- hours


class HourSelector(folium.MacroElement):
    """A Leaflet control with a range slider, a label and a play button that shows exactly
    one of ``groups`` at a time (vanilla JS; no plugin).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var groups = [{% for g in this.groups %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}];
            var dayGroups = [{% for row in this.day_groups %}[{% for g in row %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}]{% if not loop.last %}, {% endif %}{% endfor %}];
            var days = {{ this.days_json }};
            var labels = {{ this.labels_json }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function() {
                var div = L.DomUtil.create('div', 'hp-control hp-slider');
                div.id = {{ this.element_id|tojson }};
                var title = L.DomUtil.create('h4', '', div);
                title.textContent = {{ this.title_json }};
                var day = null;
                if (days.length) {
                    day = L.DomUtil.create('select', 'hp-day', div);
                    day.setAttribute('aria-label', 'Day of week');
                    days.forEach(function(d, j) {
                        var opt = document.createElement('option');
                        opt.value = String(j - 1); opt.textContent = d; day.appendChild(opt);
                    });
                    L.DomUtil.create('br', '', div);
                }
                var button = L.DomUtil.create('button', 'hp-play', div);
                button.type = 'button';
                button.textContent = 'Play';
                var input = L.DomUtil.create('input', '', div);
                input.type = 'range'; input.min = 0; input.max = groups.length - 1; input.step = 1;
                var label = L.DomUtil.create('div', 'hp-slider-label', div);
                function show(g, on) {
                    if (on) { if (!map.hasLayer(g)) { map.addLayer(g); } }
                    else if (map.hasLayer(g)) { map.removeLayer(g); }
                }
                function select(i) {
                    var d = day ? Number(day.value) : -1;
                    groups.forEach(function(g, j) { show(g, j === i); });
                    dayGroups.forEach(function(row, dj) {
                        row.forEach(function(g, j) { show(g, dj === d + 1 && j === i); });
                    });
                    input.value = i;
                    label.textContent = (d >= 0 ? days[d + 1] + ' ' : '') + labels[i];
                    div.setAttribute('data-selected', String(i));
                    div.setAttribute('data-day', String(d));
                }
                if (day) { day.addEventListener('change', function() { select(Number(input.value)); }); }
                var timer = null;
                button.addEventListener('click', function() {
                    if (timer) { clearInterval(timer); timer = null; button.textContent = 'Play'; return; }
                    button.textContent = 'Pause';
                    timer = setInterval(function() {
                        select((Number(input.value) + 1) % groups.length);
                    }, {{ this.interval_ms }});
                });
                input.addEventListener('input', function() { select(Number(input.value)); });
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                select({{ this.initial }});
                return div;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        groups: Sequence[folium.FeatureGroup],
        labels: Sequence[str],
        *,
        title: str,
        initial: int,
        element_id: str,
        position: str,
        interval_ms: int,
        day_groups: Sequence[Sequence[folium.FeatureGroup]] = (),
        days: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._name = "HourSelector"
        self.groups = list(groups)
        self.day_groups = [list(row) for row in day_groups]
        self.days_json = json_for_script([str(d) for d in days])
        self.labels_json = json_for_script([str(x) for x in labels])
        self.title_json = json_for_script(str(title))
        self.initial = int(initial)
        self.element_id = element_id
        self.position = position
        self.interval_ms = int(interval_ms)


class HourGroups(list):
    """The hour groups of ``add_hour_selector`` (a list, one per label) and, in ``days``,
    the hidden groups per day and label of its day menu.
    """

    def __init__(
        self, groups: Sequence[folium.FeatureGroup], days: list[list[folium.FeatureGroup]]
    ) -> None:
        super().__init__(groups)
        self.days = days


#: Default labels of the hour selector: "00:00–00:59" ... "23:00–23:59".
HOUR_LABELS = tuple(f"{hour:02d}:00\u2013{hour:02d}:59" for hour in range(24))


def add_hour_selector(
    m: folium.Map,
    labels: Sequence[str] = HOUR_LABELS,
    *,
    title: str = "Hour of day",
    initial: int = 0,
    element_id: str = "hour-selector",
    position: str = "topright",
    interval_ms: int = 1200,
    days: Sequence[str] = (),
) -> HourGroups:
    """Create one hidden-by-default FeatureGroup per label and a slider that shows one.

    Fill the returned groups with the layer helpers (pass a group as ``m``), e.g.
    ``add_choropleth_layer(groups[h], beats_at_hour[h], ...)``.  The groups are left out of
    the layer control (``control=False``); the slider (``<div id=element_id>``, attribute
    ``data-selected`` = index shown) switches between them, and Play steps through them.
    Labels are shown with ``textContent`` (never parsed as HTML).

    With ``days`` (e.g. ``("Every day", "Monday", ...)``), the control also has a day
    menu, and ``groups.days[j][hour]`` (one hidden group per menu entry ``j`` and label,
    filled by the caller) is shown with the hour group while entry ``j`` is chosen
    (``data-day`` = ``j - 1``: ``-1`` for the first entry, else the day index 0..6).
    """
    if not labels:
        raise ValueError("add_hour_selector: labels must not be empty")
    if not 0 <= initial < len(labels):
        raise ValueError(f"initial={initial}: expected 0..{len(labels) - 1}")
    groups = []
    for i, label in enumerate(labels):
        group = folium.FeatureGroup(
            name=escape_text(f"{title}: {label}"), control=False, show=i == initial
        )
        group.add_to(m)
        groups.append(group)
    day_groups = [
        [
            folium.FeatureGroup(name=escape_text(f"{day}: {label}"), control=False, show=False)
            for label in labels
        ]
        for day in days
    ]
    for row in day_groups:
        for group in row:
            group.add_to(m)
    HourSelector(
        groups,
        labels,
        title=title,
        initial=initial,
        element_id=element_id,
        position=position,
        interval_ms=interval_ms,
        day_groups=day_groups,
        days=days,
    ).add_to(m)
    return HourGroups(groups, day_groups)
