"""Units placed in UN/CEFACT Rec 20 for the items table (pipeline.units)."""

from __future__ import annotations

import ibis
import pyarrow as pa

from ecoprocure.pipeline.units import place_units


def _items(*rows: tuple[str | None, str | None, str | None]) -> ibis.Table:
    return ibis.memtable(
        pa.table(
            {
                "item_key": [str(n) for n in range(len(rows))],
                "unit_scheme": [r[0] for r in rows],
                "unit_code": [r[1] for r in rows],
                "unit_name": [r[2] for r in rows],
            }
        )
    )


def test_units_by_code_by_name_and_unknown_without_losing_or_doubling_rows() -> None:
    items = _items(
        ("UNCEFACT", "KGM", "kilogram"),
        (None, "H87", None),
        ("", "H87", None),  # "" and NULL are the same key: must not double the next join
        (None, None, "шт"),
        (None, None, "PIEZA  "),
        (None, None, "_NO_APLICA_"),
    )
    con = ibis.duckdb.connect()
    rows = con.to_pyarrow(place_units(items)).to_pylist()
    assert [r["item_key"] for r in sorted(rows, key=lambda r: int(r["item_key"]))] == [
        str(n) for n in range(6)
    ]
    by_key = {r["item_key"]: (r["unit"], r["unit_method"]) for r in rows}
    assert by_key["0"] == ("KGM", "code")
    assert by_key["1"] == by_key["2"] == ("H87", "code")
    assert by_key["3"] == ("H87", "text")
    assert by_key["4"][1] == "text"
    assert by_key["5"] == (None, "unknown")
