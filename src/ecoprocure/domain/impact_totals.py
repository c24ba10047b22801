"""Impact totals as the benefit computation hands them over: low / central / high per impact.

A *total* is what a scope (a year, a region, a buyer …) avoided of one impact, as three pint
quantities in a unit of the impact's dimension (normally its canonical unit from ``impacts.csv``:
kg for CO2 and SO2, kWh for electricity, m³ for water). :func:`check_totals` reads any object with
``low``, ``central`` and ``high`` attributes (the benefit computation's own type,
:class:`~ecoprocure.domain.factor_model.FactorValues`, or :class:`ImpactTotal`), or a single
quantity (then low = central = high), and answers :class:`ImpactTotal` in the canonical unit, or
raises :class:`TotalsError` naming the impact and what is wrong. It is the one door through which
the equivalences, the monetisation and the year-over-year table take their input.

:func:`format_number` writes numbers for the arithmetic shown to people (``1,719,000``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

from ecoprocure.domain.factor_model import Impact, dimension, parse_unit
from ecoprocure.domain.units import unit_registry
from ecoprocure.errors import DataError

if TYPE_CHECKING:
    import pint

Quantity: TypeAlias = "pint.Quantity[Decimal]"

_CLEAN = Context(prec=25)


class TotalsError(DataError):
    """Totals the equivalences, monetisation or year-over-year table cannot use (unknown impact,
    wrong dimension, low above high, not a number)."""


@runtime_checkable
class RangeLike(Protocol):
    """Anything with low / central / high pint quantities."""

    @property
    def low(self) -> Quantity: ...

    @property
    def central(self) -> Quantity: ...

    @property
    def high(self) -> Quantity: ...


@dataclass(frozen=True)
class ImpactTotal:
    """One impact's total for a scope: low <= central <= high, in the impact's canonical unit."""

    low: Quantity
    central: Quantity
    high: Quantity

    @classmethod
    def of(
        cls,
        central: Decimal | int | str,
        unit: str,
        low: Decimal | int | str | None = None,
        high: Decimal | int | str | None = None,
    ) -> ImpactTotal:
        """``ImpactTotal.of("1719000", "t")``: a total from numbers and a unit (low and high: central)."""
        registry = unit_registry()
        parsed = parse_unit(unit)

        def q(value: Decimal | int | str) -> Quantity:
            return registry.Quantity(Decimal(value), parsed)

        return cls(q(central if low is None else low), q(central), q(central if high is None else high))

    def magnitudes(self) -> tuple[Decimal, Decimal, Decimal]:
        return (clean(self.low.magnitude), clean(self.central.magnitude), clean(self.high.magnitude))

    def to(self, unit: str) -> ImpactTotal:
        """The same total in another unit of the same dimension."""
        target = parse_unit(unit)
        registry = unit_registry()
        low, central, high = (
            registry.Quantity(clean(q.to(target).magnitude), target)
            for q in (self.low, self.central, self.high)
        )
        return ImpactTotal(low, central, high)


TotalInput: TypeAlias = "RangeLike | pint.Quantity[Decimal]"


def clean(value: object) -> Decimal:
    """A pint magnitude as a Decimal without conversion noise (1000 × 0.001 = 1.000…0001)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"{value!r} is not a number")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{number} is not a finite number")
    number = _CLEAN.plus(number).normalize()
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def check_total(code: str, value: object, impact: Impact) -> ImpactTotal:
    """``value`` (a range or a single quantity) for ``impact`` in its canonical unit, checked."""
    import pint

    if isinstance(value, RangeLike):
        parts: tuple[object, object, object] = (value.low, value.central, value.high)
    elif isinstance(value, pint.Quantity):
        parts = (value, value, value)
    else:
        raise TotalsError(
            f"total for {code!r}: expected a pint quantity or an object with low / central / high "
            f"quantities, got {type(value).__name__}"
        )
    target = parse_unit(impact.canonical_unit)
    registry = unit_registry()
    converted: list[Quantity] = []
    for name, part in zip(("low", "central", "high"), parts, strict=True):
        if not isinstance(part, pint.Quantity):
            raise TotalsError(f"total for {code!r}: {name} is {part!r}, not a pint quantity")
        try:
            magnitude = clean(part.to(target).magnitude)
        except pint.DimensionalityError:
            unit = f"{part.units}"
            raise TotalsError(
                f"total for {code!r}: {name} is in {unit} ({dimension(unit)}), which does not convert to "
                f"{code}'s unit {impact.canonical_unit} ({dimension(impact.canonical_unit)})"
            ) from None
        except (TypeError, ValueError) as exc:
            raise TotalsError(f"total for {code!r}: {name}: {exc}") from None
        converted.append(registry.Quantity(magnitude, target))
    low, central, high = converted
    if not low.magnitude <= central.magnitude <= high.magnitude:
        raise TotalsError(
            f"total for {code!r}: expected low <= central <= high, got {low.magnitude} / "
            f"{central.magnitude} / {high.magnitude} {impact.canonical_unit}"
        )
    return ImpactTotal(low, central, high)


def check_totals(totals: Mapping[str, object], impacts: Mapping[str, Impact]) -> dict[str, ImpactTotal]:
    """Every total checked and in its impact's canonical unit; an unknown impact code is an error."""
    checked: dict[str, ImpactTotal] = {}
    for code, value in totals.items():
        impact = impacts.get(code)
        if impact is None:
            raise TotalsError(f"unknown impact {code!r}: the impacts table has {', '.join(sorted(impacts))}")
        checked[code] = check_total(code, value, impact)
    return checked


def format_number(value: Decimal, places: int | None = None) -> str:
    """A number for the arithmetic shown to people, with thousands separators.

    Six significant digits, but never fewer than the integer digits: ``1719000`` → ``1,719,000``,
    ``2517.6`` → ``2,517.6``, ``373695.652…`` → ``373,696``, ``0.0791200502`` → ``0.0791201``. With
    ``places`` the number is rounded to that many decimals instead.
    """
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places)):,}"
    if value == 0:
        return "0"
    if abs(value) >= 1_000_000:
        return f"{value.quantize(Decimal(1)):,}"
    rounded = Context(prec=6).plus(value).normalize()
    return f"{rounded:,f}"
