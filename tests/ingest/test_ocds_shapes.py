"""Every OCDS shape as one stream of releases, with every problem reported instead of raised."""

from __future__ import annotations

import codecs
import gzip
import json
import tempfile
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoprocure.ingest.ocds_shapes import (
    SHAPES,
    ShapeProblem,
    ShapeReport,
    iter_releases,
    write_release_lines,
)

OCDS = Path(__file__).parents[1] / "fixtures" / "ocds"
PUBLISHERS = {  # folder → (releases, files by (folder, shape))
    "colombia": (31, {("records", "record"): 10, ("releases", "release"): 21}),
    "mexico": (20, {("records", "record-package"): 10, ("releases", "release-package"): 10}),
    "moldova": (102, {("records", "record"): 51, ("releases", "release"): 51}),
    "paraguay": (
        84,
        {
            ("records", "record-package"): 12,
            ("records", "empty"): 3,
            ("records", "release"): 4,
            ("releases", "release"): 70,
        },
    ),
    "uk-contracts-finder": (32, {("records", "record"): 11, ("releases", "release"): 21}),
    "ukraine": (22, {("records", "record"): 11, ("releases", "release"): 11}),
}
PARAGUAY_RECORDS = OCDS / "paraguay" / "sample" / "records"
LINK = "https://www.contrataciones.gov.py/datos/id/{}"


def read(path: Path) -> tuple[list[dict[str, Any]], ShapeReport]:
    report = ShapeReport(file=path.name)
    releases = list(iter_releases(path, report))
    assert report.releases == len(releases)
    return releases, report


def release(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "ocid": f"ocds-test-{number:06d}",
        "id": f"{number}-tender",
        "date": "2024-03-01T00:00:00Z",
        "tag": ["tender"],
        "tender": {"items": [{"id": "1", "description": "Recycled copy paper A4", "quantity": 2.5}]},
        **fields,
    }


def package(releases: list[Any], **fields: Any) -> dict[str, Any]:
    return {"uri": "https://example.org/p.json", "version": "1.1", "releases": releases, **fields}


def write(path: Path, data: bytes, *, gzipped: bool = False) -> Path:
    path.write_bytes(gzip.compress(data) if gzipped else data)
    return path


def jsonl(values: list[Any]) -> bytes:
    return b"".join(orjson.dumps(value) + b"\n" for value in values)


def problems(report: ShapeReport) -> list[tuple[str, str | None, str]]:
    return [(p.location, p.field, p.reason) for p in report.problems]


# --- the real data --------------------------------------------------------------------------------


@pytest.mark.parametrize("publisher", sorted(PUBLISHERS))
def test_every_fixture_loads_with_stable_counts(publisher: str) -> None:
    expected_releases, expected_shapes = PUBLISHERS[publisher]
    total, shapes = 0, Counter[tuple[str, str]]()
    for path in sorted((OCDS / publisher).rglob("*.json")):
        releases, report = read(path)
        assert report.shape in SHAPES
        assert all(isinstance(r.get("ocid"), str) and r["ocid"] for r in releases)
        total += len(releases)
        shapes[path.parent.name, report.shape] += 1
    assert total == expected_releases
    assert dict(shapes) == expected_shapes


def test_the_real_data_has_exactly_the_known_problems() -> None:
    found = set()
    for path in OCDS.rglob("*.json"):
        _, report = read(path)
        found |= {(p.file, p.location, p.field, p.reason) for p in report.problems}
    linked = "linked release {} not embedded; cannot be fetched offline"
    assert found == {
        ("283826.json", "", None, "the file is empty"),
        ("283906.json", "", None, "the file is empty"),
        ("284456.json", "", None, "the file is empty"),
        (
            "284437.json",
            "records[0].releases[0]",
            "url",
            linked.format(
                LINK.format(
                    "planning/284437-adquisicion-equipamientos-medicos-servicio-emergencia-medicas-extra-hospit.json"
                )
            ),
        ),
        (
            "284453.json",
            "records[0].releases[0]",
            "url",
            linked.format(LINK.format("planning/284453-adquisicion-bateria-nivel-central-mspbs.json")),
        ),
        (
            "284453.json",
            "records[0].releases[1]",
            "url",
            linked.format(LINK.format("tender/284453-adquisicion-bateria-nivel-central-mspbs-2.json")),
        ),
    }


def test_empty_fixture_files_are_reported_not_raised() -> None:
    for name in ("283826.json", "283906.json", "284456.json"):
        releases, report = read(PARAGUAY_RECORDS / name)
        assert (releases, report.shape, report.ocds_version) == ([], "empty", None)
        assert str(report.problems[0]) == f"{name}: the file is empty"


def test_record_package_gives_the_compiled_release() -> None:
    path = OCDS / "mexico" / "jalisco" / "sample" / "records" / "ocds-xs1qbl-15-0010-00-2017.json"
    record = json.loads(path.read_bytes())["records"][0]
    releases, report = read(path)
    assert releases == [record["compiledRelease"]]
    assert releases[0]["id"] == "ocds-xs1qbl-15-0010-00-2017-compiled"
    assert (report.shape, report.ocds_version, report.problems) == ("record-package", "1.1", [])


def test_bare_record_gives_its_compiled_release_even_after_its_releases() -> None:
    path = OCDS / "colombia" / "sample" / "records" / "ocds-k50g02-16-12-5280389.json"
    record = json.loads(path.read_bytes())
    assert list(record).index("releases") < list(record).index("compiledRelease")
    releases, report = read(path)
    assert releases == [record["compiledRelease"]]
    assert (report.shape, report.ocds_version) == ("record", "1.1")


def test_paraguay_record_package_without_version_is_ocds_1_0() -> None:
    releases, report = read(PARAGUAY_RECORDS / "273637.json")
    assert (report.shape, report.ocds_version, len(releases)) == ("record-package", "1.0", 1)


def test_linked_releases_are_reported_and_embedded_ones_kept(tmp_path: Path) -> None:
    releases, report = read(PARAGUAY_RECORDS / "284453.json")
    assert releases == []
    assert [p.location for p in report.problems] == ["records[0].releases[0]", "records[0].releases[1]"]
    assert all("cannot be fetched offline" in p.reason for p in report.problems)

    link = {"url": "https://example.org/r/2.json", "date": "2024-01-02T00:00:00Z", "tag": ["award"]}
    record = {"ocid": "ocds-test-000001", "releases": [release(1), link]}
    mixed = write(tmp_path / "record.json", orjson.dumps({"records": [record], "version": "1.1"}))
    releases, report = read(mixed)
    assert releases == [release(1)]
    assert problems(report) == [
        (
            "records[0].releases[1]",
            "url",
            "linked release https://example.org/r/2.json not embedded; cannot be fetched offline",
        )
    ]


# --- shapes -------------------------------------------------------------------------------------


def test_release_package(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps(package([release(1), release(2)]), indent=2).encode())
    releases, report = read(path)
    assert releases == [release(1), release(2)]
    assert (report.shape, report.ocds_version, report.problems) == ("release-package", "1.1", [])


def test_package_version_may_follow_the_releases_and_defaults_to_1_0(tmp_path: Path) -> None:
    late = write(
        tmp_path / "late.json", b'{"releases": [' + orjson.dumps(release(1)) + b'], "version": "1.1"}'
    )
    assert read(late)[1].ocds_version == "1.1"
    none = write(tmp_path / "none.json", orjson.dumps({"releases": [release(1, parties=[])]}))
    assert read(none)[1].ocds_version == "1.0"


def test_json_array_of_releases(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", json.dumps([release(1), release(2), release(3)], indent=1).encode())
    releases, report = read(path)
    assert releases == [release(1), release(2), release(3)]
    assert report.shape == "json-array"


def test_bare_release_and_its_inferred_version(tmp_path: Path) -> None:
    plain = write(tmp_path / "r.json", json.dumps(release(1), indent=2).encode())
    assert read(plain) == ([release(1)], ShapeReport("r.json", "release", "1.0", 1))
    with_parties = write(tmp_path / "r11.json", orjson.dumps(release(2, parties=[{"id": "b"}])))
    assert read(with_parties)[1].ocds_version == "1.1"
    stated = write(tmp_path / "rv.json", orjson.dumps(release(3, version="1.1")))
    assert read(stated)[1].ocds_version == "1.1"


def test_bare_record_with_embedded_releases_only(tmp_path: Path) -> None:
    record = {"ocid": "ocds-test-000001", "releases": [release(1), release(1, id="1-award", tag=["award"])]}
    releases, report = read(write(tmp_path / "rec.json", json.dumps(record, indent=2).encode()))
    assert [r["id"] for r in releases] == ["1-tender", "1-award"]
    assert report.shape == "record"


def test_record_without_any_release_is_reported(tmp_path: Path) -> None:
    record = {"ocid": "ocds-test-000001", "versionedRelease": {"ocid": "ocds-test-000001"}}
    releases, report = read(write(tmp_path / "rec.json", orjson.dumps(record)))
    assert releases == []
    assert report.shape == "record"
    assert report.problems[0].field == "compiledRelease"
    assert "versionedRelease is not read" in report.problems[0].reason


def test_json_lines_of_releases_and_packages(tmp_path: Path) -> None:
    record_package = {"records": [{"ocid": "ocds-test-000003", "compiledRelease": release(3)}]}
    path = write(tmp_path / "mixed.jsonl", jsonl([release(1), package([release(2)]), record_package]))
    report = write_release_lines([path], tmp_path / "out.jsonl")[0]
    lines = [orjson.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [line["_source_location"] for line in lines] == [
        "line 1",
        "line 2 releases[0]",
        "line 3 records[0].compiledRelease",
    ]
    assert [line["ocid"] for line in lines] == ["ocds-test-000001", "ocds-test-000002", "ocds-test-000003"]
    assert (report.shape, report.problems) == ("jsonl", [])


def test_json_lines_with_a_first_line_too_long_to_sniff(tmp_path: Path) -> None:
    first = package([release(n) for n in range(7000)])
    data = jsonl([first, release(7000), release(7001)])
    assert data.index(b"\n") > 1024 * 1024
    releases, report = read(write(tmp_path / "long.jsonl", data))
    assert len(releases) == 7002
    assert (report.shape, report.problems) == ("jsonl", [])


@pytest.mark.parametrize("name", ["package.json", "package.json.gz", "package"])
def test_gzip_is_recognised_by_its_magic_bytes(tmp_path: Path, name: str) -> None:
    data = json.dumps(package([release(1), release(2)]), indent=2).encode()
    releases, report = read(write(tmp_path / name, data, gzipped=True))
    assert releases == [release(1), release(2)]
    assert report.shape == "release-package"


def test_gzipped_json_lines(tmp_path: Path) -> None:
    releases, report = read(write(tmp_path / "r.jsonl.gz", jsonl([release(1), release(2)]), gzipped=True))
    assert releases == [release(1), release(2)]
    assert report.shape == "jsonl"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    bom = codecs.BOM_UTF8
    doc = read(write(tmp_path / "p.json", bom + orjson.dumps(package([release(1)]))))
    lines = read(write(tmp_path / "r.jsonl", bom + jsonl([release(1), release(2)])))
    assert (doc[0], doc[1].problems) == ([release(1)], [])
    assert (lines[0], lines[1].problems) == ([release(1), release(2)], [])


# --- problems -------------------------------------------------------------------------------------


def test_large_json_lines_with_a_malformed_and_a_non_utf8_line(tmp_path: Path) -> None:
    count, malformed, not_utf8 = 20_000, 7_001, 13_002
    lines = [orjson.dumps(release(n)) for n in range(1, count + 1)]
    lines[malformed - 1] = lines[malformed - 1][:-30]  # cut short
    lines[not_utf8 - 1] = lines[not_utf8 - 1].replace(b"Recycled", b"Recycl\xe9d")  # Latin-1 é
    data = b"\n".join(lines) + b"\n"
    bad_byte = data.index(b"\xe9")
    column = bad_byte - data.rindex(b"\n", 0, bad_byte)
    path = write(tmp_path / "big.jsonl", data)
    assert path.stat().st_size > 3_000_000

    releases, report = read(path)
    assert len(releases) == count - 2
    assert {r["ocid"] for r in releases} == {
        release(n)["ocid"] for n in range(1, count + 1) if n not in {malformed, not_utf8}
    }
    assert [(p.location, p.reason.split(":")[0]) for p in report.problems] == [
        (f"line {malformed}", "malformed JSON"),
        (f"line {not_utf8}", f"not UTF-8 text at byte {bad_byte} (column {column}); line skipped"),
    ]
    assert str(report.problems[0]).startswith(f"big.jsonl: line {malformed}: malformed JSON: ")


def test_malformed_package_keeps_the_releases_before_the_fault(tmp_path: Path) -> None:
    text = json.dumps(package([release(1), release(2), release(3), release(4)]), indent=2)
    text = text.replace('"ocds-test-000003"', "ocds-test-000003", 1)  # an unquoted value
    path = write(tmp_path / "broken.json", text.encode())
    offset = text.index("ocds-test-000003")
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rindex("\n", 0, offset)

    releases, report = read(path)
    assert releases == [release(1), release(2)]
    assert report.shape == "release-package"
    [problem] = report.problems
    assert problem.location == f"line {line}"
    assert problem.reason.startswith("malformed JSON: ")
    assert f"at byte {offset} (line {line}, column {column})" in problem.reason


def test_non_utf8_package_names_the_byte(tmp_path: Path) -> None:
    data = json.dumps(package([release(1), release(2), release(3)]), indent=2).encode()
    offset = data.index(b"Recycled", data.index(b"ocds-test-000002")) + 3
    data = data[:offset] + b"\xff" + data[offset + 1 :]
    for gzipped in (False, True):
        releases, report = read(write(tmp_path / "latin.json", data, gzipped=gzipped))
        assert releases == [release(1)]
        [problem] = report.problems
        assert problem.reason.startswith(f"not UTF-8 text at byte {offset} (line ")


def test_truncated_package_and_truncated_gzip(tmp_path: Path) -> None:
    data = orjson.dumps(package([release(n) for n in range(2000)]))
    cut = data[: data.index(b"ocds-test-000050") + 4]
    releases, report = read(write(tmp_path / "cut.json", cut))
    assert [r["ocid"] for r in releases] == [release(n)["ocid"] for n in range(50)]
    [problem] = report.problems
    assert problem.reason.startswith("the JSON ends before the document is complete (truncated file?)")
    assert f"at byte {len(cut)} (line 1, column {len(cut) + 1})" in problem.reason

    squeezed = gzip.compress(data)
    releases, report = read(write(tmp_path / "cut.json.gz", squeezed[: len(squeezed) // 2]))
    assert 0 < len(releases) < 2000
    assert [r["ocid"] for r in releases] == [release(n)["ocid"] for n in range(len(releases))]
    [problem] = report.problems
    assert problem.reason.startswith("the gzip data are corrupt or truncated")


def test_duplicates_keep_the_first(tmp_path: Path) -> None:
    first, again = release(1), release(1, date="2024-09-09T00:00:00Z")
    other_id = release(1, id="1-award")
    for path in (
        write(tmp_path / "p.json", orjson.dumps(package([first, release(2), again, other_id]))),
        write(tmp_path / "r.jsonl", jsonl([first, release(2), again, other_id])),
    ):
        releases, report = read(path)
        assert releases == [first, release(2), other_id]
        [problem] = report.problems
        assert problem.location in {"releases[2]", "line 3"}
        assert (problem.field, problem.reason) == (
            "id",
            "duplicate release: ocid ocds-test-000001 id 1-tender was read before; skipped",
        )


def test_releases_without_ocid_are_reported_and_skipped(tmp_path: Path) -> None:
    no_ocid = {k: v for k, v in release(2).items() if k != "ocid"}
    path = write(tmp_path / "p.json", orjson.dumps(package([release(1), no_ocid, release(3, ocid=""), 7])))
    releases, report = read(path)
    assert releases == [release(1)]
    assert problems(report) == [
        ("releases[1]", "ocid", "the release has no ocid; skipped"),
        ("releases[2]", "ocid", "the ocid is empty; skipped"),
        ("releases[3]", None, "a release must be a JSON object, found a number; skipped"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b" \r\n\t\n", "the file is empty"),
        ("{}".encode("utf-16"), "the file is UTF-16 text, not UTF-8; save it as UTF-8"),
        (b"ocid,id\nocds-1,1\n", "not a JSON object or array: the file starts with b'ocid,id'"),
    ],
)
def test_files_that_hold_no_json(tmp_path: Path, data: bytes, reason: str) -> None:
    for gzipped in (False, True):
        releases, report = read(write(tmp_path / "f.json", data, gzipped=gzipped))
        assert (releases, problems(report)) == ([], [("", None, reason)])


def test_missing_file_is_reported(tmp_path: Path) -> None:
    releases, report = read(tmp_path / "nowhere.json")
    assert releases == []
    assert report.problems[0].reason.startswith("cannot read the file")


def test_second_document_after_the_first_is_reported(tmp_path: Path) -> None:
    data = (
        json.dumps(package([release(1)]), indent=2).encode()
        + b"\n"
        + json.dumps(package([release(2)]), indent=2).encode()
    )
    releases, report = read(write(tmp_path / "two.json", data))
    assert releases == [release(1)]
    assert [p.reason for p in report.problems] == [
        "more JSON follows the end of the first document; only the first is read"
    ]


def test_numbers_beyond_64_bits_are_kept_exactly(tmp_path: Path) -> None:
    big = 123456789012345678901234567890
    releases_in = [release(1), release(2, value={"amount": big}), release(3)]
    path = write(tmp_path / "big.json", json.dumps(package(releases_in)).encode())
    releases, _ = read(path)
    assert releases == releases_in
    assert isinstance(releases[2]["tender"]["items"][0]["quantity"], float)
    write_release_lines([path], tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    assert json.loads(lines[1])["value"]["amount"] == big
    assert [orjson.loads(line)["ocid"] for line in lines] == [r["ocid"] for r in releases_in]


# --- output for the pipeline ---------------------------------------------------------------------------


def test_write_release_lines_names_file_and_location(tmp_path: Path) -> None:
    paths = sorted(OCDS.rglob("*.json"))
    paths.append(write(tmp_path / "dups.jsonl", jsonl([release(1), release(1), release(2)])))
    out = tmp_path / "releases.jsonl"
    reports = write_release_lines(paths, out)

    assert [r.file for r in reports] == [p.name for p in paths]
    assert not (tmp_path / "releases.jsonl.part").exists()
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert len(lines) == sum(r.releases for r in reports) == sum(n for n, _ in PUBLISHERS.values()) + 2
    names = {p.name for p in paths}
    assert all(line["_source_file"] in names and isinstance(line["_source_location"], str) for line in lines)
    by_file = Counter((line["_source_file"], line["_source_location"]) for line in lines)
    assert by_file["ocds-xs1qbl-15-0010-00-2017.json", "records[0].compiledRelease"] == 1
    assert by_file["ocds-k50g02-16-12-5280389.json", "compiledRelease"] == 1
    assert by_file["dups.jsonl", "line 3"] == 1
    assert reports[-1].problems == [
        ShapeProblem(
            "dups.jsonl",
            "line 2",
            "id",
            "duplicate release: ocid ocds-test-000001 id 1-tender was read before; skipped",
        )
    ]


def test_memory_stays_bounded_for_a_large_release_package(tmp_path: Path) -> None:
    path = tmp_path / "large.json"
    with path.open("wb") as out:
        out.write(b'{"uri": "https://example.org/large.json", "releases": [')
        for number in range(30_000):
            out.write(b"," if number else b"")
            out.write(orjson.dumps(release(number, description="Recycled office paper, ecolabelled. " * 60)))
        out.write(b'], "version": "1.1"}')
    size = path.stat().st_size
    assert size > 60_000_000

    report = ShapeReport(file=path.name)
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_releases(path, report))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == report.releases == 30_000
    assert report.problems == []
    assert peak < min(size / 10, 8_000_000)


# --- properties -----------------------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=10,
)
RELEASES = st.lists(
    st.tuples(TEXT, JSON_VALUES).map(lambda pair: {"id": pair[0], "tender": {"value": pair[1]}}),
    min_size=1,
    max_size=8,
).map(lambda items: [{"ocid": f"ocds-prop-{n}", **item} for n, item in enumerate(items)])


def _as_shape(releases: list[dict[str, Any]], shape: str) -> bytes:
    if shape == "release-package":
        return orjson.dumps(package(releases), option=orjson.OPT_INDENT_2)
    if shape == "record-package":
        records = [{"ocid": r["ocid"], "compiledRelease": r} for r in releases]
        return orjson.dumps({"records": records})
    if shape == "json-array":
        return orjson.dumps(releases)
    return jsonl(releases)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    releases=RELEASES,
    shape=st.sampled_from(["release-package", "record-package", "json-array", "jsonl"]),
    gzipped=st.booleans(),
)
def test_any_releases_round_trip_through_any_shape(
    releases: list[dict[str, Any]], shape: str, gzipped: bool
) -> None:
    name = "in.jsonl" if shape == "jsonl" else "in.json"  # one line alone is JSON Lines only by name
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / name, _as_shape(releases, shape), gzipped=gzipped)
        got, report = read(path)
    assert got == releases
    assert (report.shape, report.problems) == (shape, [])


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=2, max_value=60), data=st.data())
def test_json_lines_skip_exactly_the_bad_lines(count: int, data: st.DataObject) -> None:
    bad = data.draw(st.sets(st.integers(min_value=2, max_value=count), max_size=count - 1))
    lines = [b"{not json" if n in bad else orjson.dumps(release(n)) for n in range(1, count + 1)]
    with tempfile.TemporaryDirectory() as folder:
        got, report = read(write(Path(folder) / "r.jsonl", b"\n".join(lines)))
    assert [r["ocid"] for r in got] == [release(n)["ocid"] for n in range(1, count + 1) if n not in bad]
    assert [p.location for p in report.problems] == [f"line {n}" for n in sorted(bad)]
