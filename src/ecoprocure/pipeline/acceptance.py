"""Which matched certificates count as green for a buyer that accepts one scheme.

Without a scheme every certificate in the registry counts (valid on the purchase date). With one
(``--accept-scheme CEL``), a certificate counts when it is of that scheme, or of a scheme the
accepting scheme recognises through a mutual-recognition agreement in force on the purchase date
whose scope covers the certificate's category (``domain.recognition``: the same rule as
verification). The agreements are few, so they are flattened in Python to rows of (scheme,
category, from, to, agreement) and joined on any engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ecoprocure.domain.recognition import AgreementTerms

FAR_FUTURE = "9999-12-31"


def agreement_terms(table: pa.Table) -> list[AgreementTerms]:
    """The snapshot's ``agreements`` table (one row per agreement, party, category) as terms."""
    grouped: dict[str, dict[str, object]] = {}
    for row in table.to_pylist():
        terms = grouped.setdefault(
            row["agreement"],
            {"parties": set(), "categories": set(), "from": row["valid_from"], "to": row["valid_to"]},
        )
        terms["parties"].add(row["scheme"])  # type: ignore[attr-defined]
        terms["categories"].add(row["category"])  # type: ignore[attr-defined]
    return [
        AgreementTerms(
            code,
            frozenset(t["parties"]),  # type: ignore[arg-type]
            dt.date.fromisoformat(str(t["from"])),
            dt.date.fromisoformat(str(t["to"])) if t["to"] else None,
            frozenset(t["categories"]),  # type: ignore[arg-type]
        )
        for code, t in grouped.items()
    ]


def recognition_rows(agreements: Iterable[AgreementTerms], accepting: str) -> pa.Table:
    """Certificates of ``scheme`` in ``category`` that ``accepting`` recognises between the dates."""
    rows = sorted(
        {
            (
                other,
                category,
                a.valid_from.isoformat(),
                a.valid_to.isoformat() if a.valid_to else FAR_FUTURE,
                a.code,
            )
            for a in agreements
            if accepting in a.parties
            for other in a.parties - {accepting}
            for category in a.category_codes
        }
    )
    names = ("r_scheme", "r_category", "r_from", "r_to", "r_agreement")
    return pa.table({name: pa.array([r[i] for r in rows], pa.string()) for i, name in enumerate(names)})


def accept(
    matched: ir.Table, items: ir.Table, accepting: str | None, recognised: ir.Table | None
) -> ir.Table:
    """``matched`` with ``accepted_via`` (``own scheme``, ``recognition: <agreement>``, ``any
    scheme`` when no scheme is asked for, or NULL) and ``certified`` narrowed to accepted ones."""
    if accepting is None or recognised is None:
        return matched.mutate(accepted_via=ibis.ifelse(matched.certified, "any scheme", ibis.null("string")))
    dated = matched.join(items.select("item_key", "date"), "item_key")
    via = (
        dated.join(
            recognised,
            [
                dated.scheme == recognised.r_scheme,
                dated.certificate_category == recognised.r_category,
                dated.date >= recognised.r_from,
                dated.date <= recognised.r_to,
            ],
        )
        .group_by("item_key")
        .aggregate(agreement=ibis._.r_agreement.min())
    )
    joined = dated.left_join(via, "item_key")
    own = joined.scheme == accepting
    how = ibis.cases(
        (own, "own scheme"),
        (joined.agreement.notnull(), "recognition: " + joined.agreement),
        else_=ibis.null("string"),
    )
    accepted = joined.certified & how.notnull()
    return joined.select(
        *[c for c in matched.columns if c != "certified"],
        certified=accepted,
        accepted_via=ibis.ifelse(accepted, how, ibis.null("string")),
    )
