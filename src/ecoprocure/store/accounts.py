"""Accounts, API tokens and the audit log: the store functions the CLI and the web app share.

Every write here appends an :class:`AuditEntry` in the same transaction, so a change and its
record commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoprocure.domain.accounts import (
    AccountError,
    NewToken,
    Role,
    check_password,
    check_username,
    digest_matches,
    hash_password,
    new_token,
    token_id_of,
)
from ecoprocure.errors import NotFound
from ecoprocure.store.db import as_utc
from ecoprocure.store.models import ApiToken, AuditEntry, User
from ecoprocure.store.registry_listing import Listing

# How often a token's last_used_at or a session's last_seen_at is written (a request is not worth
# a write each time).
TOUCH_EVERY = dt.timedelta(minutes=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def record(
    session: Session, *, actor: str, action: str, target: str, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one audit entry (committed with the caller's transaction)."""
    entry = AuditEntry(recorded_at=_now(), actor=actor, action=action, target=target, details=details)
    session.add(entry)
    return entry


def get_user(session: Session, username: str) -> User:
    found = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if found is None:
        raise NotFound(f"no user named {username!r}: create one with `ecoprocure user add`")
    return found


def create_user(
    session: Session,
    username: str,
    role: Role,
    *,
    password: str | None,
    display_name: str | None = None,
    actor: str,
) -> User:
    """A new account; ``password`` None makes a machine account that signs in with tokens only."""
    name = check_username(username)
    if session.scalars(select(User.id).where(User.username == name)).first() is not None:
        raise AccountError(f"user {name!r} already exists")
    if password is not None:
        check_password(password, name)
    now = _now()
    user = User(
        username=name,
        display_name=display_name,
        role=role.value,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    record(session, actor=actor, action="user.create", target=f"user:{name}", details={"role": role.value})
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str) -> User:
    """Deactivate an account (its tokens stop working at once) or activate it again."""
    user = get_user(session, username)
    if user.active == active:
        raise AccountError(f"user {user.username!r} is already {'active' if active else 'deactivated'}")
    user.active, user.updated_at = active, _now()
    record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        target=f"user:{user.username}",
    )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def create_token(session: Session, username: str, name: str, *, actor: str) -> NewToken:
    """Issue an API token for ``username``; the caller shows ``secret`` once, the store keeps a hash."""
    user = get_user(session, username)
    if not user.active:
        raise AccountError(f"user {user.username!r} is deactivated: no token can be issued")
    token = new_token()
    session.add(
        ApiToken(
            token_id=token.token_id,
            token_hash=token.digest,
            name=name,
            user_id=user.id,
            created_at=_now(),
        )
    )
    record(
        session,
        actor=actor,
        action="token.create",
        target=f"token:{token.token_id}",
        details={"user": user.username, "name": name},
    )
    return token


def revoke_token(session: Session, token_id: str, *, actor: str) -> ApiToken:
    token = session.scalars(select(ApiToken).where(ApiToken.token_id == token_id.strip().lower())).first()
    if token is None:
        raise NotFound(f"no API token with id {token_id!r} (`ecoprocure user token list` shows them)")
    if token.revoked_at is not None:
        raise AccountError(f"token {token.token_id} was already revoked on {token.revoked_at:%Y-%m-%d}")
    token.revoked_at = _now()
    record(
        session,
        actor=actor,
        action="token.revoke",
        target=f"token:{token.token_id}",
        details={"user": token.user.username, "name": token.name},
    )
    return token


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    query = select(ApiToken).join(User).order_by(ApiToken.id)
    if username is not None:
        query = query.where(User.username == username.strip().lower())
    return list(session.scalars(query))


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, their role and the token used."""

    username: str
    role: Role
    token_id: str


def authenticate_token(session: Session, token: str) -> Principal | None:
    """The caller a token belongs to, or None when it is malformed, unknown, revoked or its user
    is deactivated. Marks the token used."""
    token_id = token_id_of(token)
    if token_id is None:
        return None
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_id == token_id, ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not digest_matches(row.token_hash, token) or not row.user.active:
        return None
    now = _now()
    last = row.last_used_at
    if last is None or now - as_utc(last) > TOUCH_EVERY:
        # At most once a minute: on SQLite this write would fail at once (no busy wait for a
        # read transaction turning into a write) while a long import holds the write lock.
        row.last_used_at = now
    return Principal(row.user.username, Role(row.user.role), row.token_id)


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Listing:
    """The audit log, newest first, filtered by exact actor, action prefix and target."""
    query = select(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if target is not None:
        query = query.where(AuditEntry.target == target)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return Listing(
        total,
        [
            {
                "id": e.id,
                "recorded_at": as_utc(e.recorded_at),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "details": e.details,
            }
            for e in rows
        ],
    )


def audit_entries(session: Session, *, target: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if target is not None:
        query = query.where(AuditEntry.target == target)
    return list(session.scalars(query))
