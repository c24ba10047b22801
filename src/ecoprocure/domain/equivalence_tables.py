"""The sourced constants behind equivalences and monetisation, read from CSV and checked.

Three shipped tables live in ``ecoprocure/reference/data/equivalences/`` (format: ``docs/equivalences.md``):

- ``equivalences.csv``: one :class:`EquivalenceConstant` per row: how much of an impact one
  *equivalent thing* stands for (a hectare of forest for a year, a car driven for a year, a sector's
  emissions in a year). The equivalent of a total is ``total ÷ value``, expressed in ``result_unit``.
- ``carbon_prices.csv`` and ``shadow_prices.csv``: one :class:`Price` per row: money per ``per``
  (one tonne, or a pollution equivalent of 0.95 kg) of the impacts the row names, in a currency and
  a money year.

A row whose value is empty records that the public record was searched and gave no usable number;
its ``notes`` say what was found. Such a row is listed but never applied (choosing it is an error
that quotes the notes). Every load checks every row and reports all problems at once, each with
file, row and field (:class:`EquivalenceDataError`). Users lay their own rows (same columns) over
the shipped ones with :meth:`EquivalenceTable.updated` / :meth:`PriceTable.updated`, or
:func:`with_user_constants` / :func:`with_user_prices`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from ecoprocure.domain.equivalence_files import read_equivalences, read_prices
from ecoprocure.domain.equivalence_model import (
    Citation,
    ConstantNotAvailable,
    EquivalenceConstant,
    EquivalenceDataError,
    Price,
    PriceKind,
)
from ecoprocure.domain.factor_model import Impact
from ecoprocure.errors import NotFound
from ecoprocure.reference import DATA_DIR

__all__ = [
    "CARBON_PRICES_FILE",
    "EQUIVALENCES_FILE",
    "SHADOW_PRICES_FILE",
    "Citation",
    "ConstantNotAvailable",
    "EquivalenceConstant",
    "EquivalenceDataError",
    "EquivalenceTable",
    "Price",
    "PriceKind",
    "PriceTable",
    "with_user_constants",
    "with_user_prices",
]

EQUIVALENCES_DIR = DATA_DIR / "equivalences"
EQUIVALENCES_FILE = EQUIVALENCES_DIR / "equivalences.csv"
CARBON_PRICES_FILE = EQUIVALENCES_DIR / "carbon_prices.csv"
SHADOW_PRICES_FILE = EQUIVALENCES_DIR / "shadow_prices.csv"


class _HasId(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def origin(self) -> str: ...


T = TypeVar("T", bound=_HasId)


class _Table(Generic[T]):
    """Rows by id; a later row with the same id replaces an earlier one (user over shipped)."""

    what = "row"

    def __init__(self, rows: Iterable[T], *, origin: str) -> None:
        self.origin = origin
        self._rows: dict[str, T] = {}
        for row in rows:
            self._rows[row.id] = row

    def __iter__(self) -> Iterator[T]:
        return iter(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, ident: object) -> bool:
        return ident in self._rows

    def ids(self) -> list[str]:
        return list(self._rows)

    def get(self, ident: str) -> T:
        """The row ``ident``; an unknown id raises :class:`~ecoprocure.errors.NotFound` listing the ids."""
        found = self._rows.get(ident)
        if found is None:
            raise NotFound(f"unknown {self.what} {ident!r}: {self.origin} has {', '.join(self._rows)}")
        return found


class EquivalenceTable(_Table[EquivalenceConstant]):
    """The equivalence constants (shipped, a user file, or one laid over the other)."""

    what = "equivalence constant"

    @classmethod
    def shipped(cls) -> EquivalenceTable:
        return _shipped_equivalences()

    @classmethod
    def from_csv(cls, path: Path, impacts: Mapping[str, Impact] | None = None) -> EquivalenceTable:
        """Read and check a file with the columns of ``equivalences.csv``."""
        return cls(read_equivalences(path, impacts), origin=path.name)

    def updated(self, other: EquivalenceTable) -> EquivalenceTable:
        """This table with ``other`` laid over it: ``other``'s rows win where both have an id."""
        return EquivalenceTable([*self, *other], origin=f"{other.origin} + {self.origin}")

    def for_impact(self, impact: str) -> list[EquivalenceConstant]:
        return [c for c in self if c.impact == impact]


class PriceTable(_Table[Price]):
    """Carbon prices or shadow prices of pollutants (shipped, a user file, or both)."""

    def __init__(self, rows: Iterable[Price], *, origin: str, kind: PriceKind) -> None:
        super().__init__(rows, origin=origin)
        self.kind: PriceKind = kind
        self.what = f"{kind} price"

    @classmethod
    def shipped(cls, kind: PriceKind) -> PriceTable:
        return _shipped_prices(kind)

    @classmethod
    def from_csv(cls, path: Path, kind: PriceKind, impacts: Mapping[str, Impact] | None = None) -> PriceTable:
        """Read and check a file with the columns of ``carbon_prices.csv`` / ``shadow_prices.csv``."""
        return cls(read_prices(path, kind, impacts), origin=path.name, kind=kind)

    def updated(self, other: PriceTable) -> PriceTable:
        return PriceTable([*self, *other], origin=f"{other.origin} + {self.origin}", kind=self.kind)


def with_user_constants(path: Path) -> EquivalenceTable:
    """The shipped constants with the rows of the user's file ``path`` laid over them."""
    return EquivalenceTable.shipped().updated(EquivalenceTable.from_csv(path))


def with_user_prices(path: Path, kind: PriceKind) -> PriceTable:
    """The shipped carbon (or shadow) prices with the rows of the user's file ``path`` laid over them."""
    return PriceTable.shipped(kind).updated(PriceTable.from_csv(path, kind))


@cache
def _shipped_equivalences() -> EquivalenceTable:
    return EquivalenceTable.from_csv(EQUIVALENCES_FILE)


@cache
def _shipped_prices(kind: PriceKind) -> PriceTable:
    return PriceTable.from_csv(CARBON_PRICES_FILE if kind == "carbon" else SHADOW_PRICES_FILE, kind)
