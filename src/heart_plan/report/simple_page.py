"""A small offline page (no scripts, no external resources) that reads well on a phone:
the sweep and compare pages.

Every data-derived string is escaped (``escape_text``/``dataframe_html``); wide tables
scroll inside their own box, so the page itself never overflows a 390 px screen.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from heart_plan.report.escape import escape_text
from heart_plan.report.html import dataframe_html

PAGE_CSS = """
* { box-sizing: border-box; }
body { margin: 0; color: #1d2430; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
header { padding: 16px; border-bottom: 1px solid #d9dde3; }
header h1 { margin: 0 0 4px; font-size: 24px; overflow-wrap: anywhere; }
header p { margin: 0; color: #5b6472; overflow-wrap: anywhere; }
main { max-width: 1100px; padding: 0 16px 40px; }
section { padding: 12px 0; border-bottom: 1px solid #d9dde3; }
h2 { font-size: 19px; margin: 8px 0; }
p, li { max-width: 75ch; overflow-wrap: anywhere; }
.hp-scroll { max-width: 100%; overflow-x: auto; -webkit-overflow-scrolling: touch; }
table.hp-table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
table.hp-table caption { text-align: left; color: #5b6472; padding-bottom: 4px; }
table.hp-table th, table.hp-table td { border-bottom: 1px solid #d9dde3; padding: 4px 8px; text-align: left; vertical-align: top; }
table.hp-table td.hp-num { text-align: right; font-variant-numeric: tabular-nums; }
table.hp-table thead th { border-bottom: 2px solid #1d2430; }
.hp-note { background: #fff6e0; border-left: 4px solid #e0a100; padding: 8px 12px; }
"""


def scroll_table(frame: pd.DataFrame, **kwargs: object) -> str:
    """``dataframe_html`` inside a box that scrolls sideways on narrow screens."""
    return f"<div class='hp-scroll'>{dataframe_html(frame, **kwargs)}</div>"  # type: ignore[arg-type]


def paragraph(text: str, *, note: bool = False) -> str:
    """An escaped paragraph (``note``: highlighted)."""
    cls = " class='hp-note'" if note else ""
    return f"<p{cls}>{escape_text(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    """An escaped bullet list."""
    return "<ul>" + "".join(f"<li>{escape_text(i)}</li>" for i in items) + "</ul>"


def section(heading: str, *blocks: str, section_id: str = "") -> str:
    """A ``<section>`` with an escaped heading and already-escaped ``blocks``."""
    ident = f" id='{escape_text(section_id)}'" if section_id else ""
    return f"<section{ident}><h2>{escape_text(heading)}</h2>{''.join(blocks)}</section>"


def page(title: str, subtitle: str, sections: Iterable[str]) -> str:
    """The whole page: an escaped title and subtitle, then ``sections``."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape_text(title)}</title><style>{PAGE_CSS}</style></head><body>"
        f"<header><h1>{escape_text(title)}</h1><p>{escape_text(subtitle)}</p></header>"
        f"<main>{''.join(sections)}</main></body></html>\n"
    )
