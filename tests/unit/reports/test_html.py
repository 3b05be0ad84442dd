"""report.html: one self-contained page with a chart per section, from real run summaries."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from shipyard.reports.html import Bar, Segment, axis_ticks, bar_chart, summary_html

SUMMARIES = Path(__file__).parents[2] / "fixtures" / "summaries"
CHARTS = ("timeline", "tests", "findings", "sbom", "sizes")


def load(name: str) -> Any:
    return json.loads((SUMMARIES / name).read_text(encoding="utf-8"))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in {"src", "href", "xlink:href", "action"}]


def sections(page: str) -> dict[str, str]:
    found = re.findall(r'<section id="([^"]+)">(.*?)</section>', page, flags=re.DOTALL)
    return dict(found)


@pytest.mark.parametrize("fixture", ["webapp-full.json", "webapp-cached.json"])
def test_the_page_is_self_contained(fixture: str) -> None:
    page = summary_html(load(fixture))
    parser = Links()
    parser.feed(page)
    assert not [u for u in parser.urls if re.match(r"(?i)^(https?:)?//", u)]
    assert "script" not in parser.tags or "src=" not in page
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page


@pytest.mark.parametrize("fixture", ["webapp-full.json", "webapp-cached.json"])
def test_every_chart_is_an_svg(fixture: str) -> None:
    found = sections(summary_html(load(fixture)))
    for chart in CHARTS:
        assert found[chart].count("<svg") == 1, chart


def test_the_timeline_places_each_started_stage_at_its_offset() -> None:
    data = load("webapp-full.json")
    timeline = sections(summary_html(data))["timeline"]
    stages = data["stages"]
    started = [s for s in stages if s["started_offset"] is not None]
    assert timeline.count('class="span"') == len(started)
    assert "not started: sbom" not in timeline  # sbom started (and errored) in this run
    assert "8.41 s" in timeline  # build-linux-amd64's duration


def test_cache_hits_are_drawn_hollow() -> None:
    timeline = sections(summary_html(load("webapp-cached.json")))["timeline"]
    assert timeline.count('stroke-dasharray="4 2"') == 8  # eight stages were cache hits
    assert "cache hit" in timeline


def test_tests_images_and_findings_show_their_numbers() -> None:
    found = sections(summary_html(load("webapp-full.json")))
    assert found["tests"].count("10/10 passed") == 4
    assert "coverage 88.06%" in found["tests"]
    assert "250.5 MB" in found["sizes"]
    assert "linux/amd64" in found["sizes"]
    assert "no findings: 3 scan stage(s)" in found["findings"]


def test_findings_and_sbom_are_drawn_when_present() -> None:
    data = load("webapp-full.json")
    stages = data["stages"]
    for stage in stages:
        if stage["id"] == "scan-image":
            stage["counts"].update({"high": 3, "medium": 5, "critical": 1})
        if stage["id"] == "sbom":
            stage["counts"] = {"packages": 143, "python_packages": 21}
    found = sections(summary_html(data))
    assert "143 packages" in found["sbom"]
    assert found["findings"].count("<rect") >= 3
    assert "medium: 5 scan-image" in found["findings"]


def test_text_from_the_summary_is_escaped() -> None:
    data = load("webapp-full.json")
    stages = data["stages"]
    stages[0]["summary"] = "<script>alert(1)</script>"
    stages[0]["id"] = "<b>lint</b>"
    page = summary_html(data)
    assert "<script>" not in page
    assert "&lt;b&gt;lint&lt;/b&gt;" in page


def test_a_summary_without_stages_still_renders() -> None:
    page = summary_html({"project": {"name": "x"}, "ok": False, "error": "engine down", "stages": []})
    assert "Error: engine down" in page
    assert all(sections(page)[c].count("<svg") == 1 for c in CHARTS)


@pytest.mark.parametrize(
    ("top", "expected"),
    [(10, [0, 2, 4, 6, 8, 10]), (33.5, [0, 10, 20, 30, 40]), (0.3, [0, 0.1, 0.2, 0.3]), (0, [0, 1])],
)
def test_axis_ticks_are_round(top: float, expected: list[float]) -> None:
    assert axis_ticks(top) == pytest.approx(expected)


def test_an_all_zero_bar_chart_says_so() -> None:
    chart = bar_chart([Bar("a", (Segment(0, "#000", "x"),))], title="t", empty="nothing here")
    assert "nothing here" in chart
    assert chart.startswith("<svg")
