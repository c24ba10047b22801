"""Event files (TOML, see docs/events.md): read and validate completely before anything is checked.

Every problem raises :class:`~ecoprocure.domain.events.EventFileError` naming the file, the entry
(``emission 'venue-power' (#2)``) and the field, and saying what is allowed. Refused outright:
negative or non-numeric amounts, a serial range whose count differs from the quantity, two offsets
of the file whose serials overlap, unknown fields, scopes, offset or verification types.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from ecoprocure.domain.claim_quantities import plain
from ecoprocure.domain.event_serials import (
    SerialBlock,
    SerialError,
    overlapping_pairs,
    parse_range,
    parse_serial,
)
from ecoprocure.domain.event_units import tco2e
from ecoprocure.domain.events import (
    OFFSET_TYPES,
    VERIFICATION_TYPES,
    EmissionLine,
    Event,
    EventFileError,
    EventInfo,
    Offset,
    Reduction,
    Rules,
    Verification,
    VerificationType,
)
from ecoprocure.domain.toml_tables import no_unknown, read_toml
from ecoprocure.domain.units import UnitError

_TOP = {"event", "rules", "emission", "reduction", "offset", "verification"}
_EVENT = {"id", "name", "organiser", "start", "end", "location", "boundary", "period", "baseline"} | {
    "subject",
    "commitment",
    "note",
}
_RULES = {"max_vintage_age", "retirement_window_months", "note"}
_EMISSION = {
    "id",
    "scope",
    "iso_category",
    "source",
    "activity",
    "activity_unit",
    "factor",
    "factor_unit",
} | {
    "factor_source",
    "tco2e",
    "tco2e_source",
    "note",
}
_REDUCTION = {"id", "measure", "tco2e", "source", "note"}
_OFFSET = {"id", "type", "project", "registry", "serial", "serial_range", "vintage", "quantity"} | {
    "retired_on",
    "retirement_reference",
    "source",
    "note",
}
_VERIFICATION = {"type", "body", "date", "standard", "note"}


class _Entry:
    """One table of the file, with the words that place it in messages."""

    def __init__(self, origin: str, label: str, table: Any, allowed: set[str]) -> None:
        self.where = f"{origin}: {label}"
        if not isinstance(table, dict):
            raise EventFileError(f"{self.where}: write it as a TOML table")
        no_unknown(table, allowed, self.where, EventFileError)
        self.table: dict[str, Any] = table

    def error(self, name: str, message: str) -> EventFileError:
        return EventFileError(f"{self.where}: field {name}: {message}")

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.table.get(name, "")
        if not isinstance(value, str):
            raise self.error(name, "must be a string")
        if required and not value.strip():
            raise self.error(name, "required")
        return value.strip()

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, required=True)
        if value not in allowed:
            raise self.error(name, f"{value!r}: allowed {', '.join(allowed)}")
        return value

    def number(self, name: str, *, required: bool = True) -> Decimal | None:
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.error(name, "required (a number)")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.error(name, f"{value!r} is not a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.error(name, f"{value!r} is not a number") from None
        if not number.is_finite():
            raise self.error(name, f"{value!r} is not a finite number")
        if number < 0:
            raise self.error(name, f"{value!r} is negative: amounts are zero or more")
        return number

    def integer(self, name: str, *, default: int | None = None) -> int:
        value = self.table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                name, "required (a whole number)" if value is None else f"{value!r}: a whole number"
            )
        return value

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        value = self.table.get(name)
        if value is None or value == "":
            if required:
                raise self.error(name, "required (a date, YYYY-MM-DD)")
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.error(name, f"{value!r} is not a date (YYYY-MM-DD)")


def load_event(path: Path) -> Event:
    """Read and validate an event file (TOML)."""
    return parse_event(read_toml(path, EventFileError, "event file"), origin=path.name)


def parse_event(data: dict[str, Any], *, origin: str) -> Event:
    """Validate the decoded TOML of an event file (``origin`` names it in messages)."""
    _Entry(origin, "file", data, _TOP)
    if "event" not in data:
        raise EventFileError(f"{origin}: [event]: required (id, name, organiser, start, end)")
    info = _info(_Entry(origin, "[event]", data["event"], _EVENT))
    rules = _rules(_Entry(origin, "[rules]", data.get("rules", {}), _RULES))
    emissions = tuple(_emission(e) for e in _entries(data, "emission", origin, _EMISSION))
    reductions = tuple(_reduction(e) for e in _entries(data, "reduction", origin, _REDUCTION))
    offsets = tuple(_offset(e) for e in _entries(data, "offset", origin, _OFFSET))
    _no_overlaps(offsets, origin)
    verification = None
    if "verification" in data:
        verification = _verification(_Entry(origin, "[verification]", data["verification"], _VERIFICATION))
    return Event(origin, info, emissions, reductions, offsets, verification, rules)


def _entries(data: dict[str, Any], key: str, origin: str, allowed: set[str]) -> list[_Entry]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise EventFileError(f"{origin}: {key}: write each {key} as a [[{key}]] table")
    entries: list[_Entry] = []
    seen: set[str] = set()
    for position, table in enumerate(raw, start=1):
        ident = table.get("id") if isinstance(table, dict) else None
        label = f"{key} {ident!r} (#{position})" if isinstance(ident, str) and ident else f"{key} #{position}"
        entry = _Entry(origin, label, table, allowed)
        ident = entry.text("id", required=True)
        if ident in seen:
            raise entry.error("id", f"{ident!r} is given twice")
        seen.add(ident)
        entries.append(entry)
    return entries


def _info(entry: _Entry) -> EventInfo:
    start, end = entry.date("start"), entry.date("end")
    assert start is not None and end is not None
    if end < start:
        raise entry.error("end", f"{end} is before start {start}")
    return EventInfo(
        id=entry.text("id", required=True),
        name=entry.text("name", required=True),
        organiser=entry.text("organiser", required=True),
        start=start,
        end=end,
        location=entry.text("location"),
        boundary=entry.text("boundary"),
        period=entry.text("period"),
        baseline=entry.text("baseline"),
        subject=entry.text("subject"),
        commitment=entry.text("commitment"),
    )


def _rules(entry: _Entry) -> Rules:
    defaults = Rules()
    age = entry.integer("max_vintage_age", default=defaults.max_vintage_age)
    window = entry.integer("retirement_window_months", default=defaults.retirement_window_months)
    for name, value in (("max_vintage_age", age), ("retirement_window_months", window)):
        if value < 0:
            raise entry.error(name, f"{value} is negative")
    return Rules(age, window)


def _emission(entry: _Entry) -> EmissionLine:
    scope = entry.integer("scope")
    if scope not in (1, 2, 3):
        raise entry.error("scope", f"{scope}: use 1 (direct), 2 (purchased energy) or 3 (other indirect)")
    category = entry.table.get("iso_category")
    if category is not None and (isinstance(category, bool) or category not in range(1, 7)):
        raise entry.error("iso_category", f"{category!r}: ISO 14064-1:2018 categories are 1 to 6")
    ident, source, note = (
        entry.text("id", required=True),
        entry.text("source", required=True),
        entry.text("note"),
    )
    if "tco2e" in entry.table:
        for name in ("activity", "activity_unit", "factor", "factor_unit", "factor_source"):
            if name in entry.table:
                raise entry.error(name, "give either tco2e (with tco2e_source) or activity × factor")
        value = entry.number("tco2e")
        assert value is not None
        stated = entry.text("tco2e_source", required=True)
        arithmetic = f"{plain(value)} t CO2e stated"
        return EmissionLine(ident, scope, source, value, arithmetic, stated, iso_category=category, note=note)
    activity, factor = entry.number("activity"), entry.number("factor")
    assert activity is not None and factor is not None
    activity_unit = entry.text("activity_unit", required=True)
    factor_unit = entry.text("factor_unit", required=True)
    factor_source = entry.text("factor_source", required=True)
    try:
        value = tco2e(activity, activity_unit, factor, factor_unit)
    except UnitError as exc:
        raise EventFileError(f"{entry.where}: {exc}") from exc
    arithmetic = f"{plain(activity)} {activity_unit} × {plain(factor)} {factor_unit} = {plain(value)} t CO2e"
    return EmissionLine(
        ident,
        scope,
        source,
        value,
        arithmetic,
        factor_source,
        activity=activity,
        activity_unit=activity_unit,
        factor=factor,
        factor_unit=factor_unit,
        iso_category=category,
        note=note,
    )


def _reduction(entry: _Entry) -> Reduction:
    value = entry.number("tco2e")
    assert value is not None
    return Reduction(
        id=entry.text("id", required=True),
        measure=entry.text("measure", required=True),
        tco2e=value,
        source=entry.text("source", required=True),
        note=entry.text("note"),
    )


def _serial(entry: _Entry) -> SerialBlock:
    given = [name for name in ("serial", "serial_range") if name in entry.table]
    if len(given) != 1:
        raise entry.error("serial", "give exactly one of serial (a block identifier) or serial_range")
    try:
        if given[0] == "serial_range":
            return parse_range(entry.text("serial_range", required=True))
        return parse_serial(entry.text("serial", required=True))
    except SerialError as exc:
        raise entry.error(given[0], str(exc)) from exc


def _offset(entry: _Entry) -> Offset:
    kind = entry.choice("type", OFFSET_TYPES)
    quantity = entry.number("quantity")
    assert quantity is not None
    if quantity == 0:
        raise entry.error("quantity", "0: an offset retires at least one tonne")
    serial = _serial(entry)
    if serial.count is not None and Decimal(serial.count) != quantity:
        raise entry.error(
            "quantity",
            f"{plain(quantity)} t but serial range {serial.text!r} holds {serial.count} credits of 1 t CO2e",
        )
    vintage = entry.integer("vintage")
    if not 1990 <= vintage <= 2100:
        raise entry.error("vintage", f"{vintage}: a year (the credits' vintage)")
    return Offset(
        id=entry.text("id", required=True),
        type=kind,
        registry=entry.text("registry", required=True),
        serial=serial,
        vintage=vintage,
        quantity=quantity,
        retired_on=entry.date("retired_on", required=False),
        retirement_reference=entry.text("retirement_reference"),
        project=entry.text("project"),
        source=entry.text("source"),
        note=entry.text("note"),
    )


def _no_overlaps(offsets: tuple[Offset, ...], origin: str) -> None:
    pairs = overlapping_pairs([(o.id, o.serial) for o in offsets])
    if pairs:
        first, second, block = pairs[0]
        raise EventFileError(
            f"{origin}: offset {second!r}: field serial: overlaps offset {first!r} "
            f"(serial {block.text!r}): a credit can be retired for the event only once"
        )


def _verification(entry: _Entry) -> Verification:
    kind = cast(VerificationType, entry.choice("type", VERIFICATION_TYPES))
    date = entry.date("date")
    assert date is not None
    body = entry.text("body", required=kind != "self")
    standard = entry.text("standard") or "PAS 2060:2014"
    return Verification(kind, body, date, standard)
