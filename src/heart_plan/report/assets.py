"""Vendored browser assets, inlined into pages so they open with no network.

The files live in ``heart_plan/assets`` (fetched from npm by ``tools/vendor_assets.sh``;
versions and licences in ``assets/SOURCES.md``).  ``make_offline(m)`` swaps a folium map's
CDN ``<script src>``/``<link href>`` resources for inline ``<script>``/``<style>`` elements;
``external_resources(html)`` lists any script, stylesheet or CSS ``url()`` that would still
be fetched from the network, so writers can refuse such pages.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources

import folium
from branca.element import Element

__all__ = [
    "InlineScript",
    "InlineStyle",
    "asset_bytes",
    "asset_text",
    "external_resources",
    "leaflet_css",
    "leaflet_icon_script",
    "make_offline",
]

# Base CSS for offline maps: a light background where tiles are missing, and the
# styles of heart_plan's own controls (legend, numbered markers, hour selector).
MAP_CSS = """
.leaflet-container { background: #eef0f2; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.hp-control { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); color: #222; max-width: 280px; }
.hp-control h4 { margin: 0 0 6px 0; font-size: 13px; font-weight: 600; }
.hp-legend-row { display: flex; align-items: center; margin: 2px 0; }
.hp-legend-swatch { width: 18px; height: 12px; margin-right: 6px; flex: none; border: 1px solid #555; }
.hp-legend-gradient { height: 10px; border: 1px solid #555; margin: 2px 0; }
.hp-legend-ticks { display: flex; justify-content: space-between; font-size: 11px; }
.hp-num-marker { display: flex; align-items: center; justify-content: center; border-radius: 50%;
  color: #fff; font-weight: 700; font-size: 12px; border: 2px solid #fff;
  box-shadow: 0 0 3px rgba(0,0,0,0.6); width: 100%; height: 100%; box-sizing: border-box; }
.hp-post-marker { width: 100%; height: 100%; box-sizing: border-box; border: 2px solid #fff;
  box-shadow: 0 0 3px rgba(0,0,0,0.6); }
.hp-slider input[type=range] { width: 200px; max-width: 60vw; }
.hp-slider button { margin-right: 6px; }
.hp-slider select { margin: 0 0 4px 0; }
.hp-legend details > summary { cursor: pointer; font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.hp-legend-row.hp-hidden, .hp-legend-block.hp-hidden { display: none; }
@media (max-width: 600px) {
  .hp-control { max-width: 62vw; padding: 6px 8px; font-size: 12px; }
  .hp-legend { max-height: 38vh; overflow-y: auto; }
  .leaflet-control-layers-expanded { max-height: 50vh; overflow-y: auto; }
}
"""


def asset_bytes(relative_path: str) -> bytes:
    """Bytes of a vendored asset, e.g. ``asset_bytes("leaflet/leaflet.js")``."""
    node = resources.files("heart_plan") / "assets"
    for part in relative_path.split("/"):
        node = node / part
    return node.read_bytes()


def asset_text(relative_path: str) -> str:
    """UTF-8 text of a vendored asset."""
    return asset_bytes(relative_path).decode("utf-8")


def _data_uri(relative_path: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(asset_bytes(relative_path)).decode("ascii")


@cache
def leaflet_css() -> str:
    """``leaflet.css`` with its ``url(images/*.png)`` references replaced by data URIs."""
    css = asset_text("leaflet/leaflet.css")

    def inline(match: re.Match[str]) -> str:
        return f"url({_data_uri('leaflet/images/' + match.group(1), 'image/png')})"

    return re.sub(r"url\(images/([A-Za-z0-9_.@-]+\.png)\)", inline, css)


@cache
def leaflet_icon_script() -> str:
    """JS pointing Leaflet's default marker icon at data URIs (no relative image URL)."""
    return (
        "L.Icon.Default.imagePath = '';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl: '{_data_uri('leaflet/images/marker-icon.png', 'image/png')}',"
        f"iconRetinaUrl: '{_data_uri('leaflet/images/marker-icon-2x.png', 'image/png')}',"
        f"shadowUrl: '{_data_uri('leaflet/images/marker-shadow.png', 'image/png')}'"
        "});"
    )


def _check_inline(code: str, what: str) -> str:
    if re.search(r"</(script|style)", code, flags=re.IGNORECASE):
        raise ValueError(f"{what}: inline content contains a closing </script> or </style> tag")
    return code


class InlineScript(Element):
    """A ``<script>`` element with inline code (placed in the figure header)."""

    def __init__(self, code: str, *, what: str = "script") -> None:
        super().__init__()
        self._name = "InlineScript"
        self.code = _check_inline(code, what)

    def render(self, **kwargs) -> str:
        """Render the element as an inline HTML tag (folium/branca hook)."""
        return f"<script>{self.code}</script>"


class InlineStyle(Element):
    """A ``<style>`` element with inline CSS (placed in the figure header)."""

    def __init__(self, css: str, *, what: str = "stylesheet") -> None:
        super().__init__()
        self._name = "InlineStyle"
        self.css = _check_inline(css, what)

    def render(self, **kwargs) -> str:
        """Render the element as an inline HTML tag (folium/branca hook)."""
        return f"<style>{self.css}</style>"


def make_offline(m: folium.Map) -> folium.Map:
    """Replace ``m``'s CDN resources by inline Leaflet, jQuery and heart_plan CSS.

    folium's class-level ``Map.default_js``/``default_css`` lists are shadowed on this
    instance only (no global state changes); Bootstrap, Font Awesome, awesome-markers and
    the rotate stylesheet are dropped (see ``assets/SOURCES.md``).  Returns ``m``.
    """
    m.default_js = []
    m.default_css = []
    header = m.get_root().header  # type: ignore[attr-defined]
    header.add_child(InlineStyle(leaflet_css(), what="leaflet.css"), name="leaflet_css")
    header.add_child(InlineStyle(MAP_CSS, what="heart_plan map css"), name="heart_plan_css")
    header.add_child(
        InlineScript(asset_text("leaflet/leaflet.js"), what="leaflet.js"), name="leaflet"
    )
    header.add_child(InlineScript(leaflet_icon_script(), what="icon paths"), name="leaflet_icons")
    header.add_child(InlineScript(asset_text("jquery/jquery.min.js"), what="jquery"), name="jquery")
    return m


_SCRIPT_BODY_RE = re.compile(r"(<script\b[^>]*>).*?(</script>)", flags=re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<(script|link|img|iframe)\b[^>]*>", flags=re.IGNORECASE)
_ATTR_RE = re.compile(r"""\b(src|href)\s*=\s*["']?([^"'\s>]+)""", flags=re.IGNORECASE)
_CSS_URL_RE = re.compile(
    r"""(?:@import\s+|url\()\s*["']?((?:https?:)?//[^"')\s]+)""", re.IGNORECASE
)


def external_resources(page_html: str) -> list[str]:
    """URLs of scripts, stylesheets, images, frames or CSS ``url()``/``@import`` fetched online.

    Scans tags (``<script src>``, ``<link href>``, ``<img src>``, ``<iframe src>``) and CSS
    ``url(http...)``/``@import``; ``<a href>`` links and URLs inside JavaScript strings (e.g.
    the basemap tile template) are not resources and are ignored.  An empty list means the
    page loads nothing from the network apart from what its scripts request (tiles).
    """
    found: list[str] = []
    outside_scripts = _SCRIPT_BODY_RE.sub(r"\1\2", page_html)
    for tag in _TAG_RE.finditer(outside_scripts):
        for attr in _ATTR_RE.finditer(tag.group(0)):
            url = attr.group(2)
            if re.match(r"(?:https?:)?//", url, flags=re.IGNORECASE):
                found.append(url)
    for style in re.finditer(
        r"<style\b[^>]*>(.*?)</style>", outside_scripts, flags=re.IGNORECASE | re.DOTALL
    ):
        found.extend(m.group(1) for m in _CSS_URL_RE.finditer(style.group(1)))
    return found
