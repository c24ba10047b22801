"""Load the snapshot of the registry that import validation checks rows against."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, select

from ecoprocure.domain.lifecycle import CriterionTerms
from ecoprocure.ingest.registry_rows import CertificateRef, CriterionRef, RegistryIndex
from ecoprocure.store.models import Category, Certificate, Criterion, Licensee, Scheme, criterion_category


def load_criteria(conn: Connection) -> dict[int, CriterionRef]:
    covered: dict[int, set[str]] = defaultdict(set)
    for criterion_id, code in conn.execute(
        select(criterion_category.c.criterion_id, Category.code).join(
            Category, Category.id == criterion_category.c.category_id
        )
    ):
        covered[criterion_id].add(code)
    rows = conn.execute(
        select(
            Criterion.id,
            Scheme.code,
            Criterion.standard_code,
            Criterion.effective_from,
            Criterion.withdrawn_on,
        ).join(Scheme, Scheme.id == Criterion.scheme_id)
    )
    return {
        cid: CriterionRef(cid, scheme, CriterionTerms(code, start, end, frozenset(covered[cid])))
        for cid, scheme, code, start, end in rows
    }


def load_index(conn: Connection, *, with_certificates: bool = False) -> RegistryIndex:
    criteria = load_criteria(conn)
    index = RegistryIndex(
        schemes=dict(conn.execute(select(Scheme.code, Scheme.id)).all()),
        categories=dict(conn.execute(select(Category.code, Category.id)).all()),
        criteria={(ref.scheme_code, ref.terms.standard_code.upper()): ref for ref in criteria.values()},
        licensees=dict(conn.execute(select(Licensee.registration_id, Licensee.id)).all()),
    )
    if with_certificates:
        learn_certificates(conn, index, criteria)
    return index


def learn_certificates(
    conn: Connection, index: RegistryIndex, criteria: dict[int, CriterionRef], keys: list[str] | None = None
) -> None:
    """Add certificates (all, or those with ``keys``) to ``index``."""
    category_codes = {v: k for k, v in index.categories.items()}
    query = select(
        Certificate.id,
        Certificate.number,
        Certificate.number_key,
        Certificate.criterion_id,
        Certificate.category_id,
    )
    if keys is not None:
        query = query.where(Certificate.number_key.in_(keys))
    for cid, number, key, crit, cat in conn.execute(query):
        index.certificates[key] = CertificateRef(cid, number, criteria[crit], category_codes.get(cat))
