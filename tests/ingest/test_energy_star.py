"""ENERGY STAR certified-product exports: detection, taxonomy mapping, notes, rejects, verification.

The fixtures are extracts of two US EPA exports (tests/fixtures/energy_star/SOURCE.md).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from ecoprocure.ingest import energy_star
from ecoprocure.ingest.registry_import import ImportReport, import_registry_file
from ecoprocure.store.db import Database
from ecoprocure.store.verification import Verifier

from ..conftest import FIXTURES

COMPUTERS = FIXTURES / "energy_star" / "ENERGY_STAR_Certified_Computers.csv"
BULBS = FIXTURES / "energy_star" / "ENERGY_STAR_Certified__Light_Bulbs_Version_2.0.csv"
FULL = Path("/work/shared/data/ecolabels/energy-star-certified-us")
TABLES = (
    "licensee",
    "certificate",
    "certificate_event",
    "product_model",
    "category",
    "criterion",
    "criterion_category",
)


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _written(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    return {kind: (c.inserted, c.updated, c.unchanged) for kind, c in report.counts.items()}


def _load(db: Database, path: Path, uploads: Path, **options: object) -> ImportReport:
    return import_registry_file(db, path, uploads_dir=uploads, **options)  # type: ignore[arg-type]


def _distinct(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def test_detection_and_product_list_names() -> None:
    assert energy_star.looks_like(COMPUTERS)
    assert energy_star.looks_like(BULBS)
    assert energy_star.product_list(COMPUTERS) == "computers"
    assert energy_star.product_list(BULBS) == "light-bulbs-version-2-0"


def test_registry_templates_are_not_taken_for_energy_star(tmp_path: Path) -> None:
    path = tmp_path / "licensees.csv"
    path.write_text("registration_id,name_en\nA,Alpha\n", encoding="utf-8")
    assert not energy_star.looks_like(path)
    assert not energy_star.looks_like(tmp_path / "missing.csv")


def test_computers_export(reference_db: Database, tmp_path: Path) -> None:
    report = _load(reference_db, COMPUTERS, tmp_path / "uploads")
    assert (report.status, report.format, report.error) == ("ok", "energy-star", None)
    assert report.rows_read == 400
    assert report.rejected == 0
    partners = len(_distinct(COMPUTERS, "ENERGY STAR Partner"))
    assert _written(report) == {
        "licensees": (partners, 0, 0),
        "certificates": (400, 0, 0),
        "models": (400, 0, 0),
    }
    # Types the taxonomy lacks are imported under scheme-specific categories and named in the notes.
    for product_type, slug in [
        ("Workstation", "workstation"),
        ("Mobile Workstation", "mobile-workstation"),
        ("Thin Client", "thin-client"),
        ("Integrated Thin Client", "integrated-thin-client"),
    ]:
        assert (
            f"product type {product_type!r} is not in the taxonomy: imported under scheme-specific "
            f"category energy-star.computers.{slug}"
        ) in report.notes
    assert "created criterion 'ENERGY STAR Computers' for this product list" in report.notes
    assert len(report.notes) == 5  # mapped types (Notebook, Desktop …) are not noted
    with reference_db.engine.connect() as conn:
        by_category = dict(
            conn.execute(
                text(
                    "SELECT c.code, count(*) FROM product_model p JOIN category c ON c.id = p.category_id "
                    "GROUP BY c.code"
                )
            ).all()
        )
        certificate = conn.execute(
            text(
                "SELECT ce.number, ce.issued_on, ce.expires_on, ce.status, l.registration_id, l.name_en, "
                "cr.standard_code "
                "FROM certificate ce JOIN licensee l ON l.id = ce.licensee_id "
                "JOIN criterion cr ON cr.id = ce.criterion_id WHERE ce.number = 'ES-2359399'"
            )
        ).one()
    assert by_category == {
        # Notebook + Two-In-One Notebook; Slate/Tablet; Desktop + Integrated Desktop
        "ict.computer.portable": 291 + 4,
        "ict.computer.tablet": 35,
        "ict.computer.desktop": 38 + 15,
        "energy-star.computers.workstation": 8,
        "energy-star.computers.mobile-workstation": 3,
        "energy-star.computers.thin-client": 5,
        "energy-star.computers.integrated-thin-client": 1,
    }
    number, issued, expires, status, registration, name, criterion = certificate
    # "Date Certified" 05/04/2020 (the column before it is "Date Available On Market" 01/10/2019)
    assert (number, str(issued), expires, status) == ("ES-2359399", "2020-05-04", None, "valid")
    assert (registration, name, criterion) == ("ES:Dell Inc.", "Dell Inc.", "ENERGY STAR Computers")


def test_light_bulbs_export(reference_db: Database, tmp_path: Path) -> None:
    report = _load(reference_db, BULBS, tmp_path / "uploads")
    assert (report.status, report.rows_read, report.rejected) == ("ok", 300, 0)
    assert _written(report)["certificates"] == (300, 0, 0)
    assert _written(report)["models"] == (300, 0, 0)
    assert report.notes == ["created criterion 'ENERGY STAR Light Bulbs Version 2 0' for this product list"]
    with reference_db.engine.connect() as conn:
        codes = {
            c
            for (c,) in conn.execute(
                text("SELECT DISTINCT c.code FROM product_model p JOIN category c ON c.id = p.category_id")
            )
        }
        attributes = conn.execute(
            text(
                "SELECT p.attributes FROM product_model p JOIN certificate ce ON ce.id = p.certificate_id "
                "WHERE ce.number = 'ES-2318504'"
            )
        ).scalar_one()
    assert codes == {"lighting.lamp"}
    if isinstance(attributes, str):  # SQLite returns JSON text through raw SQL
        import json

        attributes = json.loads(attributes)
    assert attributes["brightness_(lumens)"] == 450.0
    assert attributes["energy_used_(watts)"] == 5.5
    assert attributes["base_type"] == "E26 (Medium)"
    assert "brand_name" not in attributes
    assert "date_qualified" not in attributes


def test_verification_by_brand_and_model(reference_db: Database, tmp_path: Path) -> None:
    _load(reference_db, COMPUTERS, tmp_path / "uploads")
    with Verifier(reference_db) as verifier:
        answer = verifier.by_brand_model("Dell", "vostro 3580", as_of=dt.date(2020, 6, 1))
        assert answer.status.value == "valid"
        assert answer.certificate is not None
        assert answer.certificate.number == "ES-2359399"
        assert answer.certificate.scheme_code == "ENERGY-STAR"
        assert answer.certificate.expires_on is None
        assert answer.product == {
            "brand": "DELL",
            "model": "Vostro 3580",
            "gtin": None,
            "category": "ict.computer.portable",
        }
        assert answer.reason == "valid ENERGY STAR certificate, issued 2020-05-04, no expiry date"
        before = verifier.by_brand_model("DELL", "Vostro 3580", as_of=dt.date(2020, 5, 3))
        assert before.status.value == "unknown"
        assert verifier.by_number("es-2359399").certificate is not None


def test_importing_twice_is_idempotent(reference_db: Database, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    first = _load(reference_db, COMPUTERS, uploads)
    before = _counts(reference_db)
    second = _load(reference_db, COMPUTERS, uploads)
    assert second.status == "ok"
    assert second.sha256 == first.sha256
    assert second.kept_path == first.kept_path
    partners = first.counts["licensees"].inserted
    assert _written(second) == {
        "licensees": (0, 0, partners),
        "certificates": (0, 0, 400),
        "models": (0, 0, 400),
    }
    assert second.notes == []  # the criterion and categories exist now
    assert _counts(reference_db) == before


def test_explicit_energy_star_format(reference_db: Database, tmp_path: Path) -> None:
    report = _load(reference_db, BULBS, tmp_path / "uploads", file_format="energy-star")
    assert (report.status, report.format, report.rows_read) == ("ok", "energy-star", 300)


HEADER = "ENERGY STAR Unique ID,ENERGY STAR Partner,Brand Name,Model Name,Model Number,Type,Date Certified\n"


def _export(tmp_path: Path, name: str, body: str, header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_bad_rows_are_rejected_naming_the_export_columns(reference_db: Database, tmp_path: Path) -> None:
    path = _export(
        tmp_path,
        "ENERGY_STAR_Certified_Computers.csv",
        (
            "9000001,Acme Corp.,ACME,,A-100,Notebook,01/10/2019\n"
            "9000002,Acme Corp.,ACME,,,Notebook,01/10/2019\n"
            "9000003,Acme Corp.,ACME,,A-300,Notebook,13/45/2019\n"
            ",Acme Corp.,ACME,,A-400,Notebook,01/10/2019\n"
            "9000005,Acme Corp.,ACME,A-500 Name,,Desktop,2019-02-01\n"
            "9000006,Acme Corp.,ACME,,A-600,Desktop,\n"
        ),
    )
    report = _load(reference_db, path, tmp_path / "uploads")
    assert report.status == "partial"
    assert report.rows_read == 6
    by_row: dict[int | None, list[tuple[str | None, str]]] = {}
    for r in report.rejects:
        by_row.setdefault(r.row, []).append((r.field, r.reason))
    assert ("Model Number", "is required and empty") in by_row[3]
    assert ("Date Certified", "'13/45/2019' is not a real date (month must be in 1..12)") in by_row[4]
    assert ("ENERGY STAR Unique ID", "is required and empty") in by_row[5]
    assert ("Date Certified", "'' is not a date; write it as MM/DD/YYYY") in by_row[7]
    assert 2 not in by_row and 6 not in by_row  # Model Name stands in for a missing Model Number
    with reference_db.engine.connect() as conn:
        models = {m for (m,) in conn.execute(text("SELECT model FROM product_model"))}
    assert models == {"A-100", "A-500 Name"}


def test_bad_date_in_a_list_with_date_qualified_names_that_column(
    reference_db: Database, tmp_path: Path
) -> None:
    header = "ENERGY STAR Partner,Brand Name,Model Number,Date Qualified,ENERGY STAR Unique ID\n"
    path = _export(
        tmp_path,
        "ENERGY_STAR_Certified__Light_Bulbs_Version_2.0.csv",
        "Acme Lighting,ACME,B-1,04/11/2018,8000001\nAcme Lighting,ACME,B-2,04/31/2018,8000002\n",
        header,
    )
    report = _load(reference_db, path, tmp_path / "uploads")
    assert report.status == "partial"
    fields = {(r.row, r.field) for r in report.rejects}
    assert (3, "Date Qualified") in fields
    assert (3, "Date Certified") not in fields


def test_export_without_energy_star_scheme_fails(db: Database, tmp_path: Path) -> None:
    report = _load(db, COMPUTERS, tmp_path / "uploads", file_format="energy-star")
    assert report.status == "failed"
    assert report.error == "scheme ENERGY-STAR is not in the registry; run `ecoprocure reference load` first"
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM certificate")).scalar_one() == 0


@pytest.mark.slow
@pytest.mark.skipif(not FULL.is_dir(), reason=f"{FULL} is not available")
def test_full_exports(reference_db: Database, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    computers = _load(reference_db, FULL / "ENERGY_STAR_Certified_Computers.csv", uploads)
    bulbs = _load(reference_db, FULL / "ENERGY_STAR_Certified__Light_Bulbs_Version_2.0.csv", uploads)
    assert (computers.status, computers.error, computers.rejected) == ("ok", None, 0)
    assert (bulbs.status, bulbs.error, bulbs.rejected) == ("ok", None, 0)
    assert (computers.rows_read, bulbs.rows_read) == (1930, 11389)
    assert _written(computers)["certificates"] == _written(computers)["models"] == (1930, 0, 0)
    assert _written(bulbs)["certificates"] == _written(bulbs)["models"] == (11389, 0, 0)
    with reference_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM product_model")).scalar_one() == 1930 + 11389
