"""Ingest of procurement files into the normalised items dataset (``ingest_procurement_file``).

Real OCDS data from six publishers (tests/fixtures/ocds) and files written here: JSON Lines with a
malformed or non-UTF-8 line, gzip, packages, and items with every documented problem.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ecoprocure.ingest.procurement_files import IngestReport, ingest_procurement_file, items_dir

OCDS = Path(__file__).parents[1] / "fixtures" / "ocds"
PARAGUAY_RECORDS = OCDS / "paraguay" / "sample" / "records"
NO_VALUE = "item has no value (no unit price; the award has several items)"
LINKED = (
    "linked release https://www.contrataciones.gov.py/datos/id/planning/{} not embedded; "
    "cannot be fetched offline"
)
PARAGUAY_EMPTY = {  # file → reason given for "no releases in the file"
    "283826.json": "the file is empty",
    "283906.json": "the file is empty",
    "284456.json": "the file is empty",
    "284437.json": LINKED.format(
        "284437-adquisicion-equipamientos-medicos-servicio-emergencia-medicas-extra-hospit.json"
    ),
    "284453.json": LINKED.format("284453-adquisicion-bateria-nivel-central-mspbs.json"),
}


# --- helpers ---------------------------------------------------------------------------------------


def item(item_id: str, *, quantity: Any = 1, amount: Any = 10, currency: Any = "CNY", **extra: Any) -> dict:
    """An OCDS item; ``amount``/``currency`` None leave the field out."""
    value: dict[str, Any] = {}
    if amount is not None:
        value["amount"] = amount
    if currency is not None:
        value["currency"] = currency
    data: dict[str, Any] = {
        "id": item_id,
        "description": f"item {item_id}",
        "classification": {"scheme": "CPV", "id": "39130000-2"},
        "unit": {"id": "H87", "name": "piece", "value": value},
        **extra,
    }
    if quantity is not None:
        data["quantity"] = quantity
    return data


def release(number: int, items: list[dict] | None = None, *, date: str = "2022-02-01", **award: Any) -> dict:
    return {
        "ocid": f"ocds-test-{number:06d}",
        "id": f"r{number}",
        "date": "2022-01-01T00:00:00Z",
        "buyer": {"id": "B1", "name": "Buyer"},
        "awards": [
            {"id": f"a{number}", "date": date, "items": items or [item(f"{number}-1")], **award},
        ],
    }


def jsonl(releases: list[dict]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in releases)


def ingest(path: Path, tmp_path: Path) -> IngestReport:
    return ingest_procurement_file(path, home=tmp_path / "home", uploads_dir=tmp_path / "uploads")


def rejects(report: IngestReport) -> list[dict[str, str]]:
    assert report.rejects_file is not None
    with Path(report.rejects_file).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["file", "release", "item", "field", "reason"]
        return list(reader)


def dataset(report: IngestReport) -> list[dict[str, Any]]:
    assert report.dataset_file is not None
    return pq.read_table(report.dataset_file).to_pylist()


# --- the real data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, IngestReport]:
    """Every fixture file ingested into one home, spread over a few processes (each file takes a
    few tenths of a second; xdist is not used)."""
    root = tmp_path_factory.mktemp("fixtures")
    files = sorted(OCDS.rglob("*.json"))
    work = partial(ingest_procurement_file, home=root / "home", uploads_dir=root / "uploads")
    workers = min(4, os.cpu_count() or 1)
    if workers < 2:
        return {path: work(path) for path in files}
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB threads
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return dict(zip(files, pool.map(work, files, chunksize=8), strict=True))


@pytest.mark.slow
def test_every_fixture_file_ingests(fixture_reports: dict[Path, IngestReport]) -> None:
    reports = list(fixture_reports.values())
    assert len(reports) == 296
    assert Counter(r.status for r in reports) == {"ok": 282, "partial": 9, "empty": 5}
    assert sum(r.releases for r in reports) == 291  # as the shape normaliser counts them
    assert sum(r.items for r in reports) == 930
    assert sum(r.items_with_issue for r in reports) == 187
    issues: Counter[str] = Counter()
    for r in reports:
        issues.update(r.issues)
    assert issues == {NO_VALUE: 187}
    for r in reports:
        assert r.error is None or r.status == "empty", r
        assert len(r.sha256) == 64 and Path(r.kept_path).is_file()
        if r.status in {"ok", "partial"}:
            assert r.dataset_file is not None and Path(r.dataset_file).is_file()
            assert pq.read_metadata(r.dataset_file).num_rows == r.items


@pytest.mark.slow
def test_totals_per_publisher(fixture_reports: dict[Path, IngestReport]) -> None:
    totals: dict[str, list[int]] = {}
    for path, r in fixture_reports.items():
        publisher = path.relative_to(OCDS).parts[0]
        total = totals.setdefault(publisher, [0, 0])
        total[0] += r.releases
        total[1] += r.items
    assert totals == {
        "colombia": [31, 51],
        "mexico": [20, 158],
        "moldova": [102, 36],
        "paraguay": [84, 649],
        "uk-contracts-finder": [32, 0],  # its awards carry no items
        "ukraine": [22, 36],
    }


@pytest.mark.slow
def test_paraguay_empty_and_linked_only_records_are_empty_with_the_reason(
    fixture_reports: dict[Path, IngestReport],
) -> None:
    by_path = {path: r for path, r in fixture_reports.items() if r.status == "empty"}
    assert set(by_path) == {PARAGUAY_RECORDS / name for name in PARAGUAY_EMPTY}
    empty = {path.name: r for path, r in by_path.items()}
    for name, reason in PARAGUAY_EMPTY.items():
        report = empty[name]
        assert (report.releases, report.items, report.dataset_file) == (0, 0, None)
        assert report.error == f"no releases in the file: {reason}"
        assert report.problems[0]["reason"] == reason
    assert [p["location"] for p in empty["284453.json"].problems] == [
        "records[0].releases[0]",
        "records[0].releases[1]",
    ]


def test_a_file_that_is_not_json_is_empty_with_the_reason(tmp_path: Path) -> None:
    report = ingest(OCDS / "SOURCE.md", tmp_path)
    assert report.status == "empty"
    assert report.error is not None
    assert report.error.startswith("no releases in the file: not a JSON object or array")


def test_a_missing_file_fails_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    report = ingest(missing, tmp_path)
    assert (report.status, report.error) == ("failed", f"{missing}: no such file")
    assert not (tmp_path / "home").exists()


# --- idempotence and the kept original ---------------------------------------------------------


def test_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "releases.jsonl"
    path.write_bytes(jsonl([release(n) for n in range(5)]))
    first = ingest(path, tmp_path)
    assert (first.status, first.already_ingested, first.releases, first.items) == ("ok", False, 5, 5)
    before = sorted(items_dir(tmp_path / "home").iterdir())
    again = ingest(path, tmp_path)
    assert (again.status, again.already_ingested) == ("unchanged", True)
    assert (again.sha256, again.releases, again.items, again.dataset_file) == (
        first.sha256,
        5,
        5,
        first.dataset_file,
    )
    renamed = tmp_path / "copy-of-releases.jsonl"  # the content decides, not the name
    renamed.write_bytes(path.read_bytes())
    copy = ingest(renamed, tmp_path)
    assert (copy.status, copy.already_ingested, copy.file) == ("unchanged", True, str(renamed))
    assert sorted(items_dir(tmp_path / "home").iterdir()) == before
    assert len(list(items_dir(tmp_path / "home").glob("*.parquet"))) == 1


def test_the_original_is_kept_with_its_sha256(tmp_path: Path) -> None:
    path = tmp_path / "in" / "releases.json"
    path.parent.mkdir()
    data = json.dumps({"version": "1.1", "releases": [release(1), release(2)]}).encode()
    path.write_bytes(data)
    report = ingest(path, tmp_path)
    digest = hashlib.sha256(data).hexdigest()
    kept = Path(report.kept_path)
    assert report.sha256 == digest
    assert kept.parent == tmp_path / "uploads" / "procurement"
    assert kept.name == f"{digest[:16]}-releases.json"
    assert kept.read_bytes() == data
    assert Path(report.dataset_file or "") == items_dir(tmp_path / "home") / f"{digest}.parquet"
    path.unlink()  # the kept copy does not depend on the upload
    assert kept.read_bytes() == data


# --- JSON Lines, gzip, packages -----------------------------------------------------------------


def test_json_lines_with_a_malformed_line_loads_the_rest(tmp_path: Path) -> None:
    lines = jsonl([release(n) for n in range(2000)]).splitlines(keepends=True)
    lines[1233] = b'{"ocid": "ocds-test-001233", "id": \n'  # line 1234
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"".join(lines))
    report = ingest(path, tmp_path)
    assert report.status == "partial"
    assert (report.releases, report.items, report.items_with_issue) == (1999, 1999, 0)
    (problem,) = report.problems
    assert problem["location"] == "line 1234"
    assert problem["reason"].startswith("malformed JSON")
    rows = dataset(report)
    assert {row["release_id"] for row in rows} == {f"r{n}" for n in range(2000) if n != 1233}
    assert rejects(report) == [
        {"file": "big.jsonl", "release": "line 1234", "item": "", "field": "", "reason": problem["reason"]}
    ]


@pytest.mark.parametrize("name", ["releases.jsonl", "releases.json"])
def test_a_line_that_is_not_utf8_is_reported(tmp_path: Path, name: str) -> None:
    lines = jsonl([release(n) for n in range(10)]).splitlines(keepends=True)
    lines[4] = lines[4].replace(b"item 4-1", b"it\xe9m 4-1")  # Latin-1, not UTF-8
    path = tmp_path / name
    path.write_bytes(b"".join(lines))
    report = ingest(path, tmp_path)
    assert (report.status, report.releases, report.items) == ("partial", 9, 9)
    (problem,) = report.problems
    assert problem["location"] == "line 5"
    assert "not UTF-8" in problem["reason"]
    assert [r["release"] for r in rejects(report)] == ["line 5"]


@pytest.mark.parametrize("name", ["releases.jsonl.gz", "releases.jsonl", "releases.gz"])
def test_gzip_json_lines(tmp_path: Path, name: str) -> None:
    path = tmp_path / name  # gzip is recognised by its magic bytes, whatever the name
    path.write_bytes(gzip.compress(jsonl([release(n) for n in range(50)])))
    report = ingest(path, tmp_path)
    assert (report.status, report.shape, report.releases, report.items) == ("ok", "jsonl", 50, 50)
    assert {row["release_id"] for row in dataset(report)} == {f"r{n}" for n in range(50)}


@pytest.mark.parametrize("gzipped", [False, True])
def test_release_package(tmp_path: Path, gzipped: bool) -> None:
    package = {
        "uri": "https://example.org/p.json",
        "version": "1.1",
        "releases": [release(n) for n in range(7)],
    }
    data = json.dumps(package, indent=1).encode()
    path = tmp_path / ("package.json.gz" if gzipped else "package.json")
    path.write_bytes(gzip.compress(data) if gzipped else data)
    report = ingest(path, tmp_path)
    assert (report.status, report.shape, report.ocds_version) == ("ok", "release-package", "1.1")
    assert (report.releases, report.items, report.problems) == (7, 7, [])
    rows = dataset(report)
    assert {row["source_location"] for row in rows} == {f"releases[{n}]" for n in range(7)}
    assert {row["source_file"] for row in rows} == {path.name}


@pytest.mark.parametrize("shape", ["package", "record"])
def test_json_lines_of_packages_or_records_do_not_depend_on_the_file_name(tmp_path: Path, shape: str) -> None:
    def line(n: int) -> dict:
        if shape == "package":
            return {"version": "1.1", "releases": [release(n)]}
        return {"ocid": f"ocds-test-{n:06d}", "compiledRelease": release(n)}

    data = jsonl([line(n) for n in range(5)])
    found = {}
    for name in ("lines.json", "lines.jsonl"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / name
        path.write_bytes(data)
        report = ingest(path, tmp_path / name)
        found[name] = (report.releases, report.items)
    assert found == {"lines.json": (5, 5), "lines.jsonl": (5, 5)}


def test_json_lines_mixing_releases_packages_and_records_do_not_depend_on_the_file_name(
    tmp_path: Path,
) -> None:
    lines = [
        release(1),
        {"version": "1.1", "releases": [release(2), release(3)]},
        {"ocid": "ocds-test-000004", "compiledRelease": release(4)},
    ]
    found = {}
    for name in ("mixed.json", "mixed.jsonl"):
        (tmp_path / name).mkdir()
        path = tmp_path / name / name
        path.write_bytes(jsonl(lines))
        report = ingest(path, tmp_path / name)
        found[name] = (report.status, report.releases, report.items)
    assert found == {"mixed.json": ("ok", 4, 4), "mixed.jsonl": ("ok", 4, 4)}


# --- item problems ---------------------------------------------------------------------------------


def test_item_problems_are_flagged_counted_and_listed(tmp_path: Path) -> None:
    releases = [
        release(
            1,
            [
                item("zero", quantity=0),
                item("negative", quantity=-2),
                item("no-currency", currency=None),
                item("abc", quantity="abc"),
                item("negative-price", amount=-5),
                item("clean", quantity="3", amount="2.5"),
            ],
        ),
        release(
            2,
            [item("several-1", amount=None), item("several-2", amount=None)],
            value={"amount": "100", "currency": "EUR"},
        ),
        release(3, [item("old")], date="1850-03-01"),
        release(
            4,
            [item("single", quantity=None, amount=None, currency=None)],
            value={"amount": "250.5", "currency": "eur"},
        ),
        release(5, [item("future")], date="2101-01-01"),
    ]
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl(releases))
    report = ingest(path, tmp_path)
    assert report.status == "partial"
    assert (report.releases, report.items, report.items_with_issue) == (5, 11, 9)
    assert report.issues == {
        "quantity is zero or negative": 2,
        "currency missing": 1,
        "quantity missing or not a number": 1,
        "negative value": 1,
        NO_VALUE: 2,
        "date missing or out of range": 2,
    }
    assert report.problems == []
    listed = {(r["file"], r["release"], r["item"], r["field"], r["reason"]) for r in rejects(report)}
    assert listed == {
        ("items.jsonl", "r1", "zero", "quantity", "quantity is zero or negative"),
        ("items.jsonl", "r1", "negative", "quantity", "quantity is zero or negative"),
        ("items.jsonl", "r1", "no-currency", "unit.value.currency", "currency missing"),
        ("items.jsonl", "r1", "abc", "quantity", "quantity missing or not a number"),
        ("items.jsonl", "r1", "negative-price", "unit.value.amount", "negative value"),
        ("items.jsonl", "r2", "several-1", "unit.value.amount", NO_VALUE),
        ("items.jsonl", "r2", "several-2", "unit.value.amount", NO_VALUE),
        ("items.jsonl", "r3", "old", "date", "date missing or out of range"),
        ("items.jsonl", "r5", "future", "date", "date missing or out of range"),
    }
    assert Path(report.rejects_file or "") == Path(f"{report.kept_path}.rejects.csv")
    rows = {row["item_id"]: row for row in dataset(report)}
    assert rows["clean"]["issue"] is None
    assert (rows["clean"]["value"], rows["clean"]["value_source"]) == (7.5, "unit price")
    single = rows["single"]
    assert single["issue"] is None
    assert (single["value"], single["currency"], single["value_source"]) == (250.5, "EUR", "award value")
    assert (rows["old"]["year"], rows["old"]["date"]) == (1850, "1850-03-01")


def test_a_clean_file_has_no_rejects(tmp_path: Path) -> None:
    path = tmp_path / "clean.jsonl"
    path.write_bytes(jsonl([release(1), release(2)]))
    report = ingest(path, tmp_path)
    assert (report.status, report.items_with_issue, report.issues, report.rejects_file) == ("ok", 0, {}, None)
    assert not Path(f"{report.kept_path}.rejects.csv").exists()


@pytest.mark.parametrize(
    ("text", "releases"),
    [
        (b"A\nA\nA\n", 3),  # every line an object: counted while hashing
        (b"A\nA\nA", 3),  # no final line feed
        (b"A\n\nA\n   \nA\n", 3),  # blank and white-space lines: counted by DuckDB instead
    ],
)
def test_json_lines_releases_are_counted_right_whatever_the_blank_lines(
    tmp_path: Path, text: bytes, releases: int
) -> None:
    lines = [json.dumps(release(n)).encode() for n in range(3)]
    body = text
    for line in lines:
        body = body.replace(b"A", line, 1)
    path = tmp_path / "releases.jsonl"
    path.write_bytes(body)
    report = ingest(path, tmp_path)
    assert (report.shape, report.releases, report.items) == ("jsonl", releases, 3)


def test_file_digest_counts_lines_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ecoprocure.ingest import kept_files

    monkeypatch.setattr(kept_files, "_BLOCK", 7)  # lines cross block boundaries
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":22}\n\n{"c":333}\n')
    digest = kept_files.FileDigest(path).start().result()
    assert (digest.line_feeds, digest.object_lines) == (4, 3)
    assert digest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
