"""The year-over-year table: the seed's 2019-vs-2020 table recomputed, units for reading, edge cases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.factor_files import shipped_impacts
from ecoprocure.domain.impact_totals import ImpactTotal, TotalsError
from ecoprocure.domain.year_over_year import readable_unit, year_over_year, yoy_table

# CEC, "China Environmental Labelling – Environmental performances" (seed 001_8c0d3d1f87b019cb.txt):
# reductions in 2019 and 2020. Water is printed in t; ecoprocure counts water in m³ (1 t ≈ 1 m³,
# converted explicitly here). Electricity is printed in million kWh, i.e. GWh.
SEED: dict[str, tuple[str, str, str]] = {
    "voc": ("805500", "910300", "t"),
    "nox": ("29000", "21700", "t"),
    "so2": ("7600", "5700", "t"),
    "co2": ("6537500", "4890300", "t"),
    "tp": ("5297", "6755", "t"),
    "plastic_waste": ("5026.6", "6941.5", "t"),
    "mercury": ("10.998", "8.892", "t"),
    "electricity": ("19403", "23511", "GWh"),
    "water": ("253353000", "312405100", "m**3"),
    "plastics": ("9520", "146100", "t"),
    "industrial_waste": ("3141800", "5208800", "t"),
    "pulp": ("1490400", "828600", "t"),
    "toner_cartridge": ("2217700", "1402400", "piece"),
}
# Change % recomputed from the seed's numbers, one decimal (the seed prints no percentages).
EXPECTED = [
    ("air", "so2", "t", "7600", "5700", "-1900", "-25.0"),
    ("air", "nox", "t", "29000", "21700", "-7300", "-25.2"),
    ("air", "voc", "t", "805500", "910300", "104800", "13.0"),
    ("climate", "co2", "t", "6537500", "4890300", "-1647200", "-25.2"),
    ("water", "tp", "t", "5297", "6755", "1458", "27.5"),
    ("waste", "mercury", "t", "10.998", "8.892", "-2.106", "-19.1"),
    ("waste", "plastic_waste", "t", "5026.6", "6941.5", "1914.9", "38.1"),
    ("waste", "industrial_waste", "t", "3141800", "5208800", "2067000", "65.8"),
    ("energy", "electricity", "GWh", "19403", "23511", "4108", "21.2"),
    ("resource", "water", "m³", "253353000", "312405100", "59052100", "23.3"),
    ("resource", "plastics", "t", "9520", "146100", "136580", "1434.7"),
    ("resource", "pulp", "t", "1490400", "828600", "-661800", "-44.4"),
    ("resource", "toner_cartridge", "piece", "2217700", "1402400", "-815300", "-36.8"),
]


def _year(index: int) -> dict[str, ImpactTotal]:
    return {code: ImpactTotal.of(values[index], values[2]) for code, values in SEED.items()}


def test_the_seed_2019_vs_2020_table() -> None:
    table = yoy_table(year_over_year(2019, _year(0), 2020, _year(1)))
    found = [
        (r["type"], r["impact"], r["unit"], r["2019"], r["2020"], r["change"], r["change_pct"]) for r in table
    ]
    assert found == EXPECTED
    assert set(table[0]) == {
        *("type", "impact", "name_en", "name_zh", "unit", "2019", "2019_low", "2019_high"),
        *("2020", "2020_low", "2020_high", "change", "change_pct"),
    }
    assert table[2]["name_zh"] == "挥发性有机物"


def test_totals_in_kg_are_shown_in_tonnes_when_large() -> None:
    a = {"co2": ImpactTotal.of("6537500000", "kg"), "so2": ImpactTotal.of("999", "kg")}
    b = {"co2": ImpactTotal.of("4890300000", "kg"), "so2": ImpactTotal.of("1000", "kg")}
    so2, co2 = year_over_year(2019, a, 2020, b)  # air before climate
    assert so2.unit_label == "t"
    assert so2.a is not None and so2.a.central == Decimal("0.999")
    assert co2.b is not None and (co2.unit_label, co2.b.central) == ("t", 4_890_300)


def test_readable_units() -> None:
    impacts = shipped_impacts()
    assert readable_unit(impacts["voc"], Decimal(999)) == ("kilogram", "kg")
    assert readable_unit(impacts["voc"], Decimal(1000)) == ("metric_ton", "t")
    assert readable_unit(impacts["electricity"], Decimal(999_999)) == ("kilowatt_hour", "kWh")
    assert readable_unit(impacts["electricity"], Decimal(1_000_000)) == ("gigawatt_hour", "GWh")
    assert readable_unit(impacts["water"], Decimal(10**9)) == ("m**3", "m³")


def test_ranges_are_kept_per_year() -> None:
    a = {"co2": ImpactTotal.of("10", "t", low="5", high="20")}
    b = {"co2": ImpactTotal.of("12", "t")}
    [row] = yoy_table(year_over_year(2021, a, 2022, b))
    assert (row["2021_low"], row["2021"], row["2021_high"], row["change"]) == ("5", "10", "20", "2")


def test_an_impact_missing_in_one_year_is_empty_not_zero() -> None:
    [row] = year_over_year(2019, {"tp": ImpactTotal.of("5", "t")}, 2020, {})
    assert row.b is None and row.change is None and row.change_pct is None
    [record] = yoy_table([row])
    assert (record["2019"], record["2020"], record["change_pct"]) == ("5", None, None)


def test_no_percentage_of_nothing() -> None:
    [row] = year_over_year(2019, {"tp": ImpactTotal.of("0", "t")}, 2020, {"tp": ImpactTotal.of("3", "t")})
    assert (row.unit_label, row.change, row.change_pct) == ("t", 3, None)


def test_chosen_units_and_bad_input() -> None:
    a, b = {"co2": ImpactTotal.of("1000", "t")}, {"co2": ImpactTotal.of("1500", "t")}
    [row] = year_over_year(2019, a, 2020, b, units={"co2": "Mt"})  # pint reads "kt" as a knot
    assert row.a is not None and (row.unit_label, row.a.central, row.change) == (
        "Mt",
        Decimal("0.001"),
        Decimal("0.0005"),
    )
    with pytest.raises(TotalsError, match="cannot show co2"):
        year_over_year(2019, a, 2020, b, units={"co2": "kWh"})
    with pytest.raises(TotalsError, match="two different years"):
        year_over_year(2020, a, 2020, b)
    with pytest.raises(TotalsError, match="unknown impact"):
        year_over_year(2019, {"vocs": ImpactTotal.of("1", "t")}, 2020, b)


VALUES = st.decimals(min_value=Decimal(-(10**9)), max_value=Decimal(10**9), places=3)


@settings(deadline=None)
@given(a=VALUES, b=VALUES)
def test_change_percent_has_the_sign_of_the_change(a: Decimal, b: Decimal) -> None:
    def total(value: Decimal) -> ImpactTotal:
        return ImpactTotal.of(value, "kg")

    [row] = year_over_year(2019, {"voc": total(a)}, 2020, {"voc": total(b)})
    assert row.change is not None
    if a == 0:
        assert row.change_pct is None
    else:
        assert row.change_pct is not None
        assert (row.change_pct > 0) == (b > a) and (row.change_pct < 0) == (b < a)
