"""Carbon-neutral events in the manner of PAS 2060: inventory, offsets, balance, declaration.

The arithmetic (see docs/events.md for the rules and where they come from):

* **inventory** — each line is ``activity × factor`` (units checked by pint) or a stated t CO2e;
  totals by scope (1, 2, 3) and by source. The inventory is what was emitted, *after* the
  reduction measures took effect.
* **reductions** — the carbon management plan's measures and what they avoided. They are reported
  and **not** subtracted again: the measured inventory already reflects them, so subtracting
  would count them twice (and avoided emissions are not offsets).
* **offsets** — counted when retired, retired no later than ``retirement_window_months`` after the
  declaration date, of a vintage no older than ``max_vintage_age`` years before the event ends
  and no newer than the retirement year, and not claimed by another event (the ledger or the
  files given with ``--against``). Every offset not counted says why.
* **balance** = offsets counted − inventory total; **neutral** when the balance is ≥ 0 and the
  inventory is not empty.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ecoprocure.domain.claim_quantities import plain
from ecoprocure.domain.event_serials import SerialBlock
from ecoprocure.errors import DataError

OFFSET_TYPES = ("forestry_sink", "CCER", "VCS", "GS", "CDM", "other")
VerificationType = Literal["independent_third_party", "other_party", "self"]
VERIFICATION_TYPES: tuple[VerificationType, ...] = ("independent_third_party", "other_party", "self")
# The words PAS 2060's declaration uses for each way of confirming it.
VERIFICATION_WORDING = {
    "independent_third_party": "independent third-party certification",
    "other_party": "other party validation",
    "self": "self-validation",
}
DEFAULT_MAX_VINTAGE_AGE = 5  # an assumption, documented in docs/events.md
DEFAULT_RETIREMENT_WINDOW_MONTHS = 12  # PAS 2060:2014, see docs/events.md


class EventFileError(DataError):
    """An event file that cannot be used: names the file, the entry and the field."""


class DoubleCounting(DataError):
    """A credit serial claimed by two events."""


@dataclass(frozen=True)
class EventInfo:
    id: str
    name: str
    organiser: str
    start: dt.date
    end: dt.date
    location: str = ""
    boundary: str = ""
    period: str = ""
    baseline: str = ""
    subject: str = ""
    commitment: str = ""


@dataclass(frozen=True)
class EmissionLine:
    id: str
    scope: int
    source: str
    tco2e: Decimal
    arithmetic: str
    factor_source: str
    activity: Decimal | None = None
    activity_unit: str = ""
    factor: Decimal | None = None
    factor_unit: str = ""
    iso_category: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Reduction:
    id: str
    measure: str
    tco2e: Decimal
    source: str
    note: str = ""


@dataclass(frozen=True)
class Offset:
    id: str
    type: str
    registry: str
    serial: SerialBlock
    vintage: int
    quantity: Decimal
    retired_on: dt.date | None
    retirement_reference: str = ""
    project: str = ""
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class Verification:
    type: VerificationType
    body: str
    date: dt.date
    standard: str = "PAS 2060:2014"


@dataclass(frozen=True)
class Rules:
    max_vintage_age: int = DEFAULT_MAX_VINTAGE_AGE
    retirement_window_months: int = DEFAULT_RETIREMENT_WINDOW_MONTHS


@dataclass(frozen=True)
class Event:
    origin: str
    info: EventInfo
    emissions: tuple[EmissionLine, ...]
    reductions: tuple[Reduction, ...]
    offsets: tuple[Offset, ...]
    verification: Verification | None
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class Claim:
    """A serial block another event claims: where it comes from, for the messages."""

    event_id: str
    offset_id: str
    block: SerialBlock
    where: str  # "ledger" or the other file's name


@dataclass(frozen=True)
class Problem:
    kind: str
    entry: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "entry": self.entry, "message": self.message}


@dataclass(frozen=True)
class OffsetVerdict:
    offset: Offset
    counted: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class EventResult:
    event: Event
    inventory_total: Decimal
    by_scope: dict[int, Decimal]
    by_source: dict[str, Decimal]
    offsets: tuple[OffsetVerdict, ...]
    problems: tuple[Problem, ...]

    @property
    def offsets_counted(self) -> Decimal:
        return sum((v.offset.quantity for v in self.offsets if v.counted), Decimal(0))

    @property
    def balance(self) -> Decimal:
        return self.offsets_counted - self.inventory_total

    @property
    def neutral(self) -> bool:
        return self.inventory_total > 0 and self.balance >= 0

    @property
    def double_counted(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind == "double_counting")

    def by_type(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for verdict in self.offsets:
            if verdict.counted:
                totals[verdict.offset.type] += verdict.offset.quantity
        return dict(totals)

    def balance_arithmetic(self) -> str:
        return (
            f"{plain(self.offsets_counted)} t offsets counted − {plain(self.inventory_total)} t inventory "
            f"= {plain(self.balance)} t CO2e"
        )

    def declaration(self) -> str | None:
        """PAS 2060's declaration of achievement, or ``None`` when neutrality is not shown."""
        verification = self.event.verification
        if not self.neutral or verification is None:
            return None
        info = self.event.info
        return (
            f"Carbon neutrality of {info.subject or info.name} achieved by {info.organiser} in accordance "
            f"with {verification.standard} on {verification.date.isoformat()} with "
            f"{VERIFICATION_WORDING[verification.type]}."
        )

    def to_dict(self) -> dict[str, Any]:
        from ecoprocure.domain.event_json import result_dict

        return result_dict(self)


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def offset_reasons(offset: Offset, event: Event, as_of: dt.date) -> list[str]:
    """Why an offset is not counted (empty when it is)."""
    reasons: list[str] = []
    rules, verification = event.rules, event.verification
    if offset.retired_on is None:
        reasons.append("not retired (no retired_on date): a credit counts only once retired")
    elif offset.retired_on > as_of:
        reasons.append(f"retirement date {offset.retired_on} is after {as_of}: not retired yet")
    elif verification is not None:
        latest = add_months(verification.date, rules.retirement_window_months)
        if offset.retired_on > latest:
            reasons.append(
                f"retired on {offset.retired_on}, later than {rules.retirement_window_months} months after "
                f"the declaration date {verification.date} ({latest})"
            )
    oldest = event.info.end.year - rules.max_vintage_age
    if offset.vintage < oldest:
        reasons.append(
            f"vintage {offset.vintage} is older than {rules.max_vintage_age} years before the event "
            f"({event.info.end.year}; oldest allowed {oldest})"
        )
    if offset.retired_on is not None and offset.vintage > offset.retired_on.year:
        reasons.append(f"vintage {offset.vintage} is after the retirement year {offset.retired_on.year}")
    return reasons


def conflicts(event: Event, claims: list[Claim]) -> list[Problem]:
    """The event's serial blocks that another event already claims."""
    by_prefix: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.event_id != event.info.id:
            by_prefix[claim.block.prefix].append(claim)
    problems: list[Problem] = []
    for offset in event.offsets:
        for claim in by_prefix.get(offset.serial.prefix, []):
            if offset.serial.overlaps(claim.block):
                problems.append(
                    Problem(
                        "double_counting",
                        f"offset {offset.id}",
                        f"event {event.info.id!r} offset {offset.id!r} serial {offset.serial.text!r} "
                        f"overlaps serial {claim.block.text!r} of event {claim.event_id!r} "
                        f"(offset {claim.offset_id!r}, {claim.where})",
                    )
                )
    return problems


def check_event(event: Event, *, as_of: dt.date, claims: list[Claim] | None = None) -> EventResult:
    """The inventory totals, each offset's verdict, the problems; the balance follows from them."""
    by_scope: dict[int, Decimal] = {1: Decimal(0), 2: Decimal(0), 3: Decimal(0)}
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for line in event.emissions:
        by_scope[line.scope] += line.tco2e
        by_source[line.source] += line.tco2e
    problems: list[Problem] = []
    if not event.emissions:
        problems.append(Problem("inventory", "emission", "the inventory has no lines: nothing to neutralise"))
    double = conflicts(event, claims or [])
    double_ids = {p.entry for p in double}
    verdicts: list[OffsetVerdict] = []
    for offset in event.offsets:
        reasons = offset_reasons(offset, event, as_of)
        if f"offset {offset.id}" in double_ids:
            reasons.append("its serial is claimed by another event (double counting)")
        verdicts.append(OffsetVerdict(offset, not reasons, tuple(reasons)))
        problems.extend(
            Problem("offset_not_counted", f"offset {offset.id}", reason)
            for reason in reasons
            if "double counting" not in reason
        )
    problems.extend(double)
    if event.verification is None:
        problems.append(
            Problem("verification", "verification", "no [verification]: the declaration needs its type")
        )
    total = sum(by_scope.values(), Decimal(0))
    result = EventResult(event, total, by_scope, dict(by_source), tuple(verdicts), tuple(problems))
    if total > 0 and not result.neutral:
        problems.append(
            Problem("balance", "balance", f"not neutral: {result.balance_arithmetic()} (short of zero)")
        )
        result = EventResult(event, total, by_scope, dict(by_source), tuple(verdicts), tuple(problems))
    return result
