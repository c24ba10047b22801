"""Money: currency codes, the shipped rate table, user tables and conversions through the dollar."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoprocure.domain.money import (
    RATES_FILE,
    ExchangeRates,
    InvalidCurrency,
    RateNotAvailable,
    UnknownCurrency,
    convert,
    normalise_currency,
)
from ecoprocure.errors import DataError

REQUIRED = [
    *("USD", "EUR", "GBP", "CNY", "JPY", "KRW", "PLN", "CZK", "SEK", "CHF", "HKD", "SGD"),
    *("AUD", "CAD", "INR", "MDL", "UAH", "PYG", "COP", "MXN", "BRL", "THB", "RUB"),
]
YEARS = range(2015, 2025)
HEADER = "currency,year,per_usd,low_confidence,source\n"


def _shipped_rows() -> list[dict[str, str]]:
    with RATES_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(tmp_path: Path, body: str, name: str = "rates.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# --- the shipped table ------------------------------------------------------------------------


def test_every_exchange_rate_row_has_a_source() -> None:
    rows = _shipped_rows()
    assert list(rows[0]) == ["currency", "year", "per_usd", "low_confidence", "source"]
    assert [n for n, row in enumerate(rows, start=2) if not row["source"].strip()] == []
    assert {row["low_confidence"] for row in rows} <= {"true", "false"}


def test_the_shipped_table_covers_the_required_currencies_for_2015_to_2024() -> None:
    covered = {(row["currency"], int(row["year"])) for row in _shipped_rows()}
    missing = [(c, y) for c in REQUIRED for y in YEARS if (c, y) not in covered]
    assert missing == []


def test_shipped_rates_are_positive_and_the_dollar_is_one() -> None:
    for row in _shipped_rows():
        assert Decimal(row["per_usd"]) > 0, row
        if row["currency"] == "USD":
            assert Decimal(row["per_usd"]) == 1


def test_rows_not_confirmed_by_a_primary_source_say_so() -> None:
    for row in _shipped_rows():
        checked = "cross-checked against Federal Reserve G.5A" in row["source"]
        if row["currency"] != "USD":
            assert (row["low_confidence"] == "false") == checked, row


@pytest.mark.parametrize(
    ("currency", "year", "fed_usd_per_unit"),
    [("EUR", 2023, "1.0817"), ("GBP", 2015, "1.5284"), ("AUD", 2019, "0.6952")],
)
def test_shipped_rates_agree_with_the_federal_reserve_annual_averages(
    currency: str, year: int, fed_usd_per_unit: str
) -> None:
    # Federal Reserve G.5A quotes these three as US dollars per unit
    converted = convert(Decimal(1), currency, year, "USD")
    assert abs(converted.amount - Decimal(fed_usd_per_unit)) / Decimal(fed_usd_per_unit) < Decimal("0.005")


# --- currency codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"), [(" mdl ", "MDL"), ("Eur", "EUR"), ("ＥＵＲ", "EUR"), ("PYG", "PYG")]
)
def test_currency_codes_are_trimmed_and_upper_cased(raw: str, code: str) -> None:
    assert normalise_currency(raw) == code


@pytest.mark.parametrize("raw", ["", "  ", "EU", "EURO", "E1R", "€", "US D", None])
def test_malformed_currency_codes_are_refused(raw: str | None) -> None:
    with pytest.raises(InvalidCurrency) as caught:
        normalise_currency(raw)
    assert isinstance(caught.value, DataError)


# --- conversions ------------------------------------------------------------------------------


def test_a_conversion_through_the_dollar_shows_rate_year_and_source() -> None:
    result = convert(Decimal(1000), "eur", 2023, "USD")
    assert result.currency == "USD" and result.from_currency == "EUR"
    assert result.rate_year == 2023 and not result.nearest_year_used
    assert abs(result.amount - Decimal(1000) / Decimal("0.924839558470698")) < Decimal("1e-24")
    assert abs(result.rate - Decimal(1) / Decimal("0.924839558470698")) < Decimal("1e-27")
    assert "1.08127 USD/EUR" in result.arithmetic
    assert "EUR 2023: World Bank WDI PA.NUS.FCRF" in result.source
    assert "USD 2023: base currency" in result.source
    assert "1081.27 USD" in result.arithmetic


def test_cross_rate_between_two_currencies() -> None:
    result = convert(Decimal(100), "PLN", 2020, "EUR")
    expected = Decimal(100) * Decimal("0.875506396987998") / Decimal("3.89974166666667")
    assert abs(result.amount - expected) < Decimal("1e-25")
    assert result.low_confidence  # the PLN row is not confirmed by a primary page


def test_low_confidence_is_false_only_when_both_rows_are_confirmed() -> None:
    assert not convert(Decimal(1), "EUR", 2021, "JPY").low_confidence
    assert convert(Decimal(1), "EUR", 2016, "JPY").low_confidence


def test_an_unknown_currency_is_named_with_what_is_known() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        convert(Decimal(1), "XYZ", 2020, "USD")
    message = str(caught.value)
    assert "'XYZ'" in message
    assert "EUR" in message and "MDL" in message
    assert isinstance(caught.value, DataError)


def test_a_year_outside_the_table_names_currency_year_and_coverage() -> None:
    with pytest.raises(RateNotAvailable) as caught:
        convert(Decimal(1), "UAH", 2030, "EUR")
    message = str(caught.value)
    assert "UAH" in message and "2030" in message and "2015–2024" in message
    assert isinstance(caught.value, DataError)


def test_the_nearest_year_is_used_only_when_asked_and_is_reported() -> None:
    result = convert(Decimal(1), "UAH", 2030, "EUR", nearest=True)
    assert result.rate_year == 2024
    assert result.requested_year == 2030
    assert result.nearest_year_used
    assert "nearest covered year to 2030" in result.arithmetic
    assert convert(Decimal(1), "UAH", 2010, "USD", nearest=True).rate_year == 2015


def test_the_nearest_year_prefers_the_earlier_one_on_a_tie(tmp_path: Path) -> None:
    table = ExchangeRates.from_csv(
        _write(tmp_path, HEADER + "ABC,2010,2,false,test\nABC,2012,4,false,test\nXYZ,2010,1,false,t\n")
    )
    assert table.convert(Decimal(1), "ABC", 2011, "USD", nearest=True).rate_year == 2010
    with pytest.raises(RateNotAvailable):
        table.convert(Decimal(1), "ABC", 2011, "USD")


def test_the_same_currency_needs_no_rate() -> None:
    result = convert(Decimal("12.34"), "gbp", 1990, "GBP")
    assert result.amount == Decimal("12.34") and result.rate == 1
    assert result.source == "same currency: no conversion"


def test_floats_and_non_finite_amounts_are_refused() -> None:
    with pytest.raises(TypeError):
        convert(12.5, "EUR", 2020, "USD")  # type: ignore[arg-type]
    with pytest.raises(DataError):
        convert(Decimal("Infinity"), "EUR", 2020, "USD")


CURRENCIES = st.sampled_from(REQUIRED)
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10) ** 12, places=2)


@given(amount=AMOUNTS, source=CURRENCIES, target=CURRENCIES, year=st.sampled_from(YEARS))
def test_there_and_back_returns_the_amount(amount: Decimal, source: str, target: str, year: int) -> None:
    there = convert(amount, source, year, target)
    assert abs(there.amount - amount * there.rate) <= there.amount * Decimal("1e-25")
    back = convert(there.amount, target, year, source)
    assert abs(back.amount - amount) <= amount * Decimal("1e-25")


@given(amount=AMOUNTS, currency=CURRENCIES, year=st.integers(min_value=1900, max_value=2100))
def test_converting_to_the_same_currency_is_identity(amount: Decimal, currency: str, year: int) -> None:
    result = convert(amount, currency, year, currency.lower())
    assert result.amount == amount
    assert result.rate == 1


@given(amount=AMOUNTS, a=CURRENCIES, b=CURRENCIES, c=CURRENCIES, year=st.sampled_from(YEARS))
def test_cross_rates_are_consistent(amount: Decimal, a: str, b: str, c: str, year: int) -> None:
    via_b = convert(convert(amount, a, year, b).amount, b, year, c).amount
    direct = convert(amount, a, year, c).amount
    assert abs(via_b - direct) <= direct * Decimal("1e-25")


# --- user tables ------------------------------------------------------------------------------


def test_a_user_table_loads_and_can_be_laid_over_the_shipped_one(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "eur,2025,0.9,false,my treasury\nAED,2024,3.6725,true,peg\n")
    user = ExchangeRates.from_csv(path)
    assert user.currencies() == ["AED", "EUR", "USD"]
    combined = ExchangeRates.shipped().updated(user)
    assert combined.convert(Decimal(9), "EUR", 2025, "USD").amount == 10
    assert combined.years("EUR") == [*YEARS, 2025]
    assert combined.convert(Decimal(1), "AED", 2024, "EUR").low_confidence
    assert "my treasury" in combined.convert(Decimal(9), "EUR", 2025, "USD").source


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("EURO,2020,0.9,false,s", "currency"),
        ("EUR,20,0.9,false,s", "year"),
        ("EUR,2020,0,false,s", "per_usd"),
        ("EUR,2020,-1,false,s", "per_usd"),
        ('EUR,2020,"0,9",false,s', "per_usd"),
        ("EUR,2020,NaN,false,s", "per_usd"),
        ("EUR,2020,0.9,maybe,s", "low_confidence"),
        ("EUR,2020,0.9,false,", "source"),
        ("USD,2020,1.1,false,s", "per_usd"),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = _write(tmp_path, HEADER + "GBP,2020,0.78,false,ok\n" + row + "\n", name="my_rates.csv")
    with pytest.raises(DataError, match=rf"^my_rates\.csv: row 3: field {field}: "):
        ExchangeRates.from_csv(path)


def test_a_repeated_currency_and_year_names_both_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "EUR,2020,0.9,false,a\nGBP,2020,0.8,false,b\neur,2020,0.91,false,c\n")
    with pytest.raises(DataError, match=r"row 4: field year: EUR 2020 is already given in row 2"):
        ExchangeRates.from_csv(path)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "empty file"),
        ("currency,year,rate\nEUR,2020,0.9\n", "missing columns: per_usd, low_confidence, source"),
        (HEADER, "no rows after the header"),
    ],
)
def test_unusable_files_are_refused(tmp_path: Path, body: str, problem: str) -> None:
    with pytest.raises(DataError, match=problem):
        ExchangeRates.from_csv(_write(tmp_path, body))


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.csv: cannot read"):
        ExchangeRates.from_csv(tmp_path / "nowhere.csv")


def test_a_byte_order_mark_from_a_spreadsheet_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + HEADER + "EUR,2020,0.9,false,s\n").encode("utf-8"))
    assert ExchangeRates.from_csv(path).years("EUR") == [2020]
