"""``ecoprocure user …``: accounts, passwords never defaulted or weak, tokens shown once and hashed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import Result

from ecoprocure.cli.main import app
from ecoprocure.domain.accounts import password_matches
from ecoprocure.settings import load_settings
from ecoprocure.store.accounts import audit_entries, authenticate_token
from ecoprocure.store.db import Database
from ecoprocure.store.models import User
from tests.cli.runner import one_line_error, run, run_json, runner

GOOD = "green-procurement-2026!"


def invoke(*args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, list(args), input=stdin)


def open_db() -> Database:
    return Database(load_settings().resolved_database_url)


@pytest.fixture
def cli_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("ECOPROCURE_CONFIG", raising=False)
    return home


def test_create_admin_prompts_twice_and_hashes_with_argon2(cli_home: Path) -> None:
    result = invoke("user", "create-admin", "Root", stdin=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.stderr
    assert "created admin root" in result.stdout
    db = open_db()
    try:
        with db.sessions() as session:
            user = session.scalars(select(User)).one()
            assert (user.username, user.role, user.active) == ("root", "admin", True)
            assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
            assert GOOD not in user.password_hash
            assert password_matches(user.password_hash, GOOD)
            assert not password_matches(user.password_hash, GOOD + "x")
            [entry] = audit_entries(session)
            assert (entry.actor, entry.action, entry.target) == ("cli", "user.create", "user:root")
    finally:
        db.close()


def test_the_two_prompts_must_match(cli_home: Path) -> None:
    result = invoke("user", "create-admin", "root", stdin=f"{GOOD}\nsomething-else-entirely\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    db = open_db()
    try:
        with db.sessions() as session:
            assert session.scalars(select(User)).first() is None
    finally:
        db.close()


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short1!", "too short"),
        ("aaaaaaaaaaaaaaaa", "too few"),
        ("password1234", "well-known"),
        ("1234567890123", "well-known"),
        ("my-name-is-root-ok", "username"),
    ],
)
def test_weak_passwords_are_refused(cli_home: Path, password: str, why: str) -> None:
    line = one_line_error(invoke("user", "create-admin", "root", "--password-stdin", stdin=password + "\n"))
    assert why in line
    db = open_db()
    try:
        with db.sessions() as session:
            assert session.scalars(select(User)).first() is None
            assert audit_entries(session) == []
    finally:
        db.close()


def test_add_with_a_role_and_refusals(cli_home: Path) -> None:
    ok = invoke(
        "user", "add", "olga", "--role", "certification-officer", "--password-stdin", stdin=GOOD + "\n"
    )
    assert ok.exit_code == 0, ok.stderr
    assert "created certification_officer olga" in ok.stdout
    assert "unknown role 'auditor'" in one_line_error(
        run("user", "add", "x1", "--role", "auditor", "--no-password")
    )
    assert "already exists" in one_line_error(run("user", "add", "OLGA", "--role", "admin", "--no-password"))
    assert "not allowed" in one_line_error(run("user", "add", "bad name", "--role", "admin", "--no-password"))
    machine = run("user", "add", "etl-bot", "--role", "procurement_analyst", "--no-password")
    assert machine.exit_code == 0, machine.stderr


def test_token_create_prints_once_stores_a_hash_and_revokes(cli_home: Path) -> None:
    assert run("user", "add", "olga", "--role", "certification_officer", "--no-password").exit_code == 0
    created = run("user", "token", "create", "olga", "--name", "registry sync")
    assert created.exit_code == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("eco_") and len(created.stdout.splitlines()) == 1
    token_id = token.split("_")[1]
    assert f"revoke {token_id}" in created.stderr

    db = open_db()
    try:
        with db.engine.connect() as conn:
            dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_token")) for v in row)
        assert token not in dump and hashlib.sha256(token.encode()).hexdigest() in dump
        with db.transaction() as session:
            principal = authenticate_token(session, token)
            assert principal is not None and principal.username == "olga"

        [listed] = run_json("user", "token", "list", "--json")
        assert (listed["id"], listed["user"], listed["name"], listed["revoked_at"]) == (
            token_id,
            "olga",
            "registry sync",
            None,
        )
        assert token not in run("user", "token", "list").stdout

        revoked = run("user", "token", "revoke", token_id)
        assert revoked.exit_code == 0, revoked.stderr
        assert "already revoked" in one_line_error(run("user", "token", "revoke", token_id))
        assert "no API token" in one_line_error(run("user", "token", "revoke", "deadbeef"))
        with db.transaction() as session:
            assert authenticate_token(session, token) is None
            actions = [(e.actor, e.action) for e in audit_entries(session)]
        assert actions == [("cli", "user.create"), ("cli", "token.create"), ("cli", "token.revoke")]
    finally:
        db.close()


def test_token_for_an_unknown_user_is_a_one_line_error(cli_home: Path) -> None:
    assert "no user named 'ghost'" in one_line_error(run("user", "token", "create", "ghost", "--name", "x"))


def test_deactivating_a_user_stops_their_tokens(cli_home: Path) -> None:
    assert run("user", "add", "olga", "--role", "certification_officer", "--no-password").exit_code == 0
    token = run("user", "token", "create", "olga", "--name", "sync").stdout.strip()
    [listed] = run_json("user", "list", "--json")
    assert (listed["username"], listed["role"], listed["active"], listed["has_password"]) == (
        "olga",
        "certification_officer",
        True,
        False,
    )
    assert run("user", "deactivate", "olga").exit_code == 0
    assert "already deactivated" in one_line_error(run("user", "deactivate", "olga"))
    db = open_db()
    try:
        with db.transaction() as session:
            assert authenticate_token(session, token) is None
        assert run("user", "activate", "olga").exit_code == 0
        with db.transaction() as session:
            assert authenticate_token(session, token) is not None
            assert [e.action for e in audit_entries(session)][-2:] == ["user.deactivate", "user.activate"]
    finally:
        db.close()
    assert "olga" in run("user", "list").stdout
