"""Claims files: published figures and the checks between them, in TOML (see docs/claims.md).

:func:`load_claims` reads and validates a file completely before anything is checked; every
problem raises :class:`~ecoprocure.domain.claims.ClaimsError` naming the file, the claim or check
(by id, or by position when the id is missing) and the field, and saying what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecoprocure.domain.claim_quantities import (
    Bound,
    ClaimUnitError,
    ClaimValueError,
    Stated,
    check_unit,
    multiplier_factor,
    parse_number,
    stated,
)
from ecoprocure.domain.claims import (
    KINDS,
    CheckResult,
    Claim,
    ClaimsError,
    Kind,
    Relation,
    Source,
    check_all,
    relation_problems,
)
from ecoprocure.domain.toml_tables import no_unknown, read_toml, tables
from ecoprocure.reference import DATA_DIR

SEEDS_FILE = DATA_DIR / "claims" / "seeds.toml"

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_TOP = {"title", "documents", "claim", "check"}
_DOCUMENT = {"title", "file", "url"}
_FIGURE_FIELDS = ("id", "what", "value", "multiplier", "unit", "precision", "bound")
CLAIM_FIELDS = frozenset((*_FIGURE_FIELDS, "document", "location", "quote", "note"))
# The fields naming the claims of each kind of check, in the order Relation.operands keeps them.
OPERAND_FIELDS: dict[Kind, tuple[str, ...]] = {
    "product": ("factors",),
    "ratio": ("numerator", "denominator"),
    "sum": ("terms",),
    "share": ("part", "whole"),
    "growth": ("from", "to"),
    "equal": ("claims",),
}
_LIST_FIELDS = {"factors", "terms", "claims"}
_BOUNDS: dict[str, Bound] = {"lower": "lower", "upper": "upper"}


@dataclass(frozen=True)
class ClaimSet:
    """A validated claims file: its documents, claims (by id) and checks (in file order)."""

    origin: str
    title: str
    documents: dict[str, dict[str, str]]
    claims: dict[str, Claim]
    relations: list[Relation]

    def check(self) -> list[CheckResult]:
        return check_all(self.relations, self.claims)


def load_claims(path: Path) -> ClaimSet:
    """Read and validate a claims file (TOML)."""
    name = path.name
    data = read_toml(path, ClaimsError, "claims file")
    return parse_claims(data, origin=name)


def parse_claims(data: dict[str, Any], *, origin: str) -> ClaimSet:
    """Validate the decoded TOML of a claims file (``origin`` names it in messages)."""
    _no_unknown(data, _TOP, origin)
    title = data.get("title", "")
    if not isinstance(title, str):
        raise ClaimsError(f"{origin}: field title: must be a string")
    documents = _documents(data.get("documents", {}), origin)
    claims: dict[str, Claim] = {}
    for position, entry in enumerate(_tables(data, "claim", origin), start=1):
        claim = _claim(entry, position, origin, documents)
        if claim.id in claims:
            raise ClaimsError(f"{origin}: claim {claim.id!r}: field id: given twice")
        claims[claim.id] = claim
    relations: list[Relation] = []
    seen: set[str] = set()
    for position, entry in enumerate(_tables(data, "check", origin), start=1):
        relation = _relation(entry, position, origin, claims)
        if relation.id in seen:
            raise ClaimsError(f"{origin}: check {relation.id!r}: field id: given twice")
        seen.add(relation.id)
        relations.append(relation)
    return ClaimSet(origin, title, documents, claims, relations)


def _tables(data: dict[str, Any], key: str, origin: str) -> list[dict[str, Any]]:
    return tables(data, key, origin, ClaimsError)


def _no_unknown(table: dict[str, Any], allowed: set[str], where: str) -> None:
    no_unknown(table, allowed, where, ClaimsError)


def _documents(raw: Any, origin: str) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise ClaimsError(f"{origin}: documents: write each document as a [documents.KEY] table")
    documents: dict[str, dict[str, str]] = {}
    for key, entry in raw.items():
        where = f"{origin}: document {key!r}"
        if not isinstance(entry, dict):
            raise ClaimsError(f"{where}: write it as a [documents.{key}] table with a title")
        _no_unknown(entry, _DOCUMENT, where)
        if not all(isinstance(v, str) for v in entry.values()):
            raise ClaimsError(f"{where}: every field must be a string")
        if not entry.get("title", "").strip():
            raise ClaimsError(f"{where}: field title: required")
        documents[key] = dict(entry)
    return documents


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise ClaimsError(f"{where}: field {key}: required")
        return None
    if not isinstance(value, str):
        raise ClaimsError(f"{where}: field {key}: must be a string, not {type(value).__name__}")
    if required and not value.strip():
        raise ClaimsError(f"{where}: field {key}: required")
    return value


def _identifier(entry: dict[str, Any], kind: str, position: int, origin: str) -> str:
    raw = entry.get("id")
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        raise ClaimsError(
            f"{origin}: {kind} #{position}: field id: {raw!r} is not an id "
            "(letters, digits, '_', '.', '-'; starting with a letter or digit)"
        )
    return raw


def _claim(entry: dict[str, Any], position: int, origin: str, documents: dict[str, dict[str, str]]) -> Claim:
    claim_id = _identifier(entry, "claim", position, origin)
    where = f"{origin}: claim {claim_id!r}"
    _no_unknown(entry, set(CLAIM_FIELDS), where)
    unit = entry.get("unit")
    if not isinstance(unit, str):
        raise ClaimsError(f'{where}: field unit: required (a string; "" for a plain count)')
    try:
        check_unit(unit)
    except ClaimUnitError as exc:
        raise ClaimsError(f"{where}: field unit: {exc}") from None
    what, note = _text(entry, "what", where) or "", _text(entry, "note", where) or ""
    value = entry.get("value")
    if value is None:
        given = sorted({"multiplier", "precision", "bound", "document", "location", "quote"} & set(entry))
        if given:
            raise ClaimsError(
                f"{where}: field {given[0]}: a claim without a value is derived by a check; "
                "give a value, or leave out its multiplier, precision, bound and source"
            )
        return Claim(claim_id, unit, None, what, None, note)
    return Claim(claim_id, unit, _value(entry, value, where), what, _source(entry, where, documents), note)


def _value(entry: dict[str, Any], value: Any, where: str) -> Stated:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ClaimsError(
            f'{where}: field value: write the figure as a string, as printed (value = "7.10"), '
            f"not as a TOML {type(value).__name__}: a float loses the digits that give its precision"
        )
    bound = _text(entry, "bound", where)
    if bound is not None and bound not in _BOUNDS:
        raise ClaimsError(
            f"{where}: field bound: {bound!r} is not lower or upper "
            '("more than 800" is bound = "lower", "less than 800" is "upper")'
        )
    multiplier, precision = _text(entry, "multiplier", where), _text(entry, "precision", where)
    try:
        parse_number(str(value))
    except ClaimValueError as exc:
        raise ClaimsError(f"{where}: field value: {exc}") from None
    try:
        multiplier_factor(multiplier)
    except ClaimValueError as exc:
        raise ClaimsError(f"{where}: field multiplier: {exc}") from None
    try:
        return stated(str(value), multiplier=multiplier, precision=precision, bound=_BOUNDS.get(bound or ""))
    except ClaimValueError as exc:
        raise ClaimsError(f"{where}: field precision: {exc}") from None


def _source(entry: dict[str, Any], where: str, documents: dict[str, dict[str, str]]) -> Source:
    document = _text(entry, "document", where, required=True)
    quote = _text(entry, "quote", where, required=True)
    assert document is not None and quote is not None
    if document not in documents:
        known = ", ".join(sorted(documents)) or "none: add a [documents.KEY] table"
        raise ClaimsError(f"{where}: field document: {document!r} is not in [documents] ({known})")
    location = _text(entry, "location", where) or ""
    return Source(document, quote, location, documents[document]["title"])


def _relation(entry: dict[str, Any], position: int, origin: str, claims: dict[str, Claim]) -> Relation:
    relation_id = _identifier(entry, "check", position, origin)
    where = f"{origin}: check {relation_id!r}"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ClaimsError(f"{where}: field kind: {kind!r} is not one of {', '.join(KINDS)}")
    fields = OPERAND_FIELDS[kind]
    result_field = () if kind == "equal" else ("result",)
    _no_unknown(entry, {"id", "kind", "note", *result_field, *fields}, where)
    result = _text(entry, "result", where, required=True) if result_field else None
    operands: list[str] = []
    for key in fields:
        raw = entry.get(key)
        if key in _LIST_FIELDS:
            if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw) or len(raw) < 2:
                raise ClaimsError(f"{where}: field {key}: required: a list of at least 2 claim ids")
            operands += raw
        else:
            if not isinstance(raw, str):
                raise ClaimsError(f"{where}: field {key}: required: a claim id")
            operands.append(raw)
    relation = Relation(relation_id, kind, result, tuple(operands), _text(entry, "note", where) or "")
    for key in (*result_field, *fields):
        named = entry[key] if isinstance(entry[key], list) else [entry[key]]
        missing = [i for i in named if i not in claims]
        if missing:
            raise ClaimsError(f"{where}: field {key}: no claim {missing[0]!r} in the file")
    problems = relation_problems(relation, claims)
    if problems:
        raise ClaimsError(f"{where}: {'; '.join(problems)}")
    return relation
