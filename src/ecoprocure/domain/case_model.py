"""Procura+-style case studies: what an authority bought and what it achieved, with sources.

A :class:`CaseStudy` is one file of ``reference/data/case_studies/`` (or of a user's folder,
see :mod:`ecoprocure.domain.case_files`): the authority, place, year, category, what was bought,
the baseline, the criteria used and the quantified :class:`Outcome` s. Every figure is a
:class:`Figure`: one or more :class:`Reading` s, each a number as one document printed it, with
the document, the place in it and the words quoted. Readings of the same figure may disagree
(the English and Chinese texts of one brochure, two reports); one of them is *adopted* for the
arithmetic and the others are kept, so the consistency checker can compare them.

Text fields are :data:`Texts`: a mapping from a language code (``en``, ``zh``, ``ko``, ``et`` …)
to the text in that language; English is always present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ecoprocure.domain.claim_quantities import Stated
from ecoprocure.errors import DataError

Period = Literal["per_year", "over_years", "one_off", "unstated"]
Per = Literal["contract", "item"]
Confidence = Literal["high", "medium", "low"]
PERIODS: tuple[Period, ...] = ("per_year", "over_years", "one_off", "unstated")
PERS: tuple[Per, ...] = ("contract", "item")
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")

# Outcome kinds and the canonical unit their figures are converted to (money: a currency code).
KIND_UNITS: dict[str, str | None] = {
    "co2e": "t",  # greenhouse gases in tonnes of CO2 equivalent (CO2 alone is named in `gas`)
    "ods": "t",  # ozone-depleting substances
    "waste": "t",  # waste avoided or diverted from landfill
    "material": "t",  # materials saved or bought recycled
    "energy": "MWh",
    "water": "m³",
    "money": None,
}
KINDS = tuple(KIND_UNITS)

Texts = Mapping[str, str]


class CaseStudyError(DataError):
    """A case-study file that cannot be used as given; the message names file, entry and field."""


def pick(texts: Texts, lang: str) -> str:
    """The text in ``lang``, else the English one."""
    return texts.get(lang) or texts.get("en", "")


@dataclass(frozen=True)
class Reading:
    """A figure as one document printed it."""

    document: str
    quote: str
    value: Stated
    unit: str
    lang: str
    location: str = ""
    title: str = ""
    adopted: bool = False
    note: str = ""

    @property
    def magnitude(self) -> Decimal:
        return self.value.magnitude

    def shown(self) -> str:
        """``"8 million KRW"``, ``"≥ 800 million KRW"``, ``"1.36 万 t"``."""
        prefix = {"lower": "≥ ", "upper": "≤ ", None: ""}[self.value.bound]
        multiplier = f" {self.value.multiplier}" if self.value.multiplier else ""
        unit = f" {self.unit}" if self.unit.strip() else ""
        return f"{prefix}{self.value.text}{multiplier}{unit}"


@dataclass(frozen=True)
class Figure:
    """One quantity with every reading of it; :attr:`adopted` is the one the arithmetic uses."""

    readings: tuple[Reading, ...]

    @property
    def adopted(self) -> Reading:
        return next((r for r in self.readings if r.adopted), self.readings[0])


@dataclass(frozen=True)
class Outcome:
    """A quantified outcome: ``kind``, the figure, its period and what it is counted per."""

    id: str
    kind: str
    what: Texts
    figure: Figure
    period: Period
    confidence: Confidence
    years: Decimal | None = None  # the N of "over N years"
    per: Per = "contract"
    gas: str = ""  # "CO2" when the source counts CO2 alone, not all greenhouse gases
    note: str = ""


@dataclass(frozen=True)
class Bought:
    """What was bought: a description and, where the sources give it, the quantity."""

    what: Texts
    quantity: Figure | None = None
    item: Texts = field(default_factory=dict)  # the unit counted "per": vehicle, set, t of RAC …


@dataclass(frozen=True)
class CaseStudy:
    id: str
    origin: str  # the file it was read from
    title: Texts
    authority: Texts
    country: str  # ISO 3166-1 alpha-2
    city: Texts
    region: Texts
    year: int | None
    year_note: str
    category: str | None
    category_note: str
    bought: Bought
    baseline: Texts
    criteria: Texts
    labels: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    languages: tuple[str, ...]  # every language the file's texts are given in
    note: Texts = field(default_factory=dict)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise CaseStudyError(f"case {self.id!r} has no outcome {outcome_id!r}")
