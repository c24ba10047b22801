"""Who is looking at a page: a public visitor or a logged-in user, and the CSRF token their forms
carry.

- Logged in: the session cookie (``ecoprocure_session``, HttpOnly, SameSite=Lax, Secure over
  https) names a server-side session (``store.web_sessions``) whose CSRF token every form of the
  user carries.
- Not logged in (the login form): a random token in a cookie of its own, sent back in the form
  (double submit), so a third-party site cannot post a login either.

Every POST of the pages calls :func:`check_csrf` before anything else.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request

from ecoprocure.domain.accounts import Role
from ecoprocure.i18n import N_
from ecoprocure.store import web_sessions
from ecoprocure.store.web_sessions import LoggedIn
from ecoprocure.web.services import Services

SESSION_COOKIE = "ecoprocure_session"

CSRF_COOKIE = "ecoprocure_csrf"


class PageError(Exception):
    """An error a page shows as a page (status, message), not as the API's JSON body."""

    def __init__(self, status: int, message: str, *, login: bool = False) -> None:
        super().__init__(message)
        self.status, self.message, self.login = status, message, login


@dataclass(frozen=True)
class Visitor:
    user: LoggedIn | None
    csrf_token: str

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user else None

    def may(self, *roles: Role) -> bool:
        return self.user is not None and (self.user.role in roles or self.user.role is Role.ADMIN)


def secure_cookies(request: Request) -> bool:
    services: Services = request.app.state.services
    mode = services.settings.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def set_cookie(request: Request, **args: object) -> None:
    """Ask :func:`render` (or a redirect) to set a cookie on the response."""
    pending: list[dict[str, object]] = getattr(request.state, "set_cookies", [])
    pending.append(
        {"httponly": True, "samesite": "lax", "secure": secure_cookies(request), "path": "/", **args}
    )
    request.state.set_cookies = pending


def _logged_in(request: Request) -> LoggedIn | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie or len(cookie) > 200:
        return None
    services: Services = request.app.state.services
    with services.db.transaction() as session:
        return web_sessions.resolve(session, cookie)


def visitor(request: Request) -> Visitor:
    """The visitor of this request (computed once per request)."""
    known: Visitor | None = getattr(request.state, "visitor", None)
    if known is not None:
        return known
    user = _logged_in(request)
    if user is not None:
        token = user.csrf_token
    else:
        token = request.cookies.get(CSRF_COOKIE) or ""
        if len(token) != 43:  # token_urlsafe(32)
            token = secrets.token_urlsafe(32)
            set_cookie(request, key=CSRF_COOKIE, value=token)
    request.state.visitor = Visitor(user, token)
    return request.state.visitor


def check_csrf(request: Request, submitted: str | None) -> Visitor:
    """Refuse a form without the visitor's CSRF token (403): nothing is written."""
    who = visitor(request)
    if not submitted or not hmac.compare_digest(submitted.encode(), who.csrf_token.encode()):
        raise PageError(
            403,
            N_("The form has expired or did not come from this site. Reload the page and send it again."),
        )
    return who


def require(request: Request, *roles: Role) -> LoggedIn:
    """The logged-in user when their role allows this page (admins may do everything)."""
    who = visitor(request)
    if who.user is None:
        raise PageError(401, N_("Log in to see this page."), login=True)
    if roles and not who.may(*roles):
        raise PageError(403, N_("Your role may not use this page."))
    return who.user
