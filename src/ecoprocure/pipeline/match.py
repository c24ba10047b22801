"""Items → certified products, set-based (joins, never a query per item).

Methods, most certain first: the certificate number the publisher gave (confidence 1.0); brand +
model against the registry's normalised keys (0.9). Each match says whether the certificate was
valid on the purchase date: issued, not past expiry, and not suspended, revoked, withdrawn or
ended by then. The publisher's own green declaration is a separate signal (``declared_green``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

METHODS = {"certificate": 1.0, "brand_model": 0.9}
_FAR_FUTURE = "9999-12-31"


def _key(value: ir.StringValue) -> ir.StringValue:
    """The SQL twin of ``domain.text.match_key`` for what the engines can do alike: lower case,
    no white space (full-width folding happens when keys enter the registry)."""
    return value.lower().re_replace(r"\s+", "")


def _valid_on(certs: ir.Table, date: ir.StringValue) -> ir.BooleanValue:
    ended = (certs.status != "valid") & (certs.status_since <= date)
    return (certs.issued_on <= date) & (date <= certs.expires_on.fill_null(_FAR_FUTURE)) & ~ended


def match(items: ir.Table, certificates: ir.Table, products: ir.Table) -> ir.Table:
    """One row per matched item: item_key, method, confidence, certificate_id, scheme, valid."""
    keyed = items.filter(items.certificate_number.notnull() | items.model.notnull()).select(
        "item_key",
        "date",
        cert_key=items.certificate_number.upper().re_replace(r"\s+", ""),
        brand_key=_key(items.brand),
        model_key=_key(items.model),
    )
    by_number = keyed.join(certificates, keyed.cert_key == certificates.number_key).select(
        "item_key", "date", "certificate_id", method=ibis.literal("certificate")
    )
    by_model = keyed.join(products, ["brand_key", "model_key"]).select(
        "item_key", "date", "certificate_id", method=ibis.literal("brand_model")
    )
    found = by_number.union(by_model).join(certificates, "certificate_id")
    found = found.mutate(
        valid=_valid_on(found, found.date),
        confidence=ibis.cases(*[(found.method == m, c) for m, c in METHODS.items()], else_=0.0),
    )
    best = found.mutate(
        rank=ibis.row_number().over(
            group_by=found.item_key,
            order_by=[ibis.desc(found.valid), ibis.desc(found.confidence), found.certificate_id],
        )
    )
    best = best.filter(best["rank"] == 0)
    return best.select(
        best.item_key,
        best.certificate_id,
        best.scheme,
        match_method=best.method,
        match_confidence=best.confidence,
        certified=best.valid,
    )
