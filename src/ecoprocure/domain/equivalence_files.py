"""Reading and checking the equivalence and price tables (CSV; format in ``docs/equivalences.md``).

Every row is checked and every problem reported at once, each with file, row and field, as
:class:`~ecoprocure.domain.equivalence_model.EquivalenceDataError`: unknown columns or impacts,
numbers that are not numbers or not positive, ``low <= value <= high`` broken, units pint cannot
read, a constant whose unit does not turn the impact into its result unit (a CO2 total with an SO2
constant), a price ``per`` of the wrong dimension, a bad currency or year, a missing source, a
duplicate id. A row without a value must say in ``notes`` what was searched and not found.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from ecoprocure.domain.equivalence_model import (
    Citation,
    EquivalenceConstant,
    EquivalenceDataError,
    Price,
    PriceKind,
)
from ecoprocure.domain.factor_files import Problem, parse_decimal, shipped_impacts
from ecoprocure.domain.factor_model import (
    CONFIDENCES,
    Confidence,
    FactorUnitError,
    Impact,
    dimension,
    parse_unit,
)
from ecoprocure.domain.money import InvalidCurrency, normalise_currency
from ecoprocure.domain.units import unit_registry
from ecoprocure.errors import DataError

CITATION = ("source", "locator", "url", "confidence", "derived", "notes")
EQUIVALENCE_COLUMNS = (
    *("id", "impact", "value", "low", "high", "unit", "unit_label", "result_unit", "result_label"),
    *("year", "region", *CITATION),
)
PRICE_COLUMNS = (
    *("id", "impacts", "price", "low", "high", "currency", "per", "per_label", "year", "period"),
    *("market", "basis", *CITATION),
)
# Columns that may be left empty (everything else is required on every row).
EQUIVALENCE_OPTIONAL = frozenset({"low", "high", "region", "locator", "url", "derived", "notes"})
PRICE_OPTIONAL = frozenset(
    {"low", "high", "per_label", "period", "basis", "locator", "url", "derived", "notes"}
)
# A row without a value ("not in the public record") needs only these, plus its notes.
UNAVAILABLE_REQUIRED = frozenset({"id", "impact", "impacts", "year", "source", "confidence", "notes"})

_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_YEAR = re.compile(r"[0-9]{4}")

R = TypeVar("R")


def read_equivalences(path: Path, impacts: Mapping[str, Impact] | None = None) -> list[EquivalenceConstant]:
    """Every row of an equivalences file, checked (``impacts`` defaults to the shipped table)."""
    return _read(path, EQUIVALENCE_COLUMNS, EQUIVALENCE_OPTIONAL, _equivalence_row, impacts)


def read_prices(path: Path, kind: PriceKind, impacts: Mapping[str, Impact] | None = None) -> list[Price]:
    """Every row of a carbon-price or shadow-price file, checked."""

    def parse(row: _Row, known: Mapping[str, Impact]) -> Price | None:
        return _price_row(row, known, kind)

    return _read(path, PRICE_COLUMNS, PRICE_OPTIONAL, parse, impacts)


class _Row:
    """One CSV row: typed access to its fields, recording problems against file and row."""

    def __init__(
        self, file: str, line: int, values: Mapping[str, str | None], problems: list[Problem]
    ) -> None:
        self.file, self.line, self.problems = file, line, problems
        self.values = {k: (v or "").strip() for k, v in values.items() if k is not None}
        self.count = len(problems)

    @property
    def ok(self) -> bool:
        return len(self.problems) == self.count

    def bad(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, field, message))

    def text(self, field: str) -> str:
        return self.values.get(field, "")

    def number(self, field: str) -> Decimal | None:
        text = self.text(field)
        if not text:
            return None
        try:
            return parse_decimal(text)
        except ValueError as exc:
            self.bad(field, str(exc))
            return None

    def unit(self, field: str) -> str:
        text = self.text(field)
        if text:
            try:
                parse_unit(text)
            except FactorUnitError as exc:
                self.bad(field, str(exc))
        return text

    def year(self) -> int:
        text = self.text("year")
        if not _YEAR.fullmatch(text) or not 1900 <= int(text) <= 2100:
            self.bad("year", f"{text!r} is not a year (four digits, such as 2021)")
            return 0
        return int(text)

    def cited(self) -> Citation:
        confidence = self.text("confidence")
        if confidence not in CONFIDENCES:
            self.bad("confidence", f"{confidence!r} is not one of {', '.join(CONFIDENCES)}")
        derived = self.text("derived").lower() or "false"
        if derived not in ("true", "false"):
            self.bad("derived", f"{self.text('derived')!r} must be true, false or empty")
        if not (self.text("locator") or self.text("url")):
            self.bad("locator", "give a locator (table, page, file) or a url, or both")
        return Citation(
            source=self.text("source"),
            locator=self.text("locator"),
            url=self.text("url"),
            confidence=_confidence(confidence),
            derived=derived == "true",
            notes=self.text("notes"),
            origin=self.file,
            line=self.line,
        )

    def range(self, value_field: str) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """low / value / high: positive, ``low <= value <= high``; an empty value needs empty low/high."""
        low, value, high = self.number("low"), self.number(value_field), self.number("high")
        if value is None:
            for field, given in (("low", low), ("high", high)):
                if given is not None:
                    self.bad(field, f"given without a {value_field}")
            return None, None, None
        for field, given in (("low", low), (value_field, value), ("high", high)):
            if given is not None and given <= 0:
                self.bad(field, f"must be positive, got {given}")
        if (low is not None and low > value) or (high is not None and high < value):
            self.bad(value_field, f"expected low <= {value_field} <= high, got {low} / {value} / {high}")
        return low, value, high


def _confidence(text: str) -> Confidence:
    """The confidence mark (an unknown one is reported by the row and read as L meanwhile)."""
    for mark in CONFIDENCES:
        if mark == text:
            return mark
    return "L"


def _read(
    path: Path,
    columns: tuple[str, ...],
    optional: frozenset[str],
    parse: Callable[[_Row, Mapping[str, Impact]], R | None],
    impacts: Mapping[str, Impact] | None,
) -> list[R]:
    """Every row of ``path`` parsed; all problems raised together as :class:`EquivalenceDataError`."""
    known = impacts if impacts is not None else shipped_impacts()
    problems: list[Problem] = []
    rows: list[R] = []
    seen: dict[str, int] = {}
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            missing = [c for c in columns if c not in header]
            unknown = [c for c in header if c not in columns]
            if missing or unknown:
                detail = []
                if missing:
                    detail.append(f"missing {', '.join(missing)}")
                if unknown:
                    detail.append(f"unknown {', '.join(unknown)}")
                raise EquivalenceDataError(
                    name,
                    [Problem(name, 1, None, f"columns: {'; '.join(detail)} (expected {', '.join(columns)})")],
                )
            for line, values in enumerate(reader, start=2):
                row = _Row(name, line, values, problems)
                _required(row, columns, optional)
                parsed = parse(row, known)
                ident = row.text("id")
                if ident in seen:
                    row.bad("id", f"{ident!r} is already used in row {seen[ident]}")
                seen.setdefault(ident, line)
                if parsed is not None and row.ok:
                    rows.append(parsed)
    except OSError as exc:
        raise DataError(f"{name}: cannot read the file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: not UTF-8 text: {exc}") from exc
    if problems:
        raise EquivalenceDataError(name, problems)
    if not rows:
        raise EquivalenceDataError(name, [Problem(name, None, None, "no rows after the header")])
    return rows


def _required(row: _Row, columns: tuple[str, ...], optional: frozenset[str]) -> None:
    available = bool(row.text("value") or row.text("price"))
    for column in columns:
        needed = column not in optional if available else column in UNAVAILABLE_REQUIRED
        if needed and not row.text(column):
            hint = " (a row without a value must say in notes what was searched and not found)"
            row.bad(column, "required" + (hint if column == "notes" else ""))
    ident = row.text("id")
    if ident and not _ID.fullmatch(ident):
        row.bad("id", f"{ident!r}: use lower-case letters, digits, '.', '_' and '-'")


def _impact(row: _Row, field: str, code: str, known: Mapping[str, Impact]) -> Impact | None:
    impact = known.get(code)
    if impact is None and code:
        row.bad(field, f"unknown impact {code!r}; known: {', '.join(known)}")
    return impact


def _equivalence_row(row: _Row, known: Mapping[str, Impact]) -> EquivalenceConstant | None:
    impact = _impact(row, "impact", row.text("impact"), known)
    low, value, high = row.range("value")
    unit, result_unit = row.unit("unit"), row.unit("result_unit")
    year, cited = row.year(), row.cited()
    if impact is not None and value is not None and row.ok and unit and result_unit:
        _check_dimensions(row, impact, unit, result_unit)
    return EquivalenceConstant(
        id=row.text("id"),
        impact=row.text("impact"),
        value=value,
        low=low,
        high=high,
        unit=unit,
        unit_label=row.text("unit_label"),
        result_unit=result_unit,
        result_label=row.text("result_label"),
        year=year,
        region=row.text("region"),
        citation=cited,
    )


def _check_dimensions(row: _Row, impact: Impact, unit: str, result_unit: str) -> None:
    """``impact's unit ÷ unit`` must have the dimension of ``result_unit``."""
    quotient = parse_unit(impact.canonical_unit) / parse_unit(unit)
    if quotient.dimensionality != parse_unit(result_unit).dimensionality:
        row.bad(
            "unit",
            f"{impact.code} ({impact.canonical_unit}, {dimension(impact.canonical_unit)}) ÷ {unit!r} "
            f"does not give {result_unit!r} ({dimension(result_unit)}): is the constant for another impact?",
        )


def _price_row(row: _Row, known: Mapping[str, Impact], kind: PriceKind) -> Price | None:
    codes = tuple(c.strip() for c in row.text("impacts").split(";") if c.strip())
    impacts = [_impact(row, "impacts", code, known) for code in codes]
    low, price, high = row.range("price")
    currency = row.text("currency")
    if currency:
        try:
            currency = normalise_currency(currency)
        except InvalidCurrency as exc:
            row.bad("currency", str(exc))
    per = row.text("per")
    if per:
        _check_per(row, per, [i for i in impacts if i is not None])
    return Price(
        id=row.text("id"),
        kind=kind,
        impacts=codes,
        price=price,
        low=low,
        high=high,
        currency=currency,
        per=per,
        per_label=row.text("per_label"),
        year=row.year(),
        period=row.text("period"),
        market=row.text("market"),
        basis=row.text("basis"),
        citation=row.cited(),
    )


def _check_per(row: _Row, per: str, impacts: list[Impact]) -> None:
    """``per`` is a positive quantity (``t``, ``0.95 kg``) of each impact's dimension."""
    import pint

    try:
        quantity: pint.Quantity[Decimal] = unit_registry().Quantity(per)
    except (pint.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        row.bad("per", f"{per!r} is not a quantity pint can read ({exc})")
        return
    if not quantity.magnitude > 0:
        row.bad("per", f"{per!r} must be positive")
    for impact in impacts:
        if quantity.dimensionality != parse_unit(impact.canonical_unit).dimensionality:
            row.bad(
                "per",
                f"{per!r} ({dimension(str(quantity.units))}) does not measure {impact.code} "
                f"({impact.canonical_unit}, {dimension(impact.canonical_unit)})",
            )
