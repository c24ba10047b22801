"""Checking the rows of a factor set (``rows.csv``), one rule at a time, every problem reported.

The rules (each problem names file, row and field):

- ``category`` is in ``categories.csv``; ``impact`` is in the impacts table (or the set's own);
- ``measure``, ``basis``, ``phase``, ``distribution``, ``confidence`` take their listed values;
- ``value_unit`` parses with pint and has the dimension of the impact's canonical unit (kg and t
  are fine, kg and kWh are refused); ``functional_unit`` parses and converts to the category's
  functional unit (``per_functional_unit`` and ``baseline_vs_labelled``), or is empty / the spend
  currency (``per_spend``);
- ``low <= central <= high``; ``baseline`` and ``labelled`` only for ``baseline_vs_labelled``,
  where ``baseline >= labelled`` and ``central``, if given, equals ``baseline - labelled``;
  footprints are not negative;
- ``spend_currency`` (ISO 4217) and ``spend_year`` exactly when ``basis=per_spend``;
- ``per_year=true`` only for ``phase=use``, and then ``lifetime_years`` is required; a one-off
  use-phase value (paint VOC released on application) needs no lifetime;
- a ``distribution`` other than ``none`` needs ``low < high``;
- ``source_ids`` name sources of the set's metadata; ``assumption`` and ``derivation`` are given;
- no two rows share category, impact, measure, basis and phase.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from ecoprocure.domain.factor_files import Category, Problem, parse_decimal
from ecoprocure.domain.factor_model import (
    BASES,
    CONFIDENCES,
    DISTRIBUTIONS,
    MEASURES,
    PHASES,
    Basis,
    FactorRow,
    FactorSetInfo,
    FactorUnitError,
    Impact,
    Measure,
    Phase,
    dimension,
    same_dimension,
)

COLUMNS = (
    "category",
    "impact",
    "measure",
    "basis",
    "phase",
    "functional_unit",
    "value_unit",
    "low",
    "central",
    "high",
    "baseline",
    "labelled",
    "spend_currency",
    "spend_year",
    "per_year",
    "lifetime_years",
    "distribution",
    "confidence",
    "assumption",
    "source_ids",
    "derivation",
)
OPTIONAL_COLUMNS = ("measure",)  # defaults to "reduction"
CURRENCY = re.compile(r"^[A-Z]{3}$")
T = TypeVar("T", bound=str)


class _Cells:
    """One CSV row: typed reads that record a :class:`Problem` instead of raising."""

    def __init__(self, row: Mapping[str, str | None], file: str, line: int, problems: list[Problem]) -> None:
        self.row, self.file, self.line, self.problems = row, file, line, problems
        self.failed = False

    def bad(self, field: str, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.file, self.line, field, message))

    def text(self, field: str) -> str:
        return (self.row.get(field) or "").strip()

    def choice(self, field: str, allowed: tuple[T, ...], default: T | None = None) -> T | None:
        value = self.text(field) or default
        for option in allowed:
            if value == option:
                return option
        self.bad(field, f"{value!r} is not allowed; use one of {', '.join(allowed)}" if value else "required")
        return None

    def number(self, field: str, *, required: bool) -> Decimal | None:
        text = self.text(field)
        if not text:
            if required:
                self.bad(field, "required")
            return None
        try:
            return parse_decimal(text)
        except ValueError as exc:
            self.bad(field, str(exc))
            return None

    def boolean(self, field: str, default: bool | None = None) -> bool | None:
        text = self.text(field).lower()
        if not text and default is not None:
            return default
        if text in ("true", "false"):
            return text == "true"
        self.bad(field, f"{self.text(field)!r} is not true or false" if text else "required: true or false")
        return None

    def forbid(self, field: str, reason: str) -> None:
        if self.text(field):
            self.bad(field, f"must be empty: {reason}")


def _units(
    cells: _Cells, basis: Basis, impact: Impact | None, category: Category | None
) -> tuple[str | None, str]:
    value_unit = cells.text("value_unit")
    try:
        if not value_unit:
            cells.bad("value_unit", "required (a pint unit such as kg, g, kWh, m**3)")
        elif impact is not None and not same_dimension(value_unit, impact.canonical_unit):
            cells.bad(
                "value_unit",
                f"{value_unit!r} ({dimension(value_unit)}) does not convert to {impact.code}'s unit "
                f"{impact.canonical_unit!r} ({dimension(impact.canonical_unit)})",
            )
    except FactorUnitError as exc:
        cells.bad("value_unit", str(exc))
    unit = cells.text("functional_unit") or None
    if basis == "per_spend":
        currency = cells.text("spend_currency")
        if unit is not None and unit != currency:
            cells.bad(
                "functional_unit", f"leave it empty for per_spend (the unit is spend_currency {currency!r})"
            )
        return None, value_unit
    if unit is None:
        cells.bad("functional_unit", f"required for basis={basis} (e.g. piece, kg, t, L, m2)")
        return None, value_unit
    if category is None:
        return unit, value_unit
    if category.functional_unit is None:
        cells.bad(
            "category", f"{category.code} is a grouping node without a functional unit; use basis=per_spend"
        )
        return unit, value_unit
    try:
        if not same_dimension(unit, category.functional_unit):
            cells.bad(
                "functional_unit",
                f"{unit!r} ({dimension(unit)}) does not convert to {category.code}'s functional unit "
                f"{category.functional_unit!r} ({dimension(category.functional_unit)})",
            )
    except FactorUnitError as exc:
        cells.bad("functional_unit", str(exc))
    return unit, value_unit


def _numbers(cells: _Cells, basis: Basis, measure: Measure | None) -> tuple[Decimal | None, ...]:
    """low, central, high, baseline, labelled — filled in for baseline_vs_labelled."""
    if basis != "baseline_vs_labelled":
        for name in ("baseline", "labelled"):
            cells.forbid(name, "baseline and labelled are only used with basis=baseline_vs_labelled")
        low, central, high = (cells.number(n, required=True) for n in ("low", "central", "high"))
        baseline = labelled = None
    else:
        baseline, labelled = cells.number("baseline", required=True), cells.number("labelled", required=True)
        low, central, high = (cells.number(n, required=False) for n in ("low", "central", "high"))
        if measure == "footprint":
            cells.bad("basis", "baseline_vs_labelled gives a reduction; use measure=reduction")
        if baseline is not None and labelled is not None:
            if baseline < labelled:
                cells.bad("labelled", f"labelled {labelled} is above baseline {baseline}: not a reduction")
            difference = baseline - labelled
            if central is not None and abs(central - difference) > abs(difference) * Decimal("1e-9"):
                cells.bad(
                    "central", f"{central} is not baseline - labelled = {difference} (or leave it empty)"
                )
            central = difference if central is None else central
            low = central if low is None else low
            high = central if high is None else high
    if low is not None and central is not None and high is not None:
        if not low <= central <= high:
            cells.bad("central", f"low <= central <= high does not hold ({low}, {central}, {high})")
        if measure == "footprint" and low < 0:
            cells.bad("low", f"a footprint cannot be negative ({low})")
    return low, central, high, baseline, labelled


def _spend(cells: _Cells, basis: Basis) -> tuple[str | None, int | None]:
    if basis != "per_spend":
        for name in ("spend_currency", "spend_year"):
            cells.forbid(name, "only used with basis=per_spend")
        return None, None
    currency, year_text = cells.text("spend_currency"), cells.text("spend_year")
    if not CURRENCY.match(currency):
        cells.bad(
            "spend_currency",
            f"{currency!r} is not an ISO 4217 code (e.g. USD, CNY)" if currency else "required",
        )
    year = int(year_text) if year_text.isdigit() and 1900 <= int(year_text) <= 2100 else None
    if year is None:
        cells.bad(
            "spend_year",
            f"{year_text!r} is not a year (the price year of the currency)" if year_text else "required",
        )
    return currency or None, year


def _use(cells: _Cells, phase: Phase | None) -> tuple[bool | None, Decimal | None]:
    per_year = cells.boolean("per_year", default=False)
    lifetime = cells.number("lifetime_years", required=False)
    if per_year and phase != "use":
        cells.bad("per_year", f"annual values only make sense for phase=use, not {phase}")
    if per_year and lifetime is None:
        cells.bad("lifetime_years", "required when per_year=true (years over which the annual value runs)")
    if lifetime is not None and lifetime <= 0:
        cells.bad("lifetime_years", f"{lifetime} is not a positive number of years")
    if lifetime is not None and phase != "use":
        cells.bad("lifetime_years", f"only used with phase=use, not {phase}")
    return per_year, lifetime


def _sources(cells: _Cells, info: FactorSetInfo) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in cells.text("source_ids").split(";") if part.strip())
    known = {s.id for s in info.sources}
    if not ids:
        cells.bad("source_ids", "required: ';'-separated ids of the metadata's [[sources]]")
    for source_id in ids:
        if source_id not in known:
            cells.bad(
                "source_ids",
                f"{source_id!r} is not a source of {info.name}; known: {', '.join(sorted(known))}",
            )
    return ids


def check_row(
    cells: _Cells, info: FactorSetInfo, impacts: Mapping[str, Impact], categories: Mapping[str, Category]
) -> FactorRow | None:
    """The row as a :class:`FactorRow`, or ``None`` with its problems recorded in ``cells``."""
    code, impact_code = cells.text("category"), cells.text("impact")
    category, impact = categories.get(code), impacts.get(impact_code)
    if category is None:
        cells.bad("category", f"unknown category {code!r}; see categories.csv" if code else "required")
    if impact is None:
        known = ", ".join(sorted(impacts))
        cells.bad("impact", f"unknown impact {impact_code!r}; known: {known}" if impact_code else "required")
    measure = cells.choice("measure", MEASURES, default="reduction")
    basis, phase = cells.choice("basis", BASES), cells.choice("phase", PHASES)
    distribution = cells.choice("distribution", DISTRIBUTIONS, default="none")
    confidence = cells.choice("confidence", CONFIDENCES)
    assumption = cells.boolean("assumption")
    if basis is None:
        return None
    functional_unit, value_unit = _units(cells, basis, impact, category)
    low, central, high, baseline, labelled = _numbers(cells, basis, measure)
    currency, year = _spend(cells, basis)
    per_year, lifetime = _use(cells, phase)
    source_ids = _sources(cells, info)
    derivation = cells.text("derivation")
    if not derivation:
        cells.bad("derivation", "required: the arithmetic in words, with each number's origin")
    if distribution not in (None, "none") and low is not None and high is not None and not low < high:
        cells.bad("distribution", f"{distribution} needs low < high; use distribution=none for a point value")
    if cells.failed:
        return None
    assert (
        measure and phase and distribution and confidence and assumption is not None and per_year is not None
    )
    assert low is not None and central is not None and high is not None
    return FactorRow(
        cells.line, code, impact_code, measure, basis, phase, functional_unit, value_unit, low, central, high,
        baseline, labelled, currency, year, per_year, lifetime, distribution, confidence, assumption,
        source_ids, derivation,
    )  # fmt: skip


def _header_problems(file: str, header: list[str]) -> list[Problem]:
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [c for c in header if c not in COLUMNS]
    problems = []
    if missing:
        problems.append(Problem(file, 1, None, f"missing columns: {', '.join(missing)}"))
    if unknown:
        allowed = ", ".join(COLUMNS)
        problems.append(Problem(file, 1, None, f"unknown columns: {', '.join(unknown)}; allowed: {allowed}"))
    return problems


def read_rows(
    path: Path, info: FactorSetInfo, impacts: Mapping[str, Impact], categories: Mapping[str, Category]
) -> tuple[list[FactorRow], list[Problem]]:
    """Every checked row of ``path`` and every problem found (an empty list when all is well)."""
    problems: list[Problem] = []
    rows: list[FactorRow] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            problems += _header_problems(path.name, list(reader.fieldnames or []))
            if problems:
                return [], problems
            seen: dict[tuple[str, ...], int] = {}
            for line, raw in enumerate(reader, start=2):
                row = check_row(_Cells(raw, path.name, line, problems), info, impacts, categories)
                if row is not None and row.key in seen:
                    duplicate = f"same category, impact, measure, basis and phase as row {seen[row.key]}"
                    problems.append(Problem(path.name, line, None, duplicate))
                elif row is not None:
                    seen[row.key] = line
                    rows.append(row)
    except FileNotFoundError:
        problems.append(Problem(path.name, None, None, f"no rows file {path.name} in {path.parent}"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(path.name, None, None, f"cannot read: {exc}"))
    if not rows and not problems:
        problems.append(Problem(path.name, None, None, "no rows: a factor set needs at least one"))
    return rows, problems
