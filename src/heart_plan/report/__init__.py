"""Offline HTML building blocks: folium maps, inline SVG charts and a self-contained report page.

Every page these modules write opens with no network: the maps inline Leaflet and jQuery
from vendored copies (``heart_plan/assets``, see ``SOURCES.md``); basemap tiles are
the only online resource and every layer still renders without them.  Every data-derived
string is escaped before it reaches folium or the page (``escape``).

Modules
-------
escape
    ``escape_text``, ``sanitize_properties``, ``html_table_rows``, ``json_for_script``.
assets
    Vendored asset loading, ``make_offline(map)``, ``external_resources(html)``.
maps
    ``new_map``, layer helpers (choropleth, outline, points, isochrones, markers), legend,
    hour-of-day selector, ``save_map``.
charts
    Inline SVG charts (hour-of-week heatmap, line and bar charts), no script.
html
    ``ReportBuilder``: sections, paragraphs, tables, figures, assumptions, provenance.
fields
    Numbers tagged with their ``RunResult`` path (``data-field``) and read back.
overview_map
    The report's static SVG overview map (beats, pilot area, posts).
summary_section
    The report's summary in words, every number tagged.
"""
