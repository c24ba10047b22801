"""Load the shipped reference data (``ecoprocure/reference/data/*.csv``) into a registry.

Idempotent: rows are upserted on their natural keys, so loading twice (or after an upgrade that
ships corrected rows) leaves one current copy. Every row must carry a source; a row without one
is an error, because every number and fact in ecoprocure must be traceable.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.models import (
    Agreement,
    Category,
    CategoryCode,
    Criterion,
    Requirement,
    Scheme,
    agreement_category,
    agreement_party,
    criterion_category,
)
from ecoprocure.store.search_index import refresh_names


def _rows(name: str, data_dir: Path) -> Iterator[tuple[int, dict[str, str]]]:
    path = data_dir / name
    if not path.exists():  # a user's extra reference folder may hold only some files
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=2):
            values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            if not values.get("source"):
                raise DataError(
                    f"{path.name}: row {number}: field source: every reference row needs a source"
                )
            yield number, values


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _upsert(conn: Connection, model: Any, key: dict[str, Any], values: dict[str, Any]) -> int:
    table = model.__table__
    found = conn.execute(select(table.c.id).where(*(table.c[k] == v for k, v in key.items()))).scalar()
    if found is None:
        return conn.execute(insert(table).returning(table.c.id), {**key, **values}).scalar_one()
    conn.execute(update(table).where(table.c.id == found).values(**values))
    return found


def load_reference(conn: Connection, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Upsert every reference file; returns rows loaded per file."""
    counts = {
        "schemes": _schemes(conn, data_dir),
        "categories": _categories(conn, data_dir),
        "category_codes": _category_codes(conn, data_dir),
        "criteria": _criteria(conn, data_dir),
        "requirements": _requirements(conn, data_dir),
    }
    counts["agreements"] = _agreements(conn, data_dir)
    refresh_names(conn)
    return counts


def _schemes(conn: Connection, data_dir: Path) -> int:
    n = 0
    for _, r in _rows("schemes.csv", data_dir):
        _upsert(
            conn,
            Scheme,
            {"code": r["code"]},
            {
                "name_en": r["name_en"],
                "name_zh": r.get("name_zh") or None,
                "country": r.get("country") or None,
                "owner_body": r.get("owner_body") or None,
                "gen_member": r.get("gen_member", "").lower() == "true",
                "genices_status": r.get("genices_status") or None,
                "website": r.get("website") or None,
                "source": r["source"],
            },
        )
        n += 1
    return n


def _categories(conn: Connection, data_dir: Path) -> int:
    rows = list(_rows("categories.csv", data_dir))
    ids: dict[str, int] = {}
    for _, r in rows:  # first pass: rows; second: parents (a child may precede its parent)
        ids[r["code"]] = _upsert(
            conn,
            Category,
            {"code": r["code"]},
            {
                "name_en": r["name_en"],
                "name_zh": r.get("name_zh") or None,
                "functional_unit": r.get("functional_unit") or None,
                "source": r["source"],
            },
        )
    for number, r in rows:
        parent = r.get("parent_code")
        if parent:
            if parent not in ids:
                raise DataError(
                    f"categories.csv: row {number}: field parent_code: unknown category {parent!r}"
                )
            conn.execute(update(Category).where(Category.id == ids[r["code"]]).values(parent_id=ids[parent]))
    return len(rows)


def _category_ids(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(Category.code, Category.id)).all())


def _scheme_ids(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(Scheme.code, Scheme.id)).all())


def _need(mapping: dict[str, int], code: str, file: str, number: int, fld: str) -> int:
    if code not in mapping:
        raise DataError(f"{file}: row {number}: field {fld}: unknown code {code!r}")
    return mapping[code]


def _category_codes(conn: Connection, data_dir: Path) -> int:
    categories, n = _category_ids(conn), 0
    for number, r in _rows("category_codes.csv", data_dir):
        cid = _need(categories, r["category_code"], "category_codes.csv", number, "category_code")
        _upsert(
            conn,
            CategoryCode,
            {"code_scheme": r["code_scheme"], "code": r["code"], "category_id": cid},
            {"match": r.get("match") or "exact", "source": r["source"]},
        )
        n += 1
    return n


def _criteria(conn: Connection, data_dir: Path) -> int:
    categories, schemes, n = _category_ids(conn), _scheme_ids(conn), 0
    for number, r in _rows("criteria.csv", data_dir):
        scheme_id = _need(schemes, r["scheme_code"], "criteria.csv", number, "scheme_code")
        effective = _date(r["effective_from"])
        if effective is None:
            raise DataError(f"criteria.csv: row {number}: field effective_from: required")
        cid = _upsert(
            conn,
            Criterion,
            {"scheme_id": scheme_id, "standard_code": r["standard_code"]},
            {
                "title_en": r.get("title_en") or None,
                "title_zh": r.get("title_zh") or None,
                "version": r.get("version") or None,
                "effective_from": effective,
                "withdrawn_on": _date(r.get("withdrawn_on", "")),
                "source": r["source"],
            },
        )
        category_id = _need(categories, r["category_code"], "criteria.csv", number, "category_code")
        linked = conn.execute(
            select(criterion_category).where(
                criterion_category.c.criterion_id == cid, criterion_category.c.category_id == category_id
            )
        ).first()
        if linked is None:
            conn.execute(insert(criterion_category), {"criterion_id": cid, "category_id": category_id})
        n += 1
    return n


def _requirements(conn: Connection, data_dir: Path) -> int:
    criteria = {
        (s, c): i
        for i, s, c in conn.execute(select(Criterion.id, Scheme.code, Criterion.standard_code).join(Scheme))
    }
    if not (data_dir / "requirements.csv").exists():
        return 0
    conn.execute(delete(Requirement))  # requirements have no natural key: replace them wholesale
    n = 0
    for number, r in _rows("requirements.csv", data_dir):
        key = (r["scheme_code"], r["standard_code"])
        if key not in criteria:
            raise DataError(f"requirements.csv: row {number}: field standard_code: unknown criterion {key}")
        conn.execute(
            insert(Requirement),
            {
                "criterion_id": criteria[key],
                "parameter": r["parameter"],
                "operator": r["operator"],
                "limit": r["limit"],
                "unit": r["unit"],
                "source": r["source"],
            },
        )
        n += 1
    return n


def _agreements(conn: Connection, data_dir: Path) -> int:
    schemes, categories, n = _scheme_ids(conn), _category_ids(conn), 0
    ids: dict[str, int] = {}
    for number, r in _rows("agreements.csv", data_dir):
        start = _date(r["valid_from"])
        if start is None:
            raise DataError(f"agreements.csv: row {number}: field valid_from: required")
        aid = _upsert(
            conn,
            Agreement,
            {"code": r["code"]},
            {
                "name_en": r["name_en"],
                "name_zh": r.get("name_zh") or None,
                "valid_from": start,
                "valid_to": _date(r.get("valid_to", "")),
                "source": r["source"],
            },
        )
        ids[r["code"]] = aid
        conn.execute(delete(agreement_party).where(agreement_party.c.agreement_id == aid))
        conn.execute(
            insert(agreement_party),
            [
                {
                    "agreement_id": aid,
                    "scheme_id": _need(schemes, code.strip(), "agreements.csv", number, "parties"),
                }
                for code in r["parties"].split(";")
                if code.strip()
            ],
        )
        conn.execute(delete(agreement_category).where(agreement_category.c.agreement_id == aid))
        n += 1
    for number, r in _rows("agreement_scope.csv", data_dir):
        aid = _need(ids, r["agreement_code"], "agreement_scope.csv", number, "agreement_code")
        cid = _need(categories, r["category_code"], "agreement_scope.csv", number, "category_code")
        conn.execute(insert(agreement_category), {"agreement_id": aid, "category_id": cid})
    return n
