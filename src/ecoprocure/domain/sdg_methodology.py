"""SDG indicator 12.7.1 methodology files: components, sub-items, weights and levels (docs/sdg.md).

A methodology file (TOML) describes one version of UNEP's SPP Index: its sources, its components
(A gates the sum of B–F), each component's sub-items with a weight, how the item is answered
(``yes_no``, ``partial``, ``percentage``) and whether the weight is confirmed by a source,
inferred or unknown, and the level bands. The shipped files live in
``reference/data/sdg_12_7_1/``; users pass their own (e.g. UNEP's official weights) by path.
:func:`load_methodology` validates a file completely; every problem raises
:class:`SdgError` naming the file, the component or item and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ecoprocure.domain import toml_tables
from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR

METHODOLOGY_DIR = DATA_DIR / "sdg_12_7_1"
DEFAULT_VERSION = "unep-2021"
SCORINGS = ("yes_no", "partial", "percentage")
STATUSES = ("confirmed", "inferred", "unknown")
ROLES = ("gate", "sum", "share", "unknown")

_TOP = {
    "id", "title", "title_zh", "publisher", "year", "scoring", "refusal", "formula", "formula_source",
    "max_score", "max_score_status", "max_score_note", "implementing_threshold",
    "implementing_threshold_source", "caveats", "sources", "levels", "components",
}  # fmt: skip
_SOURCE = {"id", "title", "publisher", "year", "url", "locator"}
_LEVEL = {"level", "lower", "lower_inclusive", "label", "label_zh", "status", "source"}
_COMPONENT = {"id", "role", "name", "name_zh", "max", "max_status", "source", "items"}
_ITEM = {"id", "text", "text_zh", "scoring", "weight", "weight_status", "source"}


class SdgError(DataError):
    """An SDG 12.7.1 methodology or answers file cannot be used as given; the message names the
    file, the component, item or answer, and the field."""


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    year: int | None
    url: str
    locator: str


@dataclass(frozen=True)
class Level:
    level: int
    lower: Decimal
    lower_inclusive: bool
    label: str
    label_zh: str
    status: str
    source: str

    def contains_from_below(self, score: Decimal) -> bool:
        """Whether ``score`` reaches this level's lower bound."""
        return score >= self.lower if self.lower_inclusive else score > self.lower


@dataclass(frozen=True)
class Item:
    id: str
    component: str
    text: str
    text_zh: str
    scoring: str
    weight: Decimal
    weight_status: str
    source: str


@dataclass(frozen=True)
class Component:
    id: str
    role: str
    name: str
    name_zh: str
    max: Decimal
    max_status: str
    source: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Methodology:
    id: str
    title: str
    title_zh: str
    publisher: str
    year: int | None
    scoring: str  # "supported" or "refused"
    refusal: str
    formula: str
    implementing_threshold: Decimal
    caveats: tuple[str, ...]
    sources: tuple[Source, ...]
    levels: tuple[Level, ...]  # ascending by lower bound
    components: tuple[Component, ...]
    origin: str

    @property
    def items(self) -> dict[str, Item]:
        return {item.id: item for component in self.components for item in component.items}

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    def level_of(self, score: Decimal) -> Level:
        """The highest level whose lower bound ``score`` reaches (monotone in the score)."""
        reached = [level for level in self.levels if level.contains_from_below(score)]
        return reached[-1] if reached else self.levels[0]

    @property
    def max_score(self) -> Decimal:
        gate = [c.max for c in self.components if c.role == "gate"]
        added = sum((c.max for c in self.components if c.role in ("sum", "share")), Decimal(0))
        return (gate[0] if gate else Decimal(1)) * added


def shipped_versions() -> list[str]:
    return sorted(path.stem for path in METHODOLOGY_DIR.glob("*.toml"))


def find_methodology(name: str | None) -> Methodology:
    """A shipped version by id (default ``unep-2021``) or a methodology file by path."""
    name = name or DEFAULT_VERSION
    shipped = METHODOLOGY_DIR / f"{name}.toml"
    if shipped.is_file():
        return load_methodology(shipped)
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return load_methodology(path)
    raise SdgError(
        f"unknown SDG 12.7.1 methodology {name!r}: use one of {', '.join(shipped_versions())} "
        "or the path of a methodology file (.toml)"
    )


def load_methodology(path: Path) -> Methodology:
    """Read and validate a methodology file (TOML)."""
    return parse_methodology(read_toml(path, "methodology file"), origin=str(path))


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file's tables; an unreadable file, bad encoding or bad TOML names the file (its path)."""
    return toml_tables.read_toml(path, SdgError, what, name=str(path))


def parse_methodology(data: dict[str, Any], *, origin: str) -> Methodology:
    """Validate the decoded TOML of a methodology file (``origin`` names it in messages)."""
    no_unknown(data, _TOP, origin)
    scoring = text(data, "scoring", origin, required=True)
    if scoring not in ("supported", "refused"):
        raise SdgError(f"{origin}: field scoring: {scoring!r} is not supported or refused")
    refusal = text(data, "refusal", origin, required=scoring == "refused")
    sources = tuple(_source(e, n, origin) for n, e in enumerate(tables(data, "sources", origin), 1))
    components = _components(data, origin, scoring == "supported")
    levels = tuple(_level(e, n, origin) for n, e in enumerate(tables(data, "levels", origin), 1))
    if scoring == "supported":
        _check_levels(levels, origin)
    caveats = data.get("caveats", [])
    if not isinstance(caveats, list) or not all(isinstance(c, str) for c in caveats):
        raise SdgError(f"{origin}: field caveats: must be a list of strings")
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise SdgError(f"{origin}: field year: must be an integer")
    return Methodology(
        id=text(data, "id", origin, required=True),
        title=text(data, "title", origin, required=True),
        title_zh=text(data, "title_zh", origin),
        publisher=text(data, "publisher", origin),
        year=year,
        scoring=scoring,
        refusal=refusal,
        formula=text(data, "formula", origin),
        implementing_threshold=number(data, "implementing_threshold", origin, default=Decimal(1)),
        caveats=tuple(caveats),
        sources=sources,
        levels=tuple(sorted(levels, key=lambda level: level.lower)),
        components=components,
        origin=origin,
    )


def _components(data: dict[str, Any], origin: str, scored: bool) -> tuple[Component, ...]:
    components: list[Component] = []
    seen_items: set[str] = set()
    for position, entry in enumerate(tables(data, "components", origin), start=1):
        component = _component(entry, position, origin, scored)
        if any(c.id == component.id for c in components):
            raise SdgError(f"{origin}: component {component.id!r}: field id: given twice")
        for item in component.items:
            if item.id in seen_items:
                raise SdgError(f"{origin}: item {item.id!r}: field id: given twice")
            seen_items.add(item.id)
        components.append(component)
    if scored:
        roles = [c.role for c in components]
        if roles.count("gate") != 1 or "unknown" in roles:
            raise SdgError(
                f"{origin}: components: a scored methodology needs exactly one gate component "
                "(A) and every other component's role sum or share"
            )
    return tuple(components)


def _component(entry: dict[str, Any], position: int, origin: str, scored: bool) -> Component:
    component_id = text(entry, "id", f"{origin}: component #{position}", required=True)
    where = f"{origin}: component {component_id!r}"
    no_unknown(entry, _COMPONENT, where)
    role = text(entry, "role", where, required=True)
    if role not in ROLES:
        raise SdgError(f"{where}: field role: {role!r} is not one of {', '.join(ROLES)}")
    maximum = number(entry, "max", where, default=None)
    if maximum <= 0:
        raise SdgError(f"{where}: field max: must be above 0")
    items = tuple(_item(e, n, where, component_id) for n, e in enumerate(tables(entry, "items", where), 1))
    if scored:
        if not items:
            raise SdgError(f"{where}: field items: a scored methodology needs at least one item")
        total = sum((item.weight for item in items), Decimal(0))
        if total != maximum:
            raise SdgError(
                f"{where}: field items: the weights add up to {total}, not the component's max "
                f"{maximum}; give each item its share of the maximum"
            )
        if role == "share" and any(item.scoring != "percentage" for item in items):
            raise SdgError(f"{where}: field items: a share component's items are scored percentage")
        if role != "share" and any(item.scoring == "percentage" for item in items):
            raise SdgError(f"{where}: field items: only a share component (F) has percentage items")
    return Component(
        id=component_id,
        role=role,
        name=text(entry, "name", where, required=True),
        name_zh=text(entry, "name_zh", where),
        max=maximum,
        max_status=status(entry, "max_status", where),
        source=text(entry, "source", where),
        items=items,
    )


def _item(entry: dict[str, Any], position: int, where: str, component: str) -> Item:
    item_id = text(entry, "id", f"{where}: item #{position}", required=True)
    at = f"{where.rsplit(': component', 1)[0]}: item {item_id!r}"
    no_unknown(entry, _ITEM, at)
    scoring = text(entry, "scoring", at, required=True)
    if scoring not in SCORINGS:
        raise SdgError(f"{at}: field scoring: {scoring!r} is not one of {', '.join(SCORINGS)}")
    weight = number(entry, "weight", at, default=None)
    if weight < 0:
        raise SdgError(f"{at}: field weight: must not be negative")
    return Item(
        id=item_id,
        component=component,
        text=text(entry, "text", at, required=True),
        text_zh=text(entry, "text_zh", at),
        scoring=scoring,
        weight=weight,
        weight_status=status(entry, "weight_status", at),
        source=text(entry, "source", at, required=True),
    )


def _source(entry: dict[str, Any], position: int, origin: str) -> Source:
    source_id = text(entry, "id", f"{origin}: source #{position}", required=True)
    where = f"{origin}: source {source_id!r}"
    no_unknown(entry, _SOURCE, where)
    year = entry.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise SdgError(f"{where}: field year: must be an integer")
    return Source(
        id=source_id,
        title=text(entry, "title", where, required=True),
        publisher=text(entry, "publisher", where),
        year=year,
        url=text(entry, "url", where),
        locator=text(entry, "locator", where),
    )


def _level(entry: dict[str, Any], position: int, origin: str) -> Level:
    where = f"{origin}: level #{position}"
    no_unknown(entry, _LEVEL, where)
    level = entry.get("level")
    if isinstance(level, bool) or not isinstance(level, int):
        raise SdgError(f"{where}: field level: must be an integer")
    inclusive = entry.get("lower_inclusive", True)
    if not isinstance(inclusive, bool):
        raise SdgError(f"{where}: field lower_inclusive: must be true or false")
    return Level(
        level=level,
        lower=number(entry, "lower", where, default=None),
        lower_inclusive=inclusive,
        label=text(entry, "label", where, required=True),
        label_zh=text(entry, "label_zh", where),
        status=status(entry, "status", where),
        source=text(entry, "source", where),
    )


def _check_levels(levels: tuple[Level, ...], origin: str) -> None:
    if not levels:
        raise SdgError(f"{origin}: levels: a scored methodology needs its level bands ([[levels]])")
    ordered = sorted(levels, key=lambda level: level.lower)
    if ordered[0].lower != 0:
        raise SdgError(f"{origin}: levels: the lowest level must start at 0")
    if [level.level for level in ordered] != sorted(level.level for level in ordered):
        raise SdgError(f"{origin}: levels: higher lower bounds must give higher levels")
    if len({level.lower for level in ordered}) != len(ordered):
        raise SdgError(f"{origin}: levels: two levels share the lower bound")


# --- small field readers, shared with the answers file ---------------------------------------------


def tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    return toml_tables.tables(data, key, where, SdgError)


def no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    toml_tables.no_unknown(table, allowed, where, SdgError)


def text(table: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SdgError(f"{where}: field {key}: required")
        return ""
    if not isinstance(value, str):
        raise SdgError(f"{where}: field {key}: must be a string, not {type(value).__name__}")
    return value.strip()


def number(table: dict[str, Any], key: str, where: str, *, default: Decimal | None) -> Decimal:
    """A decimal number written as a string ("0.125") or a TOML integer/float."""
    value = table.get(key)
    if value is None:
        if default is None:
            raise SdgError(f"{where}: field {key}: required (a number)")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SdgError(f"{where}: field {key}: {value!r} is not a number")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise SdgError(f"{where}: field {key}: {value!r} is not a number") from None
    if not result.is_finite():
        raise SdgError(f"{where}: field {key}: {value!r} is not a finite number")
    return result


def status(table: dict[str, Any], key: str, where: str) -> str:
    value = text(table, key, where, required=True)
    if value not in STATUSES:
        raise SdgError(f"{where}: field {key}: {value!r} is not one of {', '.join(STATUSES)}")
    return value
