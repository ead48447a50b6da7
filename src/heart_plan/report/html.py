"""A self-contained, offline HTML report page built from escaped parts.

Nothing data-derived reaches the page unescaped: headings, paragraphs, list items, table
cells and captions go through ``escape_text``; plotly figures are embedded by plotly with
``</`` neutralized.  plotly.js is inlined once (with the first figure); the page references
no external script, stylesheet or font, and the output is deterministic (figure div ids
are numbered, no timestamps unless given).

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
import plotly.graph_objects as go
import plotly.io as pio

from heart_plan.atomic import write_text
from heart_plan.report.assets import external_resources
from heart_plan.report.escape import escape_text, format_value

__all__ = ["ReportBuilder", "Section", "dataframe_html"]

_ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")

REPORT_CSS = """
:root { --ink: #1d2430; --muted: #5b6472; --rule: #d9dde3; --accent: #1f4e9c; --note: #fff6e0; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
header.hp-header { padding: 28px 40px 18px; border-bottom: 1px solid var(--rule); }
header.hp-header h1 { margin: 0 0 4px; font-size: 28px; }
header.hp-header p { margin: 0; color: var(--muted); }
nav.hp-toc { padding: 12px 40px; border-bottom: 1px solid var(--rule); font-size: 14px; }
nav.hp-toc a { margin-right: 16px; color: var(--accent); text-decoration: none; white-space: nowrap; }
main { max-width: 1100px; padding: 0 40px 60px; }
section { padding-top: 18px; border-bottom: 1px solid var(--rule); padding-bottom: 18px; }
section h2 { font-size: 21px; margin: 8px 0 10px; }
p { margin: 8px 0; max-width: 75ch; }
.hp-note { background: var(--note); border-left: 4px solid #e0a100; padding: 8px 12px; max-width: 75ch; }
.hp-figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.hp-figure { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; min-width: 170px; }
.hp-figure .hp-value { font-size: 24px; font-weight: 650; }
.hp-figure .hp-label { color: var(--muted); font-size: 13px; }
table.hp-table { border-collapse: collapse; margin: 10px 0; font-size: 14px; }
table.hp-table caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
table.hp-table th, table.hp-table td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
table.hp-table td.hp-num { text-align: right; font-variant-numeric: tabular-nums; }
table.hp-table thead th { border-bottom: 2px solid var(--ink); }
figure.hp-chart { margin: 12px 0; }
figure.hp-chart figcaption { color: var(--muted); font-size: 14px; }
footer { padding: 16px 40px; color: var(--muted); font-size: 13px; }
@media print { nav.hp-toc { display: none; } section { break-inside: avoid-page; } }
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
    head = "".join(f"<th scope='col'>{escape_text(c)}</th>" for c in data.columns)
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
    return f"<table class='hp-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


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

    def markup(self, html_text: str) -> Section:
        """Markup built (and escaped) by a report section module, e.g. an inline SVG."""
        self._blocks.append(html_text)
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

    def figure(self, fig: go.Figure, *, caption: str | None = None) -> Section:
        """A plotly figure (plotly.js is inlined with the report's first figure)."""
        self._blocks.append((fig, caption))
        return self

    def _render(self, next_figure: list[int]) -> str:
        parts = [f"<section id='{self.section_id}'><h2>{escape_text(self.heading)}</h2>"]
        for block in self._blocks:
            if isinstance(block, str):
                parts.append(block)
                continue
            fig, caption = block
            number = next_figure[0]
            next_figure[0] += 1
            div = pio.to_html(
                fig,
                full_html=False,
                include_plotlyjs=number == 1,
                div_id=f"figure-{number}",
                config={"displaylogo": False, "responsive": True},
                default_width="100%",
                default_height="460px",
            )
            cap = f"<figcaption>{escape_text(caption)}</figcaption>" if caption else ""
            parts.append(f"<figure class='hp-chart'>{div}{cap}</figure>")
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
        counter = [1]
        body = "".join(s._render(counter) for s in self._sections)
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
