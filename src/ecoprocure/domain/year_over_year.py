"""The year-over-year table of impacts: two years' totals side by side, by impact type and impact.

Like the CEC table of reductions in 2019 and 2020 (VOCs 805,500 t → 910,300 t …), computed from
the totals of any two years. :func:`year_over_year` takes each year's totals (impact code → low /
central / high, as the benefit computation gives them, see :mod:`ecoprocure.domain.impact_totals`)
and returns :class:`YoyRow` objects grouped by impact type (:data:`TYPE_ORDER`), then in the order
of the impacts table. :func:`yoy_table` flattens them into plain dicts for CSV or JSON.

Rules, so nobody has to guess:

- **change** is ``B − A`` (central values); **change %** is ``(B − A) ÷ |A| × 100``, so its sign is
  always the sign of the change (a negative A, a net increase, does not flip it). It is ``None``
  when A is zero or when either year lacks the impact: there is no percentage of nothing.
- An impact present in only one year gets a row with the other year empty, never a silent zero.
- **Units for reading**: one unit per row, chosen from the larger of the two central values:
  masses in t when that is at least 1 t, otherwise kg; electricity in GWh (million kWh, as the seed
  writes it) when at least 1 GWh, otherwise kWh; everything else (m³ of water, counted pieces) in
  the impact's canonical unit. Tonnes are not scaled further to kt or Mt, as reports in this field
  do not. Pass ``units`` to choose a unit per impact instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ecoprocure.domain.factor_files import shipped_impacts
from ecoprocure.domain.factor_model import FactorUnitError, Impact, ImpactType, same_dimension
from ecoprocure.domain.impact_totals import ImpactTotal, TotalsError, check_totals, clean

TYPE_ORDER: tuple[ImpactType, ...] = ("air", "climate", "water", "waste", "energy", "resource")

# (unit, label, smallest central value in the canonical unit for which it is used), largest first.
READABLE_UNITS: dict[str, tuple[tuple[str, str, Decimal], ...]] = {
    "kg": (("metric_ton", "t", Decimal(1000)), ("kilogram", "kg", Decimal(0))),
    "kWh": (("gigawatt_hour", "GWh", Decimal(1_000_000)), ("kilowatt_hour", "kWh", Decimal(0))),
}
LABELS = {"m**3": "m³"}


@dataclass(frozen=True)
class YearValue:
    """One year's low / central / high in the row's unit."""

    low: Decimal
    central: Decimal
    high: Decimal


@dataclass(frozen=True)
class YoyRow:
    """One impact in two years: values in ``unit`` (``unit_label`` for people), change and change %."""

    impact_type: ImpactType
    impact: str
    name_en: str
    name_zh: str
    unit: str
    unit_label: str
    year_a: int
    year_b: int
    a: YearValue | None
    b: YearValue | None
    change: Decimal | None
    change_pct: Decimal | None


def year_over_year(
    year_a: int,
    totals_a: Mapping[str, object],
    year_b: int,
    totals_b: Mapping[str, object],
    *,
    impacts: Mapping[str, Impact] | None = None,
    units: Mapping[str, str] | None = None,
) -> list[YoyRow]:
    """Rows for every impact in either year's totals, grouped by impact type then impact.

    ``impacts`` defaults to the shipped impacts table (it gives each impact's type and canonical
    unit); ``units`` maps an impact code to the unit to show it in (``{"co2": "kt"}``).
    """
    if year_a == year_b:
        raise TotalsError(f"year-over-year needs two different years, got {year_a} twice")
    known = impacts if impacts is not None else shipped_impacts()
    a, b = check_totals(totals_a, known), check_totals(totals_b, known)
    codes = [code for code in known if code in a or code in b]
    order = {kind: index for index, kind in enumerate(TYPE_ORDER)}
    codes.sort(key=lambda code: order.get(known[code].type, len(order)))
    chosen = units or {}
    return [_row(known[code], year_a, a.get(code), year_b, b.get(code), chosen.get(code)) for code in codes]


def _row(
    impact: Impact, year_a: int, a: ImpactTotal | None, year_b: int, b: ImpactTotal | None, unit: str | None
) -> YoyRow:
    centrals = [abs(t.central.magnitude) for t in (a, b) if t is not None]
    unit, label = (unit, unit) if unit is not None else readable_unit(impact, max(centrals))
    if not same_dimension(unit, impact.canonical_unit):
        raise TotalsError(
            f"cannot show {impact.code} ({impact.canonical_unit}) in {unit!r}: not the same dimension"
        )
    value_a, value_b = _value(a, unit), _value(b, unit)
    change = change_pct = None
    if value_a is not None and value_b is not None:
        change = clean(value_b.central - value_a.central)
        if value_a.central != 0:
            change_pct = clean(change / abs(value_a.central) * 100)
    return YoyRow(
        impact_type=impact.type,
        impact=impact.code,
        name_en=impact.name_en,
        name_zh=impact.name_zh,
        unit=unit,
        unit_label=label,
        year_a=year_a,
        year_b=year_b,
        a=value_a,
        b=value_b,
        change=change,
        change_pct=change_pct,
    )


def readable_unit(impact: Impact, central: Decimal) -> tuple[str, str]:
    """The (pint unit, label) to show ``central`` (in the canonical unit) in: see the module rules."""
    for unit, label, threshold in READABLE_UNITS.get(impact.canonical_unit, ()):
        if abs(central) >= threshold:
            return unit, label
    return impact.canonical_unit, LABELS.get(impact.canonical_unit, impact.canonical_unit)


def _value(total: ImpactTotal | None, unit: str) -> YearValue | None:
    if total is None:
        return None
    try:
        low, central, high = total.to(unit).magnitudes()
    except FactorUnitError as exc:
        raise TotalsError(str(exc)) from exc
    return YearValue(low, central, high)


def yoy_table(rows: Iterable[YoyRow], *, places: int = 1) -> list[dict[str, str | None]]:
    """Rows as plain dicts for CSV or JSON: one column per year (and its low / high), change, change %.

    Numbers are plain decimal strings (no thousands separators) in the row's unit; change % is
    rounded half-up to ``places`` decimals. Missing values are ``None``.
    """
    table: list[dict[str, str | None]] = []
    step = Decimal(1).scaleb(-places)
    for row in rows:
        record: dict[str, str | None] = {
            "type": row.impact_type,
            "impact": row.impact,
            "name_en": row.name_en,
            "name_zh": row.name_zh,
            "unit": row.unit_label,
        }
        for year, value in ((row.year_a, row.a), (row.year_b, row.b)):
            record[str(year)] = None if value is None else f"{value.central:f}"
            record[f"{year}_low"] = None if value is None else f"{value.low:f}"
            record[f"{year}_high"] = None if value is None else f"{value.high:f}"
        record["change"] = None if row.change is None else f"{row.change:f}"
        record["change_pct"] = (
            None if row.change_pct is None else f"{row.change_pct.quantize(step, rounding=ROUND_HALF_UP):f}"
        )
        table.append(record)
    return table
