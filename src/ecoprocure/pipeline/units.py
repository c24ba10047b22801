"""Units of the items placed in UN/CEFACT Recommendation 20 (``domain.units``).

Publishers use few distinct units (codes and names like "PIEZA  ", "шт", "kilogram"), so the
rules run in Python once per distinct (scheme, code, name) and the result joins back to millions
of items as a small table, on any engine.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ecoprocure.domain.units import normalise_unit

KEYS = ("unit_scheme", "unit_code", "unit_name")


def _key(column: ir.StringValue) -> ir.StringValue:
    return column.fill_null("")  # NULL never equals NULL in a join


def place_units(items: ir.Table) -> ir.Table:
    """``items`` plus ``unit`` (a Rec 20 code or NULL) and ``unit_method`` (code, text, unknown)."""
    placed: dict[tuple[str, ...], dict[str, str | None]] = {}
    for row in items.select(*KEYS).distinct().to_pyarrow().to_pylist():
        key = tuple(row[k] or "" for k in KEYS)  # NULL and "" are one key: one row per key
        if key not in placed:
            result = normalise_unit(row["unit_name"], row["unit_code"], scheme=row["unit_scheme"])
            keys = {f"k_{k}": v for k, v in zip(KEYS, key, strict=True)}
            placed[key] = {**keys, "unit": result.code, "unit_method": result.method}
    columns = [*(f"k_{k}" for k in KEYS), "unit", "unit_method"]
    schema = pa.schema([pa.field(name, pa.string()) for name in columns])
    table = ibis.memtable(pa.Table.from_pylist(list(placed.values()), schema=schema))
    joined = items.left_join(table, [_key(items[k]) == table[f"k_{k}"] for k in KEYS])
    return joined.select(*items.columns, "unit", unit_method=joined.unit_method.fill_null("unknown"))
