"""Conversion into the reporting currency: factors per (currency, year) from the domain's rules,
the nearest-year policy, and its effect on the indicators' coverage."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoprocure.domain.money import ExchangeRates, RateNotAvailable, UnknownCurrency
from ecoprocure.ingest.procurement_files import ingest_procurement_file, items_dir
from ecoprocure.pipeline.conversion import FIRST_YEAR, LAST_YEAR, conversion_table, load_rates
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.pipeline.run import run_indicators
from ecoprocure.store.db import Database
from tests.pipeline.test_indicators_golden import B1, _item, _release

SHIPPED = ExchangeRates.shipped()


def _factors(policy: str, reporting: str = "CNY") -> dict[tuple[str, int], tuple[float, int]]:
    table = conversion_table(SHIPPED, reporting, policy=policy).to_pylist()
    return {(r["currency"], r["year"]): (r["factor"], r["rate_year"]) for r in table}


def test_exact_policy_covers_only_the_table_years() -> None:
    factors = _factors("exact")
    eur_years = sorted(y for c, y in factors if c == "EUR")
    assert eur_years == SHIPPED.years("EUR")
    assert all(rate_year == year for (_, year), (_, rate_year) in factors.items())


def test_nearest_policy_covers_every_accepted_year_and_says_which_rates() -> None:
    factors = _factors("nearest")
    last = SHIPPED.years("EUR")[-1]
    assert factors[("EUR", last + 3)] == (factors[("EUR", last)][0], last)
    assert {y for c, y in factors if c == "EUR"} == set(range(FIRST_YEAR, LAST_YEAR + 1))
    # the reporting currency itself needs no rate: factor 1 in its own year
    assert factors[("CNY", 2031)] == (1.0, 2031)


def test_unknown_reporting_currency_is_refused() -> None:
    with pytest.raises(UnknownCurrency, match="XYZ"):
        conversion_table(SHIPPED, "XYZ")
    with pytest.raises(ValueError, match="rate policy"):
        conversion_table(SHIPPED, "CNY", policy="closest")


@settings(max_examples=60, deadline=None)
@given(
    currency=st.sampled_from(SHIPPED.currencies()),
    reporting=st.sampled_from(["CNY", "USD", "EUR", "KRW"]),
    year=st.integers(FIRST_YEAR, LAST_YEAR),
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
)
def test_factor_times_amount_is_the_domain_conversion(
    currency: str, reporting: str, year: int, amount: Decimal
) -> None:
    factors = _factors("nearest", reporting)
    try:
        expected = SHIPPED.convert(amount, currency, year, reporting, nearest=True)
    except RateNotAvailable:
        assert (currency, year) not in factors
        return
    factor, rate_year = factors[(currency, year)]
    assert rate_year == expected.rate_year
    assert float(amount) * factor == pytest.approx(float(expected.amount), rel=1e-12)


def test_load_rates_lays_the_users_rows_over_the_shipped_table(tmp_path: Path) -> None:
    own = tmp_path / "rates.csv"
    own.write_text("currency,year,per_usd,low_confidence,source\nEUR,2022,0.5,false,test\n", encoding="utf-8")
    rates = load_rates(own)
    assert rates.rate("EUR", 2022).per_usd == Decimal("0.5")
    assert rates.rate("EUR", 2021).per_usd == SHIPPED.rate("EUR", 2021).per_usd


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the registry store is not what is tested
def test_purchases_after_the_table_are_converted_at_the_nearest_year_and_counted(
    reference_db: Database, tmp_path: Path
) -> None:
    last = SHIPPED.years("EUR")[-1]
    later = f"{last + 1}-03-01"
    data = tmp_path / "releases.jsonl"
    releases = [
        _release("ocds-n-1", B1, later, [_item("i1", "39130000", 2, 100, "EUR")], green=False),
        _release("ocds-n-2", B1, f"{last}-03-01", [_item("i2", "39130000", 1, 50, "CNY")], green=False),
    ]
    data.write_text("\n".join(json.dumps(r) for r in releases) + "\n", encoding="utf-8")
    home = tmp_path / "home"
    ingest_procurement_file(data, home=home, uploads_dir=tmp_path / "uploads")
    with reference_db.engine.connect() as conn:
        snapshot = export(conn, home / "pipeline")
    files = sorted(items_dir(home).glob("*.parquet"))

    nearest = run_indicators(files, snapshot, by=["year"])
    eur = SHIPPED.convert(Decimal(200), "EUR", last, "CNY")
    by_year = {row["year"]: row for row in nearest.rows}
    assert by_year[last + 1]["spend"] == pytest.approx(float(eur.amount))
    assert nearest.coverage["items_converted"] == 2
    assert nearest.coverage["items_converted_other_year"] == 1
    reasons = {row["reason"]: (row["items"], row["left_out"]) for row in nearest.issues}
    assert reasons == {f"converted at {last} rates (nearest year covered): EUR in {last + 1}": (1, False)}

    exact = run_indicators(files, snapshot, by=["year"], rate_policy="exact")
    assert exact.coverage["items_converted"] == 1
    assert [(r["reason"], r["left_out"]) for r in exact.issues] == [
        (f"no exchange rate for EUR in {last + 1}", True)
    ]
