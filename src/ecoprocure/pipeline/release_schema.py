"""The part of an OCDS release the pipeline reads, declared once for every engine.

Reading only these fields (with explicit types, no schema sampling) is what makes JSON parsing
fast: the DuckDB reference reads 1 million releases in ~6 s this way. Numbers are read as text
and cast in the pipeline, because publishers write "5", 5 and "5,00" alike and one bad value
must not stop a file. The same spec renders as DuckDB column types and as a Spark DDL schema.
"""

from __future__ import annotations

import json
from typing import Any

S = "string"
_ORG = {"id": S, "name": S, "identifier": {"id": S}}
_VALUE = {"amount": S, "currency": S}
_SUSTAINABILITY = [{"goal": S, "strategies": [S]}]
_ITEM = {
    "id": S,
    "description": S,
    "relatedLot": S,
    "classification": {"scheme": S, "id": S},
    "additionalClassifications": [{"scheme": S, "id": S}],
    "quantity": S,
    "unit": {"scheme": S, "id": S, "name": S, "value": _VALUE},
    # The OCDS item attributes extension: where publishers put brand, model, certificate number.
    "attributes": [{"name": S, "value": S}],
}
RELEASE: dict[str, Any] = {
    "ocid": S,
    "id": S,
    "date": S,
    "_source_file": S,
    "_source_location": S,
    "buyer": _ORG,
    "parties": [
        {
            "id": S,
            "name": S,
            "roles": [S],
            "address": {"region": S, "locality": S, "countryName": S},
            "details": {"level": S},
        }
    ],
    "tender": {
        "hasSustainability": "boolean",
        "sustainability": _SUSTAINABILITY,
        "lots": [{"id": S, "hasSustainability": "boolean", "sustainability": _SUSTAINABILITY}],
    },
    "awards": [{"id": S, "date": S, "status": S, "value": _VALUE, "suppliers": [_ORG], "items": [_ITEM]}],
    "contracts": [{"id": S, "awardID": S, "dateSigned": S, "status": S, "value": _VALUE, "items": [_ITEM]}],
}

# Read as raw JSON by DuckDB and decoded only where needed: contracts matter only for releases
# without awarded items, and decoding every release's contracts doubled the parse time.
LAZY = ("contracts",)

_DUCKDB_SCALARS = {"string": "VARCHAR", "boolean": "BOOLEAN"}
_SPARK_SCALARS = {"string": "STRING", "boolean": "BOOLEAN"}


def _duckdb(spec: Any) -> str:
    if isinstance(spec, str):
        return _DUCKDB_SCALARS[spec]
    if isinstance(spec, list):
        return _duckdb(spec[0]) + "[]"
    return "STRUCT(" + ", ".join(f'"{k}" {_duckdb(v)}' for k, v in spec.items()) + ")"


def _spark(spec: Any) -> str:
    if isinstance(spec, str):
        return _SPARK_SCALARS[spec]
    if isinstance(spec, list):
        return f"ARRAY<{_spark(spec[0])}>"
    return "STRUCT<" + ", ".join(f"`{k}`: {_spark(v)}" for k, v in spec.items()) + ">"


def _ibis(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return f"array<{_ibis(spec[0])}>"
    return "struct<" + ", ".join(f"{k}: {_ibis(v)}" for k, v in spec.items()) + ">"


def duckdb_columns() -> dict[str, str]:
    """``columns=`` for DuckDB's read_json (the ``LAZY`` fields stay raw JSON)."""
    return {name: "JSON" if name in LAZY else _duckdb(spec) for name, spec in RELEASE.items()}


def _structure(spec: Any) -> Any:
    if isinstance(spec, str):
        return _DUCKDB_SCALARS[spec]
    if isinstance(spec, list):
        return [_structure(spec[0])]
    return {k: _structure(v) for k, v in spec.items()}


def json_structure(name: str) -> str:
    """DuckDB's ``json_transform`` structure of a top-level field (missing keys become NULL,
    where a CAST would refuse the whole value)."""
    return json.dumps(_structure(RELEASE[name]))


def ibis_type(name: str) -> str:
    """The Ibis type of a top-level field, to decode a lazily read one."""
    return _ibis(RELEASE[name])


def spark_ddl() -> str:
    """A DDL schema string for ``spark.read.json(schema=…)``."""
    return ", ".join(f"`{name}` {_spark(spec)}" for name, spec in RELEASE.items())
