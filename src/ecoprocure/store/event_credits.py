"""The ledger of credits retired for carbon-neutral events: the double-counting check across events.

:func:`register_event` records an event's serial blocks, refusing the whole event when a block
overlaps one registered for another event (message naming both events and both serials).
Registering the same event again replaces its rows, so re-running is idempotent. The check and
the writes run in one transaction holding the write lock (SQLite: the caller opens it with
``sqlite_immediate``; PostgreSQL: ``LOCK TABLE … SHARE ROW EXCLUSIVE``), so two registrations
racing for the same serials cannot both pass. Every registration lands in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.orm import Session

from ecoprocure.domain.event_serials import SerialBlock
from ecoprocure.domain.events import Claim, DoubleCounting, Event
from ecoprocure.store.accounts import record
from ecoprocure.store.db import Database
from ecoprocure.store.models import EventCredit


@dataclass(frozen=True)
class Registration:
    event_id: str
    credits: int
    replaced: int


def _block(row: EventCredit) -> SerialBlock:
    return SerialBlock(row.serial_key, row.serial_start, row.serial_end, row.is_range, row.serial_text)


def claims_against(session: Session, event: Event) -> list[Claim]:
    """Blocks registered for *other* events that overlap one of ``event``'s offsets."""
    if not event.offsets:
        return []
    overlaps = or_(
        *(
            and_(
                EventCredit.serial_key == o.serial.prefix,
                EventCredit.serial_start <= o.serial.end,
                EventCredit.serial_end >= o.serial.start,
            )
            for o in event.offsets
        )
    )
    others = EventCredit.event_id != event.info.id
    query = select(EventCredit).where(others, overlaps).order_by(EventCredit.id)
    return [Claim(row.event_id, row.offset_id, _block(row), "ledger") for row in session.scalars(query)]


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE event_credit IN SHARE ROW EXCLUSIVE MODE"))


def register_event(session: Session, event: Event, *, actor: str = "cli") -> Registration:
    """Record ``event``'s credits; refuse them all when one is already another event's."""
    _lock(session)
    claimed = claims_against(session, event)
    if claimed:
        claim = claimed[0]
        offset = next(o for o in event.offsets if o.serial.overlaps(claim.block))
        more = f" (and {len(claimed) - 1} more)" if len(claimed) > 1 else ""
        raise DoubleCounting(
            f"{event.origin}: offset {offset.id!r}: serial {offset.serial.text!r} of event {event.info.id!r} "
            f"overlaps serial {claim.block.text!r} already registered for event {claim.event_id!r} "
            f"(offset {claim.offset_id!r}){more}: double counting refused, nothing registered"
        )
    replaced = session.execute(delete(EventCredit).where(EventCredit.event_id == event.info.id)).rowcount
    now = dt.datetime.now(dt.UTC)
    session.add_all(
        EventCredit(
            event_id=event.info.id,
            event_name=event.info.name,
            offset_id=o.id,
            offset_type=o.type,
            carbon_registry=o.registry,
            serial_text=o.serial.text,
            serial_key=o.serial.prefix,
            serial_start=o.serial.start,
            serial_end=o.serial.end,
            is_range=o.serial.is_range,
            quantity=o.quantity,
            vintage=o.vintage,
            retired_on=o.retired_on,
            source_file=event.origin,
            registered_at=now,
        )
        for o in event.offsets
    )
    record(
        session,
        actor=actor,
        action="event.register",
        target=f"event:{event.info.id}",
        details={"credits": len(event.offsets), "replaced": replaced, "file": event.origin},
    )
    return Registration(event.info.id, len(event.offsets), replaced or 0)


def register(db: Database, event: Event, *, actor: str = "cli") -> Registration:
    """:func:`register_event` in a transaction of its own that takes the write lock up front."""
    with Session(db.engine.execution_options(sqlite_immediate=True)) as session, session.begin():
        return register_event(session, event, actor=actor)


def list_credits(session: Session, event_id: str | None = None) -> list[EventCredit]:
    order = (EventCredit.event_id, EventCredit.serial_key, EventCredit.serial_start)
    query = select(EventCredit).order_by(*order)
    if event_id is not None:
        query = query.where(EventCredit.event_id == event_id)
    return list(session.scalars(query))
