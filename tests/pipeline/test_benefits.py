"""Benefits on the hand-checked fixture of ``test_indicators_golden`` with the default factor set.

Certified purchases (see that module): i1 — 10 pieces of office furniture (CEC-OK valid on
2022-05-01); i4 — 2 portable computers (CEC-PC). i2 (certificate suspended before the purchase)
and i8 (CEC-OK expired) earn nothing. By hand, from rows.csv of the default set:
- furniture formaldehyde: (4.34496 − 1.752) g/yr × 10 years = 25.9296 g per piece → 0.259296 kg
  for 10 pieces over their life (0.0259296 kg in one year); VOC 0.3 kg per piece, one-off → 3 kg.
- portable computers: electricity (65 − 45) kWh/yr × 5.5 years = 110 kWh each → 220 kWh; CO2
  11.136 kg/yr × 5.5 × 2 = 122.496 kg; SO2 1.042 g/yr × 5.5 × 2 = 0.011462 kg.
- footprints (all usable items, spend-based, USD at the fixture's rates 7 CNY = 0.9 EUR = 1 USD):
  2022 furniture 2,000 CNY / 7 × 0.24 kg/USD = 68.5714 kg, portable 200 EUR / 0.9 × 0.058;
  2023 furniture 1,000 CNY / 7 × 0.24 = 34.2857 kg.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.benefits import AppliedFactor, applied_factors, monte_carlo, units_per_functional_unit
from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.errors import DataError
from ecoprocure.pipeline.run import run_benefits
from ecoprocure.store.db import Database
from tests.pipeline.test_indicators_golden import golden_workspace

DEFAULT = find_factor_set(DEFAULT_FACTOR_SET)


def test_item_units_convert_to_functional_units() -> None:
    assert units_per_functional_unit("KGM", "t") == (0.001, "")
    assert units_per_functional_unit("H87", "piece") == (1.0, "")
    assert units_per_functional_unit("SET", "set") == (1.0, "")
    ream, _ = units_per_functional_unit("RM", "t", "paper.copy")  # 500 × A4 at 80 g/m²
    assert ream == pytest.approx(0.0024948)
    assert units_per_functional_unit("RM", "t", "ict.printer")[0] is None  # only paper has that rule
    assert units_per_functional_unit("H87", "t") == (None, "unit H87 does not convert to t")
    assert units_per_functional_unit("H87", "set")[0] is None  # a set is not pieces
    assert units_per_functional_unit("LS", "piece") == (None, "unit LS has no fixed size")
    assert units_per_functional_unit(None, "piece") == (None, "the item's unit is unknown")


def _factor(category: str, impact: str, period: str = "lifetime") -> AppliedFactor:
    found = [f for f in applied_factors(DEFAULT, [category], period=period) if f.impact == impact]  # type: ignore[arg-type]
    assert len(found) == 1
    return found[0]


def test_use_phase_factors_are_annual_or_whole_life() -> None:
    lifetime, annual = (
        _factor("office.furniture", "formaldehyde"),
        _factor("office.furniture", "formaldehyde", "annual"),
    )
    assert annual.central == pytest.approx(0.00259296)  # kg per piece and year
    assert lifetime.central == pytest.approx(0.0259296)  # × 10 years
    assert "lifetime 10 years" in lifetime.trace and "rows.csv line 2" in lifetime.trace
    # a one-off value is the same in both periods
    assert (
        _factor("office.furniture", "voc").central
        == _factor("office.furniture", "voc", "annual").central
        == 0.3
    )


def test_sub_categories_inherit_their_parents_factors() -> None:
    own = {f.impact for f in applied_factors(DEFAULT, ["ict.computer.portable"])}
    assert {"electricity", "co2", "so2", "nox"} <= own
    with pytest.raises(ValueError, match="period"):
        applied_factors(DEFAULT, ["office.furniture"], period="decade")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_benefits_on_the_golden_fixture(reference_db: Database, tmp_path: Path) -> None:
    files, snapshot, rates = golden_workspace(reference_db, tmp_path)
    result = run_benefits(files, snapshot, DEFAULT, by=["year"], rates_file=rates)
    rows = {(r["year"], r["impact"], r["measure"]): r for r in result.rows}
    assert rows[(2022, "formaldehyde", "reduction")]["central"] == pytest.approx(0.259296)
    assert rows[(2022, "formaldehyde", "reduction")]["items"] == 1  # i1 only: i2 was suspended
    assert rows[(2022, "voc", "reduction")]["central"] == pytest.approx(3.0)
    assert rows[(2022, "electricity", "reduction")]["central"] == pytest.approx(220)
    assert rows[(2022, "co2", "reduction")]["central"] == pytest.approx(122.496)
    assert rows[(2022, "so2", "reduction")]["central"] == pytest.approx(0.011462)
    assert not [k for k in rows if k[0] == 2023 and k[2] == "reduction"]  # i8's certificate had expired
    assert rows[(2022, "co2e", "footprint")]["central"] == pytest.approx(2000 / 7 * 0.24 + 200 / 0.9 * 0.058)
    assert rows[(2023, "co2e", "footprint")]["central"] == pytest.approx(1000 / 7 * 0.24)
    for row in result.rows:
        assert row["low"] <= row["central"] <= row["high"]
    cover = result.coverage
    assert (cover["certified_items"], cover["items_with_benefit"], cover["reasons"]) == (2, 2, [])
    traced = {(f["category"], f["impact"]) for f in result.factors}
    assert ("office.furniture", "formaldehyde") in traced and all(f["trace"] for f in result.factors)

    annual = run_benefits(files, snapshot, DEFAULT, by=["category"], period="annual", rates_file=rates)
    by_category = {(r["category"], r["impact"]): r for r in annual.rows if r["measure"] == "reduction"}
    assert by_category[("ict.computer.portable", "electricity")]["central"] == pytest.approx(40)
    assert by_category[("office.furniture", "formaldehyde")]["central"] == pytest.approx(0.0259296)

    per_item = run_benefits(files, snapshot, DEFAULT, by=["item"], rates_file=rates, monte_carlo_draws=300)
    electricity = [r for r in per_item.rows if r["impact"] == "electricity"]
    assert len(electricity) == 1 and electricity[0]["item_key"].endswith("|i4")
    assert (
        0 <= electricity[0]["mc_p05"] <= electricity[0]["mc_p50"] <= electricity[0]["mc_p95"] <= 2 * 69 * 5.5
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_unknown_dimension_is_refused(reference_db: Database, tmp_path: Path) -> None:
    files, snapshot, _ = golden_workspace(reference_db, tmp_path)
    with pytest.raises(DataError, match="supplier"):
        run_benefits(files, snapshot, DEFAULT, by=["supplier"])


def _applied(distribution: str, low: float, central: float, high: float) -> AppliedFactor:
    return AppliedFactor(
        "c",
        "co2",
        "reduction",
        "kg",
        low,
        central,
        high,
        "functional_unit",
        "piece",
        None,
        distribution,
        "c",
        2,
        ("s",),
        "",
    )


def test_monte_carlo_without_a_distribution_is_the_central_value() -> None:
    drawn = monte_carlo({("c", "co2", "reduction"): 10.0}, [_applied("none", 1, 2, 3)], draws=50)
    assert drawn["co2:reduction"].p05 == drawn["co2:reduction"].p95 == 20.0


@settings(max_examples=40, deadline=None)
@given(
    amount=st.floats(0.001, 1e6),
    scale=st.floats(0.01, 100),
    shape=st.sampled_from(["triangular", "uniform", "normal"]),
)
def test_monte_carlo_percentiles_scale_with_the_amount(amount: float, scale: float, shape: str) -> None:
    factors = [_applied(shape, 1, 2, 4)]
    one = monte_carlo({("c", "co2", "reduction"): amount}, factors, draws=200, seed=7)["co2:reduction"]
    other = monte_carlo({("c", "co2", "reduction"): amount * scale}, factors, draws=200, seed=7)[
        "co2:reduction"
    ]
    assert other.p50 == pytest.approx(one.p50 * scale, rel=1e-9)
    assert one.p05 <= one.p50 <= one.p95
    if shape != "normal":
        assert amount * 1 <= one.p05 and one.p95 <= amount * 4 * (1 + 1e-12)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_years_outside_the_factor_set_are_left_out_and_said(reference_db: Database, tmp_path: Path) -> None:
    from dataclasses import replace

    files, snapshot, rates = golden_workspace(reference_db, tmp_path)
    narrow = replace(DEFAULT, info=replace(DEFAULT.info, valid_from=2023, valid_to=2025))
    result = run_benefits(files, snapshot, narrow, by=["year"], rates_file=rates)
    rows = {(r["year"], r["impact"], r["measure"]): r for r in result.rows}
    assert rows[(2022, "formaldehyde", "reduction")]["central"] == 0
    assert rows[(2022, "formaldehyde", "reduction")]["items_without_amount"] == 1
    assert result.coverage["items_with_benefit"] == 0
    assert result.coverage["reasons"] == [
        {"reason": "purchase year outside the factor set's years 2023–2025", "items": 2}
    ]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_explain_writes_each_total_as_quantity_times_factor(reference_db: Database, tmp_path: Path) -> None:
    files, snapshot, rates = golden_workspace(reference_db, tmp_path)
    result = run_benefits(files, snapshot, DEFAULT, by=["year"], rates_file=rates, explain=True)
    lines = {(e["category"], e["impact"], e["measure"]): e for e in result.explain}
    formaldehyde = lines[("office.furniture", "formaldehyde", "reduction")]
    assert formaldehyde["amount"] == 10 and formaldehyde["central"] == pytest.approx(0.259296)
    assert formaldehyde["formula"] == "10 piece × 0.0259296 kg/piece = 0.259296 kg"
    assert "rows.csv line 2" in formaldehyde["trace"]
    assert "explain" in result.to_dict()


def test_one_factor_per_impact_the_most_physical_basis_wins() -> None:
    # copy paper has a CO2e footprint per tonne (DESNZ) and per US dollar (USEEIO): never both
    footprints = [
        f for f in applied_factors(DEFAULT, ["paper.copy"]) if (f.impact, f.measure) == ("co2e", "footprint")
    ]
    assert len(footprints) == 1
    assert (footprints[0].per_kind, footprints[0].per) == ("functional_unit", "t")
    assert "preferred to 1 other row(s)" in footprints[0].trace
    keys = [(f.category, f.impact, f.measure) for f in applied_factors(DEFAULT, DEFAULT.categories)]
    assert len(keys) == len(set(keys))
