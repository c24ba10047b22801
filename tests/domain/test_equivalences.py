"""Equivalences and monetisation: the seed's arithmetic, unit checks, user tables, currencies."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.equivalence_files import EQUIVALENCE_COLUMNS, PRICE_COLUMNS
from ecoprocure.domain.equivalences import (
    CARBON_PRICES_FILE,
    EQUIVALENCES_FILE,
    SHADOW_PRICES_FILE,
    ConstantNotAvailable,
    EquivalenceDataError,
    EquivalenceTable,
    ImpactTotal,
    PriceTable,
    TotalsError,
    equivalents,
    monetise,
    with_user_constants,
    with_user_prices,
)
from ecoprocure.domain.money import ExchangeRates, RateNotAvailable
from ecoprocure.domain.units import unit_registry
from ecoprocure.errors import NotFound

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "equivalences.md").read_text(encoding="utf-8")
SEED_CO2 = ImpactTotal.of("1719000000", "kg")  # 1.719 Mt, given in kg as the benefit computation does


def q(value: str, unit: str) -> object:
    return unit_registry().Quantity(Decimal(value), unit)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


CONSTANT = {
    "id": "forest-test",
    "impact": "co2",
    "value": "5",
    "unit": "t/ha/yr",
    "unit_label": "t CO2/ha/yr",
    "result_unit": "hectare * year",
    "result_label": "ha of test forest for one year",
    "year": "2024",
    "source": "a test",
    "locator": "here",
    "confidence": "L",
}
PRICE = {
    "id": "test-price",
    "impacts": "co2",
    "price": "100",
    "currency": "CNY",
    "per": "t",
    "year": "2021",
    "market": "a test market",
    "source": "a test",
    "locator": "here",
    "confidence": "L",
}


# --- the shipped tables -------------------------------------------------------------------------------


def test_the_shipped_tables_load_and_every_row_is_sourced() -> None:
    constants = EquivalenceTable.shipped()
    assert {"forest-cn-seed-implied", "forest-us-epa-2021", "car-us-epa-2023"} <= set(constants.ids())
    carbon, shadow = PriceTable.shipped("carbon"), PriceTable.shipped("shadow")
    assert {"cn-seee-seed-40", "cn-ets-2021", "us-scc-epa-2023", "uk-desnz-2021"} <= set(carbon.ids())
    assert {"cn-ept-so2", "cn-ept-nox", "cn-ept-cod", "cn-ept-nh3n", "cn-ept-tp"} <= set(shadow.ids())
    for row in [*constants, *carbon, *shadow]:
        assert row.citation.source and (row.citation.locator or row.citation.url), row.id
        if not row.available:
            assert row.citation.notes.startswith("Not shipped"), row.id


@pytest.mark.parametrize("path", [EQUIVALENCES_FILE, CARBON_PRICES_FILE, SHADOW_PRICES_FILE])
def test_every_shipped_id_is_documented(path: Path) -> None:
    for row in _rows(path):
        assert f"`{row['id']}`" in DOC, f"{row['id']} is not in docs/equivalences.md"


def test_the_documented_example_of_a_user_file_loads(tmp_path: Path) -> None:
    [block] = re.findall(r"```csv\n(.*?)```", DOC, flags=re.DOTALL)
    path = tmp_path / "example.csv"
    path.write_text(block, encoding="utf-8")
    [constant] = EquivalenceTable.from_csv(path)
    assert constant.bounds() == (8, 12, 15)


def test_the_seed_forest_constant_is_derived_from_the_seed() -> None:
    constant = EquivalenceTable.shipped().get("forest-cn-seed-implied")
    assert constant.value == Decimal(1_719_000) / Decimal(191_000)
    assert constant.citation.derived
    assert constant.citation.confidence == "L"


# --- equivalents ---------------------------------------------------------------------------------------


def test_the_seed_forest_equivalence_with_its_arithmetic() -> None:
    [forest] = equivalents({"co2": SEED_CO2}, ["forest-cn-seed-implied"])
    assert forest.central.magnitude == 191_000
    assert forest.arithmetic == "1,719,000 t CO2 ÷ 9 t CO2/ha/yr = 191,000 ha of forest for one year"
    assert "China News Service" in forest.source
    assert forest.as_row()["central"] == "191000"


def test_the_epa_forest_converts_acres_to_hectares() -> None:
    [forest] = equivalents({"co2": SEED_CO2}, ["forest-us-epa-2021"])
    # 0.84 t CO2/acre/yr is 2.0757 t CO2/ha/yr, so the same CO2 needs about 4.3 times the seed's area
    assert float(forest.central.magnitude) == pytest.approx(1_719_000 / 2.07569, rel=1e-4)
    assert "× 0.40468" in forest.arithmetic
    assert float(forest.central.magnitude) / 191_000 == pytest.approx(4.34, abs=0.01)


def test_car_years_and_a_sector_share() -> None:
    totals = {"co2": SEED_CO2, "voc": ImpactTotal.of("149000", "t")}
    car, share = equivalents(totals, ["car-us-epa-2023", "share-cn-petrochem-voc-seed-implied"])
    assert car.central.magnitude == pytest.approx(Decimal(1_719_000) / Decimal("4.6"), rel=Decimal("1e-20"))
    assert car.arithmetic.endswith("= 373,696 car-years (typical passenger vehicles driven for one year)")
    assert share.central.magnitude == 5
    assert share.arithmetic.startswith("149,000 t VOCs ÷ 2,980,000 t VOCs")
    # "5%" is rounded: the range is what 4.5 % to 5.5 % would give
    assert share.low.magnitude == pytest.approx(Decimal("4.5"), abs=Decimal("0.0001"))
    assert share.high.magnitude == pytest.approx(Decimal("5.5"), abs=Decimal("0.0001"))


def test_without_choices_every_applicable_constant_is_applied() -> None:
    found = {e.constant_id for e in equivalents({"co2": SEED_CO2})}
    assert found == {"forest-cn-seed-implied", "forest-us-epa-2021", "car-us-epa-2023"}


def test_ranges_divide_low_by_high() -> None:
    total = ImpactTotal.of("100", "t", low="50", high="200")
    [forest] = equivalents({"co2": total}, ["forest-cn-seed-implied"])
    assert forest.low.magnitude == pytest.approx(Decimal(50) / 9, rel=Decimal("1e-20"))
    assert forest.high.magnitude == pytest.approx(Decimal(200) / 9, rel=Decimal("1e-20"))


def test_totals_may_be_single_quantities_or_any_range() -> None:
    [a] = equivalents({"co2": q("9", "t")}, ["forest-cn-seed-implied"])
    assert (a.low.magnitude, a.central.magnitude, a.high.magnitude) == (1, 1, 1)


def test_a_constant_for_another_impact_is_refused() -> None:
    with pytest.raises(TotalsError, match="converts so2, which the totals do not have"):
        equivalents({"co2": SEED_CO2}, ["share-cn-national-so2-2020"])


def test_a_total_in_the_wrong_dimension_is_refused() -> None:
    with pytest.raises(TotalsError, match=r"'co2'.*kilowatt_hour \(energy\).*kg \(mass\)"):
        equivalents({"co2": q("5", "kWh")})
    with pytest.raises(TotalsError, match="unknown impact 'carbon'"):
        equivalents({"carbon": q("5", "kg")})
    with pytest.raises(TotalsError, match="low <= central <= high"):
        equivalents({"co2": ImpactTotal.of("5", "t", low="6")})


def test_an_unknown_or_unavailable_constant_is_an_error() -> None:
    with pytest.raises(NotFound, match="unknown equivalence constant 'forest'"):
        equivalents({"co2": SEED_CO2}, ["forest"])
    with pytest.raises(ConstantNotAvailable, match="'car-cn' has no value: Not shipped"):
        equivalents({"co2": SEED_CO2}, ["car-cn"])


# --- user constants ------------------------------------------------------------------------------------


def test_user_constants_are_laid_over_the_shipped_ones(tmp_path: Path) -> None:
    mine = {**CONSTANT, "id": "forest-cn-seed-implied", "value": "4.5"}
    path = _write(tmp_path / "mine.csv", EQUIVALENCE_COLUMNS, [mine, CONSTANT])
    table = with_user_constants(path)
    assert table.get("forest-cn-seed-implied").value == Decimal("4.5")
    assert table.get("forest-cn-seed-implied").origin == "mine.csv"
    assert table.get("car-us-epa-2023").origin == "equivalences.csv"
    [seed, test] = equivalents({"co2": SEED_CO2}, ["forest-cn-seed-implied", "forest-test"], table=table)
    assert (seed.central.magnitude, test.central.magnitude) == (382_000, 343_800)


def test_a_constant_whose_unit_does_not_fit_its_impact_is_refused(tmp_path: Path) -> None:
    wrong = {**CONSTANT, "impact": "so2", "unit": "kWh/yr", "result_unit": "year"}
    with pytest.raises(
        EquivalenceDataError, match=r"mine.csv: row 2: field unit: so2 \(kg, mass\) ÷ 'kWh/yr'"
    ):
        EquivalenceTable.from_csv(_write(tmp_path / "mine.csv", EQUIVALENCE_COLUMNS, [wrong]))


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    rows = [
        {**CONSTANT, "impact": "carbon"},
        {**CONSTANT, "id": "b", "low": "6", "confidence": "X"},
        {**CONSTANT, "id": "c", "value": "1,5", "unit": "furlongs per fortnight of nothing"},
        {**CONSTANT, "id": "c"},
        {**CONSTANT, "id": "d", "value": "", "notes": ""},
        {**CONSTANT, "id": "e", "source": "", "locator": ""},
    ]
    with pytest.raises(EquivalenceDataError) as caught:
        EquivalenceTable.from_csv(_write(tmp_path / "mine.csv", EQUIVALENCE_COLUMNS, rows))
    found = {(p.row, p.field) for p in caught.value.problems}
    assert {
        (2, "impact"),
        (3, "value"),
        (3, "confidence"),
        (4, "value"),
        (4, "unit"),
        (5, "id"),
        (6, "notes"),
        (7, "source"),
        (7, "locator"),
    } <= found
    assert str(caught.value).startswith("mine.csv: row 2: field impact: unknown impact 'carbon'")
    assert str(caught.value).endswith(f"(and {len(caught.value.problems) - 1} more)")


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("id,impact,value,colour\nx,co2,1,red\n", encoding="utf-8")
    with pytest.raises(EquivalenceDataError, match=r"row 1: columns: missing low, high.*unknown colour"):
        EquivalenceTable.from_csv(path)


# --- monetisation --------------------------------------------------------------------------------------


def test_the_seed_monetisation_is_68_76_million_yuan_not_650_million() -> None:
    result = monetise({"co2": SEED_CO2}, "cn-seee-seed-40")
    [line] = result.lines
    assert line.money.central == Decimal(68_760_000)
    assert line.money.currency == "CNY"
    assert line.arithmetic == "1,719,000 t CO2 × 40 CNY/t = 68,760,000 CNY"
    assert result.total is not None and result.total.central == Decimal(68_760_000)
    assert "650 million" in line.citation.notes


def test_shadow_prices_per_pollution_equivalent() -> None:
    totals = {"so2": ImpactTotal.of("5700", "t"), "cod": ImpactTotal.of("3924.87", "t")}
    result = monetise(totals, None, ["cn-ept-so2", "cn-ept-cod"])
    so2, cod = result.lines
    assert (so2.money.low, so2.money.central, so2.money.high) == (7_200_000, 7_200_000, 72_000_000)
    assert so2.arithmetic == "5,700,000 kg SO2 ÷ 0.95 kg per pollution equivalent × 1.2 CNY = 7,200,000 CNY"
    assert cod.money.central == Decimal("3924870") * Decimal("1.4")
    assert result.total is not None and result.total.central == so2.money.central + cod.money.central


def test_a_price_is_converted_at_the_rate_of_its_money_year(tmp_path: Path) -> None:
    rates_file = tmp_path / "rates.csv"
    rates_file.write_text(
        "currency,year,per_usd,low_confidence,source\nCNY,2021,6.4,false,test\nCNY,2020,7,false,test\n",
        encoding="utf-8",
    )
    rates = ExchangeRates.from_csv(rates_file)
    [line] = monetise({"co2": SEED_CO2}, "cn-seee-seed-40", to_currency="usd", rates=rates).lines
    assert line.money.currency == "USD"
    assert line.money.central == Decimal(68_760_000) / Decimal("6.4")
    assert line.conversion is not None and line.conversion.rate_year == 2021
    assert line.arithmetic == (
        "1,719,000 t CO2 × 40 CNY/t × 0.15625 USD/CNY (2021 annual averages) = 10,743,750 USD"
    )
    shipped = monetise({"co2": SEED_CO2}, "cn-seee-seed-40", to_currency="USD").lines[0]
    expected = ExchangeRates.shipped().convert(Decimal(40), "CNY", 2021, "USD").amount * 1_719_000
    assert shipped.money.central == pytest.approx(expected, rel=Decimal("1e-20"))


def test_a_price_year_outside_the_rate_table_needs_the_nearest_year() -> None:
    with pytest.raises(RateNotAvailable):
        monetise({"co2": SEED_CO2}, "cn-ets-2025", to_currency="USD")
    [line] = monetise({"co2": SEED_CO2}, "cn-ets-2025", to_currency="USD", nearest=True).lines
    assert line.conversion is not None and line.conversion.rate_year == 2024
    assert "the nearest covered year to 2025" in line.arithmetic


def test_a_carbon_price_on_co2_and_co2e_warns_of_double_counting() -> None:
    totals = {"co2": SEED_CO2, "co2e": ImpactTotal.of("10", "t")}
    result = monetise(totals, "cn-ets-2021")
    assert [line.impact for line in result.lines] == ["co2", "co2e"]
    assert "counted twice" in result.warnings[0]


def test_prices_that_cannot_apply_are_errors() -> None:
    with pytest.raises(TotalsError, match="'cn-ept-so2' values so2"):
        monetise({"co2": SEED_CO2}, None, ["cn-ept-so2"])
    with pytest.raises(ConstantNotAvailable, match="eu-ets"):
        monetise({"co2": SEED_CO2}, "eu-ets")
    with pytest.raises(NotFound, match="unknown carbon price 'cn-ets-1999'"):
        monetise({"co2": SEED_CO2}, "cn-ets-1999")


def test_user_prices_and_their_checks(tmp_path: Path) -> None:
    path = _write(tmp_path / "prices.csv", PRICE_COLUMNS, [PRICE])
    table = with_user_prices(path, "carbon")
    assert {"test-price", "cn-ets-2021"} <= set(table.ids())
    [line] = monetise({"co2": SEED_CO2}, "test-price", carbon_prices=table).lines
    assert line.money.central == Decimal(171_900_000)
    bad = [{**PRICE, "per": "kWh", "currency": "yuan", "impacts": "co2;so3"}]
    with pytest.raises(EquivalenceDataError) as caught:
        PriceTable.from_csv(_write(tmp_path / "bad.csv", PRICE_COLUMNS, bad), "carbon")
    fields = {p.field for p in caught.value.problems}
    assert {"per", "currency", "impacts"} <= fields


# --- properties ----------------------------------------------------------------------------------------

AMOUNTS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e9"), places=3)
FACTORS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2)


@settings(max_examples=50, deadline=None)
@given(amount=AMOUNTS, factor=FACTORS)
def test_equivalents_scale_linearly_with_the_total(amount: Decimal, factor: Decimal) -> None:
    one = equivalents({"co2": ImpactTotal.of(amount, "t")})
    scaled = equivalents({"co2": ImpactTotal.of(amount * factor, "t")})
    for a, b in zip(one, scaled, strict=True):
        assert b.central.magnitude == pytest.approx(a.central.magnitude * factor, rel=Decimal("1e-20"))


@settings(max_examples=30, deadline=None)
@given(amount=AMOUNTS, price=FACTORS, factor=FACTORS)
def test_monetisation_is_linear_in_the_price(
    tmp_path_factory: pytest.TempPathFactory, amount: Decimal, price: Decimal, factor: Decimal
) -> None:
    folder = tmp_path_factory.mktemp("prices")
    rows = [{**PRICE, "price": str(price)}, {**PRICE, "id": "scaled", "price": str(price * factor)}]
    table = PriceTable.from_csv(_write(folder / "p.csv", PRICE_COLUMNS, rows), "carbon")
    totals = {"co2": ImpactTotal.of(amount, "t")}
    base = monetise(totals, "test-price", carbon_prices=table).lines[0].money.central
    scaled = monetise(totals, "scaled", carbon_prices=table).lines[0].money.central
    assert scaled == pytest.approx(base * factor, rel=Decimal("1e-20"))
