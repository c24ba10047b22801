"""The pages' own plumbing through a real server: language choice, verification page, login with
CSRF and rate limit, password change, logout, role checks, HTML errors for pages (JSON for the
API), escaping of whatever a visitor types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ecoprocure.domain.accounts import Role
from ecoprocure.store.accounts import create_user
from ecoprocure.store.db import Database
from ecoprocure.web.app import create_app
from tests.conftest import database_url
from tests.store import registry_builders as rb
from tests.web.conftest import Server, build_registry, serve, web_settings

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _site(tmp_path_factory: pytest.TempPathFactory, limit: str) -> Iterator[Server]:
    home: Path = tmp_path_factory.mktemp("web-pages")
    url = database_url("sqlite", home)
    build_registry(home, url)
    db = Database(url)
    with db.transaction() as session:
        create_user(session, "olga", Role.CERTIFICATION_OFFICER, password=PASSWORD, actor="test")
        create_user(session, "paul", Role.PROCUREMENT_ANALYST, password=PASSWORD, actor="test")
        create_user(session, "lim", Role.PROCUREMENT_ANALYST, password=PASSWORD, actor="test")
    db.close()
    with serve(create_app(web_settings(home, url, auth_failure_rate_limit=limit))) as server:
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _site(tmp_path_factory, "1000/minute")


@pytest.fixture
def strict_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Its own server: every test client comes from 127.0.0.1, so a tight limit would block the rest."""
    yield from _site(tmp_path_factory, "5/minute")


def browser(site: Server, **kwargs: object) -> httpx.Client:
    return site.client(follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def csrf_of(client: httpx.Client, path: str = "/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token in {path}"
    return found.group(1)


def log_in(
    client: httpx.Client, username: str, password: str = PASSWORD, next_path: str = "/"
) -> httpx.Response:
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client), "next": next_path},
    )


def test_start_page_in_english_and_chinese(site: Server) -> None:
    with browser(site) as client:
        english = client.get("/")
        assert english.status_code == 200 and '<html lang="en">' in english.text
        assert "Verify a label" in english.text
        chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert '<html lang="zh-Hans">' in chinese.text and "验证标志" in chinese.text
        assert chinese.headers["content-language"] == "zh-Hans"


def test_language_link_is_remembered_in_a_cookie(site: Server) -> None:
    with browser(site) as client:
        switched = client.get("/verify?lang=zh")
        assert "验证标志" in switched.text and switched.cookies.get("ecoprocure_lang") == "zh_Hans"
        assert "验证标志" in client.get("/", headers={"Accept-Language": "en"}).text
        assert "Verify a label" in client.get("/?lang=en").text


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        (f"certificate={rb.DESKTOP}", "valid", "genuine and valid"),
        (f"certificate={rb.NOTEBOOK_SUSPENDED}", "suspended", "suspended"),
        (f"certificate={rb.FURNITURE_ENDED}", "expired", "expired"),
        ("certificate=NOPE-0000", "unknown", "No such certificate"),
        (
            "brand=Lenovo&model=ThinkPad+X1+Carbon",
            "valid",
            "Lenovo ThinkPad X1 Carbon",
        ),  # the EU one is valid
    ],
)
def test_verification_page_answers_at_a_glance(site: Server, query: str, status: str, words: str) -> None:
    with browser(site) as client:
        page = client.get(f"/verify?{query}")
    assert page.status_code == 200
    assert f'data-status="{status}"' in page.text and words in page.text


def test_verification_page_in_chinese(site: Server) -> None:
    with browser(site) as client:
        page = client.get(f"/verify?certificate={rb.DESKTOP}&lang=zh")
    assert "此标志真实有效" in page.text and "发证日期" in page.text


def test_verification_page_asks_for_both_brand_and_model(site: Server) -> None:
    with browser(site) as client:
        page = client.get("/verify?brand=Lenovo")
    assert page.status_code == 200 and "Enter both the brand and the model" in page.text


def test_qr_link_leads_to_the_verification_page(site: Server) -> None:
    with browser(site) as client:
        moved = client.get("/v/EP1.not-a-real-code")
        assert moved.status_code == 303 and moved.headers["location"].startswith("/verify?qr=EP1.")
        page = client.get(moved.headers["location"])
    assert 'data-status="unknown"' in page.text or 'data-status="invalid-signature"' in page.text


@pytest.mark.parametrize(
    "attack", ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "' OR 1=1 --"]
)
def test_what_a_visitor_types_comes_back_escaped(site: Server, attack: str) -> None:
    with browser(site) as client:
        page = client.get("/verify", params={"brand": attack, "model": attack})
        login = client.post(
            "/login", data={"username": attack, "password": "x", "csrf_token": csrf_of(client)}
        )
    assert page.status_code == 200 and attack not in page.text
    assert login.status_code == 401 and attack not in login.text


def test_login_needs_the_forms_csrf_token(site: Server) -> None:
    with browser(site) as client:
        csrf_of(client)  # the cookie half is set …
        refused = client.post(
            "/login", data={"username": "olga", "password": PASSWORD, "csrf_token": "forged"}
        )
        missing = client.post("/login", data={"username": "olga", "password": PASSWORD})
    assert refused.status_code == 403 and missing.status_code == 403
    assert "did not come from this site" in refused.text
    assert "ecoprocure_session" not in refused.headers.get("set-cookie", "")


def test_login_sets_a_protected_cookie_and_shows_the_user(site: Server) -> None:
    with browser(site) as client:
        done = log_in(client, "olga", next_path="/account/password")
        assert done.status_code == 303 and done.headers["location"] == "/account/password"
        cookie = done.headers["set-cookie"]
        assert "ecoprocure_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        page = client.get("/")
        assert (
            "olga" in page.text and "certification officer" in page.text and 'action="/logout"' in page.text
        )


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_site(site: Server, target: str) -> None:
    with browser(site) as client:
        done = log_in(client, "paul", next_path=target)
    assert done.status_code == 303 and done.headers["location"] == "/"


def test_wrong_password_is_refused_then_rate_limited(strict_site: Server) -> None:
    with browser(strict_site) as client:
        statuses = [log_in(client, "lim", "wrong password").status_code for _ in range(6)]
        blocked = log_in(client, "lim")
    assert statuses[0] == 401 and 429 in statuses
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text


def test_pages_for_users_need_a_login(site: Server) -> None:
    with browser(site) as client:
        page = client.get("/account/password")
    assert page.status_code == 401 and 'href="/login?next=' in page.text


def test_password_change_and_logout(site: Server) -> None:
    with browser(site) as first, browser(site) as second:
        assert log_in(first, "paul").status_code == 303
        assert log_in(second, "paul").status_code == 303
        token = csrf_of(first, "/account/password")
        mismatch = first.post(
            "/account/password",
            data={"current": PASSWORD, "new": "new secret words 99", "repeat": "other", "csrf_token": token},
        )
        assert mismatch.status_code == 400 and "differ" in mismatch.text
        weak = first.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "paulpaulpaul1",
                "repeat": "paulpaulpaul1",
                "csrf_token": token,
            },
        )
        assert weak.status_code == 400 and "refused" in weak.text
        changed = first.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "new secret words 99",
                "repeat": "new secret words 99",
                "csrf_token": token,
            },
        )
        assert changed.status_code == 200 and "password was changed" in changed.text
        assert second.get("/account/password").status_code == 401  # the other session ended
        out = first.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303
        assert first.get("/account/password").status_code == 401
    with browser(site) as client:
        assert log_in(client, "paul").status_code == 401
        assert log_in(client, "paul", "new secret words 99").status_code == 303


def test_logout_needs_csrf(site: Server) -> None:
    with browser(site) as client:
        log_in(client, "olga")
        refused = client.post("/logout", data={"csrf_token": "nope"})
        assert refused.status_code == 403
        assert "olga" in client.get("/").text


def test_errors_are_pages_for_pages_and_json_for_the_api(site: Server) -> None:
    with browser(site) as client:
        page = client.get("/no-such-page", headers={"Accept-Language": "zh"})
        api = client.get("/api/v1/no-such-thing")
    assert (
        page.status_code == 404 and "text/html" in page.headers["content-type"] and "页面不存在" in page.text
    )
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
