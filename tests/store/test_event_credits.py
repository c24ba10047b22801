"""The ledger of event credits: registration, idempotent re-registration, double counting refused
(on SQLite, and on PostgreSQL when configured)."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import func, select

from ecoprocure.domain.event_file import parse_event
from ecoprocure.domain.events import DoubleCounting, Event
from ecoprocure.store.accounts import audit_entries
from ecoprocure.store.db import Database
from ecoprocure.store.event_credits import claims_against, list_credits, register
from ecoprocure.store.models import EventCredit
from tests.domain.event_builders import event_text


def event(event_id: str, serial: str, origin: str = "e.toml") -> Event:
    quantity = int(serial.rsplit("-", 1)[1]) - int(serial.rsplit("-", 2)[1]) + 1
    return parse_event(tomllib.loads(event_text(event_id, serial, quantity)), origin=origin)


def count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(EventCredit)) or 0


def test_register_then_again_replaces_the_rows(db: Database) -> None:
    first = register(db, event("games", "VCS-X-1-100"))
    assert (first.credits, first.replaced) == (1, 0)
    again = register(db, event("games", "VCS-X-1-100"))
    assert (again.credits, again.replaced) == (1, 1)
    with db.transaction() as session:
        (row,) = list_credits(session)
        assert (row.event_id, row.serial_key, row.serial_start, row.serial_end) == ("games", "VCS-X", 1, 100)
        assert row.quantity == 100
        assert [e.action for e in audit_entries(session, target="event:games")] == ["event.register"] * 2


def test_an_overlapping_serial_of_another_event_is_refused(db: Database) -> None:
    register(db, event("games", "VCS-X-1-100", "games.toml"))
    with pytest.raises(DoubleCounting) as caught:
        register(db, event("expo", "vcs-x-100-150", "expo.toml"))
    message = str(caught.value)
    assert "expo.toml" in message and "'expo'" in message and "'games'" in message
    assert "'vcs-x-100-150'" in message and "'VCS-X-1-100'" in message
    assert count(db) == 1  # nothing of expo registered
    register(db, event("expo", "VCS-X-101-150"))  # adjacent, not overlapping
    register(db, event("fair", "VCS-Y-1-100"))  # another prefix
    assert count(db) == 3


def test_claims_against_finds_only_other_events(db: Database) -> None:
    register(db, event("games", "VCS-X-1-100"))
    with db.transaction() as session:
        assert claims_against(session, event("games", "VCS-X-1-100")) == []
        (claim,) = claims_against(session, event("expo", "VCS-X-50-60"))
    assert (claim.event_id, claim.offset_id, claim.block.text, claim.where) == (
        "games",
        "vcs",
        "VCS-X-1-100",
        "ledger",
    )
