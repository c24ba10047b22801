"""The shipped reference data and its loader (store.reference_loader)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select, text

from ecoprocure.errors import DataError
from ecoprocure.reference import DATA_DIR
from ecoprocure.store.db import Database
from ecoprocure.store.models import Category, CategoryCode
from ecoprocure.store.reference_loader import load_reference

CPV_FILE = Path("/work/shared/data/classifications/cpv2008-openprocurement-standards/cpv_en.json")

# Every procurement category the seed documents name.
SEED_CATEGORIES = [
    "office.furniture",
    "ict.computer.desktop",
    "ict.computer.portable",
    "ict.printer",
    "ict.copier",
    "paper.copy",
    "chem.paint",
    "chem.adhesive",
    "chem.printing-ink",
    "building.wall-ceiling-finish",
    "building.wallpaper",
    "packaging.plastic",
    "appliance.air-conditioner",
    "appliance.refrigerator",
    "lighting.lamp",
    "vehicle.light-duty",
    "construction.recycled-asphalt",
    "cleaning.products",
    "cleaning.services",
    "ict.toner-cartridge",
    "ict.network-firewall",
]

# The files load_reference reads; energy_star_categories.csv is read by ingest.energy_star.
LOADED_FILES = {
    "schemes.csv",
    "categories.csv",
    "category_codes.csv",
    "criteria.csv",
    "requirements.csv",
    "agreements.csv",
    "agreement_scope.csv",
}
TABLES = [
    "scheme",
    "category",
    "category_code",
    "criterion",
    "criterion_category",
    "requirement",
    "agreement",
    "agreement_party",
    "agreement_category",
]


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _table_counts(conn: Connection) -> dict[str, int]:
    return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}


def test_every_shipped_file_is_loaded(db: Database) -> None:
    shipped = {path.name for path in DATA_DIR.glob("*.csv")}
    # Files the importers and the procurement pipeline read directly (not loaded into the registry).
    read_directly = {
        "energy_star_categories.csv",
        "cpv_2008.csv",
        "category_keywords.csv",
        "exchange_rates.csv",
        "units.csv",
        "compliance_lists.csv",
        "functional_unit_conversions.csv",
    }
    assert shipped == LOADED_FILES | read_directly
    with db.engine.begin() as conn:
        counts = load_reference(conn)
        tables = _table_counts(conn)
    criteria = _csv("criteria.csv")
    agreements = _csv("agreements.csv")
    assert counts == {
        "schemes": len(_csv("schemes.csv")),
        "categories": len(_csv("categories.csv")),
        "category_codes": len(_csv("category_codes.csv")),
        "criteria": len(criteria),
        "requirements": len(_csv("requirements.csv")),
        "agreements": len(agreements),
    }
    assert tables == {
        "scheme": len(_csv("schemes.csv")),
        "category": len(_csv("categories.csv")),
        "category_code": len(_csv("category_codes.csv")),
        "criterion": len({(r["scheme_code"], r["standard_code"]) for r in criteria}),
        "criterion_category": len(
            {(r["scheme_code"], r["standard_code"], r["category_code"]) for r in criteria}
        ),
        "requirement": len(_csv("requirements.csv")),
        "agreement": len(agreements),
        "agreement_party": sum(len([p for p in r["parties"].split(";") if p.strip()]) for r in agreements),
        "agreement_category": len(_csv("agreement_scope.csv")),
    }


def test_every_row_of_every_reference_file_has_a_source() -> None:
    for path in sorted(DATA_DIR.glob("*.csv")):
        rows = _csv(path.name)
        assert rows, path.name
        assert "source" in rows[0], path.name
        missing = [number for number, row in enumerate(rows, start=2) if not (row["source"] or "").strip()]
        assert missing == [], f"{path.name}: rows without a source: {missing}"


def test_the_categories_the_seeds_name_exist_with_a_cpv_mapping(reference_db: Database) -> None:
    with reference_db.engine.connect() as conn:
        cpv = dict(
            conn.execute(
                select(Category.code, func.count(CategoryCode.id))
                .join(
                    CategoryCode,
                    (CategoryCode.category_id == Category.id) & (CategoryCode.code_scheme == "CPV"),
                    isouter=True,
                )
                .where(Category.code.in_(SEED_CATEGORIES))
                .group_by(Category.code)
            ).all()
        )
    assert sorted(cpv) == sorted(SEED_CATEGORIES)
    assert [code for code, n in cpv.items() if n == 0] == []


def test_category_parents_are_linked(reference_db: Database) -> None:
    with reference_db.engine.connect() as conn:
        parents = dict(
            conn.execute(
                text("SELECT c.code, p.code FROM category c LEFT JOIN category p ON p.id = c.parent_id")
            ).all()
        )
    for row in _csv("categories.csv"):
        assert parents[row["code"]] == (row["parent_code"] or None), row["code"]
    assert parents["office.furniture.school"] == "office.furniture"


@pytest.mark.skipif(not CPV_FILE.exists(), reason=f"{CPV_FILE} is not available")
def test_every_cpv_code_exists_in_cpv_2008() -> None:
    known = json.loads(CPV_FILE.read_text(encoding="utf-8"))
    rows = [r for r in _csv("category_codes.csv") if r["code_scheme"] == "CPV"]
    assert rows
    assert [r["code"] for r in rows if r["code"] not in known] == []


def test_loading_twice_changes_nothing(db: Database) -> None:
    with db.engine.begin() as conn:
        first = load_reference(conn)
        tables = _table_counts(conn)
        ids = dict(conn.execute(select(Category.code, Category.id)).all())
    with db.engine.begin() as conn:
        assert load_reference(conn) == first
        assert _table_counts(conn) == tables
        assert dict(conn.execute(select(Category.code, Category.id)).all()) == ids


def test_a_corrected_row_replaces_the_loaded_one(db: Database, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with db.engine.begin() as conn:
        load_reference(conn, data)
    path = data / "categories.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Paints and coatings", "Paints and varnishes"),
        encoding="utf-8",
    )
    with db.engine.begin() as conn:
        load_reference(conn, data)
        name = conn.execute(select(Category.name_en).where(Category.code == "chem.paint")).scalar_one()
        assert conn.execute(select(func.count()).select_from(Category)).scalar_one() == len(
            _csv("categories.csv")
        )
    assert name == "Paints and varnishes"


@pytest.mark.parametrize(
    ("file", "line"), [("criteria.csv", 4), ("schemes.csv", 2), ("agreement_scope.csv", 7)]
)
def test_a_row_without_a_source_is_a_data_error_naming_file_row_and_field(
    db: Database, tmp_path: Path, file: str, line: int
) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / file
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    assert fields is not None
    rows[line - 2]["source"] = "  "
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DataError, match=rf"^{file}: row {line}: field source: "), db.engine.begin() as conn:
        load_reference(conn, data)
    with db.engine.connect() as conn:  # the failed load left nothing behind
        assert conn.execute(text("SELECT count(*) FROM scheme")).scalar_one() == 0


def test_an_unknown_code_is_a_data_error_naming_file_row_and_field(db: Database, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("schemes.csv", "categories.csv"):
        shutil.copy(DATA_DIR / name, data / name)
    (data / "criteria.csv").write_text(
        "scheme_code,standard_code,title_en,title_zh,version,category_code,effective_from,withdrawn_on,source\n"
        "CEL,HJ 1-2020,t,t,2020,ict.computer.desktop,2020-01-01,,a source\n"
        "CEL,HJ 2-2020,t,t,2020,no.such.category,2020-01-01,,a source\n",
        encoding="utf-8",
    )
    with (
        pytest.raises(
            DataError, match=r"criteria.csv: row 3: field category_code: unknown code 'no.such.category'"
        ),
        db.engine.begin() as conn,
    ):
        load_reference(conn, data)
