"""From benefit rows to what a report states: totals per impact, their equivalents, their value
in money, and the change between two years.

The rows are those of the benefit computation (``impact``, ``measure``, ``unit``, ``low``,
``central``, ``high`` and the dimensions); only *reductions* are summed here (footprints are not
benefits). The equivalences, prices and the year-over-year table are ``domain.equivalences`` and
``domain.year_over_year``; this module only adds the rows up and hands them over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ecoprocure.domain.equivalence_tables import EquivalenceTable
from ecoprocure.domain.equivalences import equivalents, monetise
from ecoprocure.domain.impact_totals import ImpactTotal
from ecoprocure.domain.money import ExchangeRates
from ecoprocure.domain.year_over_year import year_over_year, yoy_table
from ecoprocure.errors import DataError

# Shown unless the user chooses: the two forest constants side by side (the seed's 9 t/ha/yr and
# US EPA's ~2 t/ha/yr differ by 4×: showing one would hide the choice), and car-years.
DEFAULT_EQUIVALENCES = ("forest-us-epa-2021", "forest-cn-seed-implied", "car-us-epa-2023")


def reduction_totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, ImpactTotal]:
    """Reductions summed per impact over ``rows`` (each impact has one canonical unit)."""
    sums: dict[str, list[Decimal]] = {}
    units: dict[str, str] = {}
    for row in rows:
        if row["measure"] != "reduction":
            continue
        impact = row["impact"]
        if units.setdefault(impact, row["unit"]) != row["unit"]:
            raise DataError(f"{impact} comes in {units[impact]} and {row['unit']}: cannot add them")
        values = [Decimal(repr(float(row[k]))) for k in ("low", "central", "high")]
        sums[impact] = [a + b for a, b in zip(sums.get(impact, [Decimal(0)] * 3), values, strict=True)]
    return {
        impact: ImpactTotal.of(central, units[impact], low=low, high=high)
        for impact, (low, central, high) in sums.items()
    }


def summary(
    rows: Iterable[Mapping[str, Any]],
    *,
    equivalence_ids: Iterable[str] | None = None,
    carbon_price_id: str | None = None,
    shadow_price_ids: Iterable[str] = (),
    currency: str | None = None,
    rates: ExchangeRates | None = None,
) -> dict[str, Any]:
    """Equivalents and money of the reductions in ``rows``, as rows with their arithmetic and
    sources. Equivalences of impacts the rows do not have are skipped (listed under ``skipped``)."""
    totals = reduction_totals(rows)
    chosen = list(DEFAULT_EQUIVALENCES if equivalence_ids is None else equivalence_ids)
    table = EquivalenceTable.shipped()
    usable = [i for i in chosen if table.get(i).impact in totals]
    result: dict[str, Any] = {
        "equivalents": [e.as_row() for e in equivalents(totals, usable)] if usable else [],
        "skipped_equivalences": [i for i in chosen if i not in usable],
        "money": [],
        "money_total": None,
        "money_warnings": [],
    }
    if carbon_price_id is not None or list(shadow_price_ids):
        money = monetise(
            totals, carbon_price_id, shadow_price_ids, to_currency=currency, rates=rates, nearest=True
        )
        result["money"] = [line.as_row() for line in money.lines]
        total = money.total
        result["money_total"] = (
            None
            if total is None
            else {
                "currency": total.currency,
                **{k: str(getattr(total, k).quantize(Decimal("0.01"))) for k in ("low", "central", "high")},
            }
        )
        result["money_warnings"] = list(money.warnings)
    return result


def compare_years(
    rows_by_year: Iterable[Mapping[str, Any]], year_a: int, year_b: int
) -> list[dict[str, Any]]:
    """The year-over-year table of reductions by impact type and impact (rows carry ``year``)."""
    rows = list(rows_by_year)
    totals = {year: reduction_totals(r for r in rows if r["year"] == year) for year in (year_a, year_b)}
    return yoy_table(year_over_year(year_a, totals[year_a], year_b, totals[year_b]))
