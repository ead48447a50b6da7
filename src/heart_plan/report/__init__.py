"""Offline HTML building blocks: folium maps, plotly charts and a self-contained report page.

Every page these modules write opens with no network: Leaflet, jQuery and plotly.js are
inlined from vendored copies (``heart_plan/assets``, see ``SOURCES.md``); basemap tiles are
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
    plotly figure helpers (hour-of-week heatmap, line and bar charts).
html
    ``ReportBuilder``: sections, paragraphs, tables, figures, assumptions, provenance.
"""
