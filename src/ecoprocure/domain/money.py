"""Money: currency codes and conversion with dated annual-average exchange rates.

Rates are kept as *units of the currency per one US dollar, annual average* (the World Bank's
``PA.NUS.FCRF`` convention), one row per currency and year, each with its source. Any pair
converts through the dollar: ``EUR → PLN`` in 2020 is ``per_usd(PLN, 2020) / per_usd(EUR, 2020)``
złoty per euro. The shipped table is ``ecoprocure/reference/data/exchange_rates.csv``; a user
table with the same columns can replace it or be laid over it (:meth:`ExchangeRates.updated`).

Nothing is silent: an unknown currency raises :class:`UnknownCurrency`, a year the table does
not cover raises :class:`RateNotAvailable` (unless the caller asks for the nearest covered year,
and then the result says which year was used), and every result carries the rate, its year and
its source. Amounts are :class:`~decimal.Decimal`; floats are refused.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from ecoprocure.domain.text import clean_text
from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR

RATES_FILE = DATA_DIR / "exchange_rates.csv"
BASE_CURRENCY = "USD"
COLUMNS = ("currency", "year", "per_usd", "low_confidence", "source")

_CODE = re.compile(r"[A-Z]{3}")
_YEAR = re.compile(r"[0-9]{4}")
# Rates are divided once per conversion; 34 significant digits (IEEE decimal128) keep the
# rounding far below any amount a report prints, whatever the caller's decimal context is.
_ARITHMETIC = Context(prec=34)


class InvalidCurrency(DataError):
    """A currency code that is not three letters (after trimming and upper-casing)."""


class UnknownCurrency(DataError):
    """A well-formed currency code the exchange-rate table has no rates for."""


class RateNotAvailable(DataError):
    """A currency the table knows, in a year it does not cover."""


def normalise_currency(code: str | None) -> str:
    """``" eur "`` → ``"EUR"``; anything that is not three letters raises :class:`InvalidCurrency`."""
    if not isinstance(code, str):
        raise InvalidCurrency(f"currency {code!r} is not a three-letter code")
    value = clean_text(code).upper()
    if not _CODE.fullmatch(value):
        raise InvalidCurrency(f"currency {code!r} is not a three-letter ISO 4217 code")
    return value


@dataclass(frozen=True)
class Rate:
    """Annual average: ``per_usd`` units of ``currency`` buy one US dollar in ``year``."""

    currency: str
    year: int
    per_usd: Decimal
    low_confidence: bool
    source: str


_BASE_SOURCE = "US dollar: the base currency of the table (1 USD per USD by definition)"


@dataclass(frozen=True)
class Converted:
    """The result of a conversion, with everything needed to check it.

    ``rate`` is units of ``currency`` per one unit of ``from_currency``; ``rate_year`` is the year
    whose annual averages were used (differs from ``requested_year`` only when the caller asked
    for the nearest covered year); ``source`` names the rows behind the rate.
    """

    amount: Decimal
    currency: str
    rate: Decimal
    rate_year: int
    source: str
    from_amount: Decimal
    from_currency: str
    requested_year: int
    low_confidence: bool = False
    from_per_usd: Decimal = Decimal(1)
    to_per_usd: Decimal = Decimal(1)

    @property
    def nearest_year_used(self) -> bool:
        return self.rate_year != self.requested_year

    @property
    def arithmetic(self) -> str:
        """The conversion written out, rates rounded to six significant digits for reading.

        ``1000 EUR × (1 USD/USD ÷ 0.924840 EUR/USD) = 1000 EUR × 1.08127 USD/EUR = 1081.27 USD
        (2023 annual averages)``
        """
        when = f"{self.rate_year} annual averages"
        if self.nearest_year_used:
            when += f", the nearest covered year to {self.requested_year}"
        if self.from_currency == self.currency:
            return f"{self.from_amount} {self.currency}: same currency, no conversion"
        amount, source, target = self.from_amount, self.from_currency, self.currency
        return (
            f"{amount} {source} × ({_g(self.to_per_usd)} {target}/USD ÷ {_g(self.from_per_usd)} {source}/USD)"
            f" = {amount} {source} × {_g(self.rate)} {target}/{source} = {self.amount:.2f} {target} ({when})"
        )


def _g(value: Decimal) -> str:
    return f"{value:.6g}"


class ExchangeRates:
    """A table of annual-average rates per US dollar, keyed by currency and year."""

    def __init__(self, rates: Iterable[Rate], *, origin: str = "exchange-rate table") -> None:
        self.origin = origin
        self._rates: dict[tuple[str, int], Rate] = {}
        for rate in rates:
            self._rates[(rate.currency, rate.year)] = rate
        years: dict[str, list[int]] = {}
        for currency, year in self._rates:
            years.setdefault(currency, []).append(year)
        self._years = {currency: sorted(ys) for currency, ys in years.items()}

    # --- loading -------------------------------------------------------------------------

    @classmethod
    def shipped(cls) -> ExchangeRates:
        """The table shipped with ecoprocure (read once)."""
        return _shipped()

    @classmethod
    def from_csv(cls, path: Path) -> ExchangeRates:
        """Read a table with the columns ``currency,year,per_usd,low_confidence,source``.

        Every bad row raises :class:`~ecoprocure.errors.DataError` naming the file, the row (the
        header is row 1) and the field.
        """
        return cls(_read_rates(path), origin=path.name)

    def updated(self, other: ExchangeRates) -> ExchangeRates:
        """This table with ``other`` laid over it: ``other``'s rows win where both have a year."""
        return ExchangeRates(
            [*self._rates.values(), *other._rates.values()], origin=f"{other.origin} + {self.origin}"
        )

    def rows(self) -> list[Rate]:
        """Every rate, for engines that join on the table (the procurement pipeline)."""
        return [self._rates[key] for key in sorted(self._rates)]

    # --- looking up ----------------------------------------------------------------------

    def currencies(self) -> list[str]:
        return sorted({*self._years, BASE_CURRENCY})

    def years(self, currency: str) -> list[int]:
        """The years the table covers for ``currency`` (empty for an unknown currency)."""
        return list(self._years.get(normalise_currency(currency), []))

    def rate(self, currency: str, year: int) -> Rate:
        """The row for ``currency`` in ``year``; the US dollar is 1 in every year."""
        code = normalise_currency(currency)
        found = self._rates.get((code, year))
        if found is not None:
            return found
        if code == BASE_CURRENCY:
            return Rate(BASE_CURRENCY, year, Decimal(1), False, _BASE_SOURCE)
        if code not in self._years:
            raise self._unknown(code)
        raise RateNotAvailable(
            f"no {code} rate for {year} in {self.origin}: {code} is covered for "
            f"{_spans(self._years[code])} (ask for the nearest covered year to use the closest one)"
        )

    # --- converting ----------------------------------------------------------------------

    def convert(
        self, amount: Decimal, currency: str, year: int, to: str, *, nearest: bool = False
    ) -> Converted:
        """``amount`` of ``currency`` in ``to``, at the annual averages of ``year``.

        With ``nearest=True`` a year the table does not cover is replaced by the closest year
        covered for both currencies (the earlier one on a tie); ``rate_year`` says which.
        """
        if not isinstance(amount, Decimal):
            raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
        if not amount.is_finite():
            raise DataError(f"amount {amount} is not a finite number")
        source_code, target_code = normalise_currency(currency), normalise_currency(to)
        if source_code == target_code:
            return Converted(
                amount=amount,
                currency=target_code,
                rate=Decimal(1),
                rate_year=year,
                source="same currency: no conversion",
                from_amount=amount,
                from_currency=source_code,
                requested_year=year,
            )
        rate_year = self._year_for(source_code, target_code, year) if nearest else year
        source_rate, target_rate = self.rate(source_code, rate_year), self.rate(target_code, rate_year)
        rate = _ARITHMETIC.divide(target_rate.per_usd, source_rate.per_usd)
        return Converted(
            # multiply before dividing: 9 EUR at 0.9 EUR/USD is exactly 10 USD
            amount=_ARITHMETIC.divide(_ARITHMETIC.multiply(amount, target_rate.per_usd), source_rate.per_usd),
            currency=target_code,
            rate=rate,
            rate_year=rate_year,
            source=(
                f"{source_code} {rate_year}: {source_rate.source} | "
                f"{target_code} {rate_year}: {target_rate.source}"
            ),
            from_amount=amount,
            from_currency=source_code,
            requested_year=year,
            low_confidence=source_rate.low_confidence or target_rate.low_confidence,
            from_per_usd=source_rate.per_usd,
            to_per_usd=target_rate.per_usd,
        )

    def _unknown(self, code: str) -> UnknownCurrency:
        return UnknownCurrency(
            f"unknown currency {code!r}: {self.origin} has rates for {', '.join(self.currencies())}"
        )

    def _year_for(self, source_code: str, target_code: str, year: int) -> int:
        """The covered year closest to ``year`` for both currencies (the US dollar covers every year)."""
        legs = [code for code in (source_code, target_code) if code != BASE_CURRENCY]
        for code in legs:
            if code not in self._years:
                raise self._unknown(code)
        covered = set(self._years[legs[0]]).intersection(*(self._years[code] for code in legs[1:]))
        if not covered:
            raise RateNotAvailable(
                f"no year in {self.origin} has rates for both {source_code} "
                f"({_spans(self._years[source_code])}) and {target_code} ({_spans(self._years[target_code])})"
            )
        return min(covered, key=lambda y: (abs(y - year), y))


def convert(
    amount: Decimal,
    currency: str,
    year: int,
    to: str,
    *,
    nearest: bool = False,
    rates: ExchangeRates | None = None,
) -> Converted:
    """Convert with the shipped table (or ``rates``); see :meth:`ExchangeRates.convert`."""
    return (rates or ExchangeRates.shipped()).convert(amount, currency, year, to, nearest=nearest)


@cache
def _shipped() -> ExchangeRates:
    return ExchangeRates.from_csv(RATES_FILE)


def _spans(years: list[int]) -> str:
    """[2015, 2016, 2017, 2020] → ``2015–2017, 2020``."""
    spans: list[str] = []
    start = previous = years[0]
    for year in [*years[1:], None]:
        if year is not None and year == previous + 1:
            previous = year
            continue
        spans.append(str(start) if start == previous else f"{start}–{previous}")
        if year is not None:
            start = previous = year
    return ", ".join(spans)


def _read_rates(path: Path) -> list[Rate]:
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                raise DataError(f"{name}: empty file: expected the columns {', '.join(COLUMNS)}")
            missing = [column for column in COLUMNS if column not in reader.fieldnames]
            if missing:
                raise DataError(
                    f"{name}: missing columns: {', '.join(missing)} (expected {', '.join(COLUMNS)})"
                )
            rates: list[Rate] = []
            first_row: dict[tuple[str, int], int] = {}
            for row_number, row in enumerate(reader, start=2):
                rate = _parse_row(name, row_number, row)
                key = (rate.currency, rate.year)
                if key in first_row:
                    raise DataError(
                        f"{name}: row {row_number}: field year: {rate.currency} {rate.year} "
                        f"is already given in row {first_row[key]}"
                    )
                first_row[key] = row_number
                rates.append(rate)
    except OSError as exc:
        raise DataError(f"{name}: cannot read the exchange-rate table: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text: {exc}") from exc
    if not rates:
        raise DataError(f"{name}: no rows after the header")
    return rates


def _parse_row(name: str, row_number: int, row: dict[str, str | None]) -> Rate:
    def field(column: str) -> str:
        return (row.get(column) or "").strip()

    def fail(column: str, problem: str) -> DataError:
        return DataError(f"{name}: row {row_number}: field {column}: {problem}")

    raw_currency = field("currency")
    try:
        currency = normalise_currency(raw_currency)
    except InvalidCurrency:
        raise fail("currency", f"{raw_currency!r} is not a three-letter currency code") from None
    year_text = field("year")
    if not _YEAR.fullmatch(year_text):
        raise fail("year", f"{year_text!r} is not a four-digit year")
    per_usd_text = field("per_usd")
    try:
        per_usd = Decimal(per_usd_text)
    except InvalidOperation:
        raise fail(
            "per_usd", f"{per_usd_text!r} is not a number (use a dot, no thousands separator)"
        ) from None
    if not per_usd.is_finite() or per_usd <= 0:
        raise fail("per_usd", f"{per_usd_text!r} must be a positive number")
    if currency == BASE_CURRENCY and per_usd != 1:
        raise fail("per_usd", f"the US dollar is the base currency: expected 1, got {per_usd_text!r}")
    flag = field("low_confidence").lower()
    if flag not in ("true", "false"):
        raise fail("low_confidence", f"{field('low_confidence')!r} must be true or false")
    source = field("source")
    if not source:
        raise fail("source", "required: say where the rate comes from")
    return Rate(currency, int(year_text), per_usd, flag == "true", source)
