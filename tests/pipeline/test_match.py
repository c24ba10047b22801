"""Certificate matching (``pipeline.match``) on a small registry, one item per rule.

Registry (certificate id: number, category, validity):
1 C-CHAIR   office.furniture       2021-01-01 … 2024-12-31
2 C-OLD     office.furniture       2018-01-01 … 2020-12-31 (the same chair's earlier certificate)
3 C-LAPTOP  ict.computer.portable  2021-01-01 … open
4 C-PRINTER ict.printer            2021-01-01 … open
5 C-DESK-A, 6 C-DESK-B  office.furniture  2021-01-01 … open
7 C-SUSP    office.furniture       2021-01-01 …, suspended since 2022-03-01
8 C-NOCAT   no category            2021-01-01 … open

``EXPECTED`` lists every item: (certificate_id, method, confidence, certified, category agrees),
or None for an item that must stay unmatched. The same cases run on Spark in test_match_spark.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecoprocure.ingest.registry_import import import_registry_file
from ecoprocure.pipeline import engine as engines
from ecoprocure.pipeline.indicators import coverage
from ecoprocure.pipeline.match import METHODS, match, model_blocks
from ecoprocure.pipeline.registry_snapshot import certificates as certificate_table
from ecoprocure.store.db import Database

FURNITURE = "|office|office.furniture|office.furniture.school|"
CERTIFICATES = [
    # id, number_key, issued_on, expires_on, status, status_since, category, compatible categories
    (1, "C-CHAIR", "2021-01-01", "2024-12-31", "valid", "2021-01-01", "office.furniture", FURNITURE),
    (2, "C-OLD", "2018-01-01", "2020-12-31", "valid", "2018-01-01", "office.furniture", FURNITURE),
    (
        3,
        "C-LAPTOP",
        "2021-01-01",
        None,
        "valid",
        "2021-01-01",
        "ict.computer.portable",
        "|ict|ict.computer|ict.computer.portable|",
    ),
    (4, "C-PRINTER", "2021-01-01", None, "valid", "2021-01-01", "ict.printer", "|ict|ict.printer|"),
    (5, "C-DESK-A", "2021-01-01", None, "valid", "2021-01-01", "office.furniture", FURNITURE),
    (6, "C-DESK-B", "2021-01-01", None, "valid", "2021-01-01", "office.furniture", FURNITURE),
    (7, "C-SUSP", "2021-01-01", None, "suspended", "2022-03-01", "office.furniture", FURNITURE),
    (8, "C-NOCAT", "2021-01-01", None, "valid", "2021-01-01", None, None),
]
PRODUCTS = [  # brand_key, model_key, certificate_id
    ("huasen", "hs-100", 1),
    ("huasen", "hs-100", 2),
    ("huasen", "hs-200", 7),
    ("huasen", "hs-300", 2),
    ("huasen", "hs300", 1),
    ("lenovo", "e14-gen2", 3),
    ("hp", "laserjet-m404", 4),
    ("desko", "dk-5000a", 5),
    ("desko", "dk-5000b", 6),
    ("desko", "dk-7000", 5),
    ("desko", "dk-7000-w", 5),
    ("acme", "ac-3000", 8),
]
ON = "2022-06-01"
F, P = "office.furniture", "ict.printer"
# item_key: (date, category, certificate_number, brand, model, description)
ITEMS: dict[str, tuple[str | None, ...]] = {
    "number": (ON, F, " c-chair ", None, None, "chair"),
    "number_category_disagrees": (ON, F, "C-PRINTER", None, None, None),
    "exact": (ON, F, None, "Huasen", "HS-100", None),
    "exact_on_older_date": ("2019-06-01", F, None, "HUASEN", " hs-100 ", None),
    "exact_beats_fuzzy": (ON, F, None, "Huasen", "HS-300", None),
    "exact_suspended": (ON, F, None, "Huasen", "HS-200", None),
    "exact_before_suspension": ("2022-01-15", F, None, "Huasen", "HS-200", None),
    "fuzzy_separator": (ON, F, None, "Huasen", "HS100", None),
    "fuzzy_on_older_date": ("2019-06-01", F, None, "Huasen", "HS100", None),
    "fuzzy_suffix": (ON, F, None, "Huasen", "HS-100 (black)", None),
    "fuzzy_other_model_number": (ON, F, None, "Huasen", "HS-101", None),
    "fuzzy_too_short": (ON, F, None, "Huasen", "HS1", None),
    "fuzzy_other_brand": (ON, F, None, "Desko", "HS100", None),
    "fuzzy_ambiguous": (ON, F, None, "Desko", "DK-5000", None),
    "fuzzy_one_certificate": (ON, F, None, "Desko", "DK-7000-B", None),
    "fuzzy_category_disagrees": (ON, F, None, "HP", "LaserJet-M404n", None),
    "fuzzy_category_agrees": (ON, P, None, "HP", "LaserJet-M404n", None),
    "fuzzy_broader_category": (ON, "ict", None, "HP", "LaserJet-M404n", None),
    "fuzzy_unclassified": (ON, None, None, "HP", "LaserJet-M404n", None),
    "fuzzy_certificate_without_category": (ON, F, None, "Acme", "AC-3000X", None),
    "description": (ON, "ict.computer.portable", None, None, None, "联想 Lenovo 笔记本电脑 E14-Gen2, 14英寸"),
    "description_unknown_number": (ON, F, "NOPE-1", None, None, "Huasen chair HS-100."),
    "description_without_brand": (ON, F, None, None, None, "办公椅 HS-100"),
    "description_ambiguous": (ON, F, None, None, None, "Desko desk DK-5000A or DK-5000B"),
    "description_category_disagrees": (ON, P, None, None, None, "Huasen chair HS-100"),
    "description_item_has_model": (ON, F, None, None, "XYZ", "Huasen chair HS-100"),
    "nothing": (ON, F, None, None, None, "item 1"),
}
FUZZY, DESCRIPTION = METHODS["brand_model_fuzzy"], METHODS["description"]
EXPECTED: dict[str, tuple[Any, ...] | None] = {
    "number": (1, "certificate", 1.0, True, True),
    "number_category_disagrees": (4, "certificate", 1.0, True, False),  # kept, reported
    "exact": (1, "brand_model", 0.9, True, True),  # C-OLD lists the same model: the valid one wins
    "exact_on_older_date": (2, "brand_model", 0.9, True, True),
    "exact_beats_fuzzy": (2, "brand_model", 0.9, False, True),  # hs300 (valid C-CHAIR) is not tried
    "exact_suspended": (7, "brand_model", 0.9, False, True),
    "exact_before_suspension": (7, "brand_model", 0.9, True, True),
    "fuzzy_separator": (1, "brand_model_fuzzy", FUZZY, True, True),
    "fuzzy_on_older_date": (2, "brand_model_fuzzy", FUZZY, True, True),
    "fuzzy_suffix": (1, "brand_model_fuzzy", FUZZY, True, True),  # key hs-100(black)
    "fuzzy_other_model_number": None,  # one edit from hs-100, but a digit
    "fuzzy_too_short": None,
    "fuzzy_other_brand": None,
    "fuzzy_ambiguous": None,  # dk-5000a (C-DESK-A) and dk-5000b (C-DESK-B) are equally close
    "fuzzy_one_certificate": (5, "brand_model_fuzzy", FUZZY, True, True),  # dk-7000, dk-7000-w
    "fuzzy_category_disagrees": None,
    "fuzzy_category_agrees": (4, "brand_model_fuzzy", FUZZY, True, True),
    "fuzzy_broader_category": (4, "brand_model_fuzzy", FUZZY, True, True),
    "fuzzy_unclassified": (4, "brand_model_fuzzy", FUZZY, True, None),
    "fuzzy_certificate_without_category": (8, "brand_model_fuzzy", FUZZY, True, None),
    "description": (3, "description", DESCRIPTION, True, True),
    "description_unknown_number": (1, "description", DESCRIPTION, True, True),
    "description_without_brand": None,
    "description_ambiguous": None,
    "description_category_disagrees": None,
    "description_item_has_model": None,
    "nothing": None,
}


def write_fixture(folder: Path) -> dict[str, Path]:
    """The registry and items as Parquet files, the form the pipeline reads."""
    cert_names = [
        "certificate_id",
        "number_key",
        "issued_on",
        "expires_on",
        "status",
        "status_since",
        "certificate_category",
        "compatible_categories",
    ]
    item_names = ["item_key", "date", "category", "certificate_number", "brand", "model", "description"]
    tables = {
        "certificates": pa.table(
            {
                **{name: [row[i] for row in CERTIFICATES] for i, name in enumerate(cert_names)},
                "scheme": ["CEL"] * len(CERTIFICATES),
            },
            schema=pa.schema(
                [(n, pa.int64() if n == "certificate_id" else pa.string()) for n in cert_names]
                + [("scheme", pa.string())]
            ),
        ),
        "products": pa.table(
            {
                "brand_key": [p[0] for p in PRODUCTS],
                "model_key": [p[1] for p in PRODUCTS],
                "certificate_id": pa.array([p[2] for p in PRODUCTS], pa.int64()),
                "model_block": model_blocks(pa.array([p[1] for p in PRODUCTS])),
            }
        ),
        "items": pa.table(
            {
                name: pa.array([key if i == 0 else row[i - 1] for key, row in ITEMS.items()], pa.string())
                for i, name in enumerate(item_names)
            }
        ),
    }
    paths = {}
    for name, table in tables.items():
        paths[name] = folder / f"{name}.parquet"
        pq.write_table(table, paths[name])
    return paths


def matched(engine: str, folder: Path) -> dict[str, tuple[Any, ...]]:
    """item_key → (certificate_id, method, confidence, certified, agrees) on ``engine``."""
    con = engines.connect(engine)
    tables = {name: engines.read_parquet(con, [path]) for name, path in write_fixture(folder).items()}
    result = match(tables["items"], tables["certificates"], tables["products"]).to_pyarrow().to_pylist()
    columns = ("certificate_id", "match_method", "match_confidence", "certified", "match_category_agrees")
    return {row["item_key"]: tuple(row[c] for c in columns) for row in result}


@pytest.fixture(scope="module")
def engine() -> str:
    return "duckdb"


@pytest.fixture(scope="module")
def result(engine: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, ...]]:
    return matched(engine, tmp_path_factory.mktemp(f"match-{engine}"))


@pytest.mark.parametrize("item_key", sorted(ITEMS))
def test_each_item_gets_the_documented_match(result: dict[str, tuple[Any, ...]], item_key: str) -> None:
    assert result.get(item_key) == EXPECTED[item_key]


def test_only_listed_items_are_matched(result: dict[str, tuple[Any, ...]]) -> None:
    assert set(result) == {key for key, expected in EXPECTED.items() if expected is not None}


def test_output_columns_stay_compatible(tmp_path: Path) -> None:
    con = engines.connect("duckdb")
    tables = {name: engines.read_parquet(con, [path]) for name, path in write_fixture(tmp_path).items()}
    columns = match(tables["items"], tables["certificates"], tables["products"]).columns
    assert columns == (
        "item_key",
        "certificate_id",
        "scheme",
        "match_method",
        "match_confidence",
        "certified",
        "match_category_agrees",
        "certificate_category",  # for recognition (pipeline.acceptance)
    )


def test_confidences_fall_with_certainty() -> None:
    assert list(METHODS) == ["certificate", "brand_model", "brand_model_fuzzy", "description"]
    assert sorted(METHODS.values(), reverse=True) == list(METHODS.values())


def test_model_blocks_drop_separators_and_leave_non_ascii_keys_out() -> None:
    keys = pa.array(["hs-100", "hs100", "x1", "联想x100", None])
    assert model_blocks(keys).to_pylist() == ["hs1", "hs1", "x1", None, None]


def test_coverage_counts_matches_whose_category_disagrees() -> None:
    enriched = ibis.memtable(
        {
            "issue": [None] * 4,
            "category": ["office.furniture", "ict.printer", None, "office.furniture"],
            "unit_method": ["rec20"] * 4,
            "converted": [True] * 4,
            "rate_year_used": [None, None, None, 2024],
            "certificate_id": [1, 4, 1, None],
            "certified": [True, True, True, False],
            "match_category_agrees": [True, False, None, None],
            "accepted_via": ["any scheme", "any scheme", "any scheme", None],
            "value_reporting": [1.0] * 4,
            "eligible": [True] * 4,
        }
    )
    row = coverage(enriched).to_pyarrow().to_pylist()[0]
    assert (row["items_matched"], row["items_matched_category_disagrees"]) == (3, 1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_snapshot_certificates_carry_their_category_and_its_family(
    reference_db: Database, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    (tmp_path / "licensees.csv").write_text("registration_id,name_en\nL1,Test Co.\n", encoding="utf-8")
    (tmp_path / "certificates.csv").write_text(
        "number,scheme,licensee_registration_id,criterion,category,issued_on,expires_on,status,status_since\n"
        "C-PC,CEL,L1,HJ 2536-2014,ict.computer.portable,2021-01-01,2024-12-31,valid,\n"
        "C-CHAIR,CEL,L1,HJ 2547-2016,office.furniture,2021-01-01,2024-12-31,valid,\n",
        encoding="utf-8",
    )
    for name in ("licensees", "certificates"):
        assert (
            import_registry_file(reference_db, tmp_path / f"{name}.csv", uploads_dir=uploads).status == "ok"
        )
    with reference_db.engine.connect() as conn:
        rows = {r["number_key"]: r for r in certificate_table(conn).to_pylist()}
    assert rows["C-PC"]["certificate_category"] == "ict.computer.portable"
    # The category, its ancestors and its descendants: an item in any of them agrees, a sibling
    # (ict.computer.desktop) does not.
    assert rows["C-PC"]["compatible_categories"] == "|ict|ict.computer|ict.computer.portable|"
    assert rows["C-CHAIR"]["compatible_categories"] == FURNITURE  # office.furniture.school below it
