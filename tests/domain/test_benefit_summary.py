"""Benefit rows → totals per impact, equivalents, money and the year-over-year table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.benefit_summary import compare_years, reduction_totals, summary
from ecoprocure.errors import DataError


def _row(impact: str, central: float, unit: str = "kg", measure: str = "reduction", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "impact": impact,
        "measure": measure,
        "unit": unit,
        "low": central / 2,
        "central": central,
        "high": central * 2,
        **extra,
    }


def test_only_reductions_are_summed_per_impact() -> None:
    totals = reduction_totals([_row("co2", 1000), _row("co2", 500), _row("co2e", 9e9, measure="footprint")])
    assert set(totals) == {"co2"}
    assert totals["co2"].magnitudes() == (Decimal(750), Decimal(1500), Decimal(3000))


def test_one_impact_in_two_units_is_refused() -> None:
    with pytest.raises(DataError, match="co2 comes in kg and t"):
        reduction_totals([_row("co2", 1), _row("co2", 1, unit="t")])


def test_the_seed_figures_through_the_summary() -> None:
    told = summary(
        [_row("co2", 1_719_000_000.0)],  # 1.719 Mt in kg
        equivalence_ids=["forest-cn-seed-implied", "share-cn-national-so2-2020"],
        carbon_price_id="cn-seee-seed-40",
    )
    forest = told["equivalents"][0]
    assert Decimal(forest["central"]) == Decimal(191_000)
    assert told["skipped_equivalences"] == ["share-cn-national-so2-2020"]  # no SO2 in the rows
    assert Decimal(told["money"][0]["central"]) == Decimal("68760000.00")  # not the 650 million printed
    assert told["money_total"]["currency"] == "CNY"


def test_no_price_no_money() -> None:
    told = summary([_row("co2", 10)], equivalence_ids=[])
    assert (told["equivalents"], told["money"], told["money_total"]) == ([], [], None)


def test_year_over_year_from_rows_with_years() -> None:
    rows = [_row("voc", 100, year=2019), _row("voc", 113, year=2020), _row("co2", 4e6, year=2019)]
    table = {row["impact"]: row for row in compare_years(rows, 2019, 2020)}
    assert table["voc"]["change_pct"] == "13.0"
    assert table["co2"]["2020"] is None or float(table["co2"]["2020"] or 0) == 0


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=20))
def test_totals_are_the_sums(values: list[float]) -> None:
    total = reduction_totals([_row("so2", v) for v in values])["so2"]
    assert float(total.central.magnitude) == pytest.approx(sum(values), rel=1e-9, abs=1e-9)
    low, central, high = total.magnitudes()
    assert low <= central <= high
