"""What the pipeline needs from the registry, as columnar tables (written once per registry state).

The registry lives in SQLite/PostgreSQL; the pipeline runs on DuckDB or Spark. They meet at a
snapshot of Parquet files, keyed by a fingerprint of the registry, so a second run against an
unchanged registry reads the snapshot instead of exporting 1.5 million product keys again.

Tables: ``cpv_categories`` (every CPV 2008 code → its most specific mapped category),
``code_prefixes`` (other code schemes: prefix → category), ``keywords`` (description fallback),
``eligible`` (categories with an ecolabel criterion), ``certificates`` (with the certificate's
category and the categories compatible with it, for matching), ``products`` (with the block
that fuzzy matching joins on) and ``agreements`` (mutual recognition: one row per agreement, party
and category in scope).
"""

from __future__ import annotations

import csv
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, text

from ecoprocure.pipeline.match import model_blocks
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.verification import load_agreements

TABLES = ("cpv_categories", "code_prefixes", "keywords", "eligible", "certificates", "products", "agreements")
LAYOUT = 3  # bumped when a table's columns change, so an older snapshot is written again


@dataclass(frozen=True)
class Snapshot:
    folder: Path

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def fingerprint(conn: Connection) -> str:
    """Changes whenever something the pipeline reads changes (ids only grow; events log every change)."""
    row = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM product_model), (SELECT coalesce(max(id), 0) FROM product_model), "
            "(SELECT coalesce(max(id), 0) FROM certificate_event), (SELECT count(*) FROM certificate), "
            "(SELECT count(*) FROM category_code), (SELECT count(*) FROM criterion), "
            "(SELECT count(*) FROM criterion_category), (SELECT count(*) FROM category)"
        )
    ).one()
    return "-".join(str(v) for v in row)


def _significant(code: str) -> str:
    """'30213000-5' → '30213': the CPV prefix a mapping stands for (trailing zeros are levels)."""
    digits = code.split("-", maxsplit=1)[0]
    return digits.rstrip("0") or digits[:2]


def cpv_categories(conn: Connection) -> pa.Table:
    """Each CPV code mapped to the most specific matching category (exact beats prefix)."""
    mappings = conn.execute(
        text(
            "SELECT cc.code, cc.match, c.code FROM category_code cc JOIN category c ON c.id = cc.category_id "
            "WHERE cc.code_scheme = 'CPV'"
        )
    ).all()
    exact = {code.split("-")[0]: category for code, match, category in mappings if match == "exact"}
    prefixes = sorted(
        ((_significant(code), category) for code, match, category in mappings if match == "prefix"),
        key=lambda item: -len(item[0]),
    )
    codes, categories = [], []
    with (DATA_DIR / "cpv_2008.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cpv = row["code"]
            found = exact.get(cpv) or next((cat for prefix, cat in prefixes if cpv.startswith(prefix)), None)
            codes.append(cpv)
            categories.append(found)
    return pa.table({"cpv8": codes, "category": categories})


# Column types, so an empty registry still gives typed (joinable) tables.
_TYPES = {
    "certificate_id": pa.int64(),
    "issued_on": pa.string(),
    "expires_on": pa.string(),
    "status_since": pa.string(),
}


def _query_table(conn: Connection, sql: str, names: list[str]) -> pa.Table:
    rows = conn.execute(text(sql)).all()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table(
        {
            name: pa.array(
                [_iso(v) if "_on" in name or name == "status_since" else v for v in values],
                _TYPES.get(name, pa.string()),
            )
            for name, values in zip(names, columns, strict=True)
        }
    )


def compatible_categories(conn: Connection) -> dict[str, str]:
    """Category code → ``|code|ancestors…|descendants…|``: the categories an item may be classified
    in without contradicting a certificate of that category (the same, broader or narrower; never
    a sibling). Follows ``parent_id``, not the dotted spelling of the codes."""
    rows = conn.execute(text("SELECT id, code, parent_id FROM category")).all()
    code = {id_: c for id_, c, _ in rows}
    parent = {id_: p for id_, _, p in rows}
    related: dict[int, set[int]] = {id_: {id_} for id_ in code}
    for id_ in code:
        seen, up = {id_}, parent[id_]
        while up is not None and up in code and up not in seen:  # a cycle in bad data ends the walk
            related[id_].add(up)
            related[up].add(id_)
            seen.add(up)
            up = parent[up]
    return {code[i]: "|" + "|".join(sorted(code[r] for r in ids)) + "|" for i, ids in related.items()}


def certificates(conn: Connection) -> pa.Table:
    """Certificates with their scheme, validity, category and compatible categories."""
    table = _query_table(
        conn,
        (
            "SELECT ce.id, ce.number_key, s.code, ce.issued_on, ce.expires_on, ce.status, ce.status_since, "
            "c.code FROM certificate ce JOIN scheme s ON s.id = ce.scheme_id "
            "LEFT JOIN category c ON c.id = ce.category_id"
        ),
        [
            "certificate_id",
            "number_key",
            "scheme",
            "issued_on",
            "expires_on",
            "status",
            "status_since",
            "certificate_category",
        ],
    )
    compatible = compatible_categories(conn)
    family = [None if c is None else compatible[c] for c in table["certificate_category"].to_pylist()]
    return table.append_column("compatible_categories", pa.array(family, pa.string()))


def products(conn: Connection) -> pa.Table:
    """Product keys with their certificate and the block fuzzy matching joins on."""
    table = _query_table(
        conn,
        "SELECT brand_key, model_key, certificate_id FROM product_model",
        ["brand_key", "model_key", "certificate_id"],
    )
    return table.append_column("model_block", model_blocks(table["model_key"]))


def _keywords() -> pa.Table:
    with (DATA_DIR / "category_keywords.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return pa.table({"category": [r["category_code"] for r in rows], "pattern": [r["pattern"] for r in rows]})


def export(conn: Connection, root: Path) -> Snapshot:
    """Write (or reuse) the snapshot for the registry's current state under ``root``."""
    snapshot = Snapshot(root / f"registry-v{LAYOUT}-{fingerprint(conn)}")
    if all(snapshot.path(t).exists() for t in TABLES):
        return snapshot
    snapshot.folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "cpv_categories": cpv_categories(conn),
        "code_prefixes": _query_table(
            conn,
            (
                "SELECT upper(cc.code_scheme), cc.code, c.code FROM category_code cc "
                "JOIN category c ON c.id = cc.category_id WHERE cc.code_scheme <> 'CPV'"
            ),
            ["scheme", "prefix", "category"],
        ),
        "keywords": _keywords(),
        "eligible": _query_table(
            conn,
            ("SELECT DISTINCT c.code FROM criterion_category cc JOIN category c ON c.id = cc.category_id"),
            ["category"],
        ),
        "certificates": certificates(conn),
        "products": products(conn),
        "agreements": agreements(conn),
    }
    for name, table in tables.items():
        # Written aside, then renamed: several server workers (each warming its dashboard at
        # start) may export the same snapshot at once, and a reader must never see half a file.
        final = snapshot.path(name)
        partial = final.with_name(f"{final.name}.{os.getpid()}-{threading.get_ident()}.part")
        pq.write_table(table, partial)
        partial.replace(final)
    return snapshot


def agreements(conn: Connection) -> pa.Table:
    """Mutual-recognition agreements, one row per (agreement, party, category in scope)."""
    rows = [
        (a.code, party, category, a.valid_from.isoformat(), a.valid_to.isoformat() if a.valid_to else None)
        for a in load_agreements(conn)
        for party in sorted(a.parties)
        for category in sorted(a.category_codes)
    ]
    names = ("agreement", "scheme", "category", "valid_from", "valid_to")
    return pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(names)})


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
