"""Browser tests: the pages in a real Chromium (Debian's ``/usr/bin/chromium``, driven by
Playwright; never ``playwright install``).

- ``site``: the demo workspace (SQLite) with three accounts (admin, certification officer,
  procurement analyst; passwords below), served by ``ecoprocure serve`` in a subprocess on a free
  loopback port, polled until ``/healthz`` answers, stopped at the end of the session;
- ``browser_type_launch_args``: pytest-playwright's launch arguments plus the executable
  (``ECOPROCURE_CHROMIUM``, default ``/usr/bin/chromium``) and flags for a sandbox-less container;
- ``shoot``: full-page screenshots in ``${ECOPROCURE_SCREENSHOTS:-build/screenshots}`` named
  ``<name>-<en|zh>.png`` (the language read from the page's ``<html lang>``);
- ``console_errors``: what the page logged as an error (console and uncaught exceptions).

Without the browser the tests are skipped with the reason; in CI (``ECOPROCURE_REQUIRE_BROWSER=1``)
a missing browser fails them instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect
from sqlalchemy import select

from ecoprocure.demo.workspace import DemoResult, build_demo_workspace
from ecoprocure.domain.accounts import Role
from ecoprocure.settings import load_settings
from ecoprocure.store.accounts import create_user
from ecoprocure.store.db import Database
from ecoprocure.store.models import Certificate

CHROMIUM = os.environ.get("ECOPROCURE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "browser"
TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    display_name: str
    role: Role


ADMIN = Account("ada-admin", "Browser-admin-pw-71", "Ada Admin", Role.ADMIN)
OFFICER = Account("olga-officer", "Browser-officer-pw-72", "Olga Officer", Role.CERTIFICATION_OFFICER)
ANALYST = Account("arun-analyst", "Browser-analyst-pw-73", "Arun Analyst", Role.PROCUREMENT_ANALYST)
ACCOUNTS = (ADMIN, OFFICER, ANALYST)


@dataclass
class Site:
    url: str
    home: Path
    demo: DemoResult
    # A valid certificate that only the suspension test changes (the demo's valid one stays valid).
    to_suspend: str
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The browser's path; skip (or, in CI, fail) when it is not installed."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium"
    message += ", or set ECOPROCURE_CHROMIUM to its path)"
    if os.environ.get("ECOPROCURE_REQUIRE_BROWSER"):
        pytest.fail(f"ECOPROCURE_REQUIRE_BROWSER is set but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium_executable: str
) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Not pytest-base-url's option: the contexts get the test server's URL just below."""
    return None


# Package scope: the server stops when the browser tests are done, not at the end of the whole run.
@pytest.fixture(scope="package")
def browser_context_args(browser_context_args: dict[str, Any], site: Site) -> dict[str, Any]:
    # page.goto("/verify") goes to the test server; English unless a test switches (the
    # Accept-Language of a fresh context is its locale's).
    return {
        **browser_context_args,
        "base_url": site.url,
        "locale": "en-GB",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def _timeouts(context: BrowserContext) -> None:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(2 * TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("ecoprocure")
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from ecoprocure.cli.main import app; app()", *args]


def _another_valid_certificate(db: Database, demo: DemoResult) -> str:
    soon = dt.date.today() + dt.timedelta(days=60)
    with db.transaction() as session:
        number = session.scalars(
            select(Certificate.number)
            .where(
                Certificate.status == "valid",
                Certificate.number != demo.valid_number,
                (Certificate.expires_on.is_(None)) | (Certificate.expires_on > soon),
            )
            .order_by(Certificate.number)
            .limit(1)
        ).first()
    assert number, "the demo registry has no second valid certificate"
    return number


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ecoprocure serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"ecoprocure serve did not answer /healthz within 60 s:\n{log.read_text()[-3000:]}")


def _warm(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the tests will say what is wrong
        httpx.get(url, timeout=120)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory, chromium_executable: str) -> Iterator[Site]:
    """The demo workspace with three accounts, served by ``ecoprocure serve`` in a subprocess."""
    home = tmp_path_factory.mktemp("browser-site")
    conf = load_settings(home=home, database_url=f"sqlite:///{home / 'ecoprocure.db'}")
    db = Database.from_settings(conf)
    try:
        demo = build_demo_workspace(db, conf, log=lambda _message: None)
        with db.transaction() as session:
            for account in ACCOUNTS:
                create_user(
                    session,
                    account.username,
                    account.role,
                    password=account.password,
                    display_name=account.display_name,
                    actor="browser-tests",
                )
        to_suspend = _another_valid_certificate(db, demo)
    finally:
        db.close()

    proc, url, log = _start_server(home)
    try:
        # The dashboard's first answer computes the analyses (seconds): start it while the other
        # pages are tested, so the chart test does not wait for it alone.
        threading.Thread(target=_warm, args=(f"{url}/dashboard",), daemon=True).start()
        yield Site(url, home, demo, to_suspend, log)
    finally:
        _stop(proc)


def _start_server(home: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """``ecoprocure serve`` on a free port, answering; a second port if another process took the
    first between choosing and binding it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOPROCURE_")}
    env.update(
        ECOPROCURE_HOME=str(home),
        ECOPROCURE_VERIFY_RATE_LIMIT="off",
        ECOPROCURE_AUTH_FAILURE_RATE_LIMIT="off",
        ECOPROCURE_COOKIE_SECURE="never",
    )
    for attempt in range(3):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = home / f"serve-{attempt}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                _serve_command(port), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=home
            )
        try:
            _wait_until_up(proc, url, log)
        except RuntimeError:
            _stop(proc)
            if attempt == 2 or "address already in use" not in log.read_text().lower():
                raise
            continue
        return proc, url, log
    raise AssertionError("unreachable")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def screenshot_dir() -> Path:
    configured = os.environ.get("ECOPROCURE_SCREENSHOTS")
    return Path(configured) if configured else REPO / "build" / "screenshots"


def page_language(page: Page) -> str:
    lang = page.locator("html").get_attribute("lang") or ""
    return "zh" if lang.lower().startswith("zh") else "en"


@pytest.fixture(scope="session")
def shoot() -> Callable[[Page, str], Path]:
    """``shoot(page, name)``: save a full-page PNG ``<name>-<en|zh>.png`` and return its path."""
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str) -> Path:
        path = folder / f"{name}-{page_language(page)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs from now on (console errors and uncaught exceptions)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        source = message.location.get("url") or ""
        # Chromium asks every site for /favicon.ico; the pages have none (a 404 that no page causes).
        if message.type == "error" and not source.endswith("/favicon.ico"):
            errors.append(f"{page.url}: console: {message.text} {source}".rstrip())

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: uncaught: {exc}"))
    return errors


def log_in(page: Page, account: Account) -> None:
    """Log in through the form; back on the start page with the name in the header."""
    page.goto("/login")
    page.locator("#username").fill(account.username)
    page.locator("#password").fill(account.password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_contain_text(account.display_name)
