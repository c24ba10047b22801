"""Set-based writes of validated registry records, idempotent on natural keys.

Each function takes one batch inside the caller's transaction, reads the rows that already exist
for the batch's keys in one query, and then inserts what is new, updates what changed and leaves
the rest alone, so re-importing a file changes nothing. Certificates are the exception: their
dates and state change only through the lifecycle, so a differing re-import is a reject.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update

from ecoprocure.domain.lifecycle import Action
from ecoprocure.ingest.registry_rows import CertificateRecord, LicenseeRecord, ModelRecord
from ecoprocure.store.models import Certificate, CertificateEvent, Licensee, ProductModel
from ecoprocure.store.search_index import ProductDocument, index_products


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[tuple[int, str, str]] = field(default_factory=list)  # (batch index, field, reason)

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def write_licensees(conn: Connection, records: Sequence[LicenseeRecord]) -> WriteCounts:
    counts = WriteCounts()
    ids = [r.registration_id for r in records]
    existing = {
        row.registration_id: row
        for row in conn.execute(
            select(
                Licensee.id, Licensee.registration_id, Licensee.name_en, Licensee.name_zh, Licensee.country
            ).where(Licensee.registration_id.in_(ids))
        )
    }
    new, changed = [], []
    for record in records:
        row = existing.get(record.registration_id)
        if row is None:
            new.append(record.__dict__)
        elif (row.name_en, row.name_zh, row.country) != (record.name_en, record.name_zh, record.country):
            changed.append(
                {
                    "b_id": row.id,
                    "name_en": record.name_en,
                    "name_zh": record.name_zh,
                    "country": record.country,
                }
            )
        else:
            counts.unchanged += 1
    if new:
        conn.execute(insert(Licensee), new)
    if changed:
        conn.execute(
            update(Licensee)
            .where(Licensee.id == bindparam("b_id"))
            .values(name_en=bindparam("name_en"), name_zh=bindparam("name_zh"), country=bindparam("country")),
            changed,
        )
    counts.inserted, counts.updated = len(new), len(changed)
    return counts


_CERTIFICATE_FACTS = ("scheme_id", "licensee_id", "criterion_id", "category_id", "issued_on", "expires_on")


def write_certificates(
    conn: Connection, records: Sequence[CertificateRecord], actor: str, now: dt.datetime
) -> WriteCounts:
    counts = WriteCounts()
    existing = {
        row.number_key: row
        for row in conn.execute(
            select(Certificate).where(Certificate.number_key.in_([r.number_key for r in records]))
        ).mappings()
    }
    new: list[CertificateRecord] = []
    for position, record in enumerate(records):
        row = existing.get(record.number_key)
        if row is None:
            new.append(record)
            continue
        differing = [name for name in _CERTIFICATE_FACTS if row[name] != getattr(record, name)]
        if differing:
            counts.conflicts.append(
                (
                    position,
                    differing[0],
                    (
                        f"certificate {record.number} already exists with a different {differing[0]} "
                        f"({row[differing[0]]} ≠ {getattr(record, differing[0])}); change it through its "
                        "lifecycle (renew, suspend …), not by re-import"
                    ),
                )
            )
        else:
            counts.unchanged += 1
    if new:
        _insert_certificates(conn, new, actor, now)
    counts.inserted = len(new)
    return counts


def _insert_certificates(
    conn: Connection, new: Sequence[CertificateRecord], actor: str, now: dt.datetime
) -> None:
    conn.execute(
        insert(Certificate),
        [
            {
                **{
                    k: getattr(r, k)
                    for k in (*_CERTIFICATE_FACTS, "number", "number_key", "status_since", "status_reason")
                },
                "status": r.status.value,
            }
            for r in new
        ],
    )
    ids = dict(
        conn.execute(
            select(Certificate.number_key, Certificate.id).where(
                Certificate.number_key.in_([r.number_key for r in new])
            )
        ).all()
    )
    events = []
    for r in new:
        events.append(
            {
                "certificate_id": ids[r.number_key],
                "action": Action.ISSUE.value,
                "from_status": None,
                "to_status": "valid",
                "effective_on": r.issued_on,
                "recorded_at": now,
                "actor": actor,
                "reason": "imported",
                "details": None,
            }
        )
        if r.status.value != "valid":
            # The file states a later state; record it as an imported transition so history is whole.
            events.append(
                {
                    "certificate_id": ids[r.number_key],
                    "action": "import-state",
                    "from_status": "valid",
                    "to_status": r.status.value,
                    "effective_on": r.status_since,
                    "recorded_at": now,
                    "actor": actor,
                    "reason": r.status_reason or "state given by import",
                    "details": None,
                }
            )
    conn.execute(insert(CertificateEvent), events)


class IdAllocator:
    """Hands out product ids up front so model rows and their search documents share them
    without a round trip per row (SQLite: we hold the write lock; PostgreSQL: the sequence)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.next_id: int | None = None

    def take(self, n: int) -> list[int]:
        if self.conn.dialect.name == "postgresql":
            return list(
                self.conn.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('product_model', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": n},
                ).scalars()
            )
        if self.next_id is None:
            self.next_id = (
                self.conn.execute(text("SELECT coalesce(max(id), 0) FROM product_model")).scalar() or 0
            ) + 1
        start, self.next_id = self.next_id, self.next_id + n
        return list(range(start, start + n))


def write_models(conn: Connection, records: Sequence[ModelRecord], ids: IdAllocator) -> WriteCounts:
    counts = WriteCounts()
    existing = _existing_models(conn, {r.certificate_id for r in records})
    new: list[ModelRecord] = []
    changed: list[tuple[int, ModelRecord]] = []
    for record in records:
        row = existing.get((record.certificate_id, record.brand_key, record.model_key))
        if row is None:
            new.append(record)
        elif (row.brand, row.model, row.gtin, row.category_id, _json(row.attributes)) != (
            record.brand,
            record.model,
            record.gtin,
            record.category_id,
            record.attributes,
        ):
            changed.append((row.id, record))
        else:
            counts.unchanged += 1
    if new:
        new_ids = ids.take(len(new))
        _insert_models(conn, new_ids, new)
        index_products(
            conn,
            [ProductDocument(i, r.brand_tokens, r.model_tokens) for i, r in zip(new_ids, new, strict=True)],
        )
    if changed:
        conn.execute(
            update(ProductModel)
            .where(ProductModel.id == bindparam("b_id"))
            .values(
                brand=bindparam("brand"),
                model=bindparam("model"),
                gtin=bindparam("gtin"),
                category_id=bindparam("category_id"),
                attributes=bindparam("attributes"),
            ),
            [
                {
                    "b_id": i,
                    "brand": r.brand,
                    "model": r.model,
                    "gtin": r.gtin,
                    "category_id": r.category_id,
                    "attributes": r.attributes,
                }
                for i, r in changed
            ],
        )
        index_products(
            conn, [ProductDocument(i, r.brand_tokens, r.model_tokens) for i, r in changed], replace=True
        )
    counts.inserted, counts.updated = len(new), len(changed)
    return counts


_MODEL_COLUMNS = (
    "id",
    "certificate_id",
    "brand",
    "model",
    "brand_key",
    "model_key",
    "gtin",
    "category_id",
    "attributes",
)


def _insert_models(conn: Connection, ids: Sequence[int], records: Sequence[ModelRecord]) -> None:
    """Driver-level executemany: the ORM/Core parameter processing cost more than the insert itself
    at 1.5 million rows, and these rows are already validated and typed."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    marks = ", ".join([mark] * len(_MODEL_COLUMNS))
    sql = f"INSERT INTO product_model ({', '.join(_MODEL_COLUMNS)}) VALUES ({marks})"
    conn.exec_driver_sql(
        sql,
        [
            (
                i,
                r.certificate_id,
                r.brand,
                r.model,
                r.brand_key,
                r.model_key,
                r.gtin,
                r.category_id,
                json.dumps(r.attributes, ensure_ascii=False) if r.attributes is not None else None,
            )
            for i, r in zip(ids, records, strict=True)
        ],
    )


def _json(value: Any) -> Any:
    # Raw SQL returns SQLite's JSON as text, PostgreSQL's as parsed objects.
    return json.loads(value) if isinstance(value, str) else value


def _existing_models(conn: Connection, certificate_ids: set[int]) -> dict[tuple[int, str, str], Any]:
    """Models already stored for the batch's certificates, by natural key (one query; the ids are
    integers from our own index, so they are inlined rather than bound one parameter each)."""
    ids = ",".join(str(int(i)) for i in sorted(certificate_ids))
    rows = conn.execute(
        text(
            "SELECT id, certificate_id, brand_key, model_key, brand, model, gtin, category_id, attributes "
            f"FROM product_model WHERE certificate_id IN ({ids})"
        )
    )
    return {(row.certificate_id, row.brand_key, row.model_key): row for row in rows}
