"""A self-contained, offline HTML report page built from escaped parts.

Nothing data-derived reaches the page unescaped: headings, paragraphs, list items, table
cells and captions go through ``escape_text``; charts are inline SVG (``charts.Chart``), so
the page has no script bundle, references no external script, stylesheet or font, and the
output is deterministic (no timestamps unless given).  Markup built by this package's own
builders (tagged numbers, the overview map, other modules' sections) enters through
``Section.html``.  The layout is responsive: the page never scrolls sideways; wide tables
scroll inside their own box.

Example
-------
>>> report = ReportBuilder("HEART coverage plan", subtitle="Durham, scenario durham")
>>> faq = report.section("why-not-citywide", "Why not citywide?")
>>> faq.paragraph("Two teams reach 61% of eligible calls ...").figure(curve_fig)  # doctest: +SKIP
>>> report.assumptions({"Response standard": "12 minutes' drive"})  # doctest: +SKIP
>>> report.save(out_dir / "report.html")  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from heart_plan.atomic import write_text
from heart_plan.report.assets import external_resources
from heart_plan.report.charts import Chart
from heart_plan.report.escape import escape_text, format_value

__all__ = ["ReportBuilder", "Section", "column_label", "dataframe_html"]

_ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")

REPORT_CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --rule: #d9dde3; --accent: #1f4e9c; --note: #fff6e0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; overflow-wrap: anywhere; }
header.hp-header { padding: 22px clamp(14px, 4vw, 40px) 14px; border-bottom: 1px solid var(--rule); }
header.hp-header h1 { margin: 0 0 4px; font-size: clamp(22px, 5vw, 28px); line-height: 1.2; }
header.hp-header p { margin: 0; color: var(--muted); }
nav.hp-toc { padding: 10px clamp(14px, 4vw, 40px); border-bottom: 1px solid var(--rule); font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav.hp-toc a { color: var(--accent); text-decoration: none; }
main { max-width: 1100px; padding: 0 clamp(14px, 4vw, 40px) 60px; }
section { padding-top: 14px; border-bottom: 1px solid var(--rule); padding-bottom: 16px; }
section h2 { font-size: clamp(19px, 4.2vw, 21px); margin: 8px 0 10px; line-height: 1.3; }
p, ul, dl { max-width: 75ch; }
p { margin: 8px 0; }
.hp-note { background: var(--note); border-left: 4px solid #e0a100; padding: 8px 12px; }
.hp-figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(165px, 1fr)); gap: 10px; margin: 12px 0; }
.hp-figure { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; }
.hp-figure .hp-value { font-size: 22px; font-weight: 650; white-space: nowrap; }
.hp-figure .hp-label { color: var(--muted); font-size: 13px; }
.hp-scroll { max-width: 100%; overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 10px 0; }
table.hp-table { border-collapse: collapse; font-size: 14px; overflow-wrap: normal; }
table.hp-table td, table.hp-table th { min-width: 3.2em; }
table.hp-table caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
table.hp-table th, table.hp-table td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
table.hp-table td.hp-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.hp-table thead th { border-bottom: 2px solid var(--ink); }
figure.hp-chart { margin: 14px 0; max-width: 720px; }
figure.hp-chart figcaption { font-weight: 600; font-size: 15px; margin-bottom: 4px; }
svg.hp-svg { display: block; width: 100%; height: auto; font-family: inherit; }
svg.hp-svg .hp-grid { stroke: #e3e6ea; stroke-width: 0.7; }
svg.hp-svg .hp-ref { stroke: #555; stroke-width: 1; stroke-dasharray: 4 3; }
svg.hp-svg .hp-tick { font-size: 10px; fill: var(--muted); }
svg.hp-svg .hp-axis { font-size: 10.5px; fill: var(--ink); }
ul.hp-legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; color: var(--muted); }
.hp-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
.hp-map { max-width: 720px; margin: 12px 0; }
dl.hp-glossary dt { font-weight: 650; margin-top: 8px; }
dl.hp-glossary dd { margin: 2px 0 0 0; }
details.hp-details { margin: 10px 0; border: 1px solid var(--rule); border-radius: 6px; padding: 6px 12px; }
details.hp-details summary { cursor: pointer; font-weight: 600; }
[data-field] { font-variant-numeric: tabular-nums; }
footer { padding: 16px clamp(14px, 4vw, 40px); color: var(--muted); font-size: 13px; }
@media print { nav.hp-toc { display: none; } section { break-inside: avoid-page; } details.hp-details { display: block; } }
"""


def dataframe_html(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    decimals: int = 1,
    percent_cols: Iterable[str] = (),
    index: bool = False,
) -> str:
    """An escaped ``<table class="hp-table">`` from a DataFrame.

    Numbers get thousands separators and ``decimals`` places (integers none); columns in
    ``percent_cols`` hold fractions and print as percentages with one decimal.
    """
    data = frame.reset_index() if index else frame
    percent = set(percent_cols)
    unknown = percent - set(data.columns)
    if unknown:
        raise ValueError(f"percent_cols {sorted(unknown)} not in the table columns")
    head = "".join(f"<th scope='col'>{escape_text(column_label(c))}</th>" for c in data.columns)
    rows = []
    for record in data.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(data.columns, record, strict=True):
            if col in percent and isinstance(value, int | float) and not pd.isna(value):
                cells.append(f"<td class='hp-num'>{100 * float(value):.1f}%</td>")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f"<td class='hp-num'>{format_value(value, decimals=decimals)}</td>")
            else:
                cells.append(f"<td>{format_value(value, decimals=decimals)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape_text(caption)}</caption>" if caption else ""
    return (
        f"<div class='hp-scroll'><table class='hp-table'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


#: Plain words for column-name parts, applied in order (``cost_per_year_usd`` -> "cost per
#: year ($)"); what is left of ``_`` becomes a space.
_COLUMN_WORDS = (
    ("ci_low", "95% CI low"), ("ci_high", "95% CI high"), ("teams_max", "most teams"),
    ("_per_year", " per year"), ("_per_fte", " per FTE"), ("_usd", " ($)"),
    ("_fte", " FTE"), ("_id", ""), ("__", ": "),
)  # fmt: skip
_UNIT_SUFFIXES = (("_s", " (s)"), ("_h", " (h)"), ("_m", " (m)"))


def column_label(name: object) -> str:
    """A readable header for a column name: units spelled out, no underscores.

    >>> column_label("eligible_calls_per_year")
    'eligible calls per year'
    >>> column_label("cost_per_year_usd")
    'cost per year ($)'
    >>> column_label("length_h")
    'length (h)'
    """
    text = str(name)
    for part, word in _COLUMN_WORDS:
        text = text.replace(part, word)
    for part, word in _UNIT_SUFFIXES:
        if text.endswith(part):
            text = text[: -len(part)] + word
    return text.replace("_", " ").strip()


_RELATIVE_HREF = re.compile(r"^[A-Za-z0-9_.-]+\.html$")


class Section:
    """One ``<section id=...>`` of a report; methods append escaped blocks and return self."""

    def __init__(self, report: ReportBuilder, section_id: str, heading: str) -> None:
        self._report = report
        self.section_id = section_id
        self.heading = heading
        self._blocks: list[Any] = []

    def paragraph(self, text: str) -> Section:
        """A paragraph of plain text (escaped; no markup)."""
        self._blocks.append(f"<p>{escape_text(text)}</p>")
        return self

    def note(self, text: str) -> Section:
        """A highlighted note, e.g. what is modeled rather than observed."""
        self._blocks.append(f"<p class='hp-note'>{escape_text(text)}</p>")
        return self

    def bullet_list(self, items: Iterable[str]) -> Section:
        """An unordered list of plain-text items."""
        self._blocks.append("<ul>" + "".join(f"<li>{escape_text(i)}</li>" for i in items) + "</ul>")
        return self

    def links(self, items: Sequence[tuple[str, str]]) -> Section:
        """A list of links to pages beside the report: ``(label, relative file name)``.

        Only plain relative file names are accepted (no scheme, no path traversal), so a
        link never points at the network.
        """
        for _, href in items:
            if not _RELATIVE_HREF.match(href):
                raise ValueError(f"link {href!r}: use a plain relative file name like 'map.html'")
        self._blocks.append(
            "<ul class='hp-links'>"
            + "".join(
                f"<li><a href='{escape_text(href)}'>{escape_text(label)}</a></li>"
                for label, href in items
            )
            + "</ul>"
        )
        return self

    def key_figures(
        self, figures: Mapping[str, Any] | Sequence[tuple[str, Any]], *, decimals: int = 0
    ) -> Section:
        """Headline numbers as cards: ``{"Eligible calls per year": 12345, ...}``.

        Values that are strings are shown as given (escaped), e.g. ``"61.2%"``.
        """
        items = figures.items() if isinstance(figures, Mapping) else figures
        cards = "".join(
            f"<div class='hp-figure'><div class='hp-value'>{format_value(v, decimals=decimals)}</div>"
            f"<div class='hp-label'>{escape_text(k)}</div></div>"
            for k, v in items
        )
        self._blocks.append(f"<div class='hp-figures'>{cards}</div>")
        return self

    def table(
        self,
        frame: pd.DataFrame,
        *,
        caption: str | None = None,
        decimals: int = 1,
        percent_cols: Iterable[str] = (),
        index: bool = False,
    ) -> Section:
        """A table from a DataFrame (see ``dataframe_html``)."""
        self._blocks.append(
            dataframe_html(
                frame, caption=caption, decimals=decimals, percent_cols=percent_cols, index=index
            )
        )
        return self

    def figure(self, chart: Chart, *, caption: str | None = None) -> Section:
        """An inline SVG chart (``charts.Chart``) with an optional note under it."""
        self._blocks.append(chart.to_html())
        if caption:
            self._blocks.append(f"<p class='hp-caption'>{escape_text(caption)}</p>")
        return self

    def html(self, markup: str) -> Section:
        """Markup built by this package's own builders (already escaped), as it is."""
        self._blocks.append(markup)
        return self

    def details(self, summary: str, build: Section) -> Section:
        """A collapsed ``<details>`` block holding the blocks of ``build`` (a scratch
        section from ``Section.scratch()``), opened by a click on ``summary``.
        """
        inner = "".join(b for b in build._blocks if isinstance(b, str))
        self._blocks.append(
            f"<details class='hp-details'><summary>{escape_text(summary)}</summary>{inner}</details>"
        )
        return self

    def scratch(self) -> Section:
        """An unattached section whose blocks go into ``details``."""
        return Section(self._report, self.section_id, self.heading)

    def _render(self) -> str:
        parts = [f"<section id='{self.section_id}'><h2>{escape_text(self.heading)}</h2>"]
        parts.extend(b for b in self._blocks if isinstance(b, str))
        parts.append("</section>")
        return "".join(parts)


class ReportBuilder:
    """Build a self-contained HTML report: header, table of contents, sections, footer.

    Parameters
    ----------
    title, subtitle
        Page title and a line under it (escaped).
    footer
        Optional footer text (e.g. the run id and package versions).
    """

    def __init__(
        self, title: str, *, subtitle: str | None = None, footer: str | None = None
    ) -> None:
        self.title = title
        self.subtitle = subtitle
        self.footer = footer
        self._sections: list[Section] = []

    def section(self, section_id: str, heading: str) -> Section:
        """Append a section ``<section id=section_id>`` (lowercase letters, digits, hyphens)."""
        if not _ID_RE.match(section_id):
            raise ValueError(
                f"section id {section_id!r}: use lowercase letters, digits and hyphens"
            )
        if any(s.section_id == section_id for s in self._sections):
            raise ValueError(f"section id {section_id!r} is already used")
        section = Section(self, section_id, heading)
        self._sections.append(section)
        return section

    def html_section(self, section_id: str, heading: str, markup: str) -> Section:
        """A section whose body is ``markup`` built by another report module (already
        escaped), listed in the table of contents like any other section.
        """
        return self.section(section_id, heading).html(markup)

    def assumptions(
        self,
        items: Mapping[str, Any] | Sequence[tuple[str, Any]],
        *,
        section_id: str = "assumptions",
        heading: str = "Assumptions",
        intro: str | None = None,
    ) -> Section:
        """A section listing assumptions as a two-column table (assumption, value)."""
        rows = list(items.items() if isinstance(items, Mapping) else items)
        frame = pd.DataFrame([(k, str(v)) for k, v in rows], columns=["Assumption", "Value"])
        section = self.section(section_id, heading)
        if intro:
            section.paragraph(intro)
        return section.table(frame)

    def provenance(
        self,
        frame: pd.DataFrame,
        *,
        section_id: str = "provenance",
        heading: str = "Data provenance",
        intro: str | None = None,
    ) -> Section:
        """A section with the data provenance table (e.g. file, source, vintage, sha256)."""
        section = self.section(section_id, heading)
        if intro:
            section.paragraph(intro)
        return section.table(frame)

    def to_html(self) -> str:
        """The full page as a string (checked to load nothing from the network)."""
        toc = "".join(
            f"<a href='#{s.section_id}'>{escape_text(s.heading)}</a>" for s in self._sections
        )
        body = "".join(s._render() for s in self._sections)
        sub = f"<p>{escape_text(self.subtitle)}</p>" if self.subtitle else ""
        foot = f"<footer>{escape_text(self.footer)}</footer>" if self.footer else ""
        page = (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape_text(self.title)}</title><style>{REPORT_CSS}</style></head><body>"
            f"<header class='hp-header'><h1>{escape_text(self.title)}</h1>{sub}</header>"
            f"<nav class='hp-toc'>{toc}</nav><main>{body}</main>{foot}</body></html>\n"
        )
        online = external_resources(page)
        if online:
            raise ValueError(
                f"report would load {len(online)} resource(s) from the network ({online[0]})"
            )
        return page

    def save(self, path: str | Path) -> Path:
        """Write the page atomically to ``path``."""
        return write_text(path, self.to_html())
