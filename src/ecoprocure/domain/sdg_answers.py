"""SDG 12.7.1 answers files: a government's answers to the questionnaire, with evidence (TOML).

The format (docs/sdg.md)::

    [government]
    name = "Ministry of Finance"        # required
    level = "national"                  # national | subnational
    country = "CN"                      # required
    region = "Beijing"                  # required for a sub-national government
    year = 2020                         # the reporting year
    methodology = "unep-2021"           # the methodology version answered
    illustrative = false                # true: the values are examples, not a submission
    note = ""

    [priority_products]                 # optional: F from ecoprocure's data (--f-from-data)
    list = "cn-2019"                    # a compliance list, or:
    categories = ["office.furniture"]

    [[answer]]
    item = "B.1"                        # a sub-item of the methodology
    value = "yes"                       # yes | no; a fraction 0–1 for partial items; % for F
    document = "Government Procurement Law, art. 9"
    link = "https://…"
    note = ""

:func:`load_answers` validates the whole file against the methodology before anything is
scored; every problem raises :class:`~ecoprocure.domain.sdg_methodology.SdgError` naming the
file, the answer (by item id, or by position) and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecoprocure.domain.sdg_methodology import (
    Item,
    Methodology,
    SdgError,
    find_methodology,
    no_unknown,
    number,
    read_toml,
    tables,
    text,
)

GOVERNMENT_LEVELS = ("national", "subnational")
_TOP = {"government", "priority_products", "answer"}
_GOVERNMENT = {"name", "level", "country", "region", "year", "methodology", "illustrative", "note"}
_PRIORITY = {"list", "categories"}
_ANSWER = {"item", "value", "document", "link", "note"}
_YES = {"yes": Decimal(1), "no": Decimal(0)}


@dataclass(frozen=True)
class Government:
    name: str
    level: str
    country: str
    region: str
    year: int
    methodology: str
    illustrative: bool
    note: str


@dataclass(frozen=True)
class Evidence:
    document: str
    link: str
    note: str

    @property
    def present(self) -> bool:
        """A document or a link; a note alone is not evidence."""
        return bool(self.document or self.link)


@dataclass(frozen=True)
class Answer:
    item: str
    value: str  # as the file gives it, for the report ("yes", "0.5", "12 %")
    fraction: Decimal  # the share of the item's weight earned (0–1); percentage items: % / 100
    evidence: Evidence


@dataclass(frozen=True)
class AnswerSheet:
    origin: str
    government: Government
    answers: dict[str, Answer]  # by item id, in file order
    priority_list: str
    priority_categories: tuple[str, ...]

    def with_answer(self, answer: Answer) -> AnswerSheet:
        return replace(self, answers={**self.answers, answer.item: answer})


def load_answers(path: Path, methodology: Methodology | None = None) -> tuple[AnswerSheet, Methodology]:
    """Read and validate an answers file; ``methodology`` overrides the version the file names."""
    data = read_toml(path, "answers file")
    return parse_answers(data, origin=str(path), methodology=methodology)


def parse_answers(
    data: dict[str, Any], *, origin: str, methodology: Methodology | None = None
) -> tuple[AnswerSheet, Methodology]:
    no_unknown(data, _TOP, origin)
    government = _government(data.get("government"), origin)
    if methodology is None:
        methodology = find_methodology(government.methodology)
    if methodology.scoring == "refused":
        raise SdgError(f"{origin}: methodology {methodology.id}: scoring refused: {methodology.refusal}")
    priority_list, categories = _priority(data.get("priority_products", {}), origin)
    items = methodology.items
    answers: dict[str, Answer] = {}
    for position, entry in enumerate(tables(data, "answer", origin), start=1):
        answer = _answer(entry, position, origin, items)
        if answer.item in answers:
            raise SdgError(f"{origin}: answer {answer.item!r}: field item: answered twice")
        answers[answer.item] = answer
    for component in methodology.components:
        missing = [i.id for i in component.items if i.id not in answers]
        if component.role == "gate" and missing:
            raise SdgError(
                f"{origin}: answer {missing[0]!r}: field value: required (component "
                f"{component.id} is mandatory; answer yes or no)"
            )
    sheet = AnswerSheet(origin, government, answers, priority_list, categories)
    return sheet, methodology


def _government(raw: Any, origin: str) -> Government:
    where = f"{origin}: [government]"
    if not isinstance(raw, dict):
        raise SdgError(f"{where}: required (name, level, country, year, methodology)")
    no_unknown(raw, _GOVERNMENT, where)
    level = text(raw, "level", where, required=True)
    if level not in GOVERNMENT_LEVELS:
        raise SdgError(f"{where}: field level: {level!r} is not one of {', '.join(GOVERNMENT_LEVELS)}")
    region = text(raw, "region", where, required=level == "subnational")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise SdgError(f"{where}: field year: {year!r} is not a year (an integer such as 2020)")
    illustrative = raw.get("illustrative", False)
    if not isinstance(illustrative, bool):
        raise SdgError(f"{where}: field illustrative: must be true or false")
    return Government(
        name=text(raw, "name", where, required=True),
        level=level,
        country=text(raw, "country", where, required=True),
        region=region,
        year=year,
        methodology=text(raw, "methodology", where, required=True),
        illustrative=illustrative,
        note=text(raw, "note", where),
    )


def _priority(raw: Any, origin: str) -> tuple[str, tuple[str, ...]]:
    where = f"{origin}: [priority_products]"
    if not isinstance(raw, dict):
        raise SdgError(f"{where}: must be a table with list or categories")
    no_unknown(raw, _PRIORITY, where)
    categories = raw.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) and c.strip() for c in categories):
        raise SdgError(f"{where}: field categories: must be a list of category codes")
    name = text(raw, "list", where)
    if name and categories:
        raise SdgError(f"{where}: field categories: give a list or categories, not both")
    return name, tuple(c.strip() for c in categories)


def _answer(entry: dict[str, Any], position: int, origin: str, items: dict[str, Item]) -> Answer:
    item_id = text(entry, "item", f"{origin}: answer #{position}", required=True)
    where = f"{origin}: answer {item_id!r}"
    if item_id not in items:
        raise SdgError(
            f"{origin}: answer #{position}: field item: {item_id!r} is not an item of the methodology "
            f"(items: {', '.join(items)})"
        )
    no_unknown(entry, _ANSWER, where)
    item = items[item_id]
    shown, fraction = _value(entry.get("value"), item, where)
    evidence = Evidence(
        document=text(entry, "document", where),
        link=text(entry, "link", where),
        note=text(entry, "note", where),
    )
    return Answer(item_id, shown, fraction, evidence)


def _value(value: Any, item: Item, where: str) -> tuple[str, Decimal]:
    """The answer as shown and the fraction of the item's weight it earns."""
    if value is None:
        raise SdgError(f"{where}: field value: required ({_allowed(item)})")
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, str) and value.strip().lower() in _YES and item.scoring != "percentage":
        word = value.strip().lower()
        return word, _YES[word]
    if item.scoring == "yes_no":
        raise SdgError(f"{where}: field value: {value!r} is not an answer ({_allowed(item)})")
    amount = number({"value": value}, "value", where, default=None)
    if item.scoring == "partial":
        if not 0 <= amount <= 1:
            raise SdgError(
                f"{where}: field value: {amount} is not a fraction between 0 and 1 ({_allowed(item)})"
            )
        return format(amount.normalize(), "f"), amount
    if not 0 <= amount <= 100:
        raise SdgError(f"{where}: field value: {amount} is not a percentage between 0 and 100")
    return f"{format(amount.normalize(), 'f')} %", amount / 100


def _allowed(item: Item) -> str:
    return {
        "yes_no": "yes or no",
        "partial": "yes, no or a fraction between 0 and 1 for a partial answer",
        "percentage": "a percentage between 0 and 100",
    }[item.scoring]
