"""Login sessions: only a hash of the cookie is stored, they expire, end at logout, at
deactivation and (the others) at a password change; each of these is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from ecoprocure.domain.accounts import AccountError, Role, WeakPassword, token_digest
from ecoprocure.store import web_sessions
from ecoprocure.store.accounts import audit_entries, create_user, set_active
from ecoprocure.store.db import Database
from ecoprocure.store.models import WebSession

PASSWORD = "correct horse battery"
HOURS = dt.timedelta(hours=8)


@pytest.fixture
def users(db: Database) -> Database:
    with db.transaction() as session:
        create_user(session, "olga", Role.CERTIFICATION_OFFICER, password=PASSWORD, actor="test")
        create_user(session, "robot", Role.PROCUREMENT_ANALYST, password=None, actor="test")
    return db


def _login(db: Database, username: str = "olga", password: str = PASSWORD) -> web_sessions.NewSession:
    with db.transaction() as session:
        return web_sessions.login(session, username, password, lifetime=HOURS)


def _resolve(db: Database, cookie: str) -> web_sessions.LoggedIn | None:
    with db.transaction() as session:
        return web_sessions.resolve(session, cookie)


def test_login_stores_only_a_hash_and_resolves(users: Database) -> None:
    new = _login(users)
    found = _resolve(users, new.cookie)
    assert found is not None and found.username == "olga" and found.role is Role.CERTIFICATION_OFFICER
    assert found.csrf_token == new.session.csrf_token and len(found.csrf_token) >= 40
    with users.transaction() as session:
        stored = session.scalars(select(WebSession.session_hash)).all()
        assert stored == [token_digest(new.cookie)]
        assert new.cookie not in stored
        assert [e.action for e in audit_entries(session, target="user:olga")][-1] == "session.login"


@pytest.mark.parametrize(
    ("username", "password"), [("olga", "wrong password!!"), ("nobody", PASSWORD), ("robot", PASSWORD)]
)
def test_wrong_credentials_and_password_less_accounts_are_refused(
    users: Database, username: str, password: str
) -> None:
    with pytest.raises(web_sessions.LoginFailed, match="wrong username or password"):
        _login(users, username, password)


def test_unknown_cookie_is_nobody(users: Database) -> None:
    assert _resolve(users, "not-a-session") is None


def test_expired_session_ends(users: Database) -> None:
    new = _login(users)
    with users.transaction() as session:
        session.execute(
            update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert _resolve(users, new.cookie) is None
    with users.transaction() as session:
        assert session.scalars(select(WebSession)).all() == []


def test_deactivated_user_loses_sessions_and_cannot_log_in(users: Database) -> None:
    new = _login(users)
    with users.transaction() as session:
        set_active(session, "olga", False, actor="test")
    assert _resolve(users, new.cookie) is None
    with pytest.raises(web_sessions.LoginFailed, match="deactivated"):
        _login(users)


def test_logout_ends_the_session(users: Database) -> None:
    new = _login(users)
    with users.transaction() as session:
        web_sessions.logout(session, new.cookie)
    assert _resolve(users, new.cookie) is None


def test_password_change_ends_other_sessions_and_checks_the_rules(users: Database) -> None:
    here, elsewhere = _login(users), _login(users)
    new_password = "a much better secret 42"
    with users.transaction() as session:
        web_sessions.change_password(
            session, "olga", PASSWORD, new_password, keep_session_id=here.session.session_id
        )
    assert _resolve(users, here.cookie) is not None
    assert _resolve(users, elsewhere.cookie) is None
    with pytest.raises(web_sessions.LoginFailed):
        _login(users)
    assert _login(users, password=new_password).session.username == "olga"
    with users.transaction() as session, pytest.raises(web_sessions.LoginFailed):
        web_sessions.change_password(session, "olga", "wrong", "another good one 77", keep_session_id=None)
    with users.transaction() as session, pytest.raises(WeakPassword):
        web_sessions.change_password(session, "olga", new_password, "short", keep_session_id=None)
    with users.transaction() as session, pytest.raises(AccountError, match="same"):
        web_sessions.change_password(session, "olga", new_password, new_password, keep_session_id=None)
    with users.transaction() as session:
        actions = [e.action for e in audit_entries(session, target="user:olga")]
    assert "user.password_change" in actions
