"""Equivalences and monetisation of impact totals, with the arithmetic and the source shown.

The benefit computation hands over totals per impact (low / central / high pint quantities in the
impact's canonical unit, see :mod:`ecoprocure.domain.impact_totals`); this module turns them into

- **equivalents** (:func:`equivalents`): ``total ÷ constant`` for sourced constants from
  ``equivalences.csv`` (hectares of forest absorbing for a year, car-years, a share of a sector's
  annual emissions), each with its arithmetic (``1,719,000 t CO2 ÷ 9 t CO2/ha/yr = 191,000 ha of
  forest for one year``) and its source;
- **money** (:func:`monetise`): ``total ÷ per × price`` at a dated carbon price
  (``carbon_prices.csv``) and optional shadow prices of pollutants (``shadow_prices.csv``),
  converted to another currency at the annual-average rate of the price's money year when asked.

Pure: no database, no CLI. Callers pass totals and get rows back (:meth:`Equivalent.as_row`,
:meth:`MonetisedLine.as_row`). The tables and their format: :mod:`ecoprocure.domain.equivalence_tables`
and ``docs/equivalences.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ecoprocure.domain.equivalence_tables import (
    CARBON_PRICES_FILE,
    EQUIVALENCES_FILE,
    SHADOW_PRICES_FILE,
    Citation,
    ConstantNotAvailable,
    EquivalenceConstant,
    EquivalenceDataError,
    EquivalenceTable,
    Price,
    PriceKind,
    PriceTable,
    with_user_constants,
    with_user_prices,
)
from ecoprocure.domain.factor_files import shipped_impacts
from ecoprocure.domain.factor_model import Impact, parse_unit
from ecoprocure.domain.impact_totals import ImpactTotal, TotalsError, check_totals, clean, format_number
from ecoprocure.domain.money import Converted, ExchangeRates, normalise_currency
from ecoprocure.domain.units import unit_registry

if TYPE_CHECKING:
    import pint

__all__ = [
    "CARBON_PRICES_FILE",
    "EQUIVALENCES_FILE",
    "SHADOW_PRICES_FILE",
    "ConstantNotAvailable",
    "EquivalenceConstant",
    "EquivalenceDataError",
    "EquivalenceTable",
    "Equivalent",
    "ImpactTotal",
    "Monetisation",
    "MonetisedLine",
    "MoneyRange",
    "Price",
    "PriceKind",
    "PriceTable",
    "TotalsError",
    "equivalents",
    "monetise",
    "with_user_constants",
    "with_user_prices",
]

# How the arithmetic names an impact after its quantity ("1,719,000 t CO2"); others use name_en.
SYMBOLS = {"co2": "CO2", "co2e": "CO2e", "so2": "SO2", "nox": "NOx", "voc": "VOCs", "cod": "COD"}
SYMBOLS |= {"tp": "TP", "nh3_n": "NH3-N", "formaldehyde": "formaldehyde", "electricity": "electricity"}


def impact_symbol(impact: Impact) -> str:
    return SYMBOLS.get(impact.code, impact.name_en)


# --- equivalents -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalent:
    """A total expressed as an equivalent: low / central / high in ``unit`` (``label`` in words)."""

    constant_id: str
    impact: str
    low: pint.Quantity[Decimal]
    central: pint.Quantity[Decimal]
    high: pint.Quantity[Decimal]
    unit: str
    label: str
    arithmetic: str
    citation: Citation

    @property
    def source(self) -> str:
        return self.citation.text

    def as_row(self) -> dict[str, str]:
        """A flat row for CSV or JSON (numbers as plain decimal strings)."""
        return {
            "constant": self.constant_id,
            "impact": self.impact,
            "low": f"{clean(self.low.magnitude):f}",
            "central": f"{clean(self.central.magnitude):f}",
            "high": f"{clean(self.high.magnitude):f}",
            "unit": self.unit,
            "label": self.label,
            "arithmetic": self.arithmetic,
            "source": self.citation.text,
            "confidence": self.citation.confidence,
        }


def equivalents(
    totals: Mapping[str, object],
    choices: Iterable[str] | None = None,
    *,
    table: EquivalenceTable | None = None,
    impacts: Mapping[str, Impact] | None = None,
) -> list[Equivalent]:
    """The equivalents of ``totals`` (impact code → range or quantity) for the chosen constants.

    ``choices`` are constant ids from ``table`` (default: the shipped table). Without ``choices``
    every constant that has a value and whose impact is in ``totals`` is applied, in table order.
    A chosen id that is unknown raises :class:`~ecoprocure.errors.NotFound`; one whose row has no
    value raises :class:`ConstantNotAvailable` with the row's notes; one whose impact is not in the
    totals raises :class:`TotalsError`. The range is the widest the total's and the constant's
    ranges allow (low = smallest total ÷ largest constant).
    """
    known = impacts if impacts is not None else shipped_impacts()
    checked = check_totals(totals, known)
    constants = table if table is not None else EquivalenceTable.shipped()
    if choices is None:
        chosen = [c for c in constants if c.available and c.impact in checked]
    else:
        chosen = [constants.get(ident) for ident in choices]
        for constant in chosen:
            constant.bounds()  # raises ConstantNotAvailable
            if constant.impact not in checked:
                raise TotalsError(
                    f"equivalence {constant.id!r} converts {constant.impact}, which the totals do not have "
                    f"(they have: {', '.join(checked) or 'nothing'})"
                )
    return [_equivalent(checked[c.impact], c, known[c.impact]) for c in chosen]


def _equivalent(total: ImpactTotal, constant: EquivalenceConstant, impact: Impact) -> Equivalent:
    registry = unit_registry()
    unit, result_unit = parse_unit(constant.unit), parse_unit(constant.result_unit)
    values = [registry.Quantity(v, unit) for v in constant.bounds()]

    def divide(t: pint.Quantity[Decimal], c: pint.Quantity[Decimal]) -> Decimal:
        return clean((t / c).to(result_unit).magnitude)

    quotients = [divide(t, c) for t in (total.low, total.high) for c in values]
    central = divide(total.central, values[1])
    low, high = min(*quotients, central), max(*quotients, central)
    return Equivalent(
        constant_id=constant.id,
        impact=constant.impact,
        low=registry.Quantity(low, result_unit),
        central=registry.Quantity(central, result_unit),
        high=registry.Quantity(high, result_unit),
        unit=constant.result_unit,
        label=constant.result_label,
        arithmetic=_equivalence_arithmetic(total, constant, impact, central),
        citation=constant.citation,
    )


def _equivalence_arithmetic(
    total: ImpactTotal, constant: EquivalenceConstant, impact: Impact, result: Decimal
) -> str:
    """``1,719,000 t CO2 ÷ 9 t CO2/ha/yr = 191,000 ha of forest for one year``.

    The total is shown in the unit the constant is given per (t for ``t/ha/yr``), so the numbers
    on the line divide as written; a unit conversion left over (acre → ha) is shown as a factor.
    """
    shown = _numerator_unit(constant.unit, impact)
    amount = clean(total.central.to(parse_unit(shown)).magnitude)
    value = constant.bounds()[1]
    factor = clean(
        unit_registry()
        .Quantity(Decimal(1), parse_unit(shown) / parse_unit(constant.unit))
        .to(parse_unit(constant.result_unit))
        .magnitude
    )
    percent = parse_unit(constant.result_unit) == parse_unit("percent")
    conversion = "" if factor == 1 or percent else f" × {factor:.6g} (unit conversion)"
    return (
        f"{format_number(amount)} {unit_text(shown)} {impact_symbol(impact)} ÷ {format_number(value)} "
        f"{constant.unit_label}{conversion} = {format_number(result)} {constant.result_label}"
    )


def _numerator_unit(unit: str, impact: Impact) -> str:
    """The part of ``unit`` before the first ``/`` when it measures ``impact`` (``t`` of ``t/ha/yr``)."""
    head = unit.split("/", 1)[0].strip()
    try:
        if head and parse_unit(head).dimensionality == parse_unit(impact.canonical_unit).dimensionality:
            return head
    except ValueError:
        pass
    return impact.canonical_unit


def unit_text(unit: str) -> str:
    """A unit as people write it: ``t``, ``kg``, ``kWh``, ``m³``."""
    text = f"{parse_unit(unit):~}"
    return text.replace(" ** 3", "³").replace(" ** 2", "²").replace("**3", "³").replace("**2", "²")


# --- monetisation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyRange:
    """low / central / high amounts of one currency."""

    low: Decimal
    central: Decimal
    high: Decimal
    currency: str


@dataclass(frozen=True)
class MonetisedLine:
    """One impact valued at one price: the money, the arithmetic, the source, and any conversion."""

    price_id: str
    kind: PriceKind
    impact: str
    money: MoneyRange
    arithmetic: str
    citation: Citation
    conversion: Converted | None = None

    @property
    def source(self) -> str:
        return self.citation.text

    def as_row(self) -> dict[str, str]:
        """A flat row for CSV or JSON (amounts as plain decimal strings, rounded to cents)."""
        cents = Decimal("0.01")
        return {
            "price": self.price_id,
            "kind": self.kind,
            "impact": self.impact,
            "low": str(self.money.low.quantize(cents)),
            "central": str(self.money.central.quantize(cents)),
            "high": str(self.money.high.quantize(cents)),
            "currency": self.money.currency,
            "arithmetic": self.arithmetic,
            "source": self.citation.text,
            "confidence": self.citation.confidence,
            "exchange_rate": "" if self.conversion is None else str(self.conversion.rate),
            "exchange_rate_year": "" if self.conversion is None else str(self.conversion.rate_year),
        }


@dataclass(frozen=True)
class Monetisation:
    """Every line, their sum when they share a currency, and warnings (double counting)."""

    lines: tuple[MonetisedLine, ...]
    total: MoneyRange | None
    warnings: tuple[str, ...] = field(default=())


def monetise(
    totals: Mapping[str, object],
    carbon_price_id: str | None,
    shadow_price_ids: Iterable[str] = (),
    to_currency: str | None = None,
    rates: ExchangeRates | None = None,
    *,
    nearest: bool = False,
    carbon_prices: PriceTable | None = None,
    shadow_prices: PriceTable | None = None,
    impacts: Mapping[str, Impact] | None = None,
) -> Monetisation:
    """``totals`` valued at a carbon price and optional shadow prices of pollutants.

    Each price is applied to each impact it names (``impacts`` column) that the totals have:
    ``total ÷ per × price``. ``to_currency`` converts each price from its currency at the annual
    averages of its money year (``rates``, default the shipped table; ``nearest=True`` uses the
    closest covered year and says so). The total is the sum of the lines when they share a
    currency. A chosen price that names none of the totals' impacts raises :class:`TotalsError`;
    a carbon price applied to both ``co2`` and ``co2e`` adds a warning (they may overlap).
    """
    known = impacts if impacts is not None else shipped_impacts()
    checked = check_totals(totals, known)
    target = normalise_currency(to_currency) if to_currency is not None else None
    chosen: list[Price] = []
    if carbon_price_id is not None:
        chosen.append((carbon_prices or PriceTable.shipped("carbon")).get(carbon_price_id))
    shadow_table = shadow_prices or PriceTable.shipped("shadow")
    chosen += [shadow_table.get(ident) for ident in shadow_price_ids]
    lines: list[MonetisedLine] = []
    warnings: list[str] = []
    for price in chosen:
        price.bounds()  # raises ConstantNotAvailable
        present = [code for code in price.impacts if code in checked]
        if not present:
            raise TotalsError(
                f"{price.kind} price {price.id!r} values {', '.join(price.impacts)}, which the totals do not "
                f"have (they have: {', '.join(checked) or 'nothing'})"
            )
        if len(present) > 1:
            warnings.append(
                f"{price.id!r} is applied to {' and '.join(present)} separately: add them only if they do "
                "not overlap (a CO2e total that includes the CO2 would be counted twice)"
            )
        conversion = _conversion(price, target, rates, nearest)
        lines += [_line(checked[code], price, known[code], conversion) for code in present]
    return Monetisation(tuple(lines), _sum(lines), tuple(warnings))


def _conversion(
    price: Price, target: str | None, rates: ExchangeRates | None, nearest: bool
) -> Converted | None:
    if target is None or target == price.currency:
        return None
    table = rates or ExchangeRates.shipped()
    return table.convert(price.bounds()[1], price.currency, price.year, target, nearest=nearest)


def _line(total: ImpactTotal, price: Price, impact: Impact, conversion: Converted | None) -> MonetisedLine:
    per: pint.Quantity[Decimal] = unit_registry().Quantity(price.per)
    units_of = [
        clean((q / per).to("dimensionless").magnitude) for q in (total.low, total.central, total.high)
    ]
    rate = conversion.rate if conversion is not None else Decimal(1)
    currency = conversion.currency if conversion is not None else price.currency
    p_low, p_central, p_high = price.bounds()
    products = [n * p * rate for n in (units_of[0], units_of[2]) for p in (p_low, p_high)]
    central = units_of[1] * p_central * rate
    money = MoneyRange(min(*products, central), central, max(*products, central), currency)
    return MonetisedLine(
        price_id=price.id,
        kind=price.kind,
        impact=impact.code,
        money=money,
        arithmetic=_money_arithmetic(total, price, impact, conversion, central),
        citation=price.citation,
        conversion=conversion,
    )


def _money_arithmetic(
    total: ImpactTotal, price: Price, impact: Impact, conversion: Converted | None, amount: Decimal
) -> str:
    """``1,719,000 t CO2 × 40 CNY/t = 68,760,000 CNY``, or ``… ÷ 0.95 kg per pollution equivalent × 1.2 CNY``
    when the price is per a quantity other than one unit."""
    per: pint.Quantity[Decimal] = unit_registry().Quantity(price.per)
    per_unit = unit_text(str(per.units))
    quantity = clean(total.central.to(per.units).magnitude)
    value = price.bounds()[1]
    head = f"{format_number(quantity)} {per_unit} {impact_symbol(impact)}"
    if clean(per.magnitude) == 1:
        text = f"{head} × {format_number(value)} {price.currency}/{per_unit}"
    else:
        label = f" per {price.per_label}" if price.per_label else ""
        per_text = f"{format_number(clean(per.magnitude))} {per_unit}{label}"
        text = f"{head} ÷ {per_text} × {format_number(value)} {price.currency}"
    if conversion is not None:
        when = f"{conversion.rate_year} annual averages"
        if conversion.nearest_year_used:
            when += f", the nearest covered year to {conversion.requested_year}"
        text += f" × {conversion.rate:.6g} {conversion.currency}/{price.currency} ({when})"
    return f"{text} = {format_number(amount)} {conversion.currency if conversion else price.currency}"


def _sum(lines: list[MonetisedLine]) -> MoneyRange | None:
    currencies = {line.money.currency for line in lines}
    if len(currencies) != 1:
        return None
    return MoneyRange(
        sum((line.money.low for line in lines), Decimal(0)),
        sum((line.money.central for line in lines), Decimal(0)),
        sum((line.money.high for line in lines), Decimal(0)),
        currencies.pop(),
    )
