"""Log in, log out, change password. Forms carry the CSRF token; failed logins count against the
client's address like failed API tokens (429 after too many)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecoprocure.domain.accounts import AccountError
from ecoprocure.i18n import gettext
from ecoprocure.store import web_sessions
from ecoprocure.web.auth import client_address
from ecoprocure.web.pages.templating import render
from ecoprocure.web.pages.visitor import (
    SESSION_COOKIE,
    PageError,
    check_csrf,
    require,
    secure_cookies,
    visitor,
)
from ecoprocure.web.services import Services

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=1000)]
Token = Annotated[str | None, Form(max_length=100)]


def _safe_next(target: str | None) -> str:
    """Only a path of this site (never //host or a scheme): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), username="", error=None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Field,
    csrf_token: Token = None,
    next: Annotated[str, Form(max_length=1000)] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    services: Services = request.app.state.services
    limit, client = services.auth_failures, client_address(request)
    if limit.blocked(client) is not None:
        raise PageError(429, gettext("Too many failed logins from your address. Wait a few minutes."))
    try:
        with services.db.transaction() as session:
            new = web_sessions.login(
                session, username, password, lifetime=dt.timedelta(hours=services.settings.session_hours)
            )
    except web_sessions.LoginFailed:
        limit.retry_after(client)
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next),
            username=username,
            error=gettext("Wrong username or password, or the account is deactivated."),
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        new.cookie,
        max_age=int(services.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Token = None) -> Response:
    check_csrf(request, csrf_token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        services: Services = request.app.state.services
        with services.db.transaction() as session:
            web_sessions.logout(session, cookie)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request) -> HTMLResponse:
    require(request)
    return render(request, "password.html", error=None, done=False)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, current: Field, new: Field, repeat: Field, csrf_token: Token = None
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    user = require(request)
    error = None
    if new != repeat:
        error = gettext("The two new passwords differ.")
    else:
        services: Services = request.app.state.services
        try:
            with services.db.transaction() as session:
                web_sessions.change_password(
                    session,
                    user.username,
                    current,
                    new,
                    keep_session_id=visitor(request).user.session_id,  # type: ignore[union-attr]
                )
        except web_sessions.LoginFailed:
            error = gettext("The current password is wrong.")
        except AccountError as exc:
            error = gettext("The new password was refused: %(reason)s", reason=str(exc))
    return render(
        request, "password.html", status_code=400 if error else 200, error=error, done=error is None
    )
