"""Environmental-benefit factor sets: the types, and the unit arithmetic that turns a row into numbers.

A *factor set* (:class:`FactorSet`) is versioned, sourced data: metadata (:class:`FactorSetInfo`,
with its :class:`Source` list) and rows (:class:`FactorRow`). A row gives, for one category and one
impact, either a value per functional unit, a value per unit of spend, or a baseline and a labelled
value (the reduction is their difference), with low / central / high values. Reading and checking
the files is :mod:`ecoprocure.domain.factor_files`; the format is documented in ``docs/factors.md``.

:meth:`FactorSet.values` returns a row's low / central / high as pint quantities in the impact's
canonical unit (kg, kWh, m³ …) per *one* functional unit of the row's category (as named in
``categories.csv``), or per one unit of the row's spend currency, so the benefit computation needs
no unit logic: multiply by the quantity bought (in the category's unit) or by the spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Context, Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ecoprocure.domain.units import unit_registry
from ecoprocure.errors import DataError

if TYPE_CHECKING:
    import pint

ImpactType = Literal["air", "water", "resource", "energy", "waste", "climate"]
Basis = Literal["per_functional_unit", "per_spend", "baseline_vs_labelled"]
Phase = Literal["production", "use", "end_of_life"]
Distribution = Literal["none", "uniform", "triangular", "normal"]
Measure = Literal["reduction", "footprint"]
Confidence = Literal["H", "M", "L"]

IMPACT_TYPES: tuple[ImpactType, ...] = ("air", "water", "resource", "energy", "waste", "climate")
BASES: tuple[Basis, ...] = ("per_functional_unit", "per_spend", "baseline_vs_labelled")
PHASES: tuple[Phase, ...] = ("production", "use", "end_of_life")
DISTRIBUTIONS: tuple[Distribution, ...] = ("none", "uniform", "triangular", "normal")
MEASURES: tuple[Measure, ...] = ("reduction", "footprint")
CONFIDENCES: tuple[Confidence, ...] = ("H", "M", "L")

# The functional-unit labels of categories.csv that pint does not read as they are.
UNIT_LABELS: dict[str, str] = {
    "piece": "unece_piece",
    "set": "unece_set",
    "service-year": "service_year",
    "m2": "meter ** 2",
    "m3": "meter ** 3",
    "t": "metric_ton",
    "L": "liter",
}


class FactorUnitError(DataError):
    """A unit text that pint cannot read, or two units that do not convert."""


def unit_expression(text: str) -> str:
    """The pint expression for a unit as written in a factor set or ``categories.csv``."""
    stripped = text.strip()
    return UNIT_LABELS.get(stripped, stripped)


@cache
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit (``kg``, ``g/L``, ``kWh``, ``m**3``, ``piece``, ``t`` …) with the project's registry."""
    import pint

    expression = unit_expression(text)
    if not expression:
        raise FactorUnitError("empty unit")
    try:
        unit = unit_registry().parse_units(expression)
    except (pint.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        raise FactorUnitError(f"{text!r} is not a unit pint can read ({exc})") from exc
    return unit


# Dimensions named in words in messages; anything else is spelt out by pint.
NAMED_DIMENSIONS = {
    "kilogram": "mass",
    "kilowatt_hour": "energy",
    "meter ** 3": "volume",
    "meter ** 2": "area",
    "meter": "length",
    "second": "time",
    "unece_piece": "count",
    "unece_set": "sets",
    "service_year": "service-years",
    "kilogram / meter ** 3": "mass per volume",
}


def dimension(text: str) -> str:
    """``"kWh"`` → ``"energy"``, ``"g/L"`` → ``"mass per volume"``: a unit's dimension in words."""
    dimensionality = parse_unit(text).dimensionality
    for unit, name in NAMED_DIMENSIONS.items():
        if parse_unit(unit).dimensionality == dimensionality:
            return name
    words = str(dimensionality).replace("[unece_count]", "count").replace("[unece_set_count]", "sets")
    return words.replace("[", "").replace("]", "") or "dimensionless"


def same_dimension(a: str, b: str) -> bool:
    return bool(parse_unit(a).dimensionality == parse_unit(b).dimensionality)


def _clean(value: object) -> Decimal:
    """A pint magnitude as a Decimal without conversion noise (1000 × 0.001 = 1.000…0001)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    number = Context(prec=25).plus(number).normalize()
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


@dataclass(frozen=True)
class Impact:
    """An impact (pollutant, resource, waste, energy): its type and the unit results are given in."""

    code: str
    type: ImpactType
    canonical_unit: str
    name_en: str
    name_zh: str = ""
    description: str = ""


@dataclass(frozen=True)
class Source:
    """One source a factor set cites; rows name it by ``id``."""

    id: str
    title: str
    publisher: str
    year: int | None = None
    url: str | None = None
    locator: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FactorSetInfo:
    """A factor set's metadata (``factor-set.toml``)."""

    name: str
    version: str
    region: str
    valid_from: int
    valid_to: int
    description: str
    licence: str
    sources: tuple[Source, ...]
    folder: Path
    origin: str = "path"  # "shipped", "user" (under $ECOPROCURE_HOME/factors) or "path"

    def covers(self, year: int) -> bool:
        """Whether purchases of ``year`` fall in the set's valid years."""
        return self.valid_from <= year <= self.valid_to

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)


@dataclass(frozen=True)
class FactorRow:
    """One row of a factor set, checked (see :mod:`ecoprocure.domain.factor_files`).

    ``low``, ``central`` and ``high`` are in ``value_unit`` per ``functional_unit`` (or per one unit of
    ``spend_currency``). For ``basis="baseline_vs_labelled"`` they are the reduction
    ``baseline - labelled``; the file may leave them empty and they are filled in. ``line`` is the
    row's number in the CSV file (the header is line 1).
    """

    line: int
    category: str
    impact: str
    measure: Measure
    basis: Basis
    phase: Phase
    functional_unit: str | None
    value_unit: str
    low: Decimal
    central: Decimal
    high: Decimal
    baseline: Decimal | None
    labelled: Decimal | None
    spend_currency: str | None
    spend_year: int | None
    per_year: bool
    lifetime_years: Decimal | None
    distribution: Distribution
    confidence: Confidence
    assumption: bool
    source_ids: tuple[str, ...]
    derivation: str

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """What makes a row unique in a set: category, impact, measure, basis, phase."""
        return (self.category, self.impact, self.measure, self.basis, self.phase)


@dataclass(frozen=True)
class FactorValues:
    """A row's low / central / high as pint quantities, ready to multiply.

    Each quantity is in ``unit`` (the impact's canonical unit unless converted with :meth:`to`) for
    one ``per`` — one functional unit of the category (``per_kind="functional_unit"``, ``per`` e.g.
    ``"piece"`` or ``"t"``) or one unit of money (``per_kind="spend"``, ``per`` the currency code,
    ``per_year`` its price year). ``annual`` values are per year of use over ``lifetime_years``.
    """

    impact: str
    measure: Measure
    unit: str
    low: pint.Quantity[Decimal]
    central: pint.Quantity[Decimal]
    high: pint.Quantity[Decimal]
    per_kind: Literal["functional_unit", "spend"]
    per: str
    per_year: int | None = None
    annual: bool = False
    lifetime_years: Decimal | None = None
    distribution: Distribution = "none"
    row_line: int = field(default=0, compare=False)

    def magnitudes(self) -> tuple[Decimal, Decimal, Decimal]:
        return (_clean(self.low.magnitude), _clean(self.central.magnitude), _clean(self.high.magnitude))

    def to(self, unit: str) -> FactorValues:
        """The same values in another unit of the same dimension (``kg`` → ``t``)."""
        import pint

        target = parse_unit(unit)
        try:
            low, central, high = (q.to(target) for q in (self.low, self.central, self.high))
        except pint.DimensionalityError as exc:
            raise FactorUnitError(
                f"cannot express {self.impact} in {unit} ({dimension(unit)}): it is in "
                f"{self.unit} ({dimension(self.unit)})"
            ) from exc
        registry = unit_registry()
        return replace(
            self,
            unit=unit,
            low=registry.Quantity(_clean(low.magnitude), target),
            central=registry.Quantity(_clean(central.magnitude), target),
            high=registry.Quantity(_clean(high.magnitude), target),
        )

    def over_lifetime(self) -> FactorValues:
        """Annual values times the lifetime (values that are not annual come back unchanged)."""
        if not self.annual or self.lifetime_years is None:
            return self
        years = self.lifetime_years
        return replace(
            self, low=self.low * years, central=self.central * years, high=self.high * years, annual=False
        )


def row_values(row: FactorRow, impact: Impact, category_unit: str | None) -> FactorValues:
    """``row``'s values in ``impact``'s canonical unit per one ``category_unit`` (or per spend unit)."""
    registry = unit_registry()
    target = parse_unit(impact.canonical_unit)
    source = parse_unit(row.value_unit)
    if row.basis == "per_spend":
        per_kind: Literal["functional_unit", "spend"] = "spend"
        per = row.spend_currency or ""
    else:
        if category_unit is None or row.functional_unit is None:
            raise FactorUnitError(f"row {row.line}: {row.category} has no functional unit")
        per_kind, per = "functional_unit", category_unit
        source = source / parse_unit(row.functional_unit)
        target = target / parse_unit(category_unit)
    quantities = []
    for number in (row.low, row.central, row.high):
        converted = registry.Quantity(number, source).to(target)
        quantities.append(registry.Quantity(_clean(converted.magnitude), parse_unit(impact.canonical_unit)))
    low, central, high = quantities
    return FactorValues(
        impact=row.impact,
        measure=row.measure,
        unit=impact.canonical_unit,
        low=low,
        central=central,
        high=high,
        per_kind=per_kind,
        per=per,
        per_year=row.spend_year,
        annual=row.per_year,
        lifetime_years=row.lifetime_years,
        distribution=row.distribution,
        row_line=row.line,
    )


@dataclass(frozen=True)
class FactorSet:
    """A loaded, checked factor set. ``categories`` maps every known category to its functional unit."""

    info: FactorSetInfo
    rows: tuple[FactorRow, ...]
    impacts: dict[str, Impact]
    categories: dict[str, str | None]
    parents: dict[str, str | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def version(self) -> str:
        return self.info.version

    def __len__(self) -> int:
        return len(self.rows)

    def rows_for(
        self, category: str, impact: str | None = None, *, inherit: bool = False
    ) -> tuple[FactorRow, ...]:
        """Rows of ``category`` (and ``impact``). With ``inherit``, the nearest ancestor's rows when
        the category has none (``ict.computer.tablet`` → ``ict.computer``); check ``row.category``."""
        code: str | None = category
        while code is not None:
            found = tuple(r for r in self.rows if r.category == code and impact in (None, r.impact))
            if found or not inherit:
                return found
            code = self.parents.get(code)
        return ()

    def values(self, row: FactorRow) -> FactorValues:
        """``row``'s low / central / high in its impact's canonical unit (see :func:`row_values`)."""
        return row_values(row, self.impacts[row.impact], self.categories.get(row.category))
