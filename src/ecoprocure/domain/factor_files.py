"""Reading and checking factor-set files: ``factor-set.toml`` (metadata) and ``rows.csv``.

Every problem is collected, not only the first, and each names its file, row and field, says what
is allowed and, where it helps, how to fix it. A set with any problem is refused as a whole
(:class:`FactorSetError`, whose ``problems`` lists them all): a half-loaded factor set would give
benefits that silently miss categories. The format is documented in ``docs/factors.md``.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from ecoprocure.domain.factor_model import (
    IMPACT_TYPES,
    FactorSetInfo,
    FactorUnitError,
    Impact,
    ImpactType,
    Source,
    parse_unit,
)
from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR

METADATA_FILE = "factor-set.toml"
ROWS_FILE = "rows.csv"
IMPACTS_FILE = DATA_DIR / "factors" / "impacts.csv"
CATEGORIES_FILE = DATA_DIR / "categories.csv"

METADATA_REQUIRED = (
    "name",
    "version",
    "region",
    "valid_from",
    "valid_to",
    "description",
    "licence",
    "sources",
)
METADATA_OPTIONAL = ("rows", "impacts")
SOURCE_REQUIRED = ("id", "title", "publisher")
SOURCE_OPTIONAL = ("year", "url", "locator", "note")
IMPACT_REQUIRED = ("code", "type", "canonical_unit", "name_en")
IMPACT_OPTIONAL = ("name_zh", "description")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a factor set: where (file, row, field) and what."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return ": ".join([*where, self.message])


class FactorSetError(DataError):
    """A factor set that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, folder: Path | str, problems: Iterable[Problem]) -> None:
        self.folder = Path(folder)
        self.problems = tuple(problems)
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = f" (and {count - 1} more; run `ecoprocure factors check {folder}`)" if count > 1 else ""
        super().__init__(f"factor set {folder}: {first}{more}")


@dataclass(frozen=True)
class Category:
    code: str
    parent: str | None
    functional_unit: str | None


@cache
def reference_categories(path: Path = CATEGORIES_FILE) -> dict[str, Category]:
    """The shipped category taxonomy: code → :class:`Category` (functional unit ``None`` for groups)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {
                row["code"]: Category(row["code"], row["parent_code"] or None, row["functional_unit"] or None)
                for row in csv.DictReader(fh)
            }
    except (OSError, KeyError) as exc:
        raise DataError(f"{path.name}: cannot read the category taxonomy: {exc}") from exc


def _impact(values: Mapping[str, str], where: Problem, problems: list[Problem]) -> Impact | None:
    """An impact from a CSV row or a TOML table; problems are reported against ``where``."""
    code, kind, unit = (str(values.get(k) or "").strip() for k in ("code", "type", "canonical_unit"))

    def bad(field: str, message: str) -> None:
        problems.append(Problem(where.file, where.row, f"{where.field or ''}{field}", message))

    if not ID_PATTERN.match(code):
        bad("code", f"{code!r} is not an impact code (letters, digits, '_', '.', '-')")
    if kind not in IMPACT_TYPES:
        bad("type", f"{kind!r} is not an impact type; allowed: {', '.join(IMPACT_TYPES)}")
    try:
        parse_unit(unit)
    except FactorUnitError as exc:
        bad("canonical_unit", str(exc))
    if not str(values.get("name_en") or "").strip():
        bad("name_en", "required")
    if problems:
        return None
    typed_kind: ImpactType = kind  # type: ignore[assignment]  # checked against IMPACT_TYPES above
    return Impact(
        code,
        typed_kind,
        unit,
        str(values.get("name_en")).strip(),
        str(values.get("name_zh") or "").strip(),
        str(values.get("description") or "").strip(),
    )


@cache
def shipped_impacts(path: Path = IMPACTS_FILE) -> dict[str, Impact]:
    """The impacts table (``reference/data/factors/impacts.csv``), checked on first use."""
    impacts: dict[str, Impact] = {}
    problems: list[Problem] = []
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for number, row in enumerate(csv.DictReader(fh), start=2):
                found: list[Problem] = []
                impact = _impact(row, Problem(path.name, number, "", ""), found)
                problems += found
                if impact is not None and impact.code in impacts:
                    problems.append(Problem(path.name, number, "code", f"{impact.code!r} appears twice"))
                elif impact is not None:
                    impacts[impact.code] = impact
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read the impacts table: {exc}") from exc
    if problems:
        raise FactorSetError(path.parent, problems)
    return impacts


class _Table:
    """Typed access to one TOML table, recording problems against ``file`` and a field prefix."""

    def __init__(self, data: Mapping[str, Any], file: str, prefix: str, problems: list[Problem]) -> None:
        self.data, self.file, self.prefix, self.problems = data, file, prefix, problems

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, None, f"{self.prefix}{key}", message))

    def keys(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        for key in required:
            if key not in self.data:
                self.bad(key, "required")
        for key in self.data:
            if key not in required and key not in optional:
                self.bad(key, f"unknown key; allowed: {', '.join((*required, *optional))}")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            hint = f' (write it as a string: {key} = "{value}")' if isinstance(value, int | float) else ""
            self.bad(key, f"must be a non-empty string{hint}")
            return None
        return value.strip()

    def year(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
            self.bad(key, f"{value!r} is not a year (an integer such as 2024)")
            return None
        return value


def _sources(raw: object, file: str, problems: list[Problem]) -> tuple[Source, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(file, None, "sources", "give at least one [[sources]] table"))
        return ()
    sources: list[Source] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(Problem(file, None, f"sources[{index}]", "must be a table ([[sources]])"))
            continue
        table = _Table(item, file, f"sources[{index}].", problems)
        table.keys(SOURCE_REQUIRED, SOURCE_OPTIONAL)
        source_id, title, publisher = (table.text(k) for k in SOURCE_REQUIRED)
        url, locator = table.text("url"), table.text("locator")
        if source_id is not None and not ID_PATTERN.match(source_id):
            table.bad("id", f"{source_id!r}: use letters, digits, '.', '_' and '-' only")
        if source_id is not None and any(s.id == source_id for s in sources):
            table.bad("id", f"{source_id!r} is already used by another source")
        if url is None and locator is None:
            table.bad("url", "give a url or a locator (where the number can be found)")
        if source_id and title and publisher:
            note = table.text("note", required=False) or ""
            sources.append(Source(source_id, title, publisher, table.year("year"), url, locator, note))
    return tuple(sources)


def _extra_impacts(raw: object, file: str, problems: list[Problem]) -> dict[str, Impact]:
    """Impacts a user's set defines beyond the shipped table (``[[impacts]]``)."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        problems.append(Problem(file, None, "impacts", "must be a list of [[impacts]] tables"))
        return {}
    extra: dict[str, Impact] = {}
    for index, item in enumerate(raw):
        prefix = f"impacts[{index}]."
        if not isinstance(item, dict):
            problems.append(Problem(file, None, prefix.rstrip("."), "must be a table ([[impacts]])"))
            continue
        _Table(item, file, prefix, problems).keys(IMPACT_REQUIRED, IMPACT_OPTIONAL)
        impact = _impact({k: str(v) for k, v in item.items()}, Problem(file, None, prefix, ""), problems)
        if impact is None:
            continue
        if impact.code in shipped_impacts() or impact.code in extra:
            problems.append(
                Problem(file, None, f"{prefix}code", f"impact {impact.code!r} is already defined")
            )
        else:
            extra[impact.code] = impact
    return extra


def read_metadata(folder: Path, origin: str = "path") -> tuple[FactorSetInfo, dict[str, Impact], str]:
    """``folder/factor-set.toml``: the set's info, extra impacts, and the rows file name."""
    path = folder / METADATA_FILE
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise FactorSetError(
            folder, [Problem(METADATA_FILE, None, None, f"no {METADATA_FILE} in {folder}")]
        ) from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FactorSetError(folder, [Problem(METADATA_FILE, None, None, f"cannot read: {exc}")]) from exc
    problems: list[Problem] = []
    table = _Table(data, METADATA_FILE, "", problems)
    table.keys(METADATA_REQUIRED, METADATA_OPTIONAL)
    name = table.text("name")
    if name is not None and not NAME_PATTERN.match(name):
        table.bad("name", f"{name!r}: use lower-case letters, digits, '.', '_' and '-' (it names a folder)")
    version, region = table.text("version"), table.text("region")
    description, licence = table.text("description"), table.text("licence")
    valid_from, valid_to = table.year("valid_from"), table.year("valid_to")
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        table.bad("valid_to", f"{valid_to} is before valid_from {valid_from}")
    rows_file = table.text("rows") or ROWS_FILE
    if Path(rows_file).name != rows_file:
        table.bad("rows", f"{rows_file!r}: give a file name in the set's folder, not a path")
    sources = _sources(data.get("sources"), METADATA_FILE, problems)
    extra = _extra_impacts(data.get("impacts"), METADATA_FILE, problems)
    if problems:
        raise FactorSetError(folder, problems)
    assert name and version and region and description and licence and valid_from and valid_to
    info = FactorSetInfo(
        name, version, region, valid_from, valid_to, description, licence, sources, folder, origin
    )
    return info, extra, rows_file


def parse_decimal(text: str) -> Decimal:
    """A plain decimal number (``1.5``, ``-0.2``, ``1e-3``); no thousands separators, no NaN."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number (use a decimal point, no thousands separators)") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value
