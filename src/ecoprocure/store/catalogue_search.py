"""Catalogue search: ranked full-text search over certified products, with filters.

The query is parsed once by ``domain.search_tokens`` and rendered for the backend (an FTS5 MATCH
expression on SQLite, a tsquery on PostgreSQL). Results come in two tiers:

1. products whose brand and model hold every term, ranked by bm25 / ts_rank;
2. products where each term is in the brand/model, the licensee's name or the category's name
   (e.g. "联想 台式计算机": a brand and a category), best combination first (a term in the
   brand/model counts 2, in the licensee's name 1, in the category's name 0). Within one
   combination the order is the database's index order: for a category-only query, any of that
   category's products is as good an answer as another.
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


class _Backend:
    """How each database spells a full-text match and its rank."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def expression(self, terms: list[QueryTerm]) -> str:
        return fts5_expression(terms) if self.sqlite else tsquery_expression(terms)

    def ids_matching(self, table: str, param: str) -> str:
        """SQL selecting the ids in search index ``table`` that match the bound expression."""
        if self.sqlite:
            return f"SELECT rowid FROM {table} WHERE {table} MATCH :{param}"
        id_column = {
            "product_search": "product_id",
            "licensee_search": "licensee_id",
            "category_search": "category_id",
        }[table]
        return f"SELECT {id_column} FROM {table} WHERE document @@ to_tsquery('simple', :{param})"

    def ranked_products(self) -> tuple[str, str, str]:
        """(score, FROM, WHERE) of tier 1: every term in brand/model."""
        if self.sqlite:
            return (
                "-bm25(product_search)",
                "product_search JOIN product_model p ON p.id = product_search.rowid",
                "product_search MATCH :q",
            )
        return (
            "ts_rank(ps.document, to_tsquery('simple', :q))",
            "product_search ps JOIN product_model p ON p.id = ps.product_id",
            "ps.document @@ to_tsquery('simple', :q)",
        )


_SELECT = """
SELECT p.id, p.brand, p.model, ce.number, s.code, l.name_en, l.name_zh, ca.code, ca.name_en, ca.name_zh,
       ce.status, ce.expires_on, {score} AS score
FROM {source}
JOIN certificate ce ON ce.id = p.certificate_id
JOIN scheme s ON s.id = ce.scheme_id
JOIN licensee l ON l.id = ce.licensee_id
JOIN category ca ON ca.id = p.category_id
WHERE ({where}){filters}
{order}
LIMIT :limit
"""

# Where a term may match in tier 2, and what that match is worth.
_SOURCES = (("product", 2), ("licensee", 1), ("category", 0))
MAX_TIER_TWO_TERMS = 3  # 3 terms -> at most 26 small queries; longer queries are brand/model searches


def _name_matches(conn: Connection, backend: _Backend, terms: list[QueryTerm]) -> list[tuple[str, str]]:
    """Per term, SQL lists of the licensee ids and category ids (with sub-categories) it matches."""
    codes = dict(conn.execute(text("SELECT id, code FROM category")).all())
    out = []
    for term in terms:
        params = {"t": backend.expression([term])}
        licensees = conn.execute(text(backend.ids_matching("licensee_search", "t")), params).scalars()
        hits = conn.execute(text(backend.ids_matching("category_search", "t")), params).scalars()
        matched = {codes[i] for i in hits}
        categories = [i for i, code in codes.items() if _within(code, matched)]
        out.append((",".join(map(str, licensees)), ",".join(map(str, categories))))
    return out


def _within(code: str, matched: set[str]) -> bool:
    return code in matched or any(code.startswith(m + ".") for m in matched)


def _tier_two_queries(
    backend: _Backend, terms: list[QueryTerm], names: list[tuple[str, str]], params: dict[str, Any]
) -> list[tuple[int, str]]:
    """(score, WHERE) per combination of where each term matches, best first, excluding the
    all-brand/model combination (tier 1). Each combination is a cheap indexed query with a LIMIT,
    so a category holding 100,000 products answers as fast as a rare brand."""
    options: list[list[tuple[int, str]]] = []
    for n, (term, (licensees, categories)) in enumerate(zip(terms, names, strict=True)):
        params[f"t{n}"] = backend.expression([term])
        conditions = {
            "product": f"p.id IN ({backend.ids_matching('product_search', f't{n}')})",
            "licensee": f"ce.licensee_id IN ({licensees})" if licensees else None,
            "category": f"p.category_id IN ({categories})" if categories else None,
        }
        options.append([(worth, conditions[name]) for name, worth in _SOURCES if conditions[name]])
    combos: list[list[tuple[int, str]]] = [[]]
    for choices in options:
        combos = [[*combo, choice] for combo in combos for choice in choices]
    scored = [
        (sum(worth for worth, _ in combo), " AND ".join(cond for _, cond in combo))
        for combo in combos
        if any(worth < 2 for worth, _ in combo)
    ]
    return sorted(scored, key=lambda item: -item[0])


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
            sql += (
                " AND (ce.status = 'expired' OR (ce.status IN ('valid', 'suspended') "
                "AND ce.expires_on < :today))"
            )
        else:
            sql += " AND ce.status = :status"
            params["status"] = filters.status
    return sql


def search(
    conn: Connection,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    type_ahead: bool = True,
) -> list[Hit]:
    terms = parse_query(query, type_ahead=type_ahead)
    if not terms:
        raise BadQuery(f"nothing to search for in {query!r}: type a brand, model, company or category")
    backend = _Backend(conn.dialect.name)
    wanted = max(1, min(limit, 200)) + max(0, offset)
    params: dict[str, Any] = {"q": backend.expression(terms), "limit": wanted}
    where_filters = _filters(filters or SearchFilters(), params)
    score, source, where = backend.ranked_products()
    sql = _SELECT.format(
        score=score, source=source, where=where, filters=where_filters, order="ORDER BY score DESC, p.id"
    )
    rows = list(conn.execute(text(sql), params))
    if len(rows) < wanted and len(terms) <= MAX_TIER_TWO_TERMS:
        seen = {row[0] for row in rows}
        names = _name_matches(conn, backend, terms)
        for worth, condition in _tier_two_queries(backend, terms, names, params):
            params["limit"] = wanted - len(rows) + len(seen)
            sql = _SELECT.format(
                score=str(worth), source="product_model p", where=condition, filters=where_filters, order=""
            )
            for row in conn.execute(text(sql), params):
                if row[0] not in seen and len(rows) < wanted:
                    seen.add(row[0])
                    rows.append(row)
            if len(rows) >= wanted:
                break
    return [_hit(row) for row in rows[max(0, offset) :]]


def _hit(row: Any) -> Hit:
    status = row[10]
    expires = row[11] if row[11] is None or isinstance(row[11], dt.date) else dt.date.fromisoformat(row[11])
    if status in ("valid", "suspended") and expires is not None and expires < dt.date.today():
        status = "expired"
    return Hit(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], status, float(row[12])
    )
