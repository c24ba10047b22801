"""Activity × emission factor = t CO2e, with the units checked by pint.

An inventory line gives an activity (``12,500 MWh``) and a factor (``0.5810 t CO2e / MWh``). The
factor's unit must name CO2e (``kg CO2e / kWh``, ``tCO2e/t``, ``g CO2e / (passenger * km)``);
``CO2e`` is set aside and the rest multiplied with the activity's unit must leave a mass, which is
expressed in tonnes. Anything else (``kg CO2e / km`` against litres of fuel) is refused with both
units named.

The registry is the events' own (built on first use, Decimal magnitudes) so that the counts an
event inventory needs (passengers, persons, nights, meals, vehicles) do not leak into the
procurement units of :mod:`ecoprocure.domain.units`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from ecoprocure.domain.units import UnitError

if TYPE_CHECKING:
    import pint

_CO2E = re.compile(r"co2\s*-?\s*e(q)?\b|co2\b", re.IGNORECASE)
# Counted things an event inventory uses, each a dimension of its own (a passenger is not a meal).
EVENT_COUNTS = ("passenger", "person", "night", "meal", "vehicle", "piece", "spectator")


@cache
def _registry() -> pint.UnitRegistry[Decimal]:
    import pint

    registry: pint.UnitRegistry[Decimal] = pint.UnitRegistry(non_int_type=Decimal, cache_folder=None)
    for name in EVENT_COUNTS:
        registry.define(f"{name} = [event_{name}]")
    return registry


def _units(text: str, what: str) -> pint.Unit:
    import pint

    registry = _registry()
    try:
        return registry.parse_units(text)
    except (
        pint.UndefinedUnitError,
        pint.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
    ) as exc:
        raise UnitError(f"{what} {text!r}: not a unit pint knows ({exc})") from exc


def tco2e(activity: Decimal, activity_unit: str, factor: Decimal, factor_unit: str) -> Decimal:
    """``activity`` in ``activity_unit`` times ``factor`` in ``factor_unit``, in t CO2e."""
    import pint

    if not _CO2E.search(factor_unit):
        raise UnitError(f"factor_unit {factor_unit!r}: must name CO2e, e.g. 'kg CO2e / kWh'")
    mass_per = _CO2E.sub("", factor_unit).strip()
    if mass_per.startswith("/"):
        raise UnitError(f"factor_unit {factor_unit!r}: the mass unit (kg, t …) must come before CO2e")
    registry = _registry()
    quantity = registry.Quantity(activity, _units(activity_unit, "activity_unit")) * registry.Quantity(
        factor, _units(mass_per, "factor_unit")
    )
    try:
        magnitude = quantity.to(registry.metric_ton).magnitude
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"activity_unit {activity_unit!r} × factor_unit {factor_unit!r} gives "
            f"{quantity.units:~}, not a mass of CO2e: the factor must be per {activity_unit}"
        ) from exc
    return magnitude if isinstance(magnitude, Decimal) else Decimal(str(magnitude))
