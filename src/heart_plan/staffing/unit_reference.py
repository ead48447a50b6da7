"""Published figures about Durham's HEART units: *sanity references* placed beside the
model's numbers in reports, never used to tune a parameter.

Sources: public reporting on DCSD's HEART program (2022-2025), summarized in
``../shared/docs/DOMAIN.md`` and issue 16.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure: the unit (``heart`` = the program, ``911`` = the 911 center),
    the model measure it corresponds to, its value (a share, or NaN for text-only), the
    published wording and its source.
    """

    unit: str
    measure: str
    value: float
    text: str
    source: str


_REPORTING = "public reporting on Durham HEART, 2025 (DOMAIN.md, issue 16)"
PUBLISHED: tuple[PublishedFigure, ...] = (
    PublishedFigure(
        "heart", "reached_share", 0.525, "HEART reaches 50-55% of eligible calls", _REPORTING
    ),
    PublishedFigure(
        "heart", "hours", float("nan"), "nothing on duty midnight - 6 am", _REPORTING
    ),
    PublishedFigure(
        "cor", "reached_share_of_unit_eligible", 0.12,
        "Co-Response reaches about 12% of its eligible calls", _REPORTING,
    ),
    PublishedFigure("cor", "hours", float("nan"), "Co-Response 6 am - 9 pm", _REPORTING),
    PublishedFigure(
        "ccd", "reached_share_of_unit_eligible", 0.75,
        "Crisis Call Diversion reaches about 75% of eligible calls", _REPORTING,
    ),
    PublishedFigure(
        "911", "answered_within_10s", 0.82,
        "Durham's 911 center answered 82% of calls within 10 s", _REPORTING,
    ),
    PublishedFigure(
        "911", "answered_within_15s", 0.90, "standard: 90% of calls answered within 15 s",
        "NENA call-answering standard",
    ),
)  # fmt: skip
