"""Case-study outcomes normalised so they can be compared and added up, with the arithmetic shown.

:func:`normalise` takes one outcome's adopted reading and

1. converts it to the kind's canonical unit (t CO2e, t, MWh, m³; see
   :data:`~ecoprocure.domain.case_model.KIND_UNITS`) with pint, and money to the currency asked
   for at the annual-average rate of the case's year (:mod:`ecoprocure.domain.money`, the rate's
   source kept);
2. puts it per year: a ``per_year`` figure is annual already, ``over_years`` is divided by its N
   years; a ``one_off`` figure, and one whose period the sources do not state, is kept apart;
3. puts it per unit bought where the case gives the quantity (``per = "contract"``: ÷ quantity;
   ``per = "item"``: the figure is per unit already and × quantity gives the contract's).

:func:`aggregate` adds the per-year figures of every case per kind (and the one-off figures
apart), writing out every term; figures that cannot be added are listed with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Context, Decimal
from typing import Literal

from ecoprocure.domain.case_model import KIND_UNITS, CaseStudy, Outcome, Period, pick
from ecoprocure.domain.claim_quantities import (
    UnitMismatch,
    format_number,
    unit_expression,
    unit_factor,
)
from ecoprocure.domain.money import Converted, ExchangeRates
from ecoprocure.errors import DataError

_ARITHMETIC = Context(prec=34)
Basis = Literal["per_year", "one_off", "unstated"]
_BASIS: dict[Period, Basis] = {
    "per_year": "per_year",
    "over_years": "per_year",
    "one_off": "one_off",
    "unstated": "unstated",
}


@dataclass(frozen=True)
class Normalised:
    """One outcome in canonical terms.

    ``total`` is the figure for the whole contract over the whole period the sources give
    (``None`` for a per-year figure, which has no end); ``annual`` is per year (``per_year`` and
    ``over_years`` only); ``per_unit`` is ``annual`` (or, for one-off and unstated periods, the
    total) per unit bought. ``problem`` says why a figure could not be normalised.
    """

    case: str
    outcome: str
    kind: str
    gas: str
    unit: str
    basis: Basis
    period: Period
    stated: str
    confidence: str
    value: Decimal | None = None  # the figure in canonical units, as stated (per year, over N years …)
    annual: Decimal | None = None
    total: Decimal | None = None
    per_unit: Decimal | None = None
    per_unit_label: str = ""
    arithmetic: tuple[str, ...] = ()
    conversion: Converted | None = None
    problem: str | None = None

    @property
    def comparable(self) -> Decimal | None:
        """The value to put side by side: per year where there is one, else the one-off total."""
        return self.annual if self.basis == "per_year" else self.total


def canonical_unit(kind: str, currency: str | None, reading_unit: str) -> str:
    """The unit figures of ``kind`` are shown in: the kind's, or for money the currency asked
    for (else the currency the reading names)."""
    unit = KIND_UNITS[kind]
    if unit is not None:
        return unit
    return currency or unit_expression(reading_unit)


def normalise(
    case: CaseStudy,
    outcome: Outcome,
    *,
    currency: str | None = None,
    rates: ExchangeRates | None = None,
    lang: str = "en",
) -> Normalised:
    """One outcome of ``case`` in canonical units, per year and per unit (see the module docstring)."""
    reading = outcome.figure.adopted
    unit = canonical_unit(outcome.kind, currency, reading.unit)
    base = Normalised(
        case=case.id,
        outcome=outcome.id,
        kind=outcome.kind,
        gas=outcome.gas,
        unit=unit,
        basis=_BASIS[outcome.period],
        period=outcome.period,
        stated=_stated_words(reading.shown(), outcome),
        confidence=outcome.confidence,
    )
    try:
        value, steps, conversion = _to_unit(case, outcome, unit, rates)
    except DataError as exc:
        return replace(base, problem=str(exc))
    annual = total = None
    suffix = _suffix(unit)
    if outcome.period == "per_year":
        annual = value
    elif outcome.period == "over_years":
        assert outcome.years is not None
        total, annual = value, _ARITHMETIC.divide(value, outcome.years)
        steps.append(f"{_n(value)}{suffix} ÷ {_n(outcome.years)} years = {_n(annual)}{suffix}/yr")
    else:
        total = value
    result = replace(base, value=value, annual=annual, total=total, conversion=conversion)
    return _per_unit(case, outcome, result, steps, lang)


def normalise_all(
    cases: Iterable[CaseStudy],
    *,
    kind: str | None = None,
    currency: str | None = None,
    rates: ExchangeRates | None = None,
    lang: str = "en",
) -> list[Normalised]:
    return [
        normalise(case, outcome, currency=currency, rates=rates, lang=lang)
        for case in cases
        for outcome in case.outcomes
        if kind is None or outcome.kind == kind
    ]


def _to_unit(
    case: CaseStudy, outcome: Outcome, unit: str, rates: ExchangeRates | None
) -> tuple[Decimal, list[str], Converted | None]:
    reading = outcome.figure.adopted
    value = reading.magnitude
    shown = f"{reading.value.text}{' ' + reading.value.multiplier if reading.value.multiplier else ''}"
    steps = [] if shown == _n(value) else [f"{shown} = {_n(value)}"]
    if outcome.kind != "money":
        try:
            factor = unit_factor(reading.unit, unit)
        except UnitMismatch as exc:
            raise DataError(f"{case.id}.{outcome.id}: {exc}") from None
        if factor != 1:
            converted = _ARITHMETIC.multiply(value, factor)
            steps.append(
                f"{_n(value)} {reading.unit} × {_n(factor)} {unit}/{reading.unit} = {_n(converted)} {unit}"
            )
            value = converted
        return value, steps, None
    source = unit_expression(reading.unit)
    if source == unit:
        return value, steps, None
    if case.year is None:
        raise DataError(
            f"{case.id}.{outcome.id}: {source} → {unit} needs the case's year for the rate "
            f"and the sources give none ({case.year_note})"
        )
    conversion = (rates or ExchangeRates.shipped()).convert(value, source, case.year, unit, nearest=True)
    steps.append(conversion.arithmetic)
    return conversion.amount, steps, conversion


def _per_unit(
    case: CaseStudy, outcome: Outcome, result: Normalised, steps: list[str], lang: str
) -> Normalised:
    quantity = case.bought.quantity
    item = pick(case.bought.item, lang)
    suffix = _suffix(result.unit) + ("/yr" if result.basis == "per_year" else "")
    figure = result.annual if result.basis == "per_year" else result.total
    if quantity is None or figure is None:
        if outcome.per == "item":
            return replace(result, per_unit=figure, per_unit_label=item, arithmetic=tuple(steps))
        return replace(result, arithmetic=tuple(steps))
    count = quantity.adopted.magnitude
    if outcome.per == "item":
        whole = _ARITHMETIC.multiply(figure, count)
        steps.append(f"{_n(figure)}{suffix} per {item} × {_n(count)} = {_n(whole)}{suffix}")
        if result.basis == "per_year":
            return replace(
                result, per_unit=figure, annual=whole, per_unit_label=item, arithmetic=tuple(steps)
            )
        return replace(result, per_unit=figure, total=whole, per_unit_label=item, arithmetic=tuple(steps))
    if count == 0:
        return replace(result, arithmetic=tuple(steps))
    share = _ARITHMETIC.divide(figure, count)
    steps.append(f"{_n(figure)}{suffix} ÷ {_n(count)} {item} = {_n(share)}{suffix} per {item}")
    return replace(result, per_unit=share, per_unit_label=item, arithmetic=tuple(steps))


# --- adding up ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """The sum of one kind's figures on one basis (per year, or one-off), every term named."""

    kind: str
    unit: str
    basis: Basis
    value: Decimal
    terms: tuple[tuple[str, Decimal], ...]  # ("bristol-lighting.co2e", 112)
    arithmetic: str


@dataclass(frozen=True)
class Aggregate:
    totals: tuple[Total, ...]
    left_out: tuple[tuple[str, str], ...]  # ("shenzhen-….co2e", why it is not added)


def aggregate(rows: Sequence[Normalised]) -> Aggregate:
    """Per kind: the sum of the per-year figures, and apart the sum of the one-off figures.
    Figures whose period is not stated, or that could not be normalised, are left out with
    the reason."""
    groups: dict[tuple[str, str, Basis], list[Normalised]] = {}
    left_out: list[tuple[str, str]] = []
    for row in rows:
        key = f"{row.case}.{row.outcome}"
        if row.problem is not None:
            left_out.append((key, row.problem))
        elif row.basis == "unstated":
            left_out.append((key, "the sources do not say over what period: neither per year nor one-off"))
        else:
            groups.setdefault((row.kind, row.unit, row.basis), []).append(row)
    totals = []
    for (kind, unit, basis), members in groups.items():
        terms = tuple((f"{m.case}.{m.outcome}", m.comparable or Decimal(0)) for m in members)
        value = sum((v for _, v in terms), Decimal(0))
        suffix = _suffix(unit) + ("/yr" if basis == "per_year" else "")
        written = " + ".join(_n(v) for _, v in terms)
        totals.append(Total(kind, unit, basis, value, terms, f"{written} = {_n(value)}{suffix}"))
    order = {kind: n for n, kind in enumerate(KIND_UNITS)}
    totals.sort(key=lambda t: (order.get(t.kind, 99), t.basis != "per_year", t.unit))
    return Aggregate(tuple(totals), tuple(left_out))


# --- words -------------------------------------------------------------------------------------------


def _stated_words(shown: str, outcome: Outcome) -> str:
    period = {
        "per_year": " per year",
        "over_years": f" over {_n(outcome.years or Decimal(0))} years",
        "one_off": " (one-off)",
        "unstated": " (period not stated)",
    }[outcome.period]
    per = " per item" if outcome.per == "item" else ""
    return f"{shown}{per}{period}"


def _suffix(unit: str) -> str:
    return f" {unit}" if unit else ""


def _n(value: Decimal) -> str:
    return format_number(value, digits=6)
