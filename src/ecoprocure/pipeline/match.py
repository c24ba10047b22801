"""Items → certified products, set-based (joins, never a query per item).

Methods, most certain first (confidences in ``METHODS``; docs/procurement.md states the rules):

1. ``certificate``: the certificate number the publisher gave;
2. ``brand_model``: brand + model equal to the registry's normalised keys;
3. ``brand_model_fuzzy``, only for items with a brand and a model that 1–2 found nothing for: the
   same brand key and a model key one edit away that leaves the digits alone (``hs100`` for
   ``hs-100``), or the other key plus a letters-only suffix after a separator (``hs-100-bk``);
   candidates are blocked on (brand key, first three letters or digits of the model key);
4. ``description``, only for items without a model that 1 found nothing for: a token of the
   description (letters, digits and inner ``-_./``, at least 3 long, with a digit) is a registry
   model key, and that model's brand key appears in the description.

A fuzzy candidate (3, 4) whose certificate's category is incompatible with the item's is dropped;
an item whose remaining fuzzy candidates are different registry models under different
certificates is ambiguous and not matched. Exact matches keep their confidence whatever the
category; ``match_category_agrees`` reports it (null when either side has no category). Each
match says whether the certificate was valid on the purchase date: issued, not past expiry, and
not suspended, revoked, withdrawn or ended by then. The publisher's own green declaration is a
separate signal (``declared_green``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

METHODS = {"certificate": 1.0, "brand_model": 0.9, "brand_model_fuzzy": 0.7, "description": 0.6}
FUZZY = ("brand_model_fuzzy", "description")
_FAR_FUTURE = "9999-12-31"
_BLOCK = 3  # letters or digits a fuzzy candidate's model key must begin with, like the item's
_NOT_BLOCK = r"[^a-z0-9]"
_ASCII = r"^[!-~]+$"  # the engines count Levenshtein edits in bytes (DuckDB) or characters (Spark)
_VARIANT_SUFFIX = r"^[-_./(][a-z]{1,8}\)?$"  # "-bk", "/cn", "(black)"
# A description token: a run of letters, digits and inner separators; a description can only hold
# one of at least 3 characters with a digit if a digit stands next to another token character.
_NOT_TOKEN = r"[^a-z0-9._/-]+"
_TOKEN_ENDS = r"^[-_./]+|[-_./]+$"
_HAS_TOKEN = r"[0-9][0-9A-Za-z._/-]|[A-Za-z._/-][0-9]"
# What match() reads of the items (``products`` also needs ``model_block``: ``model_blocks``).
ITEM_COLUMNS = ("item_key", "date", "category", "certificate_number", "brand", "model", "description")
_CANDIDATE_COLUMNS = ("item_key", "date", "category", "certificate_id", "method", "product")


def _key(value: ir.StringValue) -> ir.StringValue:
    """The SQL twin of ``domain.text.match_key`` for what the engines can do alike: lower case,
    no white space (full-width folding happens when keys enter the registry)."""
    return value.lower().re_replace(r"\s+", "")


def _valid_on(certs: ir.Table, date: ir.StringValue) -> ir.BooleanValue:
    ended = (certs.status != "valid") & (certs.status_since <= date)
    return (certs.issued_on <= date) & (date <= certs.expires_on.fill_null(_FAR_FUTURE)) & ~ended


def _product(brand_key: ir.StringValue, model_key: ir.StringValue) -> ir.StringValue:
    return brand_key + "|" + model_key


def _keyed(items: ir.Table) -> ir.Table:
    """Items with a certificate number or a model (cheap to find: no text is read)."""
    kept = items.filter(items.certificate_number.notnull() | items.model.notnull())
    return kept.select(
        "item_key",
        "date",
        "category",
        cert_key=kept.certificate_number.upper().re_replace(r"\s+", ""),
        brand_key=_key(kept.brand),
        model_key=_key(kept.model),
    )


def _described(items: ir.Table) -> ir.Table:
    """Items without a model whose description may hold a model number (one regex per item)."""
    kept = items.filter(items.model.isnull() & items.description.re_search(_HAS_TOKEN))
    return kept.select("item_key", "date", "category", description=kept.description.lower())


def _exact(keyed: ir.Table, certificates: ir.Table, products: ir.Table) -> ir.Table:
    numbers = certificates.select("certificate_id", "number_key")
    by_number = keyed.join(numbers, keyed.cert_key == numbers.number_key).select(
        *_CANDIDATE_COLUMNS[:4], method=ibis.literal("certificate"), product=ibis.null("string")
    )
    by_model = keyed.join(products, ["brand_key", "model_key"]).select(
        *_CANDIDATE_COLUMNS[:4],
        method=ibis.literal("brand_model"),
        product=_product(keyed.brand_key, keyed.model_key),
    )
    return by_number.union(by_model)


def _close_models(given: ir.StringValue, known: ir.StringValue) -> ir.BooleanValue:
    """One edit apart without touching the digits (both keys ≥ 5 characters), or one key the
    other plus a letters-only suffix after a separator (the shorter ≥ 4 characters)."""
    digits = r"[^0-9]"
    edit = (
        (given.length() >= 5)
        & (known.length() >= 5)
        & (given.re_replace(digits, "") == known.re_replace(digits, ""))
        & (given.levenshtein(known) == 1)
    )

    def variant(short: ir.StringValue, long: ir.StringValue) -> ir.BooleanValue:
        return (
            (short.length() >= 4)
            & (long.length() > short.length())
            & (long.substr(0, short.length()) == short)
            & long.substr(short.length()).re_search(_VARIANT_SUFFIX)
        )

    return edit | variant(given, known) | variant(known, given)


def _block(model_key: ir.StringValue) -> ir.StringValue:
    """Separators do not count, so that ``hs100`` and ``hs-100`` land in the same block."""
    return model_key.re_replace(_NOT_BLOCK, "").substr(0, _BLOCK)


def model_blocks(model_keys: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``_block`` of the registry's model keys, computed once when the snapshot is written (not
    for 1.5 million products on every run); null for a key that is not printable ASCII, which
    fuzzy matching leaves alone."""
    blocks = pc.utf8_slice_codeunits(pc.replace_substring_regex(model_keys, _NOT_BLOCK, ""), 0, _BLOCK)
    return pc.if_else(pc.match_substring_regex(model_keys, _ASCII), blocks, pa.scalar(None, pa.string()))


def _by_fuzzy_model(rest: ir.Table, products: ir.Table) -> ir.Table:
    wanted = rest.filter((rest.model_key.length() >= 4) & rest.model_key.re_search(_ASCII))
    wanted = wanted.mutate(block=_block(wanted.model_key))
    known = products.select("brand_key", "certificate_id", known_model="model_key", block="model_block")
    pairs = wanted.join(known, ["brand_key", "block"])
    pairs = pairs.filter(_close_models(pairs.model_key, pairs.known_model))
    return pairs.select(
        *_CANDIDATE_COLUMNS[:4],
        method=ibis.literal("brand_model_fuzzy"),
        product=_product(pairs.brand_key, pairs.known_model),
    )


def _by_description(described: ir.Table, products: ir.Table) -> ir.Table:
    tokens = described.select(
        "item_key",
        "date",
        "category",
        text=described.description.re_replace(r"\s+", ""),
        token=described.description.re_split(_NOT_TOKEN).unnest(),
    )
    tokens = tokens.mutate(token=tokens.token.re_replace(_TOKEN_ENDS, ""))
    tokens = tokens.filter((tokens.token.length() >= 3) & tokens.token.re_search("[0-9]"))
    pairs = tokens.join(products, tokens.token == products.model_key)
    pairs = pairs.filter((pairs.brand_key.length() > 0) & pairs.text.contains(pairs.brand_key))
    return pairs.select(
        *_CANDIDATE_COLUMNS[:4],
        method=ibis.literal("description"),
        product=_product(pairs.brand_key, pairs.model_key),
    )


def _choose(candidates: ir.Table, certificates: ir.Table) -> ir.Table:
    """Per item: fuzzy candidates of an incompatible category dropped, ambiguous fuzzy items
    dropped, then the certificate valid on the date, most certain method, agreeing category."""
    # Confidences as a table of doubles: as SQL literals the engines read 0.7 as a DECIMAL, which
    # Arrow hands back as 0.7000000000000001.
    confidences = ibis.memtable(
        pa.table({"method": list(METHODS), "confidence": pa.array(list(METHODS.values()), pa.float64())})
    )
    joined = candidates.join(certificates, "certificate_id").join(confidences, "method")
    found = joined.mutate(
        valid=_valid_on(joined, joined.date),
        agrees=joined.compatible_categories.contains("|" + joined.category + "|"),
    )
    found = found.filter(~found.method.isin(FUZZY) | found.agrees.isnull() | found.agrees)
    item = ibis.window(group_by=found.item_key)
    ambiguous = (
        found.method.isin(FUZZY)
        & (found["product"].min().over(item) != found["product"].max().over(item))
        & (found.certificate_id.min().over(item) != found.certificate_id.max().over(item))
    )
    agreement = ibis.cases((found.agrees, 0), (~found.agrees, 2), else_=1)
    ranked = found.mutate(
        ambiguous=ambiguous,
        rank=ibis.row_number().over(
            group_by=found.item_key,
            order_by=[ibis.desc(found.valid), ibis.desc(found.confidence), agreement, found.certificate_id],
        ),
    )
    return ranked.filter((ranked["rank"] == 0) & ~ranked.ambiguous)


def match(items: ir.Table, certificates: ir.Table, products: ir.Table) -> ir.Table:
    """One row per matched item: item_key, certificate_id, scheme, match_method, match_confidence,
    certified (valid on the purchase date), match_category_agrees and certificate_category.

    ``items`` needs the ``ITEM_COLUMNS``; ``certificates`` and ``products`` are the registry
    snapshot's tables."""
    keyed = _keyed(items)
    exact = _exact(keyed, certificates, products)
    # Fuzzy methods only for what the exact ones found nothing for (whatever its validity).
    unmatched = keyed.filter(keyed.brand_key.notnull() & keyed.model_key.notnull()).anti_join(
        exact, "item_key"
    )
    described = _by_description(_described(items), products).anti_join(exact, "item_key")
    candidates = exact.union(_by_fuzzy_model(unmatched, products), described)
    best = _choose(candidates, certificates)
    return best.select(
        best.item_key,
        best.certificate_id,
        best.scheme,
        match_method=best.method,
        match_confidence=best.confidence,
        certified=best.valid,
        match_category_agrees=best.agrees,
        certificate_category=best.category,
    )
