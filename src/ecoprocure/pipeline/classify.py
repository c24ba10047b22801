"""Items → ecoprocure product categories, each with the method used or the reason it failed.

1. CPV codes (with or without check digit) through the expanded CPV → category table;
2. other code schemes (e.g. China's procurement catalogue) through prefix mappings;
3. descriptions, only where no usable code exists, through multilingual keyword patterns.
Mappings carry their provenance in the reference data (``category_codes.csv``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def _by_other_scheme(items: ir.Table, code_prefixes: ir.Table) -> ir.Table:
    """Longest matching prefix per item for non-CPV schemes (equality on the scheme keeps it a
    hash join with a small filter, on Spark as on DuckDB)."""
    candidates = items.select("item_key", "classification_scheme", "classification_code").join(
        code_prefixes,
        [
            items.classification_scheme == code_prefixes.scheme,
            items.classification_code.startswith(code_prefixes.prefix),
        ],
    )
    ranked = candidates.mutate(
        rank=ibis.row_number().over(
            group_by=candidates.item_key, order_by=[ibis.desc(candidates.prefix.length()), candidates.prefix]
        )
    )
    return ranked.filter(ranked["rank"] == 0).select("item_key", scheme_category="category")


def _by_description(description: ir.StringValue, keywords: list[tuple[str, str]]) -> ir.StringValue:
    text = description.lower()
    cases = [(text.re_search(pattern), ibis.literal(category)) for category, pattern in keywords]
    return ibis.cases(*cases, else_=ibis.null("string")) if cases else ibis.null("string")


def classify(
    items: ir.Table, cpv_categories: ir.Table, code_prefixes: ir.Table, keywords: list[tuple[str, str]]
) -> ir.Table:
    """``items`` plus ``category``, ``class_method`` (cpv, scheme, description) and ``class_reason``."""
    cpv = cpv_categories.select(cpv_code=cpv_categories.cpv8, cpv_category=cpv_categories.category)
    joined = items.left_join(cpv, items.cpv8 == cpv.cpv_code).left_join(
        _by_other_scheme(items, code_prefixes), "item_key"
    )
    joined = joined.select(*items.columns, "cpv_code", "cpv_category", "scheme_category")
    is_cpv = joined.classification_scheme == "CPV"
    usable_code = (is_cpv & joined.cpv_code.notnull()) | joined.scheme_category.notnull()
    described = _by_description(joined.description.fill_null(""), keywords)
    category = ibis.cases(
        (is_cpv, joined.cpv_category),
        (joined.scheme_category.notnull(), joined.scheme_category),
        (~usable_code, described),
        else_=ibis.null("string"),
    )
    method = ibis.cases(
        (is_cpv & joined.cpv_category.notnull(), "cpv"),
        (joined.scheme_category.notnull(), "scheme"),
        (~usable_code & described.notnull(), "description"),
        else_=ibis.null("string"),
    )
    reason = ibis.cases(
        (is_cpv & joined.cpv8.isnull(), "CPV code is not 8 digits"),
        (is_cpv & joined.cpv_code.isnull(), "not a CPV 2008 code"),
        (is_cpv & joined.cpv_category.isnull(), "CPV code maps to no ecoprocure category"),
        (joined.scheme_category.notnull(), ibis.null("string")),
        (described.notnull(), ibis.null("string")),
        (joined.classification_code.isnull(), "no classification and no matching description"),
        else_="classification scheme has no mapping and no matching description",
    )
    return joined.select(*items.columns, category=category, class_method=method, class_reason=reason)
