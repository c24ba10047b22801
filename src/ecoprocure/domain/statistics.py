"""Programme statistics: counts per scheme and year and their year-over-year growth.

Counts are taken at year end (31 December): a certificate counts if it was valid that day, a
licensee if it held at least one such certificate, a criterion if it was in force. Growth is
shown with its arithmetic so a published "+7 %" can be checked: (4,722 − 4,408) / 4,408 = 7.1 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MEASURES = ("criteria", "licensees", "certificates", "categories", "product_models")


@dataclass(frozen=True)
class Growth:
    measure: str
    previous: int
    current: int

    @property
    def ratio(self) -> Decimal | None:
        if self.previous == 0:
            return None
        return Decimal(self.current - self.previous) / Decimal(self.previous)

    def percent(self, places: int = 0) -> Decimal | None:
        ratio = self.ratio
        if ratio is None:
            return None
        return (ratio * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    @property
    def arithmetic(self) -> str:
        if self.previous == 0:
            return f"{self.measure}: {self.previous:,} → {self.current:,} (no growth rate from zero)"
        return (
            f"{self.measure}: ({self.current:,} − {self.previous:,}) / {self.previous:,} = "
            f"{self.percent(1)} %"
        )


@dataclass(frozen=True)
class YearCounts:
    scheme_code: str
    year: int
    counts: dict[str, int]
    growth: dict[str, Growth] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "scheme": self.scheme_code,
            "year": self.year,
            **self.counts,
            "growth_percent": {name: _as_float(g.percent(1)) for name, g in self.growth.items()},
            "arithmetic": [g.arithmetic for g in self.growth.values()],
        }


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def add_growth(current: YearCounts, previous: YearCounts | None) -> YearCounts:
    """``current`` with growth against ``previous`` (same scheme, the year before)."""
    if previous is None:
        return current
    growth = {
        name: Growth(name, previous.counts[name], current.counts[name])
        for name in MEASURES
        if name in current.counts and name in previous.counts
    }
    return YearCounts(current.scheme_code, current.year, current.counts, growth)
