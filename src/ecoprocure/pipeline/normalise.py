"""Releases → one row per awarded (or contracted) line item, with every problem flagged.

Written in Ibis, so DuckDB and Spark run the same definition. Nothing is dropped here: an item
without a value, with an unknown currency, a negative quantity or an impossible date stays in
the table with an ``issue`` saying why, and the indicators' coverage figures show the effect.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from ecoprocure.pipeline.release_schema import ibis_type, json_structure

BRAND_NAMES = ("brand", "marca", "marque", "marke", "品牌", "商标", "бренд", "торгова марка")
MODEL_NAMES = ("model", "modelo", "modèle", "modell", "型号", "规格型号", "модель")
CERTIFICATE_NAMES = ("certificate", "ecolabel certificate", "certificate number", "认证证书编号", "证书编号")
MIN_YEAR = 1990
NO_VALUE = "item has no value (no unit price; the award has several items)"


def _first(values: ir.ArrayValue) -> ir.Value:
    """The first element, or NULL for an empty or missing array (Spark's ANSI mode raises on an
    out-of-bounds index where DuckDB returns NULL; inside CASE only the chosen branch runs)."""
    return ibis.ifelse(values.length() > 0, values[0], ibis.null(values.type().value_type))


def _attribute(item: ir.StructValue, names: tuple[str, ...]) -> ir.StringValue:
    matching = item["attributes"].filter(lambda a: a["name"].strip().lower().isin(names))
    return _first(matching)["value"].strip()


def _number(text: ir.StringValue) -> ir.FloatingValue:
    return text.strip().try_cast("float64")


# The OCDS for eForms mapping: BT-805 (green procurement criteria) becomes a lot's
# ``sustainability[].strategies`` with these codes, BT-774 (environmental impact) a
# ``sustainability[].goal`` under ``environmental.*``.
GPP_STRATEGIES = ("euGPPCriteria", "nationalGPPCriteria", "otherGPPCriteria")
DECLARED_BASES = ("environmental goal", "GPP criteria", "sustainability, goal not stated")


def _basis(has: ir.BooleanValue, sustainability: ir.ArrayValue) -> ir.StringValue:
    """Why one tender or lot counts as declared green, or NULL: an environmental goal (BT-774),
    green criteria (BT-805), or ``hasSustainability`` with no goal named (social-only goals are
    not green)."""
    environmental = sustainability.filter(lambda s: s["goal"].lower().startswith("environmental")).length()
    criteria = sustainability.filter(
        lambda s: s["strategies"].filter(lambda code: code.isin(GPP_STRATEGIES)).length() > 0
    ).length()
    goals = sustainability.filter(lambda s: s["goal"].notnull()).length()
    return ibis.cases(
        (environmental.fill_null(0) > 0, DECLARED_BASES[0]),
        (criteria.fill_null(0) > 0, DECLARED_BASES[1]),
        (has.fill_null(False) & (goals.fill_null(0) == 0), DECLARED_BASES[2]),
        else_=ibis.null("string"),
    )


def _declared_green_basis(tender: ir.StructValue, related_lot: ir.StringValue) -> ir.StringValue:
    """The publisher's own green signal for an item: its lot's (``item.relatedLot``), else any
    lot's when the item names none, else the tender's."""
    lots = tender["lots"].filter(lambda lot: related_lot.isnull() | (lot["id"] == related_lot))
    on_lot = lots.map(lambda lot: _basis(lot["hasSustainability"], lot["sustainability"])).filter(
        lambda b: b.notnull()
    )
    return _first(on_lot).fill_null(_basis(tender["hasSustainability"], tender["sustainability"]))


def _decoded(column: ir.Value, name: str) -> ir.ArrayValue:
    """A field read as raw JSON (DuckDB's fast path) decoded to its declared type; engines that
    read it typed (Spark) pass it through. Inside a CASE branch DuckDB decodes only those rows."""
    if not column.type().is_json():
        return column  # type: ignore[return-value]

    @ibis.udf.scalar.builtin(
        name="json_transform", signature=((dt.json, dt.string), dt.dtype(ibis_type(name)))
    )
    def json_transform(value, structure):  # type: ignore[no-untyped-def]
        """DuckDB's own json_transform."""

    return json_transform(column, json_structure(name))


def _blocks(r: ir.Table) -> ir.ArrayValue:
    """Awards and contracts as one array of uniform structs, so the JSON is scanned once.

    Contracts stand in only where a release has no awarded items (most publishers repeat the
    award's items in its contract: counting both would double the spend).
    """
    awards = r.awards.map(
        lambda a: ibis.struct(
            {
                "source": ibis.literal("award"),
                "id": a["id"],
                "date": a["date"],
                "supplier_id": _first(a["suppliers"])["id"].fill_null(
                    _first(a["suppliers"])["identifier"]["id"]
                ),
                "supplier_name": _first(a["suppliers"])["name"],
                "amount": a["value"]["amount"],
                "currency": a["value"]["currency"],
                "items": a["items"],
            }
        )
    )
    contracts = _decoded(r.contracts, "contracts").map(
        lambda c: ibis.struct(
            {
                "source": ibis.literal("contract"),
                "id": c["id"],
                "date": c["dateSigned"],
                "supplier_id": ibis.null("string"),  # contracts name no supplier; their award does
                "supplier_name": ibis.null("string"),
                "amount": c["value"]["amount"],
                "currency": c["value"]["currency"],
                "items": c["items"],
            }
        )
    )
    has_award_items = r.awards.filter(lambda a: a["items"].length() > 0).length().fill_null(0) > 0
    return ibis.ifelse(has_award_items, awards, contracts)


def _rows(r: ir.Table) -> ir.Table:
    """One row per item of each award (or contract) of each release."""
    level1 = r.select(
        r.ocid,
        release_id=r.id,
        release_date=r.date,
        source_file=r["_source_file"],
        source_location=r["_source_location"],
        buyer=r.buyer,
        parties=r.parties,
        tender=r.tender,
        block=_blocks(r).unnest(),
    )
    return level1.select(
        *[c for c in level1.columns if c != "block"],
        source=level1.block["source"],
        block_id=level1.block["id"],
        block_date=level1.block["date"],
        supplier_id=level1.block["supplier_id"],
        supplier_name=level1.block["supplier_name"],
        block_amount=_number(level1.block["amount"]),
        block_currency=level1.block["currency"],
        block_items=level1.block["items"].length(),
        item=level1.block["items"].unnest(),
    )


def normalise(releases: ir.Table) -> ir.Table:
    """The flat items table (see ``ITEM_COLUMNS`` for what each column holds)."""
    rows = _rows(releases)
    item = rows.item
    buyer_party = _first(rows.parties.filter(lambda p: p["roles"].contains("buyer")))
    quantity = _number(item["quantity"])
    unit_price = _number(item["unit"]["value"]["amount"])
    # Many publishers price the award, not its items: a single-item award's value is the item's.
    from_award = unit_price.isnull() & (rows.block_items == 1) & rows.block_amount.notnull()
    currency = ibis.ifelse(from_award, rows.block_currency, item["unit"]["value"]["currency"])
    currency = currency.strip().upper().nullif("")
    date = rows.block_date.strip().nullif("").fill_null(rows.release_date.strip().nullif(""))
    year = date.substr(0, 4).try_cast("int32")
    code = item["classification"]["id"].strip()
    flat = rows.select(
        source_file=rows.source_file,
        source_location=rows.source_location,
        ocid=rows.ocid,
        release_id=rows.release_id,
        release_date=rows.release_date,
        source=rows.source,
        award_id=rows.block_id,
        item_id=item["id"],
        date=date.substr(0, 10),
        year=year,
        buyer_id=rows.buyer["id"].fill_null(rows.buyer["identifier"]["id"]),
        buyer_name=rows.buyer["name"].fill_null(buyer_party["name"]),
        buyer_level=buyer_party["details"]["level"],
        buyer_region=buyer_party["address"]["region"]
        .fill_null(buyer_party["address"]["locality"])
        .fill_null(buyer_party["address"]["countryName"]),
        supplier_id=rows.supplier_id,
        supplier_name=rows.supplier_name,
        classification_scheme=item["classification"]["scheme"].strip().upper(),
        classification_code=code,
        cpv8=code.re_extract(r"^(\d{8})", 1).nullif(""),
        description=item["description"],
        quantity=quantity,
        unit_scheme=item["unit"]["scheme"].strip().upper(),
        unit_code=item["unit"]["id"].strip().upper(),
        unit_name=item["unit"]["name"].strip(),
        unit_price=unit_price,
        currency=currency,
        value=ibis.ifelse(from_award, rows.block_amount, quantity * unit_price),
        value_source=ibis.cases(
            (from_award, "award value"), (unit_price.notnull(), "unit price"), else_=None
        ),
        brand=_attribute(item, BRAND_NAMES),
        model=_attribute(item, MODEL_NAMES),
        certificate_number=_attribute(item, CERTIFICATE_NAMES),
        declared_green_basis=_declared_green_basis(rows.tender, item["relatedLot"]),
    )
    return flat.mutate(declared_green=flat.declared_green_basis.notnull(), issue=_issue(flat))


# Each item problem with the OCDS field it concerns (the rejects report names the field).
ISSUE_FIELDS = {
    NO_VALUE: "unit.value.amount",
    "quantity missing or not a number": "quantity",
    "quantity is zero or negative": "quantity",
    "negative value": "unit.value.amount",
    "currency missing": "unit.value.currency",
    "date missing or out of range": "date",
}


def _issue(t: ir.Table) -> ir.StringValue:
    """The first problem of an item, in the order a user would fix them (None when clean)."""
    tests = [
        t.value_source.isnull(),
        (t.value_source == "unit price") & t.quantity.isnull(),
        t.quantity <= 0,
        t.value < 0,
        t.currency.isnull(),
        t.year.isnull() | (t.year < MIN_YEAR) | (t.year > 2100),
    ]
    cases = [(test, message) for test, message in zip(tests, ISSUE_FIELDS, strict=True)]
    return ibis.cases(*cases, else_=ibis.null("string"))


ITEM_IDENTITY = ("ocid", "source", "award_id", "item_id")


def latest_per_item(items: ir.Table) -> ir.Table:
    """One row per awarded item across every file and release: the same award item appears in
    each release of a process and again in its record's compiled release, and counting it twice
    would double the spend. The latest release wins (OCDS: later releases update earlier ones)."""
    ranked = items.mutate(
        copy=ibis.row_number().over(
            group_by=[items[c] for c in ITEM_IDENTITY],
            order_by=[ibis.desc(items.release_date), ibis.desc(items.release_id), items.source_file],
        )
    )
    latest = ranked.filter(ranked.copy == 0).drop("copy")
    # The identity is unique from here on: it is the key the later steps join on.
    parts = [latest[c].cast("string").fill_null("") for c in ITEM_IDENTITY]
    return latest.mutate(item_key=ibis.literal("|").join(parts))
