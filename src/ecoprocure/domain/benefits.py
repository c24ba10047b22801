"""Environmental benefits of purchases: which factor applies to which purchase, in which unit.

The arithmetic is linear: a purchase's benefit for an impact is its quantity in the category's
functional unit (or its spend in the factor's currency) times the factor. This module resolves,
once per category, the factor set's rows into plain numbers in each impact's canonical unit, and
says how an item's unit converts to its category's functional unit; the engines then multiply
and add millions of items. Uncertainty: low / central / high are carried through the sums (the
factor of a category is one uncertain number shared by all its purchases, so the ranges add up);
:func:`monte_carlo` draws the factors from their distributions when asked.

Only purchases of certified products earn *reductions* (against the conventional product of the
same category that the factor's baseline describes); *footprints* (spend-based CO2e) are
reported for all purchases and are never added to reductions.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from ecoprocure.domain.factor_model import FactorRow, FactorSet, FactorUnitError, FactorValues, parse_unit
from ecoprocure.domain.units import PINT_UNITS, unit_registry
from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR

CONVERSIONS_FILE = DATA_DIR / "functional_unit_conversions.csv"

Period = Literal["lifetime", "annual"]
PERIODS: tuple[Period, ...] = ("lifetime", "annual")


@dataclass(frozen=True)
class AppliedFactor:
    """A factor-set row resolved for one category: numbers in the impact's canonical unit per one
    functional unit of the category (``per_kind="functional_unit"``) or per one unit of
    ``currency`` spent (``per_kind="spend"``, prices of ``price_year``)."""

    category: str
    impact: str
    measure: str
    unit: str
    low: float
    central: float
    high: float
    per_kind: str
    per: str
    price_year: int | None
    distribution: str
    from_category: str  # the row's own category (an ancestor when inherited)
    row_line: int
    sources: tuple[str, ...]
    period_note: str

    @property
    def trace(self) -> str:
        """Where the numbers come from: factor-set row and sources."""
        inherited = f" (inherited from {self.from_category})" if self.from_category != self.category else ""
        return (
            f"rows.csv line {self.row_line}{inherited}; sources {', '.join(self.sources)}; {self.period_note}"
        )


def _period_values(row: FactorRow, values: FactorValues, period: Period) -> tuple[tuple[Decimal, ...], str]:
    """The row's numbers for the period asked for, and a note saying how they were made."""
    if values.annual and period == "lifetime":
        values = values.over_lifetime()
        note = f"annual value × lifetime {row.lifetime_years} years"
    elif values.annual:
        note = "annual value (one year of use)"
    else:
        note = "one-off value" if row.phase != "use" else "value per purchase"
    return values.magnitudes(), note


def applied_factors(
    factor_set: FactorSet, categories: Iterable[str], *, period: Period = "lifetime"
) -> list[AppliedFactor]:
    """Every factor that applies to each of ``categories``: the category's own rows, else its
    nearest ancestor's (``ict.computer.tablet`` → ``ict.computer``), one per impact and measure.

    Where a set gives several rows for one category, impact and measure (copy paper's CO2e per
    tonne and per US dollar), the most physical basis is used — baseline vs labelled, then per
    functional unit, then per spend — so a purchase is never counted twice; the trace says so."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; use one of {', '.join(PERIODS)}")
    applied = []
    for category in sorted(set(categories)):
        for row, others in _one_per_impact(factor_set.rows_for(category, inherit=True)):
            values = factor_set.values(row)
            (low, central, high), note = _period_values(row, values, period)
            applied.append(
                AppliedFactor(
                    category=category,
                    impact=row.impact,
                    measure=row.measure,
                    unit=values.unit,
                    low=float(low),
                    central=float(central),
                    high=float(high),
                    per_kind=values.per_kind,
                    per=values.per,
                    price_year=values.per_year,
                    distribution=row.distribution,
                    from_category=row.category,
                    row_line=row.line,
                    sources=row.source_ids,
                    period_note=note
                    + (f"; preferred to {others} other row(s) of this impact" if others else ""),
                )
            )
    return applied


_BASIS_ORDER = {"baseline_vs_labelled": 0, "per_functional_unit": 1, "per_spend": 2}


def _one_per_impact(rows: Iterable[FactorRow]) -> list[tuple[FactorRow, int]]:
    """The preferred row per (impact, measure), with how many others it was chosen over."""
    groups: dict[tuple[str, str], list[FactorRow]] = {}
    for row in rows:
        groups.setdefault((row.impact, row.measure), []).append(row)
    return [
        (min(group, key=lambda r: (_BASIS_ORDER[r.basis], r.line)), len(group) - 1)
        for group in groups.values()
    ]


@dataclass(frozen=True)
class CategoryConversion:
    """A conversion that holds for one category only (a ream of copy paper weighs 2.4948 kg)."""

    category: str
    unit_code: str
    functional_unit: str
    per_unit: Decimal
    assumption: bool
    source: str


@cache
def category_conversions(path: Path = CONVERSIONS_FILE) -> dict[tuple[str, str], CategoryConversion]:
    """The shipped category-specific conversions, keyed by (category, Rec 20 code)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    found = {}
    for number, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise DataError(f"{path}: row {number}: source: required")
        conversion = CategoryConversion(
            category=row["category_code"],
            unit_code=row["unit_code"],
            functional_unit=row["functional_unit"],
            per_unit=Decimal(row["functional_units_per_unit"]),
            assumption=row["assumption"].strip().lower() == "true",
            source=row["source"],
        )
        found[(conversion.category, conversion.unit_code)] = conversion
    return found


def units_per_functional_unit(
    rec20_code: str | None, functional_unit: str | None, category: str | None = None
) -> tuple[float | None, str]:
    """How many functional units one item unit is (``KGM`` → ``t``: 0.001), or None and why not.
    Physical conversions first; then a category's own conversion (reams of copy paper → tonnes,
    ``functional_unit_conversions.csv``) where physics alone cannot say."""
    if functional_unit is None:
        return None, "the category has no functional unit"
    if not rec20_code:
        return None, "the item's unit is unknown"
    special = category_conversions().get((category or "", rec20_code))
    if special is not None and special.functional_unit == functional_unit:
        return float(special.per_unit), ""
    pint_name = PINT_UNITS.get(rec20_code)
    if pint_name is None:
        return None, f"unit {rec20_code} has no fixed size"
    import pint

    registry = unit_registry()
    try:
        target = parse_unit(functional_unit)
        magnitude = registry.Quantity(Decimal(1), registry.parse_units(pint_name)).to(target).magnitude
    except (pint.DimensionalityError, FactorUnitError):
        return None, f"unit {rec20_code} does not convert to {functional_unit}"
    return float(magnitude), ""


@dataclass(frozen=True)
class Draws:
    """Monte Carlo percentiles of one total."""

    p05: float
    p50: float
    p95: float
    mean: float


def _draw(rng: random.Random, factor: AppliedFactor) -> float:
    low, central, high = factor.low, factor.central, factor.high
    if factor.distribution == "triangular" and high > low:
        return rng.triangular(low, high, central)
    if factor.distribution == "uniform" and high > low:
        return rng.uniform(low, high)
    if factor.distribution == "normal" and high > low:
        return rng.gauss(central, (high - low) / (2 * 1.959964))  # low/high read as a 95 % interval
    return central


def monte_carlo(
    amounts: Mapping[tuple[str, str, str], float],
    factors: Sequence[AppliedFactor],
    *,
    draws: int = 10_000,
    seed: int = 20261122,
) -> dict[str, Draws]:
    """Totals per impact with factors drawn from their distributions.

    ``amounts`` maps (category, impact, measure) to the quantity the factor multiplies (functional
    units or spend) summed over the purchases. Each draw takes one value per factor (shared by all
    purchases of its category: a factor's error is systematic, not independent per purchase).
    """
    rng = random.Random(seed)
    by_key = {(f.category, f.impact, f.measure): f for f in factors}
    keys = [k for k in amounts if k in by_key]
    totals: dict[str, list[float]] = {}
    for _ in range(draws):
        per_impact: dict[str, float] = {}
        for key in keys:
            factor = by_key[key]
            label = f"{factor.impact}:{factor.measure}"
            per_impact[label] = per_impact.get(label, 0.0) + amounts[key] * _draw(rng, factor)
        for label, value in per_impact.items():
            totals.setdefault(label, []).append(value)
    result = {}
    for label, values in totals.items():
        values.sort()
        n = len(values)
        result[label] = Draws(
            p05=values[int(0.05 * (n - 1))],
            p50=values[int(0.5 * (n - 1))],
            p95=values[int(0.95 * (n - 1))],
            mean=sum(values) / n,
        )
    return result
