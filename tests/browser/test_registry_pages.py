"""The registry pages in Chromium: catalogue search leading to a certificate page, programme
statistics, and a certification officer suspending a certificate, after which the public
verification page and the API say so. Screenshots of the catalogue, a certificate and the
statistics in English and Chinese."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ANALYST, OFFICER, Site, log_in

pytestmark = pytest.mark.browser

REASON = "Browser test: the licensee used the label on an uncertified model"


def test_catalogue_search_leads_to_the_certificate_page(page: Page, site: Site) -> None:
    page.goto("/catalogue")
    expect(page.locator("#catalogue-hint")).to_be_visible()
    page.locator("#q").fill(site.demo.sample_brand)
    page.locator("#catalogue-submit").click()
    rows = page.locator("#catalogue-results tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.first).to_contain_text(site.demo.sample_brand)
    link = rows.first.locator("a[data-certificate]")
    number = link.get_attribute("data-certificate")
    link.click()
    expect(page.locator("main h1")).to_contain_text(str(number))
    expect(page.locator("#certificate-status")).to_have_attribute("data-status", "valid")
    # The public sees no lifecycle form.
    expect(page.locator("#certificate-actions")).to_have_count(0)


def test_statistics_show_a_table_per_scheme_and_a_chart(page: Page) -> None:
    page.goto("/statistics")
    tables = page.locator("table.statistics")
    expect(tables.first).to_be_visible()
    expect(tables.first.locator("tr[data-measure]").first).to_be_visible()
    expect(page.locator("#statistics-chart svg rect").first).to_be_visible()


def _status(site: Site, number: str) -> str:
    with site.api() as api:
        response = api.get("/api/v1/verify", params={"certificate": number})
        response.raise_for_status()
        return str(response.json()["status"])


def test_officer_suspends_a_certificate_and_the_public_page_changes(
    page: Page, browser: Browser, site: Site
) -> None:
    number = site.to_suspend
    public = browser.new_context(base_url=site.url, locale="en-GB")
    try:
        visitor = public.new_page()
        visitor.goto(f"/verify?certificate={number}")
        expect(visitor.locator("section.answer")).to_have_attribute("data-status", "valid")
        assert _status(site, number) == "valid"

        log_in(page, OFFICER)
        page.goto(f"/certificates/{number}")
        expect(page.locator("#certificate-status")).to_have_attribute("data-status", "valid")
        form = page.locator("#action-form")
        form.get_by_label("Action").select_option("suspend")
        form.get_by_label("Reason", exact=True).fill(REASON)
        page.locator("#action-submit").click()
        expect(page.locator("#action-done")).to_be_visible()
        expect(page.locator("#certificate-status")).to_have_attribute("data-status", "suspended")
        expect(page.locator("#certificate-history tr[data-action=suspend]")).to_contain_text(REASON)

        # The public page (another browser, not logged in) and the API now say suspended.
        visitor.reload()
        answer = visitor.locator("section.answer")
        expect(answer).to_have_attribute("data-status", "suspended")
        expect(answer.locator("h2")).to_contain_text("suspended")
        expect(answer).to_contain_text(REASON)
        assert _status(site, number) == "suspended"
    finally:
        public.close()


def test_an_analyst_gets_no_lifecycle_form(page: Page, site: Site) -> None:
    log_in(page, ANALYST)
    page.goto(f"/certificates/{site.demo.valid_number}")
    expect(page.locator("#certificate-status")).to_be_visible()
    expect(page.locator("#certificate-actions")).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_registry_pages_render_without_console_errors(
    page: Page,
    site: Site,
    lang: str,
    console_errors: list[str],
    shoot: Callable[[Page, str], Path],
) -> None:
    pages = {
        "catalogue": f"/catalogue?q={site.demo.sample_brand}",
        "certificate": f"/certificates/{site.demo.valid_number}",
        "statistics": "/statistics",
    }
    for name, path in pages.items():
        response = page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert response is not None and response.status == 200, (name, response and response.status)
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh" else "en")
        shoot(page, name)
    assert console_errors == []
