"""Conversion factors into the reporting currency, one row per currency and purchase year.

The exchange-rate table is small (a few dozen currencies, annual averages), so the rules of
``domain.money`` (rates through the US dollar; with the ``nearest`` policy a year the table does
not cover takes the closest covered year) run in Python once per (currency, year) and the result
joins to millions of items as a small table, on any engine. ``rate_year`` records which year's
rates were used, so a figure converted at another year's rates can be counted and shown.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ecoprocure.domain.money import ExchangeRates, RateNotAvailable, UnknownCurrency

RATE_POLICIES = ("nearest", "exact")
FIRST_YEAR, LAST_YEAR = 1990, 2100  # the purchase years the pipeline accepts (normalise.MIN_YEAR …)


def load_rates(path: Path | None = None) -> ExchangeRates:
    """The shipped, sourced table, with the user's own table laid over it when given (its rows
    win). Every row is checked (``domain.money``)."""
    rates = ExchangeRates.shipped()
    return rates.updated(ExchangeRates.from_csv(path)) if path is not None else rates


def conversion_table(rates: ExchangeRates, reporting: str, *, policy: str = "nearest") -> pa.Table:
    """``currency, year, factor, rate_year``: 1 unit of ``currency`` bought in ``year`` is
    ``factor`` units of ``reporting``. Pairs without a usable rate are left out (the items stay
    unconverted and are reported)."""
    if policy not in RATE_POLICIES:
        raise ValueError(f"unknown rate policy {policy!r}; use one of {', '.join(RATE_POLICIES)}")
    reporting = reporting.upper()
    if reporting not in rates.currencies():
        raise UnknownCurrency(
            f"reporting currency {reporting!r} is not in the exchange-rate table; "
            f"known: {', '.join(rates.currencies())} (add rates with --rates FILE)"
        )
    columns: dict[str, list[object]] = {"currency": [], "year": [], "factor": [], "rate_year": []}
    for currency in rates.currencies():
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            try:
                converted = rates.convert(Decimal(1), currency, year, reporting, nearest=policy == "nearest")
            except RateNotAvailable:
                continue
            columns["currency"].append(currency)
            columns["year"].append(year)
            columns["factor"].append(float(converted.amount))  # the engines multiply in floating point
            columns["rate_year"].append(converted.rate_year)
    return pa.table(
        {
            "currency": pa.array(columns["currency"], pa.string()),
            "year": pa.array(columns["year"], pa.int32()),
            "factor": pa.array(columns["factor"], pa.float64()),
            "rate_year": pa.array(columns["rate_year"], pa.int32()),
        }
    )
