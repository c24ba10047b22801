"""Login sessions of the web pages, and password changes.

The browser holds a random token in an HttpOnly cookie; the database keeps its SHA-256, the user,
a per-session CSRF token and the expiry. A session ends at logout, at its expiry, when its user
is deactivated, and — all of a user's other sessions — when the password changes. Logins, logouts
and password changes land in the audit log like every other write.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ecoprocure.domain.accounts import (
    AccountError,
    Role,
    check_password,
    hash_password,
    password_matches,
    token_digest,
)
from ecoprocure.store.accounts import TOUCH_EVERY, _now, get_user, record
from ecoprocure.store.db import as_utc
from ecoprocure.store.models import User, WebSession


@dataclass(frozen=True)
class LoggedIn:
    """A user's session as the pages see it."""

    session_id: int
    username: str
    display_name: str | None
    role: Role
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class NewSession:
    cookie: str  # the secret the browser keeps
    session: LoggedIn


class LoginFailed(AccountError):
    """Wrong username or password (one message for both: do not tell which)."""


def _logged_in(row: WebSession) -> LoggedIn:
    return LoggedIn(
        row.id, row.user.username, row.user.display_name, Role(row.user.role), row.csrf_token, row.expires_at
    )


def login(session: Session, username: str, password: str, *, lifetime: dt.timedelta) -> NewSession:
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.password_hash or not password_matches(user.password_hash, password):
        raise LoginFailed("wrong username or password")
    if not user.active:
        raise LoginFailed("this account is deactivated: ask an administrator")
    now = _now()
    cookie = secrets.token_urlsafe(32)
    row = WebSession(
        session_hash=token_digest(cookie),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    record(session, actor=user.username, action="session.login", target=f"user:{user.username}")
    return NewSession(cookie, _logged_in(row))


def resolve(session: Session, cookie: str) -> LoggedIn | None:
    """The session a cookie belongs to; None when unknown, expired or its user is deactivated."""
    row = session.scalars(select(WebSession).where(WebSession.session_hash == token_digest(cookie))).first()
    if row is None:
        return None
    now = _now()
    if as_utc(row.expires_at) <= now or not row.user.active:
        session.delete(row)
        return None
    if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
    return _logged_in(row)


def logout(session: Session, cookie: str) -> None:
    row = session.scalars(select(WebSession).where(WebSession.session_hash == token_digest(cookie))).first()
    if row is not None:
        record(session, actor=row.user.username, action="session.logout", target=f"user:{row.user.username}")
        session.delete(row)


def change_password(
    session: Session, username: str, current: str, new: str, *, keep_session_id: int | None
) -> None:
    """Set a new password after checking the current one; other sessions of the user end."""
    user = get_user(session, username)
    if not user.password_hash or not password_matches(user.password_hash, current):
        raise LoginFailed("the current password is wrong")
    if current == new:
        raise AccountError("the new password is the same as the current one")
    check_password(new, user.username)
    user.password_hash, user.updated_at = hash_password(new), _now()
    session.execute(
        delete(WebSession).where(WebSession.user_id == user.id, WebSession.id != (keep_session_id or -1))
    )
    record(session, actor=user.username, action="user.password_change", target=f"user:{user.username}")


def purge_expired(session: Session) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= _now()))
    return int(getattr(result, "rowcount", 0) or 0)
