"""An analyst's upload in Chromium: a procurement CSV with one bad row is uploaded, followed to
the end and its report read, the bad row in the rejects table with its reason and in the rejects
CSV. Screenshots of the uploads page and the job's report in English and Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ANALYST, FIXTURES, log_in

pytestmark = pytest.mark.browser

UPLOAD = FIXTURES / "purchases-one-bad-row.csv"


def test_analyst_uploads_a_file_and_reads_its_report(
    page: Page, console_errors: list[str], shoot: Callable[[Page, str], Path]
) -> None:
    log_in(page, ANALYST)
    page.goto("/uploads")
    shoot(page, "uploads")
    page.locator("#upload-procurement-file").set_input_files(str(UPLOAD))
    page.locator("#upload-procurement-submit").click()
    page.wait_for_url("**/uploads/*")
    status = page.locator("#upload-status")
    # Queued or running when the page first shows (a small file may already be done)…
    expect(status).to_have_attribute("data-status", re.compile(r"^(queued|running|done)$"))
    expect(page.locator("#upload-progress")).to_be_attached()
    # …then the page follows the job by itself until it is done.
    expect(status).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#upload-progress")).to_have_js_property("value", 1)
    report = page.locator("#upload-report")
    expect(report.locator("[data-count=releases]")).to_have_text("2")
    expect(report.locator("[data-count=problems]")).to_have_text("1")
    rejects = page.locator("#rejects tbody tr")
    expect(rejects).to_have_count(1)
    expect(rejects.first).to_contain_text("row 4")
    expect(rejects.first).to_contain_text("date")
    expect(rejects.first).to_contain_text("'not-a-date' is not a date")
    shoot(page, "upload-report")

    # The rejected rows download as CSV with the same row (the session's cookie goes along).
    href = page.locator("#download-rejects").get_attribute("href")
    assert href is not None
    downloaded = page.request.get(href)
    assert downloaded.status == 200
    assert "not-a-date" in downloaded.text()

    # The same report in Chinese (the language is the visitor's, the reason is the file's).
    page.goto(page.url.split("?")[0] + "?lang=zh")
    expect(page.locator("#upload-status")).to_have_attribute("data-status", "done")
    expect(page.locator("#report-title")).not_to_have_text("Import report")
    shoot(page, "upload-report")
    page.goto("/uploads")
    expect(page.locator("#upload-jobs tr[data-status=done]").first).to_be_visible()
    shoot(page, "uploads")
    assert console_errors == []


def test_uploads_need_a_login(page: Page) -> None:
    response = page.goto("/uploads")
    assert response is not None and response.status == 401
    expect(page.locator("main h1")).to_have_text("Please log in")
