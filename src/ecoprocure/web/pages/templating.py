"""Rendering pages: one Jinja environment (translations in the request's language), the
visitor's language chosen per request, and the static files.

The language of a page: ``?lang=zh|en`` (remembered in a cookie for a year), else that cookie,
else the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ecoprocure import __version__, i18n
from ecoprocure.web.pages.roles import ROLE_NAMES

TEMPLATES_DIR = Path(__file__).parents[1] / "templates"
STATIC_DIR = Path(__file__).parents[1] / "static"
LANG_COOKIE = "ecoprocure_lang"
# Paths that are not pages: the API, its documents, liveness, static files (JSON errors, no language).
NOT_PAGES = ("/api/", "/healthz", "/openapi.json", "/docs", "/redoc", "/static/")
_YEAR = 365 * 24 * 3600


@functools.cache
def environment() -> jinja2.Environment:
    env = i18n.jinja_environment([TEMPLATES_DIR])
    env.globals["version"] = __version__
    env.globals["languages"] = i18n.LANGUAGE_NAMES
    env.globals["role_name"] = lambda role: i18n.gettext(ROLE_NAMES[role])
    return env


def request_locale(request: Request) -> str:
    """The language of this request (see the module docstring)."""
    cached: str | None = getattr(request.state, "locale", None)
    if cached is not None:
        return cached
    chosen = (
        i18n.normalise_locale(request.query_params.get("lang"))
        or i18n.normalise_locale(request.cookies.get(LANG_COOKIE))
        or i18n.negotiate(request.headers.get("accept-language"))
    )
    request.state.locale = chosen
    return chosen


def url_with(request: Request, **changes: Any) -> str:
    """This page's path and query with some parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language with the visitor (user, CSRF token) in reach."""
    from ecoprocure.web.pages.visitor import visitor  # the visitor needs the database; render is low

    locale = request_locale(request)
    with i18n.use_locale(locale):
        html = (
            environment()
            .get_template(template)
            .render(
                request=request,
                visitor=visitor(request),
                url_with=lambda **c: url_with(request, **c),
                **context,
            )
        )
    response = HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
    response.headers["Content-Language"] = i18n.HTML_LANG[locale]
    response.headers["Vary"] = "Accept-Language, Cookie"
    if "lang" in request.query_params and i18n.normalise_locale(request.query_params["lang"]):
        response.set_cookie(LANG_COOKIE, locale, max_age=_YEAR, httponly=True, samesite="lax")
    pending = getattr(request.state, "set_cookies", [])
    for args in pending:
        response.set_cookie(**args)
    return response


class LocaleMiddleware:
    """Pure ASGI: page requests run in their visitor's language, so ``gettext`` in a page's Python
    code (a form's error message) speaks it too. API paths pass straight through (the hot path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NOT_PAGES):
            await self.app(scope, receive, send)
            return
        with i18n.use_locale(request_locale(Request(scope))):
            await self.app(scope, receive, send)
