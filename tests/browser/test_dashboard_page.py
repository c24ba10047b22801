"""The dashboard's charts in Chromium: plotly draws every chart (the containers get
``data-rendered="true"`` and an SVG), with the charts' text in the page's language, and no console
errors. Screenshots of the dashboard in English and Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def wait_for_charts(page: Page) -> int:
    """Wait until every chart container is drawn; return how many there are."""
    charts = page.locator("[data-chart]")
    expect(charts.first).to_be_attached()
    count = charts.count()
    expect(page.locator("[data-chart][data-rendered=true]")).to_have_count(count)
    return count


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_charts_render(
    page: Page, lang: str, console_errors: list[str], shoot: Callable[[Page, str], Path]
) -> None:
    # The first answer computes the analyses of the demo purchases: seconds, more on a busy machine.
    response = page.goto(f"/dashboard?lang={lang}", timeout=90_000)
    assert response is not None and response.status == 200
    count = wait_for_charts(page)
    assert count >= 2
    for chart in page.locator("[data-chart]").all():
        expect(chart.locator(".plotly svg.main-svg").first).to_be_attached()
    # The chart's own text is in the page's language (plotly's labels come from the server).
    if lang == "zh":
        expect(page.locator("#chart-years .plotly")).to_contain_text("绿色")
    # The tables under the charts hold the same numbers for those without the charts.
    expect(page.locator("table#table-years tbody tr").first).to_be_visible()
    shoot(page, "dashboard")
    assert console_errors == []
