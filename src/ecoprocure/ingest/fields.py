"""Parsing of single field values (dates, numbers, flags, GTINs, JSON attributes) with errors that
name the field."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from ecoprocure.errors import DataError

_ISO_LIKE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_TRUE = frozenset({"true", "yes", "y", "1", "是"})
_FALSE = frozenset({"false", "no", "n", "0", "否"})


class FieldError(DataError):
    """A value that cannot be used; ``field`` names the column."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason


def parse_date(field: str, value: str, *, us_order: bool = False) -> dt.date:
    """Dates as YYYY-MM-DD (also / . 年月日 separators, or YYYYMMDD); MM/DD/YYYY when ``us_order``."""
    text = value.strip()
    match = _ISO_LIKE.match(text) or _COMPACT.match(text)
    parts: tuple[int, int, int] | None = None
    if match:
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif us_order and (us := _US.match(text)):
        parts = (int(us[3]), int(us[1]), int(us[2]))
    if parts is None:
        expected = "MM/DD/YYYY" if us_order else "YYYY-MM-DD"
        raise FieldError(field, value, f"{value!r} is not a date; write it as {expected}")
    try:
        return dt.date(*parts)
    except ValueError as exc:
        raise FieldError(field, value, f"{value!r} is not a real date ({exc})") from None


def optional_date(field: str, value: str | None, *, us_order: bool = False) -> dt.date | None:
    return parse_date(field, value, us_order=us_order) if value and value.strip() else None


def parse_decimal(field: str, value: str) -> Decimal | None:
    """A number as people type it (1234.5, 1,234.50, 1 234.50, full-width digits, 1e3); empty is None.

    A comma is read only as a thousands separator (1,234); "5,00" is refused, not guessed.
    """
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if not text:
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        raise FieldError(
            field,
            value,
            f"{value!r} is not a number; write it like 1234.50 (decimal point, no currency sign or unit)",
        )
    try:
        number = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds
        number = Decimal("Infinity")
    if not math.isfinite(float(number)):
        raise FieldError(field, value, f"{value!r} is too large a number")
    return number


def parse_flag(field: str, value: str) -> bool | None:
    """yes/no, true/false, y/n, 1/0 or 是/否 (any case); empty is None."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(field, value, f"{value!r} is not yes or no; write yes/no, true/false, 1/0 or 是/否")


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1 mod-10 check digit of GTIN-8/12/13/14."""
    body, check = digits[:-1], int(digits[-1])
    # Weights 3, 1, 3 … from the digit next to the check digit leftwards.
    total = 3 * sum(map(int, body[-1::-2])) + sum(map(int, body[-2::-2]))
    return (10 - total % 10) % 10 == check


def parse_gtin(field: str, value: str) -> str | None:
    text = value.strip().replace(" ", "")
    if not text:
        return None
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise FieldError(field, value, f"{value!r} is not a GTIN (8, 12, 13 or 14 digits)")
    if not gtin_check_digit_ok(text):
        raise FieldError(field, value, f"{value!r} has a wrong GTIN check digit")
    return text.zfill(14)


def parse_attributes(field: str, value: str) -> dict[str, Any]:
    if not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise FieldError(field, value, f"not a JSON object: {exc.msg} at character {exc.pos}") from None
    if not isinstance(parsed, dict):
        raise FieldError(field, value, 'must be a JSON object like {"power_w": 12.5}')
    return parsed


def required(values: dict[str, str], field: str) -> str:
    text = (values.get(field) or "").strip()
    if not text:
        raise FieldError(field, "", "is required and empty")
    return text


def numeric_or_text(value: str) -> float | str:
    """A measured value as a number when it is one; NaN and infinities stay text (not valid JSON)."""
    try:
        number = float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else value
