"""Case-study files (TOML, one case a file; see docs/case-studies.md): read and validate.

:func:`load_case` reads one file completely before anything is used; every problem raises
:class:`~ecoprocure.domain.case_model.CaseStudyError` naming the file, the entry (outcome id,
reading position) and the field, and saying what is allowed. :func:`load_cases` reads the shipped
cases and those of a user folder, refusing an id given twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from ecoprocure.domain.case_model import (
    CONFIDENCES,
    KINDS,
    PERIODS,
    PERS,
    Bought,
    CaseStudy,
    CaseStudyError,
    Confidence,
    Figure,
    Outcome,
    Per,
    Period,
    Reading,
    Texts,
)
from ecoprocure.domain.claim_quantities import (
    ClaimUnitError,
    ClaimValueError,
    Stated,
    check_unit,
    multiplier_factor,
    parse_number,
    stated,
)
from ecoprocure.domain.toml_tables import no_unknown, read_toml, tables
from ecoprocure.reference import DATA_DIR

SHIPPED_DIR = DATA_DIR / "case_studies"
CATEGORIES_FILE = DATA_DIR / "categories.csv"

_ID = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_COUNTRY = re.compile(r"[A-Z]{2}")
_TOP = {
    "id", "title", "authority", "place", "year", "year_note", "category", "category_note",
    "bought", "baseline", "criteria", "outcome", "note",
}  # fmt: skip
_PLACE = {"country", "region", "city"}
_BOUGHT = {"what", "item", "source"}
_CRITERIA = {"text", "labels"}
_OUTCOME = {"id", "kind", "what", "period", "years", "per", "confidence", "gas", "note", "source"}
_READING = {
    "document", "title", "location", "lang", "quote", "value", "multiplier", "precision",
    "bound", "unit", "adopted", "note",
}  # fmt: skip


def load_case(path: Path, *, categories: frozenset[str] | None = None) -> CaseStudy:
    """Read and validate one case-study file."""
    name = path.name
    data = read_toml(path, CaseStudyError, "case-study file")
    return parse_case(data, origin=name, categories=categories)


def load_cases(user_dir: Path | None = None, *, shipped: bool = True) -> list[CaseStudy]:
    """The shipped cases (unless ``shipped`` is false) and every ``*.toml`` of ``user_dir``, by id."""
    paths = sorted(SHIPPED_DIR.glob("*.toml")) if shipped else []
    if user_dir is not None:
        if not user_dir.is_dir():
            raise CaseStudyError(f"{user_dir}: not a folder of case-study files")
        paths += sorted(user_dir.glob("*.toml"))
    known = category_codes()
    cases: dict[str, CaseStudy] = {}
    for path in paths:
        case = load_case(path, categories=known)
        if case.id in cases:
            raise CaseStudyError(
                f"{path.name}: field id: case {case.id!r} is already given in {cases[case.id].origin} "
                "(give your case another id)"
            )
        cases[case.id] = case
    return sorted(cases.values(), key=lambda c: c.id)


def category_codes(path: Path = CATEGORIES_FILE) -> frozenset[str]:
    """The ecoprocure category codes (first column of the shipped categories table)."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return frozenset(line.split(",", 1)[0] for line in lines if line.strip())


def find_case(cases: Iterable[CaseStudy], case_id: str) -> CaseStudy:
    listed = list(cases)
    for case in listed:
        if case.id == case_id:
            return case
    raise CaseStudyError(f"no case {case_id!r}: known cases are {', '.join(c.id for c in listed)}")


# --- the file ---------------------------------------------------------------------------------------


def parse_case(data: dict[str, Any], *, origin: str, categories: frozenset[str] | None = None) -> CaseStudy:
    """Validate the decoded TOML of a case-study file (``origin`` names it in messages)."""
    _no_unknown(data, _TOP, origin)
    case_id = data.get("id")
    if not isinstance(case_id, str) or not _ID.fullmatch(case_id):
        raise CaseStudyError(
            f"{origin}: field id: {case_id!r} is not an id (lower-case letters, digits, '_' and '-')"
        )
    where = f"{origin}: case {case_id!r}"
    langs: set[str] = set()
    place = _table(data, "place", where)
    _no_unknown(place, _PLACE, f"{where}: place")
    country = place.get("country")
    if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
        raise CaseStudyError(f"{where}: field place.country: {country!r} is not an ISO 3166 code (KR, CN …)")
    year, year_note = data.get("year"), _string(data, "year_note", where)
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
        raise CaseStudyError(f"{where}: field year: {year!r} is not a year (a whole number such as 2017)")
    if year is None and not year_note:
        raise CaseStudyError(
            f"{where}: field year_note: required when year is not given (say what the sources say)"
        )
    category, category_note = data.get("category"), _string(data, "category_note", where)
    if category is not None and (
        not isinstance(category, str) or (categories and category not in categories)
    ):
        raise CaseStudyError(f"{where}: field category: {category!r} is not an ecoprocure category code")
    if category is None and not category_note:
        raise CaseStudyError(f"{where}: field category_note: required when no category fits")
    criteria = _table(data, "criteria", where)
    _no_unknown(criteria, _CRITERIA, f"{where}: criteria")
    labels = criteria.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise CaseStudyError(f"{where}: field criteria.labels: a list of label or criteria names")
    outcomes = [
        _outcome(entry, n, where, langs) for n, entry in enumerate(_tables(data, "outcome", where), 1)
    ]
    ids = [o.id for o in outcomes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise CaseStudyError(f"{where}: outcome {twice[0]!r}: field id: given twice")
    return CaseStudy(
        id=case_id,
        origin=origin,
        title=_texts(data, "title", where, langs),
        authority=_texts(data, "authority", where, langs),
        country=country,
        city=_texts(place, "city", f"{where}: place", langs),
        region=_texts(place, "region", f"{where}: place", langs, required=False),
        year=year,
        year_note=year_note,
        category=category,
        category_note=category_note,
        bought=_bought(_table(data, "bought", where), where, langs),
        baseline=_texts(data, "baseline", where, langs),
        criteria=_texts(criteria, "text", f"{where}: criteria", langs),
        labels=tuple(labels),
        outcomes=tuple(outcomes),
        languages=tuple(sorted(langs, key=lambda lang: (lang != "en", lang != "zh", lang))),
        note=_texts(data, "note", where, langs, required=False),
    )


def _bought(table: dict[str, Any], where: str, langs: set[str]) -> Bought:
    _no_unknown(table, _BOUGHT, f"{where}: bought")
    readings = _tables(table, "source", f"{where}: bought")
    quantity = _figure(readings, f"{where}: bought", langs) if readings else None
    item = _texts(table, "item", f"{where}: bought", langs, required=quantity is not None)
    return Bought(_texts(table, "what", f"{where}: bought", langs), quantity, item)


def _outcome(entry: dict[str, Any], position: int, where: str, langs: set[str]) -> Outcome:
    outcome_id = entry.get("id")
    if not isinstance(outcome_id, str) or not _ID.fullmatch(outcome_id):
        raise CaseStudyError(f"{where}: outcome #{position}: field id: {outcome_id!r} is not an id")
    here = f"{where}: outcome {outcome_id!r}"
    _no_unknown(entry, _OUTCOME, here)
    kind = _choice(entry, "kind", KINDS, here)
    period = cast(Period, _choice(entry, "period", PERIODS, here))
    years = entry.get("years")
    if (period == "over_years") != (years is not None):
        raise CaseStudyError(
            f"{here}: field years: give the N of 'over N years' with period = \"over_years\" only"
        )
    span = None if years is None else _years(years, here)
    per = cast(Per, _choice(entry, "per", PERS, here, default="contract"))
    confidence = cast(Confidence, _choice(entry, "confidence", CONFIDENCES, here))
    readings = _tables(entry, "source", here)
    if not readings:
        raise CaseStudyError(f"{here}: field source: required: at least one [[outcome.source]] with a quote")
    figure = _figure(readings, here, langs)
    if kind == "money" and len({r.unit for r in figure.readings}) != 1:
        raise CaseStudyError(
            f"{here}: field unit: every reading of a money outcome must name the same currency"
        )
    return Outcome(
        id=outcome_id,
        kind=kind,
        what=_texts(entry, "what", here, langs),
        figure=figure,
        period=period,
        confidence=confidence,
        years=span,
        per=per,
        gas=_string(entry, "gas", here),
        note=_string(entry, "note", here),
    )


def _figure(entries: list[dict[str, Any]], where: str, langs: set[str]) -> Figure:
    readings = tuple(_reading(entry, n, where, langs) for n, entry in enumerate(entries, 1))
    adopted = [n for n, r in enumerate(readings, 1) if r.adopted]
    if len(adopted) > 1:
        raise CaseStudyError(f"{where}: source #{adopted[1]}: field adopted: only one reading may be adopted")
    return Figure(readings)


def _reading(entry: dict[str, Any], position: int, where: str, langs: set[str]) -> Reading:
    here = f"{where}: source #{position}"
    _no_unknown(entry, _READING, here)
    lang = _string(entry, "lang", here, required=True)
    if not _LANG.fullmatch(lang):
        raise CaseStudyError(f"{here}: field lang: {lang!r} is not a language code (en, zh, ko, et, pt …)")
    langs.add(lang)
    unit = entry.get("unit")
    if not isinstance(unit, str):
        raise CaseStudyError(f'{here}: field unit: required (a string; "" for a count)')
    try:
        check_unit(unit)
    except ClaimUnitError as exc:
        raise CaseStudyError(f"{here}: field unit: {exc}") from None
    adopted = entry.get("adopted", False)
    if not isinstance(adopted, bool):
        raise CaseStudyError(f"{here}: field adopted: true or false")
    return Reading(
        document=_string(entry, "document", here, required=True),
        quote=_string(entry, "quote", here, required=True),
        value=_stated(entry, here),
        unit=unit,
        lang=lang,
        location=_string(entry, "location", here),
        title=_string(entry, "title", here),
        adopted=adopted,
        note=_string(entry, "note", here),
    )


def _stated(entry: dict[str, Any], here: str) -> Stated:
    value = entry.get("value")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CaseStudyError(
            f'{here}: field value: required: the figure as a string, as printed (value = "28.9"); '
            "a TOML float loses the digits that give its precision"
        )
    bound = entry.get("bound")
    if bound not in (None, "lower", "upper"):
        raise CaseStudyError(
            f"{here}: field bound: {bound!r} is not lower or upper ('more than 800' is lower)"
        )
    for key in ("multiplier", "precision"):
        if key in entry and not isinstance(entry[key], str):
            raise CaseStudyError(f"{here}: field {key}: must be a string")
    multiplier, precision = entry.get("multiplier"), entry.get("precision")
    for key, text in (("value", str(value)), ("precision", precision)):
        try:
            if text is not None:
                parse_number(text)
        except ClaimValueError as exc:
            raise CaseStudyError(f"{here}: field {key}: {exc}") from None
    try:
        multiplier_factor(multiplier)
    except ClaimValueError as exc:
        raise CaseStudyError(f"{here}: field multiplier: {exc}") from None
    try:
        return stated(str(value), multiplier=multiplier, precision=precision, bound=bound)
    except ClaimValueError as exc:  # a negative precision
        raise CaseStudyError(f"{here}: field precision: {exc}") from None


def _years(years: Any, here: str) -> Decimal:
    """The N of "over N years": a positive number (``10``, ``"2.5"``)."""
    try:
        if isinstance(years, bool) or not isinstance(years, int | str):
            raise ClaimValueError(str(years))
        span = parse_number(str(years))
    except ClaimValueError:
        span = Decimal(0)
    if span <= 0:
        raise CaseStudyError(f"{here}: field years: {years!r} is not a positive number of years")
    return span


# --- small readers ------------------------------------------------------------------------------------


def _no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    no_unknown(table, allowed, where, CaseStudyError)


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise CaseStudyError(f"{where}: field {key}: required: a [{key}] table")
    return value


def _tables(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    return tables(data, key, where, CaseStudyError)


def _string(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise CaseStudyError(f"{where}: field {key}: must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise CaseStudyError(f"{where}: field {key}: required")
    return value


def _choice(
    data: dict[str, Any], key: str, allowed: tuple[str, ...], where: str, default: str | None = None
) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise CaseStudyError(f"{where}: field {key}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _texts(data: dict[str, Any], key: str, where: str, langs: set[str], *, required: bool = True) -> Texts:
    """A text in several languages: ``{en = "…", zh = "…"}``; English required."""
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CaseStudyError(f'{where}: field {key}: required: a table of texts by language ({key}.en = "…")')
    for lang in value:
        if not _LANG.fullmatch(lang):
            raise CaseStudyError(
                f"{where}: field {key}.{lang}: {lang!r} is not a language code (en, zh, ko …)"
            )
    if not value.get("en", "").strip():
        raise CaseStudyError(f"{where}: field {key}.en: required (every text has an English version)")
    langs.update(value)
    return dict(value)
