"""Paged, filtered and sorted lists of the registry: schemes, categories, criteria, certificates
and a certificate's product models (what the web API and, later, the pages list).

Each function returns a :class:`Listing`: the total number of rows that match the filters and one
page of them as JSON-ready dicts. Sort keys are chosen from a fixed map per list (a leading ``-``
sorts descending), so nothing the caller types reaches the SQL text; filters are bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from ecoprocure.domain.lifecycle import Status, effective_status
from ecoprocure.domain.text import certificate_key
from ecoprocure.errors import EcoprocureError
from ecoprocure.store.catalogue_search import STATUSES, SearchFilters
from ecoprocure.store.catalogue_search import _filters as certificate_filters

MAX_LIMIT = 200


class BadListing(EcoprocureError, ValueError):
    """An unknown sort key, or a page outside the allowed range."""


@dataclass(frozen=True)
class Listing:
    total: int
    rows: list[dict[str, Any]]


SCHEME_SORTS = {"code": "s.code", "name_en": "s.name_en", "country": "s.country"}
CATEGORY_SORTS = {"code": "c.code", "name_en": "c.name_en"}
CRITERION_SORTS = {
    "code": "cr.standard_code",
    "scheme": "s.code",
    "effective_from": "cr.effective_from",
    "title_en": "cr.title_en",
}
CERTIFICATE_SORTS = {
    "number": "ce.number",
    "issued_on": "ce.issued_on",
    "expires_on": "ce.expires_on",
    "status": "ce.status",
    "scheme": "s.code",
}
PRODUCT_SORTS = {"brand": "p.brand", "model": "p.model", "id": "p.id"}


def _order(sort: str, columns: Mapping[str, str], tie: str) -> str:
    name = sort.removeprefix("-")
    if name not in columns:
        allowed = ", ".join(sorted(columns))
        raise BadListing(f"unknown sort key {sort!r}: use one of {allowed} (prefix - for descending)")
    direction = "DESC" if sort.startswith("-") else "ASC"
    # NULLs last either way, so a page of "expires soonest" does not start with open-ended ones.
    return f"ORDER BY ({columns[name]} IS NULL), {columns[name]} {direction}, {tie}"


def _page(limit: int, offset: int) -> dict[str, int]:
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadListing(f"limit must be 1–{MAX_LIMIT} and offset ≥ 0 (got limit {limit}, offset {offset})")
    return {"limit": limit, "offset": offset}


def _filter(where: list[str], params: dict[str, Any], clause: str, **values: Any) -> None:
    """Add ``clause`` with its named parameters when they are given (None: no such filter)."""
    if all(value is not None for value in values.values()):
        where.append(clause)
        params.update(values)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _listing(
    conn: Connection, select: str, source: str, where: list[str], params: dict[str, Any], order: str
) -> tuple[int, list[Any]]:
    condition = (" WHERE " + " AND ".join(where)) if where else ""
    total = conn.execute(text(f"SELECT count(*) FROM {source}{condition}"), params).scalar_one()
    rows = conn.execute(
        text(f"SELECT {select} FROM {source}{condition} {order} LIMIT :limit OFFSET :offset"), params
    ).all()
    return int(total), list(rows)


def list_schemes(
    conn: Connection,
    *,
    code: str | None = None,
    country: str | None = None,
    sort: str = "code",
    limit: int = 50,
    offset: int = 0,
) -> Listing:
    params: dict[str, Any] = _page(limit, offset)
    where = []
    _filter(where, params, "s.code = :code", code=code)
    _filter(where, params, "s.country = :country", country=country)
    total, rows = _listing(
        conn,
        "s.code, s.name_en, s.name_zh, s.country, s.owner_body, s.gen_member, s.genices_status, "
        "s.website, s.source",
        "scheme s",
        where,
        params,
        _order(sort, SCHEME_SORTS, "s.id"),
    )
    names = (
        "code",
        "name_en",
        "name_zh",
        "country",
        "owner_body",
        "gen_member",
        "genices_status",
        "website",
        "source",
    )
    return Listing(
        total, [{**dict(zip(names, row, strict=True)), "gen_member": bool(row[5])} for row in rows]
    )


def list_categories(
    conn: Connection,
    *,
    code: str | None = None,
    parent: str | None = None,
    under: str | None = None,
    sort: str = "code",
    limit: int = 50,
    offset: int = 0,
) -> Listing:
    """Categories; ``parent``: its direct children; ``under``: that category and all below it."""
    params: dict[str, Any] = _page(limit, offset)
    where = []
    _filter(where, params, "c.code = :code", code=code)
    _filter(where, params, "pc.code = :parent", parent=parent)
    _filter(
        where,
        params,
        "(c.code = :under OR c.code LIKE :under_prefix)",
        under=under,
        under_prefix=None if under is None else under + ".%",
    )
    total, rows = _listing(
        conn,
        "c.code, c.name_en, c.name_zh, pc.code, c.functional_unit, s.code, c.source",
        "category c LEFT JOIN category pc ON pc.id = c.parent_id LEFT JOIN scheme s ON s.id = c.scheme_id",
        where,
        params,
        _order(sort, CATEGORY_SORTS, "c.id"),
    )
    names = ("code", "name_en", "name_zh", "parent", "functional_unit", "scheme", "source")
    return Listing(total, [dict(zip(names, row, strict=True)) for row in rows])


def list_criteria(
    conn: Connection,
    *,
    scheme: str | None = None,
    code: str | None = None,
    category: str | None = None,
    in_force_on: dt.date | None = None,
    sort: str = "code",
    limit: int = 50,
    offset: int = 0,
) -> Listing:
    """Criteria with their categories and measurable requirements; ``category``: criteria that
    cover that category; ``in_force_on``: in force on that day."""
    params: dict[str, Any] = _page(limit, offset)
    where = []
    _filter(where, params, "s.code = :scheme", scheme=scheme)
    _filter(where, params, "cr.standard_code = :code", code=code)
    _filter(
        where,
        params,
        "cr.id IN (SELECT cc.criterion_id FROM criterion_category cc "
        "JOIN category c ON c.id = cc.category_id WHERE c.code = :category)",
        category=category,
    )
    _filter(
        where,
        params,
        "cr.effective_from <= :day AND (cr.withdrawn_on IS NULL OR cr.withdrawn_on > :day)",
        day=in_force_on,
    )
    total, rows = _listing(
        conn,
        "cr.id, s.code, cr.standard_code, cr.title_en, cr.title_zh, cr.version, cr.effective_from, "
        "cr.withdrawn_on, cr.source",
        "criterion cr JOIN scheme s ON s.id = cr.scheme_id",
        where,
        params,
        _order(sort, CRITERION_SORTS, "cr.id"),
    )
    ids = [row[0] for row in rows]
    categories, requirements = _criterion_parts(conn, ids)
    return Listing(
        total,
        [
            {
                "scheme": row[1],
                "code": row[2],
                "title_en": row[3],
                "title_zh": row[4],
                "version": row[5],
                "effective_from": _date(row[6]),
                "withdrawn_on": _date(row[7]),
                "source": row[8],
                "categories": categories.get(row[0], []),
                "requirements": requirements.get(row[0], []),
            }
            for row in rows
        ],
    )


def _criterion_parts(
    conn: Connection, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[dict[str, Any]]]]:
    if not ids:
        return {}, {}
    listed = ",".join(str(int(i)) for i in ids)  # integers from our own query
    categories: dict[int, list[str]] = {}
    for cid, code in conn.execute(
        text(
            "SELECT cc.criterion_id, c.code FROM criterion_category cc JOIN category c "
            f"ON c.id = cc.category_id WHERE cc.criterion_id IN ({listed}) ORDER BY c.code"
        )
    ):
        categories.setdefault(cid, []).append(code)
    requirements: dict[int, list[dict[str, Any]]] = {}
    for cid, parameter, operator, limit, unit, source in conn.execute(
        text(
            'SELECT criterion_id, parameter, operator, "limit", unit, source FROM requirement '
            f"WHERE criterion_id IN ({listed}) ORDER BY id"
        )
    ):
        requirements.setdefault(cid, []).append(
            {
                "parameter": parameter,
                "operator": operator,
                "limit": float(limit) if isinstance(limit, Decimal | int | float) else limit,
                "unit": unit,
                "source": source,
            }
        )
    return categories, requirements


def list_certificates(
    conn: Connection,
    *,
    scheme: str | None = None,
    status: str | None = None,
    licensee: str | None = None,
    criterion: str | None = None,
    category: str | None = None,
    sort: str = "number",
    limit: int = 50,
    offset: int = 0,
    today: dt.date | None = None,
) -> Listing:
    """Certificates; ``status`` is the status today (the calendar expires valid ones, as in
    catalogue search); ``category`` includes its sub-categories; ``licensee`` is a registration id."""
    if status is not None and status not in STATUSES:
        raise BadListing(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    params: dict[str, Any] = _page(limit, offset)
    where = ["1 = 1" + certificate_filters(SearchFilters(scheme, category, status), params)]
    _filter(where, params, "l.registration_id = :licensee", licensee=licensee)
    _filter(where, params, "cr.standard_code = :criterion", criterion=criterion)
    total, rows = _listing(
        conn,
        "ce.number, s.code, l.registration_id, l.name_en, l.name_zh, cr.standard_code, ca.code, "
        "ce.issued_on, ce.expires_on, ce.status, ce.status_since, ce.status_reason",
        "certificate ce JOIN scheme s ON s.id = ce.scheme_id JOIN licensee l ON l.id = ce.licensee_id "
        "JOIN criterion cr ON cr.id = ce.criterion_id LEFT JOIN category ca ON ca.id = ce.category_id",
        where,
        params,
        _order(sort, CERTIFICATE_SORTS, "ce.id"),
    )
    day = today or dt.date.today()
    out = []
    for row in rows:
        expires = _date(row[8])
        out.append(
            {
                "number": row[0],
                "scheme": row[1],
                "licensee_registration_id": row[2],
                "licensee_name_en": row[3],
                "licensee_name_zh": row[4],
                "criterion": row[5],
                "category": row[6],
                "issued_on": _date(row[7]),
                "expires_on": expires,
                "status": effective_status(Status(row[9]), expires, day).value,
                "stored_status": row[9],
                "status_since": _date(row[10]),
                "status_reason": row[11],
            }
        )
    return Listing(total, out)


def list_products(
    conn: Connection, number: str, *, sort: str = "id", limit: int = 50, offset: int = 0
) -> Listing:
    """The product models a certificate covers (empty when there is no such certificate)."""
    params: dict[str, Any] = {**_page(limit, offset), "key": certificate_key(number)}
    total, rows = _listing(
        conn,
        "p.brand, p.model, p.gtin, c.code",
        "product_model p JOIN certificate ce ON ce.id = p.certificate_id "
        "JOIN category c ON c.id = p.category_id",
        ["ce.number_key = :key"],
        params,
        _order(sort, PRODUCT_SORTS, "p.id"),
    )
    names = ("brand", "model", "gtin", "category")
    return Listing(total, [dict(zip(names, row, strict=True)) for row in rows])
