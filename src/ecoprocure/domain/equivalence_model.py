"""Equivalence constants and prices: the types (reading the files: :mod:`equivalence_files`).

An :class:`EquivalenceConstant` says how much of an impact one *equivalent thing* stands for (a
hectare of forest for a year, a car driven for a year, a sector's emissions in a year); the
equivalent of a total is ``total ÷ value`` in ``result_unit``. A :class:`Price` is money per ``per``
(one tonne, or a pollution equivalent of 0.95 kg) of the impacts it names, in a currency and money
year. Each carries a :class:`Citation`. A row whose value is ``None`` records that the public record
was searched and gave no usable number; asking for its value raises :class:`ConstantNotAvailable`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ecoprocure.domain.factor_files import Problem
from ecoprocure.domain.factor_model import Confidence
from ecoprocure.errors import DataError

PriceKind = Literal["carbon", "shadow"]


class EquivalenceDataError(DataError):
    """An equivalence or price table that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, origin: str, problems: Iterable[Problem]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else f"{origin}: unknown problem"
        super().__init__(first + (f" (and {count - 1} more)" if count > 1 else ""))


class ConstantNotAvailable(DataError):
    """A constant or price chosen by id whose row records that no value was found."""


@dataclass(frozen=True)
class Citation:
    """Where a number comes from, and how far to trust it (H / M / L as in ``FACTS-factors.md``).

    ``origin`` and ``line`` say which file and row the number was read from.
    """

    source: str
    locator: str
    url: str
    confidence: Confidence
    derived: bool
    notes: str
    origin: str
    line: int

    @property
    def text(self) -> str:
        """``source; locator; url`` (the parts that are given) and the confidence mark."""
        parts = [p for p in (self.source, self.locator, self.url) if p]
        derived = ", derived" if self.derived else ""
        return f"{'; '.join(parts)} (confidence {self.confidence}{derived})"


@dataclass(frozen=True)
class EquivalenceConstant:
    """``value`` (in ``unit``) of ``impact`` stands for one ``result_unit`` (``result_label`` in words).

    ``value`` is ``None`` when the row records that no usable number was found (see ``citation.notes``).
    """

    id: str
    impact: str
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    unit: str
    unit_label: str
    result_unit: str
    result_label: str
    year: int
    region: str
    citation: Citation

    @property
    def available(self) -> bool:
        return self.value is not None

    @property
    def origin(self) -> str:
        return self.citation.origin

    def bounds(self) -> tuple[Decimal, Decimal, Decimal]:
        """low / value / high (low and high default to the value)."""
        value = _require(self.value, self.id, self.citation.notes)
        return (
            self.low if self.low is not None else value,
            value,
            self.high if self.high is not None else value,
        )


@dataclass(frozen=True)
class Price:
    """``price`` ``currency`` (money of ``year``) per ``per`` (``t``, ``0.95 kg``) of each of ``impacts``."""

    id: str
    kind: PriceKind
    impacts: tuple[str, ...]
    price: Decimal | None
    low: Decimal | None
    high: Decimal | None
    currency: str
    per: str
    per_label: str
    year: int
    period: str
    market: str
    basis: str
    citation: Citation

    @property
    def available(self) -> bool:
        return self.price is not None

    @property
    def origin(self) -> str:
        return self.citation.origin

    def bounds(self) -> tuple[Decimal, Decimal, Decimal]:
        """low / price / high (low and high default to the price)."""
        value = _require(self.price, self.id, self.citation.notes)
        return (
            self.low if self.low is not None else value,
            value,
            self.high if self.high is not None else value,
        )


def _require(value: Decimal | None, ident: str, notes: str) -> Decimal:
    if value is None:
        raise ConstantNotAvailable(f"{ident!r} has no value: {notes}")
    return value
