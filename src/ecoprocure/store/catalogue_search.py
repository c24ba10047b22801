"""Catalogue search: ranked full-text search over certified products, with filters.

The query is parsed once by ``domain.search_tokens`` and rendered for the backend: an FTS5 MATCH
expression ranked by bm25 on SQLite, a tsquery ranked by ts_rank on PostgreSQL. Brand and model
weigh most, then licensee, then category names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text

from ecoprocure.domain.search_tokens import QueryTerm, parse_query
from ecoprocure.errors import EcoprocureError

STATUSES = ("valid", "suspended", "revoked", "expired", "withdrawn")


class BadQuery(EcoprocureError, ValueError):
    """A search query with nothing searchable in it, or a bad filter."""


@dataclass(frozen=True)
class SearchFilters:
    scheme: str | None = None
    category: str | None = None  # category code; its sub-categories match too
    status: str | None = None  # current status, with the calendar applied to "valid"/"expired"


@dataclass(frozen=True)
class Hit:
    product_id: int
    brand: str
    model: str
    certificate: str
    scheme: str
    licensee_en: str | None
    licensee_zh: str | None
    category: str
    category_en: str
    category_zh: str | None
    status: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fts5_expression(terms: list[QueryTerm]) -> str:
    parts = []
    for term in terms:
        phrase = '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"'
        parts.append(phrase + ("*" if term.prefix else ""))
    return " ".join(parts)


def tsquery_expression(terms: list[QueryTerm]) -> str:
    parts = []
    for term in terms:
        tokens = [f"'{t}'" for t in term.tokens]
        if term.prefix:
            tokens[-1] += ":*"
        parts.append("(" + " <-> ".join(tokens) + ")")
    return " & ".join(parts)


_SELECT = """
SELECT p.id, p.brand, p.model, ce.number, s.code, l.name_en, l.name_zh, ca.code, ca.name_en, ca.name_zh,
       ce.status, ce.expires_on, {score} AS score
FROM {source}
JOIN product_model p ON p.id = {id_column}
JOIN certificate ce ON ce.id = p.certificate_id
JOIN scheme s ON s.id = ce.scheme_id
JOIN licensee l ON l.id = ce.licensee_id
JOIN category ca ON ca.id = p.category_id
WHERE {match}
"""


def _filters(filters: SearchFilters, params: dict[str, Any]) -> str:
    sql = ""
    if filters.scheme:
        sql += " AND s.code = :scheme"
        params["scheme"] = filters.scheme
    if filters.category:
        sql += " AND (ca.code = :category OR ca.code LIKE :category_prefix)"
        params["category"], params["category_prefix"] = filters.category, filters.category + ".%"
    if filters.status:
        if filters.status not in STATUSES:
            raise BadQuery(f"unknown status filter {filters.status!r}; use one of {', '.join(STATUSES)}")
        params["today"] = dt.date.today()
        if filters.status == "valid":
            sql += " AND ce.status = 'valid' AND (ce.expires_on IS NULL OR ce.expires_on >= :today)"
        elif filters.status == "expired":
            sql += (" AND (ce.status = 'expired' OR (ce.status IN ('valid', 'suspended') "
                    "AND ce.expires_on < :today))")
        else:
            sql += " AND ce.status = :status"
            params["status"] = filters.status
    return sql


def search(conn: Connection, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
           offset: int = 0, type_ahead: bool = True) -> list[Hit]:
    terms = parse_query(query, type_ahead=type_ahead)
    if not terms:
        raise BadQuery(f"nothing to search for in {query!r}: type a brand, model, company or category")
    params: dict[str, Any] = {"limit": max(1, min(limit, 200)), "offset": max(0, offset)}
    where = _filters(filters or SearchFilters(), params)
    if conn.dialect.name == "sqlite":
        params["q"] = fts5_expression(terms)
        sql = _SELECT.format(score="-bm25(product_search, 3.0, 3.0, 1.0, 0.5)", source="product_search",
                             id_column="product_search.rowid", match="product_search MATCH :q")
        sql += where + " ORDER BY bm25(product_search, 3.0, 3.0, 1.0, 0.5) LIMIT :limit OFFSET :offset"
    else:
        params["q"] = tsquery_expression(terms)
        sql = _SELECT.format(score="ts_rank(ps.document, to_tsquery('simple', :q))",
                             source="product_search ps", id_column="ps.product_id",
                             match="ps.document @@ to_tsquery('simple', :q)")
        sql += where + " ORDER BY score DESC, p.id LIMIT :limit OFFSET :offset"
    today = dt.date.today()
    hits = []
    for row in conn.execute(text(sql), params):
        status = row[10]
        expires = row[11] if row[11] is None or isinstance(row[11], dt.date) else dt.date.fromisoformat(row[11])
        if status in ("valid", "suspended") and expires is not None and expires < today:
            status = "expired"
        hits.append(Hit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], status,
                        float(row[12])))
    return hits
