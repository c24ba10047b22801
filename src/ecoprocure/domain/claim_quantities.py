"""Stated numbers for the claim checker: multipliers, precision, units, and ranges.

A published figure is read as printed: a number (``"1.719"``), an optional multiplier word
(``million``, ``万``, ``亿`` …) and a unit (``t``, ``CNY/t``, ``%``). Its *precision* is half a
unit of the last digit written (``"1.719"`` million is ± 500; ``"7"`` % is ± 0.5 %), unless the
claim gives its own; a figure printed as "more than" or "less than" is a one-sided bound.

Every figure becomes a :class:`Span`: the stated value and the range of values its rounding (or
bound) allows. The arithmetic of a check is done on spans (interval arithmetic), so a check is
consistent exactly when some values within the stated precisions satisfy it.

Units are parsed with pint. Each currency is a dimension of its own (CNY never converts to KRW
without an exchange rate), so ``CNY/t × t`` is ``CNY`` and ``Mt`` converts to ``t``. A few words
that pint reads otherwise are rewritten first: ``ton`` is the metric tonne in these documents
(pint's ``ton`` is the US short ton) and ``kt`` is a kilotonne (pint's ``kt`` is a knot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal, DivisionByZero, Overflow
from functools import cache
from typing import TYPE_CHECKING, Literal

from ecoprocure.errors import DataError

if TYPE_CHECKING:
    import pint

Bound = Literal["lower", "upper"]

# Multiplier words → factor. Chinese, Japanese and Korean myriads count in 10⁴ steps.
MULTIPLIERS: dict[str, Decimal] = {
    "hundred": Decimal(10) ** 2,
    "thousand": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
    "百": Decimal(10) ** 2,
    "千": Decimal(10) ** 3,
    "万": Decimal(10) ** 4,
    "萬": Decimal(10) ** 4,
    "만": Decimal(10) ** 4,
    "十万": Decimal(10) ** 5,
    "百万": Decimal(10) ** 6,
    "千万": Decimal(10) ** 7,
    "亿": Decimal(10) ** 8,
    "億": Decimal(10) ** 8,
    "억": Decimal(10) ** 8,
    "万亿": Decimal(10) ** 12,
    "兆": Decimal(10) ** 12,
    "조": Decimal(10) ** 12,
}

# Currency codes defined as units (each its own dimension), with the words that name them.
_CURRENCY_CODES = (
    "AUD BRL CAD CHF CNY COP CZK DKK EUR GBP HKD IDR INR JPY KRW MDL MNT MXN MYR NOK NZD PHP PLN "
    "PYG RUB SEK SGD THB TWD UAH USD VND ZAR"
)
CURRENCIES = tuple(_CURRENCY_CODES.split())
UNIT_ALIASES: dict[str, str] = {
    "yuan": "CNY",
    "RMB": "CNY",
    "元": "CNY",
    "人民币": "CNY",
    "won": "KRW",
    "韩元": "KRW",
    "원": "KRW",
    "yen": "JPY",
    "円": "JPY",
    "日元": "JPY",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "欧元": "EUR",
    "美元": "USD",
    "ton": "tonne",
    "tons": "tonne",
    "tonnes": "tonne",
    "吨": "tonne",
    "kt": "kilotonne",
    "Mt": "megatonne",
    "Gt": "gigatonne",
    "公顷": "hectare",
    "%": "percent",
    "％": "percent",
}
_SYMBOLS = {"·": "*", "×": "*", "÷": "/", "²": "**2", "³": "**3"}
_TOKEN = re.compile(r"[^\s*/()^0-9.+\-]+")
_NUMBER_NOISE = str.maketrans({"\u2212": "-", "\u2009": None, "\u202f": None, " ": None, "_": None})
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")

# Interval ends may be ±Infinity; 0 × ∞ gives NaN here (not an exception) and is read as 0.
_ARITHMETIC = Context(prec=40, traps=[DivisionByZero, Overflow])
INFINITY = Decimal("Infinity")


class ClaimValueError(DataError):
    """A stated number, multiplier or precision that cannot be read."""


class ClaimUnitError(DataError):
    """A unit that pint cannot parse, even after the aliases."""


class UnitMismatch(DataError):
    """Two units of different dimensions (t and ha, CNY and KRW) where a check needs one."""


class DivisorMayBeZero(DataError):
    """A division whose divisor's range includes zero: the quotient is unbounded."""


# --- numbers as printed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Stated:
    """A number as printed: ``text`` × ``multiplier``, precise to ``precision`` (same terms as text)."""

    text: str
    number: Decimal
    multiplier: str | None
    factor: Decimal
    precision: Decimal
    bound: Bound | None = None

    @property
    def magnitude(self) -> Decimal:
        return _ARITHMETIC.multiply(self.number, self.factor)

    @property
    def tolerance(self) -> Decimal:
        """Half the precision, multiplied out: the most the printed figure can be off by rounding."""
        return _ARITHMETIC.multiply(self.precision, self.factor) / 2

    def span(self) -> Span:
        low = _ARITHMETIC.subtract(self.magnitude, self.tolerance)
        high = _ARITHMETIC.add(self.magnitude, self.tolerance)
        if self.bound == "lower":
            high = INFINITY
        elif self.bound == "upper":
            low = -INFINITY
        return Span(self.magnitude, low, high)


def parse_number(text: str) -> Decimal:
    """``"1,719.5"`` → ``Decimal("1719.5")``: a dot for decimals, commas only as thousands groups."""
    cleaned = text.strip().translate(_NUMBER_NOISE)
    if not _NUMBER.fullmatch(cleaned):
        raise ClaimValueError(
            f"{text!r} is not a number as printed: use a dot for decimals and commas only between "
            'groups of three digits ("1,719.5"); write a misprinted figure as it must be read and '
            "quote the misprint"
        )
    return Decimal(cleaned.replace(",", ""))


def last_digit_unit(number: Decimal) -> Decimal:
    """The unit of the last digit written: ``1.719`` → 0.001, ``40`` → 1, ``191000`` → 1."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        raise ClaimValueError(f"{number} is not a finite number")
    return Decimal(1).scaleb(min(exponent, 0))


def multiplier_factor(word: str | None) -> Decimal:
    if word is None:
        return Decimal(1)
    factor = MULTIPLIERS.get(word.strip()) or MULTIPLIERS.get(word.strip().lower())
    if factor is None:
        raise ClaimValueError(f"unknown multiplier {word!r}: use one of {', '.join(MULTIPLIERS)}")
    return factor


def stated(
    text: str,
    *,
    multiplier: str | None = None,
    precision: str | None = None,
    bound: Bound | None = None,
) -> Stated:
    """Read a printed figure; ``precision`` (a number in the same terms as ``text``) overrides
    the default of one unit of the last digit written (``"0"`` means exact)."""
    number = parse_number(text)
    if precision is None:
        step = last_digit_unit(number)
    else:
        step = parse_number(precision)
        if step < 0:
            raise ClaimValueError(f"precision {precision!r} must not be negative")
    return Stated(text.strip(), number, multiplier, multiplier_factor(multiplier), step, bound)


# --- ranges ------------------------------------------------------------------------------------


def _clean(value: Decimal) -> Decimal:
    return Decimal(0) if value.is_nan() else value


@dataclass(frozen=True)
class Span:
    """A value and the range ``low … high`` that the stated precisions allow (ends may be infinite)."""

    value: Decimal
    low: Decimal
    high: Decimal

    @classmethod
    def exact(cls, value: Decimal) -> Span:
        return cls(value, value, value)

    def __add__(self, other: Span) -> Span:
        add = _ARITHMETIC.add
        return Span(add(self.value, other.value), add(self.low, other.low), add(self.high, other.high))

    def __neg__(self) -> Span:
        return Span(-self.value, -self.high, -self.low)

    def __sub__(self, other: Span) -> Span:
        return self + (-other)

    def __mul__(self, other: Span) -> Span:
        mul = _ARITHMETIC.multiply
        corners = [_clean(mul(a, b)) for a in (self.low, self.high) for b in (other.low, other.high)]
        return Span(mul(self.value, other.value), min(corners), max(corners))

    def reciprocal(self) -> Span:
        if self.low <= 0 <= self.high or self.value == 0:
            raise DivisorMayBeZero(
                f"the divisor may be zero (its stated range is {format_number(self.low)} … "
                f"{format_number(self.high)})"
            )
        one = Decimal(1)
        div = _ARITHMETIC.divide
        return Span(div(one, self.value), div(one, self.high), div(one, self.low))

    def __truediv__(self, other: Span) -> Span:
        other.reciprocal()  # refuses a divisor whose range includes zero
        div = _ARITHMETIC.divide
        corners = [_clean(div(a, b)) for a in (self.low, self.high) for b in (other.low, other.high)]
        return Span(div(self.value, other.value), min(corners), max(corners))

    def scaled(self, factor: Decimal) -> Span:
        return self * Span.exact(factor)

    def overlaps(self, other: Span) -> bool:
        """Whether the two ranges share a value (with a hair of slack for unit-conversion rounding)."""
        finite = [abs(v) for v in (self.low, self.high, other.low, other.high) if v.is_finite()]
        slack = max(finite, default=Decimal(0)) * Decimal("1e-24")
        return self.low <= other.high + slack and other.low <= self.high + slack

    @property
    def bounded(self) -> bool:
        return self.low.is_finite() and self.high.is_finite()


# --- units -------------------------------------------------------------------------------------


def unit_expression(text: str) -> str:
    """The pint expression for a unit as written: ``"元/吨"`` → ``"CNY/tonne"``."""
    expression = text.strip()
    for symbol, replacement in _SYMBOLS.items():
        expression = expression.replace(symbol, replacement)
    return _TOKEN.sub(lambda m: UNIT_ALIASES.get(m.group(0), m.group(0)), expression) or "dimensionless"


@cache
def _registry() -> pint.UnitRegistry[Decimal]:
    """The pint registry with one dimension per currency, built on first use."""
    import pint

    registry: pint.UnitRegistry[Decimal] = pint.UnitRegistry(non_int_type=Decimal, cache_folder=None)
    for code in CURRENCIES:
        registry.define(f"{code} = [currency_{code}]")
    return registry


@cache
def _units(expression: str) -> pint.Unit:
    import pint

    try:
        return _registry().parse_units(expression)
    except (pint.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        raise ClaimUnitError(str(exc)) from exc


def check_unit(text: str) -> str:
    """Raise :class:`ClaimUnitError` (saying what pint could not read) unless ``text`` is a unit."""
    expression = unit_expression(text)
    try:
        _units(expression)
    except ClaimUnitError as exc:
        raise ClaimUnitError(
            f"unknown unit {text!r} ({exc}): use pint units (t, kt, Mt, kg, ha, yr, %, kWh …) and "
            f"currency codes ({', '.join(CURRENCIES[:8])} …, or yuan, won, €); put the substance "
            "(CO2, VOCs …) in the claim's `what`, the multiplier in `multiplier`"
        ) from exc
    return expression


def dimension(text: str) -> str:
    """``"CNY/t"`` → ``"currency_CNY / mass"``: the dimension in words, for messages."""
    value = str(_units(unit_expression(text)).dimensionality)
    return value.replace("[", "").replace("]", "") or "dimensionless"


@cache
def unit_factor(from_text: str, to_text: str) -> Decimal:
    """How many ``to_text`` make one ``from_text`` (both unit texts, parenthesised products allowed).

    >>> unit_factor("Mt", "t")
    Decimal('1000000')
    """
    import pint

    source, target = _units(unit_expression(from_text)), _units(unit_expression(to_text))
    registry = _registry()
    try:
        magnitude = registry.Quantity(Decimal(1), source).to(target).magnitude
    except pint.DimensionalityError:
        raise UnitMismatch(
            f"{from_text} ({dimension(from_text)}) does not convert to {to_text} ({dimension(to_text)})"
        ) from None
    factor = magnitude if isinstance(magnitude, Decimal) else Decimal(str(magnitude))
    # 25 significant digits drop pint's conversion noise (1000 × 0.001 = 1.000…0001) and keep
    # every real conversion factor.
    rounded = Context(prec=25).plus(factor)
    return rounded.normalize() if rounded == rounded.to_integral_value() else rounded


def unit_suffix(unit: str) -> str:
    """The unit after a number: ``" t"``, ``" %"``, nothing for a plain count."""
    return "" if unit.strip() in ("", "1", "dimensionless") else f" {unit.strip()}"


def is_percent(text: str) -> bool:
    return unit_expression(text) == "percent"


# --- printing --------------------------------------------------------------------------------------


def format_number(value: Decimal, *, digits: int = 4, signed: bool = False) -> str:
    """A number for people: exact when it has few digits, else ``≈`` and ``digits`` significant.

    >>> format_number(Decimal("68760000.000"))
    '68,760,000'
    >>> format_number(Decimal("95146198830.409"))
    '≈ 95,150,000,000'
    """
    if value.is_infinite():
        return "∞" if value > 0 else "−∞"
    if value.is_nan():
        return "?"
    normal = value.normalize()
    sign = "+" if signed and normal > 0 else ""
    if len(normal.as_tuple().digits) <= max(digits, 8):
        return sign + _grouped(normal)
    rounded = Context(prec=digits).plus(normal)
    return "≈ " + sign + _grouped(rounded)


def _grouped(value: Decimal) -> str:
    text = format(value.normalize(), ",f")
    return text.replace("-", "−")


def plain(value: Decimal) -> str | None:
    """A Decimal for JSON: no exponent, at most 15 significant digits; ``None`` for ±∞."""
    if not value.is_finite():
        return None
    rounded = Context(prec=15).plus(value).normalize()
    return format(rounded, "f")
