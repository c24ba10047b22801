"""Units of measure: UN/CEFACT Recommendation 20 codes, free-text names, conversions.

Procurement data names units in every way people write them: a Rec 20 code (``KGM``), the code's
English name (``kilogram``), a local word (``Bucată``, ``штука``, ``个``), or a padded upper-case
word from a local scheme (``"PIEZA      "``). :func:`normalise_unit` turns them into a Rec 20
code and says how it got there; a unit it cannot place comes back with ``method="unknown"`` and a
reason, never a guess.

:func:`convert` converts quantities between physical units with pint (kg ↔ t ↔ g, L ↔ m³, m²,
kWh …) and between plain counts (piece ↔ each ↔ dozen ↔ thousand pieces). Anything else (a
piece and a kilogram, a set, a pack, a month of service) has no fixed ratio and raises
:class:`UnitConversionError`.

Shipped data (``ecoprocure/reference/data``): ``unece_rec20_units.json`` is the Rec 20 code list
(copied from openprocurement/standards), ``units.csv`` maps normalised free text to codes. Both are
read once, on first use; the pint registry is also built on first use, never at import time.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ecoprocure.domain.text import clean_text
from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR

if TYPE_CHECKING:
    import pint

REC20_FILE = DATA_DIR / "unece_rec20_units.json"
UNITS_FILE = DATA_DIR / "units.csv"

UnitMethod = Literal["code", "text", "unknown"]

# Names under which publishers label UN/CEFACT Rec 20 codes in OCDS ``unit.scheme``.
UNECE_SCHEMES = frozenset({"UNCEFACT", "UN/CEFACT", "UNECE", "UNECEREC20", "REC20", "UN/ECE REC 20"})

# Rec 20 code → pint expression, for the codes with a fixed physical (or count) definition.
# Months and years are left out on purpose: a month of service is not 730.485 hours. So are
# gigacalories (E11): Rec 20 does not say which calorie, and the two in use differ by 0.07 %.
PINT_UNITS: dict[str, str] = {
    # mass
    "MGM": "milligram",
    "GRM": "gram",
    "KGM": "kilogram",
    "DTN": "unece_decitonne",
    "TNE": "metric_ton",
    "KTN": "unece_kilotonne",
    "LBR": "pound",
    "ONZ": "ounce",
    "STN": "short_ton",
    "LTN": "long_ton",
    # volume
    "MLT": "milliliter",
    "CLT": "centiliter",
    "DLT": "deciliter",
    "LTR": "liter",
    "HLT": "hectoliter",
    "MMQ": "millimeter ** 3",
    "CMQ": "centimeter ** 3",
    "DMQ": "decimeter ** 3",
    "MTQ": "meter ** 3",
    "GLL": "gallon",
    "GLI": "imperial_gallon",
    # area
    "MMK": "millimeter ** 2",
    "CMK": "centimeter ** 2",
    "DMK": "decimeter ** 2",
    "MTK": "meter ** 2",
    "HAR": "hectare",
    "KMK": "kilometer ** 2",
    # length
    "MMT": "millimeter",
    "CMT": "centimeter",
    "DMT": "decimeter",
    "MTR": "meter",
    "LM": "meter",
    "KMT": "kilometer",
    "INH": "inch",
    "FOT": "foot",
    "YRD": "yard",
    "SMI": "mile",
    # time (fixed-length units only)
    "SEC": "second",
    "MIN": "minute",
    "HUR": "hour",
    "DAY": "day",
    "WEE": "week",
    # energy and power
    "WHR": "watt_hour",
    "KWH": "kilowatt_hour",
    "MWH": "megawatt_hour",
    "GWH": "gigawatt_hour",
    "GV": "gigajoule",
    "WTT": "watt",
    "KWT": "kilowatt",
    "MAW": "megawatt",
    # counts: a dimension of their own, so a piece never converts to a kilogram
    "H87": "unece_piece",
    "EA": "unece_piece",
    "C62": "unece_piece",
    "NAR": "unece_piece",
    "DZN": "unece_dozen",
    "T3": "unece_thousand_piece",
    "MIL": "unece_thousand_piece",
    "SET": "unece_set",  # a set is a count of its own kind (desk and chair): never pieces
    "RM": "ream",  # 500 sheets
    "SHT": "sheet",
}


@dataclass(frozen=True)
class UnitResult:
    """A unit placed (or not) in UN/CEFACT Recommendation 20.

    ``code`` and ``name`` are the Rec 20 code and its English name, both ``None`` when
    ``method == "unknown"``. ``method`` says how the code was found: ``"code"`` (the publisher
    gave a valid Rec 20 code), ``"text"`` (the unit's name was found in ``units.csv``) or
    ``"unknown"``. ``reason`` says why, in words, including anything that was set aside.
    """

    code: str | None
    name: str | None
    method: UnitMethod
    reason: str


class UnitError(DataError):
    """A unit code or conversion that ecoprocure cannot use."""


class UnknownUnitCode(UnitError):
    """A code that is not in UN/CEFACT Recommendation 20."""


class UnitConversionError(UnitError):
    """Two units without a fixed ratio (a piece and a kilogram, a set, a month …)."""


def unit_key(text: str) -> str:
    """The lookup key of a free-text unit name: NFKC, case-folded, white space collapsed.

    >>> unit_key("  Metru\u00a0Pătrat ")
    'metru pătrat'
    >>> unit_key("m²")
    'm2'
    """
    return clean_text(text).casefold()


@cache
def rec20_units(path: Path = REC20_FILE) -> dict[str, str]:
    """Rec 20 code → English name, from the shipped code list."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path.name}: cannot read the UN/CEFACT Rec 20 code list: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path.name}: expected an object of code → {{name, symbol}}")
    names: dict[str, str] = {}
    for code, entry in raw.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise DataError(f"{path.name}: code {code!r}: field name: missing")
        names[str(code)] = " ".join(entry["name"].split())
    return names


@cache
def text_mappings(path: Path = UNITS_FILE) -> dict[str, str]:
    """Normalised free-text unit name → Rec 20 code, from ``units.csv`` (checked on load)."""
    codes = rec20_units()
    mapping: dict[str, str] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"text", "unece_code", "source"} - set(reader.fieldnames or [])
            if missing:
                raise DataError(f"{path.name}: missing columns: {', '.join(sorted(missing))}")
            for row_number, row in enumerate(reader, start=2):
                text, code = row["text"] or "", (row["unece_code"] or "").strip()
                where = f"{path.name}: row {row_number}"
                if unit_key(text) != text or not text:
                    raise DataError(f"{where}: field text: {text!r} is not in normalised form")
                if code not in codes:
                    raise DataError(f"{where}: field unece_code: {code!r} is not a Rec 20 code")
                if not (row["source"] or "").strip():
                    raise DataError(f"{where}: field source: required")
                if mapping.get(text, code) != code:
                    raise DataError(f"{where}: field text: {text!r} is already mapped to {mapping[text]}")
                mapping[text] = code
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read the unit mappings: {exc}") from exc
    return mapping


def is_unece_code(code: str) -> bool:
    return code in rec20_units()


def normalise_unit(text: str | None, code: str | None, *, scheme: str | None = None) -> UnitResult:
    """Place a unit in UN/CEFACT Rec 20 from a code and/or a free-text name.

    A valid Rec 20 code wins (``method="code"``); otherwise the name is looked up in
    ``units.csv`` after NFKC, case folding and white-space collapsing (``method="text"``);
    otherwise the result is ``method="unknown"`` with the reason. Pass ``scheme`` (OCDS
    ``unit.scheme``) when the publisher gives one: a code from another scheme (Jalisco's
    ``UM-GOB-JAL`` uses ``PZ`` for *pieza*, which in Rec 20 is a peck) is then set aside and
    only the name is used.
    """
    notes: list[str] = []
    names = rec20_units()
    given_code = clean_text(code).upper() if code is not None else ""
    if given_code and scheme is not None and scheme.strip():
        scheme_key = clean_text(scheme).upper()
        if scheme_key not in UNECE_SCHEMES:
            notes.append(
                f"code {given_code!r} is in scheme {scheme.strip()!r}, not UN/CEFACT Rec 20: set aside"
            )
            given_code = ""
    key = unit_key(text) if text is not None else ""
    text_code = text_mappings().get(key) if key else None

    if given_code and given_code in names:
        reason = f"UN/CEFACT Rec 20 code {given_code} ({names[given_code]})"
        if text_code is not None and text_code != given_code:
            reason += f"; the name {key!r} would map to {text_code} ({names[text_code]}): kept the code"
        return UnitResult(given_code, names[given_code], "code", reason)
    if given_code:
        notes.append(f"code {given_code!r} is not a UN/CEFACT Rec 20 code")

    if text_code is not None:
        reason = f"name {key!r} maps to {text_code} ({names[text_code]}) in units.csv"
        return UnitResult(text_code, names[text_code], "text", "; ".join([*notes, reason]))
    if key:
        notes.append(f"name {key!r} is not in units.csv")
    if not given_code and not key and not notes:
        notes.append("no unit code or name given")
    return UnitResult(None, None, "unknown", "; ".join(notes))


@cache
def _registry() -> pint.UnitRegistry[Decimal]:
    """The pint registry, built on first use (building it takes a noticeable fraction of a second)."""
    import pint

    registry: pint.UnitRegistry[Decimal] = pint.UnitRegistry(non_int_type=Decimal, cache_folder=None)
    # Counts get a dimension of their own; scaled units are named because pint's unit
    # expressions cannot carry a number.
    registry.define("unece_piece = [unece_count]")
    registry.define("unece_dozen = 12 * unece_piece")
    registry.define("unece_thousand_piece = 1000 * unece_piece")
    registry.define("unece_decitonne = 100 * kilogram")
    registry.define("unece_kilotonne = 1000 * metric_ton")
    # Functional units of the category taxonomy (categories.csv) and of factor sets: a sheet is a
    # counted piece, a ream 500 sheets; a set and a service-year are counts of their own kind, so
    # neither converts to pieces (a set of desk and chair is not two pieces of anything).
    registry.define("sheet = unece_piece")
    registry.define("ream = 500 * sheet")
    registry.define("unece_set = [unece_set_count]")
    registry.define("service_year = [service_year_count]")
    return registry


def unit_registry() -> pint.UnitRegistry[Decimal]:
    """The project's pint registry (Decimal magnitudes), shared by every module that needs units."""
    return _registry()


def _describe(code: str) -> str:
    name = rec20_units().get(code)
    return f"{name} ({code})" if name else repr(code)


def _dimension(dimensionality: object) -> str:
    """pint's ``[length] ** 2`` read as ``length ** 2``; the count dimension as ``count``."""
    text = str(dimensionality).replace("[unece_count]", "count")
    return text.replace("[", "").replace("]", "")


@cache
def conversion_factor(from_code: str, to_code: str) -> Decimal:
    """How many ``to_code`` units make one ``from_code`` unit (exact where pint's definition is)."""
    import pint

    names = rec20_units()
    for code in (from_code, to_code):
        if code not in names:
            raise UnknownUnitCode(
                f"cannot convert {_describe(from_code)} to {_describe(to_code)}: "
                f"{code!r} is not a UN/CEFACT Rec 20 code"
            )
    if from_code == to_code:
        return Decimal(1)
    for code in (from_code, to_code):
        if code not in PINT_UNITS:
            raise UnitConversionError(
                f"cannot convert {_describe(from_code)} to {_describe(to_code)}: "
                f"{_describe(code)} has no fixed physical size"
            )
    registry = _registry()
    try:
        quantity = registry.Quantity(Decimal(1), registry.parse_units(PINT_UNITS[from_code]))
        magnitude = quantity.to(registry.parse_units(PINT_UNITS[to_code])).magnitude
    except pint.DimensionalityError as exc:
        raise UnitConversionError(
            f"cannot convert {_describe(from_code)} to {_describe(to_code)}: "
            f"{_dimension(exc.dim1)} and {_dimension(exc.dim2)} have no fixed ratio"
        ) from exc
    factor = magnitude if isinstance(magnitude, Decimal) else Decimal(str(magnitude))
    return Decimal(int(factor)) if factor == factor.to_integral_value() else factor


def convert(quantity: Decimal, from_code: str, to_code: str) -> Decimal:
    """``quantity`` in ``from_code`` units expressed in ``to_code`` units (Rec 20 codes).

    >>> convert(Decimal("2.5"), "TNE", "KGM")
    Decimal('2500.0')
    """
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
    if not quantity.is_finite():
        raise UnitError(f"cannot convert a non-finite quantity ({quantity}) from {from_code} to {to_code}")
    return quantity * conversion_factor(from_code.strip().upper(), to_code.strip().upper())
