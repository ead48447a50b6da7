"""Every number in the report's summary is tagged with its run-result path and equals the
run result's value there (``run.json`` ``report_fields``, read from the ``RunResult`` by
path), and where ``key_results`` (the writer's own serialization) holds the same number,
it agrees too.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

pytestmark = [pytest.mark.durham]


class _Summary(HTMLParser):
    """Collects the summary section's tagged numbers and the text outside them."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <section id=summary>
        self.tag: tuple[str, str] | None = None
        self.in_time = False
        self.fields: list[tuple[str, str, str]] = []  # (path, kind, text)
        self.untagged: list[str] = []
        self._buf = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("id") == "summary":
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "section":
            self.depth += 1
        if "data-field" in a:
            self.tag, self._buf = (a["data-field"], a.get("data-kind", "")), ""
        if tag == "time":
            self.in_time = True

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "section":
            self.depth -= 1
        if tag == "span" and self.tag is not None:
            self.fields.append((*self.tag, self._buf))
            self.tag = None
        if tag == "time":
            self.in_time = False

    def handle_data(self, data):
        if not self.depth:
            return
        if self.tag is not None:
            self._buf += data
        elif not self.in_time:
            self.untagged.append(data)


def _shown_matches(kind: str, text: str, value) -> bool:
    """Does the displayed ``text`` show ``value`` in the format of ``kind``?"""
    if kind == "list":
        return text == (", ".join(map(str, value)) if value else "none")
    if kind == "hour":
        return text == f"{int(value) % 24:02d}:00"
    number = float(text.replace(",", "").replace("$", "").rstrip("%"))
    if kind == "pct":
        return abs(number / 100 - value) <= 0.0005 + 1e-12
    if kind == "pct0":
        return abs(number / 100 - value) <= 0.005 + 1e-12
    if kind in ("int", "usd"):
        return abs(number - value) <= 0.5
    if kind == "min":
        return abs(number - value / 60) <= 0.5
    return abs(number - value) <= 0.05 + 1e-12  # dec1


_PLAN_KEYS = {"recommended": "recommended", "current": "current", "pilot": "pilot_2022"}


def _key_results_value(run: dict, path: str):
    """The same number from ``key_results`` or the resolved scenario of ``run.json`` (None
    when neither holds it)."""
    key = run["key_results"]
    parts = path.split(".")
    if parts[:2] == ["ctx", "scenario"]:
        value = run["scenario"]["resolved"]
        for part in parts[2:]:
            value = value[part]
        return value
    if parts[0] in _PLAN_KEYS:
        entry = key[_PLAN_KEYS[parts[0]]]
        if parts[1] == "simulated":
            return entry["simulated"][parts[2]][parts[3]]
        if parts[1] in ("fte", "cost_per_year_usd", "max_teams"):
            return entry["max_teams_on_duty" if parts[1] == "max_teams" else parts[1]]
        if parts[1:] == ["plan", "service_area_beats", "len()"]:
            return entry["beats"]
        if parts[1:] == ["plan", "team_hours_per_week"]:
            return entry["team_hours_per_week"]
    target = key["what_the_target_would_take"]
    if path == "calls_per_year":
        return key["eligible_calls_per_year"]
    if path == "excluded_beats":
        return key["recommendation_margin"]["excluded_beats"]
    if parts[0] == "target":
        if parts[1] == "cheapest":
            return target["cheapest_schedule"][parts[2]]
        if parts[1] == "around_the_clock":
            return target["around_the_clock"][parts[2]]
        return target.get({"target": "target"}.get(parts[1], parts[1]))
    if parts[:2] == ["hours", "to_24_7"]:
        h = key["fte_24_7"]
        if parts[2] == "full":
            return h["full_24_7"][parts[3]]
        if parts[2] == "baseline":
            return h["baseline"][parts[3]]
        return h[parts[2]]
    return None


def test_every_summary_number_is_tagged_and_equals_the_run_result(durham_run):
    page = (durham_run / "report.html").read_text()
    run = json.loads((durham_run / "run.json").read_text())
    fields = run["report_fields"]
    parser = _Summary()
    parser.feed(page)
    assert len(parser.fields) >= 25
    # no number outside a tagged span (dates are <time> elements)
    untagged = " ".join(parser.untagged)
    assert re.findall(r"\d", untagged) == [], untagged
    independent = 0
    for path, kind, text in parser.fields:
        assert path in fields, path
        value = fields[path]
        assert _shown_matches(kind, text, value), (path, kind, text, value)
        other = _key_results_value(run, path)
        if other is not None:
            assert other == pytest.approx(value) if not isinstance(value, list) else other == value
            independent += 1
    assert independent >= 15
    # the headline figures are in the summary, each from its plan's own simulation
    paths = {p for p, _, _ in parser.fields}
    for path in ("recommended.simulated.reached_share.mean", "recommended.fte",
                 "recommended.cost_per_year_usd", "excluded_beats", "target.cheapest.fte",
                 "hours.to_24_7.full.fte", "current.simulated.reached_share.mean",
                 "pilot.simulated.reached_share.mean", "ctx.scenario.current.teams"):  # fmt: skip
        assert path in paths, path


def test_report_body_has_no_raw_names_before_the_appendix(durham_run):
    """Plain language: no raw column or measure names (``reached_share``, ``pilot_2022``)
    in the report before its technical appendix; the solver's lines only in the appendix."""
    page = (durham_run / "report.html").read_text()
    body, appendix = page.split("<section id='technical'>", 1)
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    assert re.findall(r"\b\w+_\w+\b", text) == []
    assert "FEASIBLE" not in text and "OPTIMAL" not in text
    assert "<details class='hp-details'><summary>Roster optimizer (CP-SAT)" in appendix
    terms = " | ".join(re.findall(r"<dt>([^<]*)</dt>", body))
    for word in ("MEXCLP", "Erlang B", "CP-SAT", "Band", "Reached", "Served", "Covered"):
        assert word in terms  # the glossary explains the words the report uses
