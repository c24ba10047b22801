"""Green-share indicators and coverage, from classified, matched and converted items.

Within *eligible* categories (those with an ecolabel criterion): green spend = spend on items
matched to a certificate valid on the purchase date; green share = green spend / eligible spend
(also by count). The publisher's own declarations are reported beside, never mixed in. Items with
a problem (no value, zero or negative quantity, unknown currency …) are left out of the sums and
counted in the coverage block, so the effect of bad data is visible.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

# What the aggregations read (keeping the cached table narrow keeps memory flat).
ENRICHED_ITEM_COLUMNS = (
    "item_key",
    "date",
    "year",
    "buyer_id",
    "buyer_name",
    "buyer_level",
    "buyer_region",
    "category",
    "currency",
    "declared_green",
    "issue",
    "unit_method",
    # what the benefit computation multiplies: quantity in its unit, value in its currency
    "quantity",
    "unit",
    "value",
)
DIMENSIONS = {
    "year": ("year",),
    "buyer": ("buyer_id", "buyer_name"),
    "level": ("buyer_level",),
    "region": ("buyer_region",),
    "category": ("category",),
}


def enrich(items: ir.Table, matches: ir.Table, eligible: ir.Table, factors: ir.Table) -> ir.Table:
    """Items with match results, eligibility and the value in the reporting currency
    (``factors``: ``pipeline.conversion.conversion_table``)."""
    ok = eligible.select(eligible_category="category")
    factor = factors.select(
        factor_currency="currency", factor_year="year", factor="factor", rate_year="rate_year"
    )
    joined = (
        items.left_join(matches, "item_key")
        .left_join(ok, items.category == ok.eligible_category)
        .left_join(factor, [items.currency == factor.factor_currency, items.year == factor.factor_year])
    )
    value = ibis.ifelse(joined.issue.isnull(), joined.value * joined.factor, None)
    return joined.select(
        *ENRICHED_ITEM_COLUMNS,
        "match_method",
        "match_confidence",
        "certificate_id",
        "scheme",
        "match_category_agrees",
        "accepted_via",
        certified=joined.certified.fill_null(False),
        eligible=joined.eligible_category.notnull(),
        value_reporting=value,
        converted=value.notnull(),
        # the year whose rates converted the value, where it is not the purchase year
        rate_year_used=ibis.ifelse(
            value.notnull() & (joined.rate_year != joined.year), joined.rate_year, None
        ),
    )


def _sums(t: ir.Table) -> dict[str, ir.Value]:
    usable = t.value_reporting.notnull()
    eligible = t.eligible & usable
    green = eligible & t.certified
    return {
        "items": t.count(),
        "eligible_items": eligible.sum().fill_null(0),
        "green_items": green.sum().fill_null(0),
        "spend": t.value_reporting.sum().fill_null(0),
        "eligible_spend": ibis.ifelse(eligible, t.value_reporting, 0).sum().fill_null(0),
        "green_spend": ibis.ifelse(green, t.value_reporting, 0).sum().fill_null(0),
        "declared_green_spend": ibis.ifelse(eligible & t.declared_green, t.value_reporting, 0)
        .sum()
        .fill_null(0),
    }


def _shares(t: ir.Table) -> ir.Table:
    """Shares with guarded divisions (Spark's ANSI mode raises on division by zero)."""
    return t.mutate(
        green_share=ibis.ifelse(t.eligible_spend > 0, t.green_spend / t.eligible_spend, None),
        green_share_by_count=ibis.ifelse(t.eligible_items > 0, t.green_items / t.eligible_items, None),
        declared_green_share=ibis.ifelse(
            t.eligible_spend > 0, t.declared_green_spend / t.eligible_spend, None
        ),
    )


def indicators(enriched: ir.Table, by: list[str]) -> ir.Table:
    columns = [c for name in by for c in DIMENSIONS[name]]
    grouped = (
        enriched.group_by(columns).aggregate(**_sums(enriched))
        if columns
        else enriched.aggregate(**_sums(enriched))
    )
    return _shares(grouped).order_by(columns or ["items"])


def coverage(enriched: ir.Table) -> ir.Table:
    """One row: how much of the data could be used, classified, converted and matched."""
    t = enriched
    return t.aggregate(
        items=t.count(),
        items_with_issue=t.issue.notnull().sum().fill_null(0),
        items_classified=t.category.notnull().sum().fill_null(0),
        items_unit_recognised=(t.unit_method != "unknown").sum().fill_null(0),
        items_converted=t.converted.sum().fill_null(0),
        items_converted_other_year=t.rate_year_used.notnull().sum().fill_null(0),
        items_matched=t.certificate_id.notnull().sum().fill_null(0),
        items_certified=t.certified.sum().fill_null(0),
        items_certified_by_recognition=t.accepted_via.startswith("recognition").sum().fill_null(0),
        items_matched_category_disagrees=(~t.match_category_agrees.fill_null(True)).sum().fill_null(0),
        spend=t.value_reporting.sum().fill_null(0),
        spend_classified=ibis.ifelse(t.category.notnull(), t.value_reporting, 0).sum().fill_null(0),
        spend_eligible=ibis.ifelse(t.eligible, t.value_reporting, 0).sum().fill_null(0),
        spend_matched=ibis.ifelse(t.certificate_id.notnull(), t.value_reporting, 0).sum().fill_null(0),
    )


def issues(enriched: ir.Table) -> ir.Table:
    """Counts of items per problem: left out of the sums (a flagged item, no exchange rate) or
    used with a caveat (converted at another year's rates)."""
    t = enriched
    reason = ibis.cases(
        (t.issue.notnull(), t.issue),
        (~t.converted, "no exchange rate for " + t.currency.fill_null("?") + " in " + t.year.cast("string")),
        (
            t.rate_year_used.notnull(),
            "converted at "
            + t.rate_year_used.cast("string")
            + " rates (nearest year covered): "
            + t.currency
            + " in "
            + t.year.cast("string"),
        ),
        else_=ibis.null("string"),
    )
    flagged = t.mutate(reason=reason, left_out=t.issue.notnull() | ~t.converted).filter(
        ibis._.reason.notnull()
    )
    return (
        flagged.group_by(["reason", "left_out"])
        .aggregate(items=flagged.count())
        .order_by([ibis.desc("items"), "reason"])
    )
