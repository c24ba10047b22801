"""Programme statistics computed from the registry (counts at year end, per scheme)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from ecoprocure.domain.statistics import YearCounts, add_growth

# A certificate counts on day :d when it was issued, not past expiry, and its last lifecycle event
# effective on or before :d left it valid (history comes from the audit log, not the current row).
_VALID_ON = """
WITH last_event AS (
  SELECT e.certificate_id, e.to_status,
         ROW_NUMBER() OVER (PARTITION BY e.certificate_id ORDER BY e.effective_on DESC, e.id DESC) AS rn
  FROM certificate_event e WHERE e.effective_on <= :d
), valid AS (
  SELECT ce.id, ce.licensee_id, ce.scheme_id FROM certificate ce
  JOIN last_event le ON le.certificate_id = ce.id AND le.rn = 1
  WHERE le.to_status = 'valid' AND ce.issued_on <= :d AND (ce.expires_on IS NULL OR ce.expires_on >= :d)
)
"""

_COUNTS = (
    _VALID_ON
    + """
SELECT s.code,
  (SELECT count(*) FROM valid v WHERE v.scheme_id = s.id),
  (SELECT count(DISTINCT v.licensee_id) FROM valid v WHERE v.scheme_id = s.id),
  (SELECT count(*) FROM product_model p JOIN valid v ON v.id = p.certificate_id WHERE v.scheme_id = s.id),
  (SELECT count(*) FROM criterion c WHERE c.scheme_id = s.id AND c.effective_from <= :d
     AND (c.withdrawn_on IS NULL OR c.withdrawn_on > :d)),
  (SELECT count(DISTINCT cc.category_id) FROM criterion c JOIN criterion_category cc ON cc.criterion_id = c.id
     WHERE c.scheme_id = s.id AND c.effective_from <= :d AND (c.withdrawn_on IS NULL OR c.withdrawn_on > :d))
FROM scheme s
"""
)


def year_counts(conn: Connection, year: int, scheme: str | None = None) -> list[YearCounts]:
    """Counts on 31 December of ``year`` for every scheme (or one)."""
    sql = _COUNTS + (" WHERE s.code = :scheme" if scheme else "") + " ORDER BY s.code"
    rows = conn.execute(text(sql), {"d": dt.date(year, 12, 31), "scheme": scheme})
    return [
        YearCounts(
            code,
            year,
            {
                "certificates": certs,
                "licensees": licensees,
                "product_models": models,
                "criteria": criteria,
                "categories": categories,
            },
        )
        for code, certs, licensees, models, criteria, categories in rows
    ]


def programme_statistics(
    conn: Connection, year: int, scheme: str | None = None, *, include_empty: bool = False
) -> list[YearCounts]:
    """Counts for ``year`` with growth against the year before."""
    previous = {c.scheme_code: c for c in year_counts(conn, year - 1, scheme)}
    out = []
    for current in year_counts(conn, year, scheme):
        if not include_empty and not any(current.counts.values()) and scheme is None:
            continue
        out.append(add_growth(current, previous.get(current.scheme_code)))
    return out
