"""Accounts in the store: token authentication, revocation, deactivation, the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ecoprocure.domain.accounts import (
    AccountError,
    Role,
    WeakPassword,
    check_password,
    new_token,
    token_id_of,
)
from ecoprocure.domain.lifecycle import Action
from ecoprocure.errors import LifecycleError
from ecoprocure.store.accounts import (
    audit_entries,
    authenticate_token,
    create_token,
    create_user,
    get_user,
    revoke_token,
)
from ecoprocure.store.certificates import get_certificate, perform_action
from ecoprocure.store.db import Database
from tests.store import registry_builders as rb

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_a_token_authenticates_until_revoked(db: Database) -> None:
    with db.transaction() as session:
        create_user(session, "olga", Role.CERTIFICATION_OFFICER, password=None, actor="root")
        token = create_token(session, "olga", "sync", actor="root")
    with db.transaction() as session:
        principal = authenticate_token(session, token.secret)
    assert principal is not None
    assert (principal.username, principal.role, principal.token_id) == (
        "olga",
        Role.CERTIFICATION_OFFICER,
        token.token_id,
    )
    with db.transaction() as session:
        revoke_token(session, token.token_id, actor="root")
    with db.transaction() as session:
        assert authenticate_token(session, token.secret) is None
        assert [(e.actor, e.action, e.target) for e in audit_entries(session)] == [
            ("root", "user.create", "user:olga"),
            ("root", "token.create", f"token:{token.token_id}"),
            ("root", "token.revoke", f"token:{token.token_id}"),
        ]


def test_a_deactivated_user_cannot_authenticate(db: Database) -> None:
    with db.transaction() as session:
        create_user(session, "ana", Role.PROCUREMENT_ANALYST, password=None, actor="root")
        token = create_token(session, "ana", "etl", actor="root")
    with db.transaction() as session:
        get_user(session, "ana").active = False
    with db.transaction() as session:
        assert authenticate_token(session, token.secret) is None
        with pytest.raises(AccountError, match="deactivated"):
            create_token(session, "ana", "again", actor="root")


def test_the_audit_log_is_append_only(db: Database) -> None:
    with db.transaction() as session:
        create_user(session, "olga", Role.ADMIN, password=None, actor="root")
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@FUZZ
@given(
    revoked_first=st.booleans(),
    change=st.integers(min_value=0, max_value=60),
    replacement=st.sampled_from("abcXYZ019_-"),
)
def test_tokens_never_validate_after_revocation_or_when_altered(
    db: Database, revoked_first: bool, change: int, replacement: str
) -> None:
    with db.transaction() as session:
        name = f"u{new_token().token_id}"
        create_user(session, name, Role.CERTIFICATION_OFFICER, password=None, actor="test")
        token = create_token(session, name, "t", actor="test")
    secret = token.secret
    position = change % len(secret)
    altered = secret[:position] + replacement + secret[position + 1 :]
    if revoked_first:
        with db.transaction() as session:
            revoke_token(session, token.token_id, actor="test")
    with db.transaction() as session:
        if altered != secret:
            assert authenticate_token(session, altered) is None
        assert (authenticate_token(session, secret) is None) is revoked_first
        assert authenticate_token(session, secret + "x") is None
        assert authenticate_token(session, "") is None


@given(st.text(max_size=40))
def test_token_ids_come_only_from_well_formed_tokens(text_: str) -> None:
    if token_id_of(text_) is not None:
        assert text_.startswith("eco_")
    fresh = new_token()
    assert token_id_of(fresh.secret) == fresh.token_id


@given(st.text(max_size=11))
def test_passwords_under_twelve_characters_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="too short"):
        check_password(password, "someone")


def test_a_lifecycle_action_writes_its_audit_row_or_nothing(reference_db: Database, tmp_path: Path) -> None:
    rb.build_catalogue(reference_db, tmp_path)
    with reference_db.transaction() as session:
        done = perform_action(
            session, rb.PAINT, Action.SUSPEND, actor="olga", reason="VOC test failed", details={"token": "t1"}
        )
        assert (done.from_status, done.certificate.status) == ("valid", "suspended")
    with pytest.raises(LifecycleError), reference_db.transaction() as session:
        perform_action(session, rb.PAINT, Action.REVOKE, actor="olga")  # no reason: refused
    with reference_db.sessions() as session:
        [entry] = [e for e in audit_entries(session) if e.target.startswith("certificate:")]
        assert (entry.actor, entry.action, entry.target) == (
            "olga",
            "certificate.suspend",
            f"certificate:{rb.PAINT}",
        )
        assert entry.details is not None
        assert entry.details["token"] == "t1" and entry.details["reason"] == "VOC test failed"
        assert get_certificate(session, rb.PAINT).status == "suspended"
