"""Keeping the catalogue search indexes in step with the registry.

Three indexes, all fed with token strings from ``domain.search_tokens`` (CJK bigrams) so SQLite
FTS5 and PostgreSQL see the same tokens:

* ``product_search``: brand and model of every product model (1.5 million rows at national
  scale); bulk writers add documents as they insert products;
* ``licensee_search`` and ``category_search``: names in English and Chinese. They are small and
  kept apart so a licensee's name is indexed once, not once per product (which made the product
  index four times larger and the national import twice as slow).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ecoprocure.domain.search_tokens import brand_tokens, index_tokens


@dataclass(frozen=True, slots=True)
class ProductDocument:
    """A product's search document, fields already turned into token strings."""

    product_id: int
    brand: str
    model: str

    @classmethod
    def of(cls, product_id: int, brand: str, model: str) -> ProductDocument:
        return cls(product_id, brand_tokens(brand), index_tokens(model))


_PG_UPSERT_PRODUCT = (
    "INSERT INTO product_search (product_id, document) VALUES (%s, "
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'A')) "
    "ON CONFLICT (product_id) DO UPDATE SET document = excluded.document"
)


def index_products(conn: Connection, docs: Iterable[ProductDocument], *, replace: bool = False) -> None:
    """Add (or with ``replace`` re-add) product documents inside the caller's transaction."""
    rows = [(d.product_id, d.brand, d.model) for d in docs]
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        if replace:
            _delete(conn, "product_search", "rowid", [row[0] for row in rows])
        conn.exec_driver_sql("INSERT INTO product_search (rowid, brand, model) VALUES (?, ?, ?)", rows)
    else:
        conn.exec_driver_sql(_PG_UPSERT_PRODUCT, rows)


def _delete(conn: Connection, table: str, column: str, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ",".join(str(int(i)) for i in ids[start : start + 500])
        conn.execute(text(f"DELETE FROM {table} WHERE {column} IN ({chunk})"))


_NAMES = {
    "licensee_search": (
        "licensee_id",
        "SELECT id, coalesce(name_en, '') || ' ' || coalesce(name_zh, '') FROM licensee",
    ),
    "category_search": (
        "category_id",
        "SELECT id, coalesce(name_en, '') || ' ' || coalesce(name_zh, '') || ' ' || code FROM category",
    ),
}


def refresh_names(conn: Connection) -> int:
    """Rebuild the licensee and category name indexes (thousands of rows: milliseconds)."""
    count = 0
    for table, (id_column, select_names) in _NAMES.items():
        rows = [(i, index_tokens(names)) for i, names in conn.execute(text(select_names))]
        conn.execute(text(f"DELETE FROM {table}"))
        if not rows:
            continue
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"INSERT INTO {table} (rowid, names) VALUES (?, ?)", rows)
        else:
            conn.exec_driver_sql(
                f"INSERT INTO {table} ({id_column}, document) VALUES (%s, to_tsvector('simple', %s))", rows
            )
        count += len(rows)
    return count


def rebuild(conn: Connection) -> int:
    """Drop and rebuild every search document (after a migration or a restore); returns products."""
    refresh_names(conn)
    conn.execute(text("DELETE FROM product_search"))
    count = 0
    batch: list[ProductDocument] = []
    for row in conn.execute(text("SELECT id, brand, model FROM product_model ORDER BY id")).all():
        batch.append(ProductDocument.of(*row))
        if len(batch) == 10_000:
            index_products(conn, batch)
            count, batch = count + len(batch), []
    index_products(conn, batch)
    return count + len(batch)
