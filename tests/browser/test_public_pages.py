"""The public pages in Chromium: verify a label by number, the language switch and its cookie,
keyboard access (the skip link), logging in and out, and the main pages without console errors
(screenshots of each in English and Chinese)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import OFFICER, Site, log_in

pytestmark = pytest.mark.browser

VALID_EN = "This label is genuine and valid."
VALID_ZH = "此标志真实有效。"
SUSPENDED_EN = "This certificate is suspended: the label may not be used for now."
SUSPENDED_ZH = "此证书已暂停：目前不得使用该标志。"


def answer(page: Page) -> Locator:
    return page.locator("section.answer[data-status]")


def test_verify_a_certificate_by_number_from_the_start_page(page: Page, site: Site) -> None:
    page.goto("/")
    page.locator("main #certificate").fill(site.demo.valid_number)
    page.locator("main form[role=search] button[type=submit]").click()
    expect(page).to_have_url(f"{site.url}/verify?certificate={site.demo.valid_number}")
    expect(answer(page)).to_have_attribute("data-status", "valid")
    expect(answer(page).locator("h2")).to_contain_text(VALID_EN)
    expect(answer(page).locator("dl.facts")).to_contain_text(site.demo.valid_number)
    # The number stays in the field, so a visitor can correct a typo.
    expect(page.locator("#certificate")).to_have_value(site.demo.valid_number)


def test_verify_form_says_suspended_and_unknown(page: Page, site: Site) -> None:
    page.goto("/verify")
    by_number = page.get_by_role("search", name="By certificate number")
    by_number.get_by_label("Certificate number", exact=True).fill(site.demo.suspended_number)
    by_number.get_by_role("button").click()
    expect(answer(page)).to_have_attribute("data-status", "suspended")
    expect(answer(page).locator("h2")).to_contain_text(SUSPENDED_EN)

    page.get_by_label("Certificate number", exact=True).fill("CEC-1999-999999")
    page.get_by_role("search", name="By certificate number").get_by_role("button").click()
    expect(answer(page)).to_have_attribute("data-status", "unknown")


def test_verify_by_brand_and_model(page: Page, site: Site) -> None:
    page.goto("/verify")
    form = page.get_by_role("search", name="By brand and model")
    form.get_by_label("Brand").fill(site.demo.sample_brand)
    form.get_by_label("Model").fill(site.demo.sample_model)
    form.get_by_role("button").click()
    expect(answer(page)).to_be_visible()
    expect(answer(page)).to_contain_text(site.demo.sample_model)


def test_language_switch_is_remembered_on_the_next_page(page: Page, site: Site) -> None:
    page.goto(f"/verify?certificate={site.demo.valid_number}")
    expect(answer(page).locator("h2")).to_contain_text(VALID_EN)
    page.locator("header nav.languages a[hreflang=zh-Hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("main h1")).to_have_text("验证标志")
    expect(answer(page).locator("h2")).to_contain_text(VALID_ZH)  # the same question, answered in Chinese
    # The next page, reached by a plain link (no ?lang), is still Chinese: the cookie holds the choice.
    page.locator("header a[href='/login']").click()
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("main h1")).to_have_text("登录")
    expect(page.locator("label[for=username]")).not_to_have_text("Username")
    # And back to English.
    page.locator("header nav.languages a[hreflang=en]").click()
    expect(page.locator("main h1")).to_have_text("Log in")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_chinese_browser_gets_chinese_pages(browser: Browser, site: Site) -> None:
    context = browser.new_context(base_url=site.url, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.locator("a.skip")).to_have_text("跳到正文")
    finally:
        context.close()


def test_skip_link_is_the_first_tab_stop(page: Page) -> None:
    for path in ("/", "/verify"):
        page.goto(path)
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_class("skip")
        expect(focused).to_be_visible()  # shown when focused, not only to screen readers
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{page.url.split('#')[0].rstrip('#')}#main")
        expect(page.locator("main#main")).to_be_focused()


def test_verify_with_the_keyboard_only(page: Page, site: Site) -> None:
    page.goto("/verify")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")  # into the main content
    page.keyboard.press("Tab")  # its first field: the certificate number
    expect(page.locator("#certificate")).to_be_focused()
    page.keyboard.type(site.demo.valid_number)
    page.keyboard.press("Enter")
    expect(answer(page)).to_have_attribute("data-status", "valid")


def test_injected_markup_is_shown_as_text_and_never_runs(page: Page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    attack = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    page.goto("/verify")
    page.locator("#brand").fill(attack)
    page.locator("#model").fill(attack)
    page.get_by_role("search", name="By brand and model").get_by_role("button").click()
    expect(page.locator("#brand")).to_have_value(attack)
    page.goto("/catalogue")
    page.locator("#q").fill(attack)
    page.locator("#catalogue-submit").click()
    expect(page.locator("#catalogue-empty")).to_contain_text(attack)
    assert page.locator("main img, main script").count() == 0
    assert dialogs == []


def test_log_in_shows_the_name_and_log_out_ends_it(page: Page) -> None:
    page.goto("/login")
    page.locator("#username").fill(OFFICER.username)
    page.locator("#password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("header .who")).to_have_count(0)

    log_in(page, OFFICER)
    expect(page.locator("header .who")).to_contain_text("certification officer")
    expect(page.locator("header a[href='/uploads']")).to_be_visible()
    page.locator("header form[action='/logout'] button").click()
    expect(page.locator("header a[href='/login']")).to_be_visible()
    expect(page.locator("header .who")).to_have_count(0)
    page.goto("/account/password")
    expect(page.locator("main h1")).to_have_text("Please log in")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_main_public_pages_render_without_console_errors(
    page: Page,
    site: Site,
    lang: str,
    console_errors: list[str],
    shoot: Callable[[Page, str], Path],
) -> None:
    pages = {
        "start": "/",
        "verify-valid": f"/verify?certificate={site.demo.valid_number}",
        "verify-suspended": f"/verify?certificate={site.demo.suspended_number}",
        "login": "/login",
    }
    for name, path in pages.items():
        response = page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert response is not None and response.status == 200, (name, response and response.status)
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if lang == "zh" else "en")
        shoot(page, name)
    assert console_errors == []
