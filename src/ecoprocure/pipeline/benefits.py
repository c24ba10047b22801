"""Benefits per purchase and their sums, on any engine (Ibis).

Inputs are the enriched items of the indicator pipeline (classified, matched, converted) and
three small tables built in Python by ``domain.benefits``: the factors per category and impact,
how each item unit converts to its category's functional unit, and the exchange factors that
turn an item's value into a spend-based factor's currency. Every item × factor pair gives one
row: ``amount`` (functional units, or spend) × low / central / high.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ecoprocure.domain.benefits import AppliedFactor, units_per_functional_unit
from ecoprocure.pipeline.indicators import DIMENSIONS

NO_FACTOR = "no factor for the category"


def factor_table(factors: list[AppliedFactor]) -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "f_category": pa.array([f.category for f in factors], pa.string()),
                "impact": pa.array([f.impact for f in factors], pa.string()),
                "measure": pa.array([f.measure for f in factors], pa.string()),
                "unit_of_impact": pa.array([f.unit for f in factors], pa.string()),
                "per_kind": pa.array([f.per_kind for f in factors], pa.string()),
                "per": pa.array([f.per for f in factors], pa.string()),
                "f_low": pa.array([f.low for f in factors], pa.float64()),
                "f_central": pa.array([f.central for f in factors], pa.float64()),
                "f_high": pa.array([f.high for f in factors], pa.float64()),
            }
        )
    )


def unit_table(items: ir.Table, functional_units: dict[str, str | None]) -> ir.Table:
    """Functional units per item unit, once per distinct (category, unit) of the data."""
    rows: dict[tuple[str, str], tuple[float | None, str]] = {}
    for row in items.select("category", "unit").distinct().to_pyarrow().to_pylist():
        if row["category"] is None:
            continue
        key = (row["category"], row["unit"] or "")
        rows[key] = units_per_functional_unit(
            row["unit"], functional_units.get(row["category"]), row["category"]
        )
    return ibis.memtable(
        pa.table(
            {
                "u_category": pa.array([k[0] for k in rows], pa.string()),
                "u_unit": pa.array([k[1] for k in rows], pa.string()),
                "per_item_unit": pa.array([v[0] for v in rows.values()], pa.float64()),
                "unit_reason": pa.array([v[1] or None for v in rows.values()], pa.string()),
            }
        )
    )


def benefit_rows(
    enriched: ir.Table, factors: ir.Table, units: ir.Table, exchange: ir.Table, years: tuple[int, int]
) -> ir.Table:
    """One row per usable item and factor of its category: reductions for certified items only,
    footprints for all. ``amount`` is NULL (with ``reason``) where the purchase year is outside the
    factor set's ``years``, or the item's quantity cannot be expressed in the functional unit or
    its value in the factor's currency."""
    usable = enriched.filter(enriched.issue.isnull() & enriched.category.notnull())
    with_units = usable.left_join(
        units, [usable.category == units.u_category, usable.unit.fill_null("") == units.u_unit]
    )
    paired = with_units.join(factors, with_units.category == factors.f_category)
    paired = paired.filter((paired.measure == "footprint") | paired.certified)
    money = exchange.select(x_to="to_currency", x_from="currency", x_year="year", x_factor="factor")
    joined = paired.left_join(
        money, [paired.per == money.x_to, paired.currency == money.x_from, paired.year == money.x_year]
    )
    by_spend = joined.per_kind == "spend"
    first, last = years
    covered = joined.year.between(first, last)
    amount = ibis.ifelse(
        covered,
        ibis.ifelse(by_spend, joined.value * joined.x_factor, joined.quantity * joined.per_item_unit),
        None,
    )
    reason = ibis.cases(
        (amount.notnull(), ibis.null("string")),
        (~covered.fill_null(False), f"purchase year outside the factor set's years {first}–{last}"),
        (by_spend, "no exchange rate into " + joined.per),
        else_=joined.unit_reason.fill_null("quantity missing"),
    )
    return joined.select(
        *[c for c in enriched.columns if c in _KEEP],
        "impact",
        "measure",
        "unit_of_impact",
        "per_kind",
        amount=amount,
        low=amount * joined.f_low,
        central=amount * joined.f_central,
        high=amount * joined.f_high,
        reason=reason,
    )


_KEEP = {"item_key", "category", "year", "buyer_id", "buyer_name", "buyer_level", "buyer_region", "certified"}


def totals(rows: ir.Table, by: list[str]) -> ir.Table:
    """Sums by the dimensions asked for, impact and measure (``item`` gives one row per item)."""
    columns = [c for name in by for c in (("item_key",) if name == "item" else DIMENSIONS[name])]
    counted = rows.amount.notnull()
    grouped = rows.group_by([*columns, "impact", "measure", "unit_of_impact"]).aggregate(
        items=counted.sum().fill_null(0),
        items_without_amount=(~counted).sum().fill_null(0),
        low=rows.low.sum().fill_null(0),
        central=rows.central.sum().fill_null(0),
        high=rows.high.sum().fill_null(0),
    )
    return grouped.rename(unit="unit_of_impact").order_by([*columns, "measure", "impact"])


def amounts_by_factor(rows: ir.Table, by: list[str]) -> ir.Table:
    """The quantities each factor multiplies, by the dimensions (for Monte Carlo draws)."""
    columns = [c for name in by for c in (("item_key",) if name == "item" else DIMENSIONS[name])]
    usable = rows.filter(rows.amount.notnull())
    keys = list(dict.fromkeys([*columns, "category", "impact", "measure"]))
    return usable.group_by(keys).aggregate(amount=usable.amount.sum())


def gaps(rows: ir.Table, enriched: ir.Table) -> dict[str, ir.Table]:
    """What kept certified purchases from earning a benefit, counted."""
    certified = enriched.filter(enriched.issue.isnull() & enriched.certified)
    earning = rows.filter((rows.measure == "reduction") & rows.amount.notnull()).select("item_key").distinct()
    with_factor = rows.filter(rows.measure == "reduction").select("item_key").distinct()
    missing = rows.filter((rows.measure == "reduction") & rows.amount.isnull())
    return {
        "certified": certified.aggregate(
            certified_items=certified.count(),
            certified_spend=certified.value_reporting.sum().fill_null(0),
        ),
        "earning": earning.aggregate(items_with_benefit=earning.count()),
        "with_factor": with_factor.aggregate(certified_items_with_factor=with_factor.count()),
        "reasons": missing.group_by("reason").aggregate(items=missing.item_key.nunique()),
    }
