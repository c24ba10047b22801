"""Keeping the catalogue search index in step with product models.

One search document per product model: brand, model, licensee names and category names, each
turned into tokens by ``domain.search_tokens`` (CJK bigrams), so SQLite FTS5 and PostgreSQL see
the same tokens. Writers call ``index_products`` with the rows they inserted or changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ecoprocure.domain.search_tokens import index_tokens


@dataclass(frozen=True, slots=True)
class SearchDocument:
    product_id: int
    brand: str
    model: str
    licensee: str  # English and Chinese names, space separated
    category: str


def _tokens(doc: SearchDocument) -> tuple[int, str, str, str, str]:
    return (doc.product_id, index_tokens(doc.brand), index_tokens(doc.model),
            index_tokens(doc.licensee), index_tokens(doc.category))


_PG_UPSERT = (
    "INSERT INTO product_search (product_id, document) VALUES (%s, "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'A') || "
    "setweight(to_tsvector('simple', %s), 'B') || setweight(to_tsvector('simple', %s), 'C')) "
    "ON CONFLICT (product_id) DO UPDATE SET document = excluded.document"
)


def index_products(conn: Connection, docs: Iterable[SearchDocument], *, replace: bool = False) -> None:
    """Add (or with ``replace`` re-add) search documents inside the caller's transaction."""
    rows = [_tokens(doc) for doc in docs]
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        if replace:
            remove_products(conn, [row[0] for row in rows])
        conn.exec_driver_sql(
            "INSERT INTO product_search (rowid, brand, model, licensee, category) VALUES (?, ?, ?, ?, ?)", rows
        )
    else:
        conn.exec_driver_sql(_PG_UPSERT, rows)


def remove_products(conn: Connection, product_ids: Sequence[int]) -> None:
    column = "rowid" if conn.dialect.name == "sqlite" else "product_id"
    for start in range(0, len(product_ids), 500):
        chunk = list(product_ids[start : start + 500])
        conn.execute(
            text(f"DELETE FROM product_search WHERE {column} IN ({','.join(map(str, chunk))})")
        )


_DOCUMENT_ROWS = """
SELECT p.id, p.brand, p.model,
       coalesce(l.name_en, '') || ' ' || coalesce(l.name_zh, ''),
       coalesce(c.name_en, '') || ' ' || coalesce(c.name_zh, '')
FROM product_model p
JOIN certificate ce ON ce.id = p.certificate_id
JOIN licensee l ON l.id = ce.licensee_id
JOIN category c ON c.id = p.category_id
"""


def reindex_licensees(conn: Connection, licensee_ids: Sequence[int]) -> int:
    """Re-index the products of licensees whose names changed; returns how many."""
    if not licensee_ids:
        return 0
    ids = ",".join(str(int(i)) for i in licensee_ids)
    docs = [SearchDocument(*row) for row in conn.execute(text(f"{_DOCUMENT_ROWS} WHERE l.id IN ({ids})"))]
    index_products(conn, docs, replace=True)
    return len(docs)


def rebuild(conn: Connection) -> int:
    """Drop and rebuild every search document (after a migration or a restore)."""
    conn.execute(text("DELETE FROM product_search"))
    count = 0
    batch: list[SearchDocument] = []
    for row in conn.execute(text(_DOCUMENT_ROWS)).yield_per(10_000):
        batch.append(SearchDocument(*row))
        if len(batch) == 10_000:
            index_products(conn, batch)
            count, batch = count + len(batch), []
    index_products(conn, batch)
    return count + len(batch)
