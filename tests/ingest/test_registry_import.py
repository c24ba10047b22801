"""Bulk import of licensees, certificates and product models into a real registry.

Every test runs on SQLite, and on PostgreSQL when ECOPROCURE_TEST_POSTGRES_URL is set.
Criteria and categories come from the shipped reference data (src/ecoprocure/reference/data):
HJ 2536-2014 (microcomputers and displays, in force from 2014-07-01), HJ 2512-2012 (printers,
from 2012-06-01) and the superseded HJ/T 313-2006 (withdrawn on 2014-07-01).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import event, select, text

from ecoprocure.ingest.registry_import import ImportReport, import_registry_file
from ecoprocure.store.catalogue_search import search
from ecoprocure.store.db import Database
from ecoprocure.store.models import Certificate, ImportReject, ImportRun, Licensee, ProductModel

TABLES = ("licensee", "certificate", "certificate_event", "product_model", "import_reject")

LICENSEES = """registration_id,name_en,name_zh,country
L-LENOVO,Lenovo (Beijing) Ltd.,联想（北京）有限公司,CN
L-HP,HP Inc.,,US
"""

CERTIFICATES = """\
number,scheme,licensee_registration_id,criterion,category,issued_on,expires_on,status,status_since,status_reason
CEC-2021-0001,CEL,L-LENOVO,HJ 2536-2014,ict.computer.desktop,2021-03-01,2024-02-29,,,
CEC-2021-0002,CEL,L-HP,HJ 2512-2012,,2021/4/1,2024-03-31,,,
CEC-2021-0003,XX,L-HP,HJ 2512-2012,,2021-04-01,2024-03-31,,,
CEC-2021-0004,CEL,L-NOBODY,HJ 2512-2012,,2021-04-01,2024-03-31,,,
CEC-2021-0005,CEL,L-HP,HJ 2512-2012,,2021-13-01,2024-03-31,,,
CEC-2021-0006,CEL,L-HP,HJ 2512-2012,,2021-04-01,2021-03-01,,,
CEC-2021-0007,CEL,L-LENOVO,HJ/T 313-2006,ict.monitor,2015-01-01,2018-01-01,,,
CEC-2021-0008,CEL,L-HP,HJ 2512-2012,ict.monitor,2021-04-01,2024-03-31,,,
cec-2021-0001,CEL,L-LENOVO,HJ 2536-2014,ict.computer.desktop,2021-03-01,2024-02-29,,,
CEC-2021-0009,CEL,L-LENOVO,HJ 2536-2014,ict.monitor,2021-05-01,,suspended,2022-01-10,抽检不合格
CEC-2021-0010,CEL,L-HP,HJ 9999-2099,,2021-04-01,2024-03-31,,,
"""
GOOD_CERTIFICATES = {"CEC-2021-0001", "CEC-2021-0002", "CEC-2021-0009"}

MODELS = """certificate_number,brand,model,gtin,category,attributes,attr.power_w
CEC-2021-0001,Lenovo,ThinkCentre M720q,4006381333931,,"{""colour"": ""black""}",12.5
CEC-2021-0001,联想,开天 M90,,,,
CEC-2021-0001,ＬＥＮＯＶＯ,thinkcentre  m720Q,,,,
CEC-2021-0002,HP,LaserJet Pro M404,4006381333932,,,
CEC-2021-0002,HP,LaserJet Pro M405,,,"[1, 2]",
CEC-2099-0000,HP,LaserJet Pro M406,,,,
CEC-2021-0002,HP,LaserJet Pro M407,,ict.monitor,,
CEC-2021-0009,Lenovo,ThinkVision T24,,,,
"""


@dataclass
class Registry:
    db: Database
    uploads: Path
    folder: Path

    def write(self, name: str, content: str, encoding: str = "utf-8") -> Path:
        path = self.folder / name
        path.write_bytes(content.encode(encoding))
        return path

    def load(self, name: str, content: str, encoding: str = "utf-8", **options: object) -> ImportReport:
        return import_registry_file(
            self.db, self.write(name, content, encoding), uploads_dir=self.uploads, **options
        )  # type: ignore[arg-type]

    def counts(self) -> dict[str, int]:
        with self.db.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}

    def runs(self) -> list[ImportRun]:
        with self.db.transaction() as session:
            return list(session.scalars(select(ImportRun).order_by(ImportRun.id)))


@pytest.fixture
def registry(reference_db: Database, tmp_path: Path) -> Registry:
    folder = tmp_path / "incoming"
    folder.mkdir()
    return Registry(reference_db, tmp_path / "uploads", folder)


def _rejects(report: ImportReport) -> dict[int | None, list[tuple[str | None, str]]]:
    out: dict[int | None, list[tuple[str | None, str]]] = {}
    for r in report.rejects:
        out.setdefault(r.row, []).append((r.field, r.reason))
    return out


def _written(report: ImportReport, kind: str) -> tuple[int, int, int]:
    c = report.counts[kind]
    return c.inserted, c.updated, c.unchanged


# --- licensees and certificates -------------------------------------------------------------------


def test_licensees_land(registry: Registry) -> None:
    report = registry.load("licensees.csv", LICENSEES)
    assert (report.status, report.error, report.rows_read, report.rejected) == ("ok", None, 2, 0)
    assert _written(report, "licensees") == (2, 0, 0)
    with registry.db.transaction() as session:
        lenovo = session.scalars(select(Licensee).where(Licensee.registration_id == "L-LENOVO")).one()
        # names are cleaned (NFKC): full-width brackets become ASCII
        assert (lenovo.name_en, lenovo.name_zh, lenovo.country) == (
            "Lenovo (Beijing) Ltd.",
            "联想(北京)有限公司",
            "CN",
        )
        hp = session.scalars(select(Licensee).where(Licensee.registration_id == "L-HP")).one()
        assert hp.name_zh is None


def test_licensee_needs_a_name_and_one_spelling(registry: Registry) -> None:
    report = registry.load(
        "licensees.csv", "registration_id,name_en,name_zh\nA,,\nB,Beta,\nB,Beta Two,\nB,Beta,\n"
    )
    assert _rejects(report) == {
        2: [("name_en", "a licensee needs name_en or name_zh")],
        4: [("registration_id", "licensee B appears twice with different names")],
    }
    assert _written(report, "licensees") == (1, 0, 0)


def test_certificates_valid_rows_land_bad_rows_rejected(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    report = registry.load("certificates.csv", CERTIFICATES)
    assert report.status == "partial"
    assert report.rows_read == 11
    assert _written(report, "certificates") == (3, 0, 0)
    assert report.rejected == 8
    assert {r.file for r in report.rejects} == {"certificates.csv"}
    rejects = _rejects(report)
    assert rejects[4][0][0] == "scheme"
    assert rejects[4][0][1].startswith("unknown scheme 'XX'; known: BLUE-ANGEL, CEC-LOGO, CEL, ENERGY-STAR, ")
    assert rejects[5] == [
        (
            "licensee_registration_id",
            "licensee 'L-NOBODY' does not exist; import it first (licensees template)",
        )
    ]
    assert rejects[6] == [("issued_on", "'2021-13-01' is not a real date (month must be in 1..12)")]
    assert rejects[7] == [
        (
            "expires_on",
            "certificate CEC-2021-0006: expiry date 2021-03-01 must be after issue date 2021-04-01",
        )
    ]
    assert rejects[8] == [
        (
            "criterion",
            "certificate CEC-2021-0007: criterion HJ/T 313-2006 is not in force on the issue date "
            "2015-01-01 (in force from 2006-01-01 until 2014-07-01)",
        )
    ]
    assert rejects[9] == [
        ("category", "category 'ict.monitor' is not covered by criterion HJ 2512-2012 (ict.printer)")
    ]
    assert rejects[10] == [("number", "duplicate certificate number cec-2021-0001 (first at row 2)")]
    assert rejects[12] == [("criterion", "scheme CEL has no criterion 'HJ 9999-2099'")]
    assert set(rejects) == {4, 5, 6, 7, 8, 9, 10, 12}
    with registry.db.transaction() as session:
        stored = {c.number: c for c in session.scalars(select(Certificate))}
    assert set(stored) == GOOD_CERTIFICATES
    assert stored["CEC-2021-0002"].issued_on == dt.date(2021, 4, 1)
    assert stored["CEC-2021-0002"].expires_on == dt.date(2024, 3, 31)
    assert stored["CEC-2021-0009"].expires_on is None
    assert (
        stored["CEC-2021-0009"].status,
        stored["CEC-2021-0009"].status_since,
        stored["CEC-2021-0009"].status_reason,
    ) == ("suspended", dt.date(2022, 1, 10), "抽检不合格")
    assert stored["CEC-2021-0001"].status == "valid"


def test_reject_value_is_the_value_of_the_named_field(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    report = registry.load("certificates.csv", CERTIFICATES)
    values = {(r.row, r.field): r.value for r in report.rejects}
    assert values[(4, "scheme")] == "XX"
    assert values[(5, "licensee_registration_id")] == "L-NOBODY"
    assert values[(6, "issued_on")] == "2021-13-01"
    assert values[(7, "expires_on")] == "2021-03-01"
    assert values[(8, "criterion")] == "HJ/T 313-2006"
    assert values[(9, "category")] == "ict.monitor"


def test_imported_certificates_have_an_issue_event(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    registry.load("certificates.csv", CERTIFICATES)
    with registry.db.engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT c.number, e.action, e.from_status, e.to_status, e.effective_on, e.reason "
                "FROM certificate_event e JOIN certificate c ON c.id = e.certificate_id ORDER BY e.id"
            )
        ).all()
    described = sorted((n, a, f, t, str(d), r) for n, a, f, t, d, r in events)
    assert described == [
        ("CEC-2021-0001", "issue", None, "valid", "2021-03-01", "imported"),
        ("CEC-2021-0002", "issue", None, "valid", "2021-04-01", "imported"),
        ("CEC-2021-0009", "import-state", "valid", "suspended", "2022-01-10", "抽检不合格"),
        ("CEC-2021-0009", "issue", None, "valid", "2021-05-01", "imported"),
    ]


def test_original_is_kept_with_its_sha256_and_rejects_beside_it(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    source = registry.write("certificates.csv", CERTIFICATES)
    report = import_registry_file(registry.db, source, uploads_dir=registry.uploads)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    kept = Path(report.kept_path)
    assert report.sha256 == digest
    assert kept == registry.uploads / "registry" / f"{digest[:16]}-certificates.csv"
    assert kept.read_bytes() == source.read_bytes()
    assert report.rejects_file is not None
    assert report.rejects_file.startswith(str(kept) + ".run")
    assert report.rejects_file.endswith(".rejects.csv")
    with Path(report.rejects_file).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["file", "row", "field", "value", "reason"]
    assert len(rows) == 1 + report.rejected
    assert [
        "certificates.csv",
        "10",
        "number",
        "cec-2021-0001",
        "duplicate certificate number cec-2021-0001 (first at row 2)",
    ] in rows
    # the original stays even if the incoming copy goes away
    source.unlink()
    assert kept.exists()


def test_clean_import_writes_no_rejects_file(registry: Registry) -> None:
    report = registry.load("licensees.csv", LICENSEES)
    assert report.rejects_file is None
    assert not Path(report.kept_path + ".rejects.csv").exists()


def test_same_file_twice_changes_nothing(registry: Registry) -> None:
    first = [
        registry.load("licensees.csv", LICENSEES),
        registry.load("certificates.csv", CERTIFICATES),
        registry.load("models.csv", MODELS),
    ]
    before = registry.counts()
    second = [
        registry.load("licensees.csv", LICENSEES),
        registry.load("certificates.csv", CERTIFICATES),
        registry.load("models.csv", MODELS),
    ]
    assert _written(second[0], "licensees") == (0, 0, 2)
    assert _written(second[1], "certificates") == (0, 0, 3)
    assert _written(second[2], "models") == (0, 0, 3)
    assert [r.rejected for r in second] == [r.rejected for r in first]
    assert [r.sha256 for r in second] == [r.sha256 for r in first]
    after = registry.counts()
    # only the second run's rejects are added; registry rows stay as they were
    assert {k: v for k, v in after.items() if k != "import_reject"} == {
        k: v for k, v in before.items() if k != "import_reject"
    }
    assert after["import_reject"] == 2 * before["import_reject"]


def test_changed_expiry_on_reimport_is_rejected_others_unchanged(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    registry.load("certificates.csv", CERTIFICATES)
    changed = CERTIFICATES.replace(
        "CEC-2021-0002,CEL,L-HP,HJ 2512-2012,,2021/4/1,2024-03-31",
        "CEC-2021-0002,CEL,L-HP,HJ 2512-2012,,2021/4/1,2025-03-31",
    )
    assert changed != CERTIFICATES
    report = registry.load("certificates-v2.csv", changed)
    assert _written(report, "certificates") == (0, 0, 2)
    conflict = [r for r in report.rejects if r.row == 3]
    assert len(conflict) == 1
    assert conflict[0].field == "expires_on"
    assert conflict[0].reason == (
        "certificate CEC-2021-0002 already exists with a different expires_on (2024-03-31 ≠ 2025-03-31); "
        "change it through its lifecycle (renew, suspend …), not by re-import"
    )
    with registry.db.transaction() as session:
        stored = session.scalars(select(Certificate).where(Certificate.number == "CEC-2021-0002")).one()
        assert stored.expires_on == dt.date(2024, 3, 31)


@pytest.mark.parametrize(
    ("kind", "header", "missing"),
    [
        ("certificates", "number,scheme,licensee_registration_id,criterion,expires_on", "issued_on"),
        ("models", "certificate_number,model", "brand"),
        ("licensees", "name_en,name_zh", "registration_id"),
    ],
)
def test_missing_required_column_fails_and_writes_nothing(
    registry: Registry, kind: str, header: str, missing: str
) -> None:
    registry.load("licensees.csv", LICENSEES)
    before = registry.counts()
    row = ",".join(["x"] * len(header.split(",")))
    report = registry.load(f"{kind}.csv", f"{header}\n{row}\n", kind=kind)
    assert report.status == "failed"
    assert report.error == (
        f"{kind}.csv: missing column(s) {missing} for the {kind} template (see docs/import-templates.md)"
    )
    assert report.counts == {}
    assert report.rejects_file is None
    assert registry.counts() == before


def test_a_header_close_to_a_template_names_its_missing_column(registry: Registry) -> None:
    report = registry.load(
        "certificates.csv", "number,scheme,licensee_registration_id,criterion\nA,CEL,L,X\n"
    )
    assert report.status == "failed"
    assert report.error is not None
    assert "missing column(s) issued_on for the certificates template" in report.error
    assert registry.counts() == dict.fromkeys(TABLES, 0)


def test_header_matching_no_template_fails(registry: Registry) -> None:
    report = registry.load("things.csv", "colour,size\nred,L\n")
    assert report.status == "failed"
    assert report.error is not None
    assert "the header matches no import template" in report.error
    assert "certificates: number, scheme, licensee_registration_id, criterion, issued_on" in report.error
    assert registry.counts() == dict.fromkeys(TABLES, 0)


def test_empty_file_fails_and_writes_nothing(registry: Registry) -> None:
    report = registry.load("certificates.csv", "")
    assert (report.status, report.error) == ("failed", "certificates.csv: the file is empty")
    assert registry.counts() == dict.fromkeys(TABLES, 0)


def test_header_only_file_fails(registry: Registry) -> None:
    report = registry.load("licensees.csv", "registration_id,name_en\n")
    assert (report.status, report.error) == ("failed", "licensees.csv: the file has a header but no rows")


def test_missing_file_fails(registry: Registry) -> None:
    report = import_registry_file(registry.db, registry.folder / "nope.csv", uploads_dir=registry.uploads)
    assert report.status == "failed"
    assert report.error is not None
    assert report.error.endswith("nope.csv: no such file")


def test_bad_bytes_late_in_the_file_roll_back_rows_already_written(registry: Registry) -> None:
    # Written in batches of 1,000, then the reader meets bytes that are not UTF-8: the file lands
    # whole or not at all.
    body = "".join(f"L{i:06d},Company {i} Ltd.,,CN\n" for i in range(12000))
    path = registry.folder / "licensees.csv"
    path.write_bytes(("registration_id,name_en,name_zh,country\n" + body).encode() + b"BAD,\xff\xfe,,CN\n")
    assert path.stat().st_size > 256 * 1024
    inserts: list[str] = []

    def count_inserts(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO licensee "):
            inserts.append(statement)

    event.listen(registry.db.engine, "before_cursor_execute", count_inserts)
    try:
        report = import_registry_file(registry.db, path, uploads_dir=registry.uploads, batch_size=1000)
    finally:
        event.remove(registry.db.engine, "before_cursor_execute", count_inserts)
    assert len(inserts) >= 10  # batches were written before the bad bytes were met …
    assert report.status == "failed"
    assert (
        report.error
        == "licensees.csv: line 12002: not valid utf-8 text (invalid start byte); save the file as UTF-8"
    )
    assert registry.counts() == dict.fromkeys(TABLES, 0)  # … and rolled back


def test_import_runs_are_recorded_for_success_and_failure(registry: Registry) -> None:
    ok = registry.load("licensees.csv", LICENSEES)
    partial = registry.load("certificates.csv", CERTIFICATES)
    failed = registry.load("empty.csv", "")
    runs = registry.runs()
    assert [(r.kind, r.file_name, r.status) for r in runs] == [
        ("registry", "licensees.csv", "ok"),
        ("registry", "certificates.csv", "partial"),
        ("registry", "empty.csv", "failed"),
    ]
    assert [r.sha256 for r in runs] == [ok.sha256, partial.sha256, failed.sha256]
    assert [r.kept_path for r in runs] == [ok.kept_path, partial.kept_path, failed.kept_path]
    assert all(r.finished_at is not None and r.finished_at >= r.started_at for r in runs)
    assert runs[0].summary is not None
    assert runs[0].summary["rows_read"] == 2
    assert runs[0].summary["written"]["licensees"] == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert runs[1].summary is not None
    assert runs[1].summary["rejected"] == 8
    assert runs[2].summary is not None
    assert runs[2].summary["error"] == "empty.csv: the file is empty"
    with registry.db.transaction() as session:
        rejects = list(session.scalars(select(ImportReject).order_by(ImportReject.id)))
    assert {r.import_run_id for r in rejects} == {runs[1].id}
    assert len(rejects) == 8
    assert (rejects[0].row, rejects[0].field, rejects[0].value) == (4, "scheme", "XX")


def test_gbk_encoded_files_import(registry: Registry) -> None:
    licensees = (
        "registration_id,name_en,name_zh,country\n"
        "L-HAIER,,海尔集团公司,CN\n"
        "L-GREE,,珠海格力电器股份有限公司,CN\n"
    )
    certificates = (
        "number,scheme,licensee_registration_id,criterion,issued_on,expires_on,status,status_reason\n"
        "CEC-2020-0100,CEL,L-HAIER,HJ 2535-2013,2020-05-01,2023-04-30,suspended,抽检能效不达标\n"
        "CEC-2020-0101,CEL,L-GREE,HJ 2535-2013,2020年6月1日,2023年5月31日,,\n"
    )
    first = registry.load("licensees-gbk.csv", licensees, encoding="gbk")
    second = registry.load("certificates-gbk.csv", certificates, encoding="gbk")
    assert (first.status, second.status) == ("ok", "ok"), (first.error, second.rejects)
    assert _written(second, "certificates") == (2, 0, 0)
    with registry.db.transaction() as session:
        names = set(session.scalars(select(Licensee.name_zh)))
        reasons = set(session.scalars(select(Certificate.status_reason)))
        issued = set(session.scalars(select(Certificate.issued_on)))
    assert names == {"海尔集团公司", "珠海格力电器股份有限公司"}
    assert reasons == {"抽检能效不达标", None}
    assert issued == {dt.date(2020, 5, 1), dt.date(2020, 6, 1)}


def test_xlsx_import(registry: Registry) -> None:
    registry.load("licensees.csv", LICENSEES)
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Number", "Scheme", "Licensee Registration ID", "Criterion", "Category", "Issued On", "Expires On"]
    )
    sheet.append(
        [
            "CEC-2022-0001",
            "CEL",
            "L-LENOVO",
            "HJ 2536-2014",
            "ict.computer.portable",
            dt.date(2022, 1, 15),
            dt.date(2025, 1, 14),
        ]
    )
    sheet.append(
        ["CEC-2022-0002", "CEL", "L-HP", "HJ 2512-2012", None, dt.datetime(2022, 2, 1), "2025-01-31"]
    )
    sheet.append(["CEC-2022-0003", "CEL", "L-HP", "HJ 2512-2012", None, "not a date", None])
    path = registry.folder / "certificates.xlsx"
    book.save(path)
    report = import_registry_file(registry.db, path, uploads_dir=registry.uploads)
    assert report.status == "partial"
    assert _written(report, "certificates") == (2, 0, 0)
    assert [(r.file, r.row, r.field) for r in report.rejects] == [("certificates.xlsx", 4, "issued_on")]
    assert Path(report.kept_path).read_bytes() == path.read_bytes()
    with registry.db.transaction() as session:
        stored = {c.number: (c.issued_on, c.expires_on) for c in session.scalars(select(Certificate))}
    assert stored == {
        "CEC-2022-0001": (dt.date(2022, 1, 15), dt.date(2025, 1, 14)),
        "CEC-2022-0002": (dt.date(2022, 2, 1), dt.date(2025, 1, 31)),
    }


def test_not_really_an_xlsx_fails_cleanly(registry: Registry) -> None:
    report = registry.load("certificates.xlsx", "number,scheme\n")
    assert report.status == "failed"
    assert report.error is not None
    assert report.error.startswith("certificates.xlsx: not a readable XLSX workbook: ")


def test_unknown_format_is_refused(registry: Registry) -> None:
    from ecoprocure.errors import DataError

    with pytest.raises(DataError, match="unknown format 'json'; use one of auto, csv, xlsx, energy-star"):
        import_registry_file(
            registry.db, registry.write("x.csv", LICENSEES), uploads_dir=registry.uploads, file_format="json"
        )


# --- models --------------------------------------------------------------------------------------


@pytest.fixture
def with_certificates(registry: Registry) -> Registry:
    registry.load("licensees.csv", LICENSEES)
    registry.load("certificates.csv", CERTIFICATES)
    return registry


def test_models_land_and_bad_rows_are_rejected(with_certificates: Registry) -> None:
    report = with_certificates.load("models.csv", MODELS)
    assert report.status == "partial"
    assert report.rows_read == 8
    assert _written(report, "models") == (3, 0, 0)
    rejects = _rejects(report)
    assert rejects == {
        # brand and model are cleaned (NFKC, single spaces) before the message is written
        4: [("model", "duplicate model LENOVO thinkcentre m720Q for this certificate earlier in the file")],
        5: [("gtin", "'4006381333932' has a wrong GTIN check digit")],
        6: [("attributes", 'must be a JSON object like {"power_w": 12.5}')],
        7: [("certificate_number", "certificate 'CEC-2099-0000' does not exist")],
        8: [
            (
                "category",
                "certificate CEC-2021-0002: product category ict.monitor is not covered by criterion "
                "HJ 2512-2012 (covers: ict.printer)",
            )
        ],
    }
    with with_certificates.db.transaction() as session:
        models = {(m.brand, m.model): m for m in session.scalars(select(ProductModel))}
        certificates = {c.id: c.number for c in session.scalars(select(Certificate))}
        categories = dict(session.execute(text("SELECT id, code FROM category")).all())
    assert set(models) == {
        ("Lenovo", "ThinkCentre M720q"),
        ("联想", "开天 M90"),
        ("Lenovo", "ThinkVision T24"),
    }
    thinkcentre = models[("Lenovo", "ThinkCentre M720q")]
    assert thinkcentre.gtin == "04006381333931"
    assert thinkcentre.attributes == {"colour": "black", "power_w": 12.5}
    assert (thinkcentre.brand_key, thinkcentre.model_key) == ("lenovo", "thinkcentrem720q")
    assert certificates[thinkcentre.certificate_id] == "CEC-2021-0001"
    assert categories[thinkcentre.category_id] == "ict.computer.desktop"  # the certificate's category
    assert models[("联想", "开天 M90")].attributes is None
    assert categories[models[("Lenovo", "ThinkVision T24")].category_id] == "ict.monitor"


def test_models_update_the_search_index(with_certificates: Registry) -> None:
    with_certificates.load("models.csv", MODELS)
    with with_certificates.db.engine.connect() as conn:
        assert [(h.brand, h.model, h.certificate) for h in search(conn, "thinkcentre")] == [
            ("Lenovo", "ThinkCentre M720q", "CEC-2021-0001")
        ]
        assert [h.model for h in search(conn, "thinkc")] == ["ThinkCentre M720q"]  # type-ahead prefix
        assert [h.model for h in search(conn, "开天")] == ["开天 M90"]
        # the licensee's Chinese name is searchable too
        assert {h.model for h in search(conn, "联想 北京")} == {
            "ThinkCentre M720q",
            "开天 M90",
            "ThinkVision T24",
        }
        hit = search(conn, "ThinkVision")[0]
        assert (hit.status, hit.category) == ("suspended", "ict.monitor")


def test_changed_model_attributes_update_the_row(with_certificates: Registry) -> None:
    with_certificates.load("models.csv", MODELS)
    changed = MODELS.replace('"{""colour"": ""black""}",12.5', '"{""colour"": ""silver""}",11.0')
    report = with_certificates.load("models-v2.csv", changed)
    assert _written(report, "models") == (0, 1, 2)
    with with_certificates.db.transaction() as session:
        model = session.scalars(select(ProductModel).where(ProductModel.model == "ThinkCentre M720q")).one()
        assert model.attributes == {"colour": "silver", "power_w": 11.0}


def test_non_finite_attribute_values_are_kept_as_text(with_certificates: Registry) -> None:
    models = "certificate_number,brand,model,attr.power_w,attr.note\nCEC-2021-0001,Lenovo,M70q,NaN,Infinity\n"
    report = with_certificates.load("models.csv", models)
    assert report.status == "ok", report.error
    again = with_certificates.load("models.csv", models)
    assert _written(again, "models") == (0, 0, 1)
    with with_certificates.db.transaction() as session:
        model = session.scalars(select(ProductModel).where(ProductModel.model == "M70q")).one()
        assert model.attributes == {"power_w": "NaN", "note": "Infinity"}


def test_models_in_small_batches(with_certificates: Registry) -> None:
    rows = "".join(f"CEC-2021-0001,Lenovo,M{i:04d},,,,\n" for i in range(250))
    report = import_registry_file(
        with_certificates.db,
        with_certificates.write("models.csv", MODELS.splitlines()[0] + "\n" + rows),
        uploads_dir=with_certificates.uploads,
        batch_size=40,
    )
    assert report.status == "ok"
    assert _written(report, "models") == (250, 0, 0)
    with with_certificates.db.engine.connect() as conn:
        assert len(search(conn, "M0249")) == 1
