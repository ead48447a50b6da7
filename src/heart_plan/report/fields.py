"""Numbers tagged with where they come from: ``<span data-field="recommended.fte">29.9</span>``.

A report paragraph is a sequence of plain text (escaped) and :class:`Num` values; each
``Num`` is rendered with ``data-field=<path>`` naming the attribute path of the number in
the typed ``RunResult`` (``planning.results``).  :func:`resolve_field` reads a path back
from a ``RunResult`` (or any object), so a test can check every displayed number against
the run result.

Paths are dotted attribute names; a method on the way takes the next segment as its
argument (``recommended.simulated.reached_share.mean`` is
``result.recommended.simulated("reached_share").mean``), and ``len()`` is the length of
what precedes it (``recommended.plan.service_area_beats.len()``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from heart_plan.report.escape import escape_text

__all__ = ["Num", "Text", "page_fields", "resolve_field", "tagged_html"]


@dataclass(frozen=True)
class Num:
    """A number for the page and the run-result path it comes from.

    ``kind``: ``pct`` (a fraction, shown ``57.2%``), ``pct0`` (``90%``), ``int`` (``14,745``), ``dec1``
    (``29.9``), ``usd`` (``$2,690,579``), ``hour`` (``07:00``), ``min`` (seconds shown as
    whole minutes), ``list`` (a sequence of names, ``212, 213``; "none" when empty).
    """

    value: Any
    field: str
    kind: str = "dec1"

    def text(self) -> str:
        """The displayed text (unescaped)."""
        v = self.value
        if self.kind == "pct":
            return f"{float(v):.1%}"
        if self.kind == "pct0":
            return f"{float(v):.0%}"
        if self.kind == "int":
            return f"{float(v):,.0f}"
        if self.kind == "usd":
            return f"${float(v):,.0f}"
        if self.kind == "hour":
            return f"{int(v) % 24:02d}:00"
        if self.kind == "min":
            return f"{float(v) / 60:.0f}"
        if self.kind == "list":
            return ", ".join(str(x) for x in v) if len(v) else "none"
        return f"{float(v):,.1f}"

    def to_html(self) -> str:
        """``<span data-field=... data-kind=...>text</span>``."""
        return (
            f"<span data-field='{escape_text(self.field)}' data-kind='{self.kind}'>"
            f"{escape_text(self.text())}</span>"
        )


@dataclass(frozen=True)
class Text:
    """Text with no number in it, or a date (``<time>``): ``Text("October 2023", "2023-10")``."""

    text: str
    datetime: str | None = None

    def to_html(self) -> str:
        """The escaped text, as ``<time datetime=...>`` when a date."""
        if self.datetime is None:
            return escape_text(self.text)
        return f"<time datetime='{escape_text(self.datetime)}'>{escape_text(self.text)}</time>"


def tagged_html(parts: Iterable[str | Num | Text]) -> str:
    """Concatenate escaped text and tagged numbers (no ``<p>``)."""
    return "".join(escape_text(p) if isinstance(p, str) else p.to_html() for p in parts)


def resolve_field(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` of ``obj`` (see the module docstring)."""
    parts = path.split(".")
    value = obj
    i = 0
    while i < len(parts):
        name = parts[i]
        if name == "len()":
            value = len(value)
            i += 1
            continue
        if isinstance(value, dict):
            value = value[name]
            i += 1
            continue
        value = getattr(value, name)
        if callable(value):
            if i + 1 >= len(parts):
                raise ValueError(f"field {path!r}: method {name!r} needs an argument segment")
            value = value(parts[i + 1])
            i += 1
        i += 1
    return value


_FIELD_RE = re.compile(r"data-field='([^']+)'")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def page_fields(result: Any, page: str) -> dict[str, Any]:
    """``{path: value}`` for every ``data-field`` on ``page``, read from ``result`` with
    :func:`resolve_field` (``run.json`` keeps it, so a test can check the page against it).
    """
    paths = sorted(set(_FIELD_RE.findall(page)))
    return {p: _jsonable(resolve_field(result, html.unescape(p))) for p in paths}
