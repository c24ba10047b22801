"""Ingest of procurement files (OCDS in any shape, or the CSV/XLSX template) into the normalised
items dataset.

For each file: keep the original; if its content was ingested before, stop (idempotent); turn
it into release lines (a JSON Lines file is read as it is; packages, records, arrays and gzip go
through the streaming shape normaliser, which reports every bad release; CSV and XLSX files of
the procurement template become one release per row, unusable rows reported); normalise to one row
per awarded item; write ``<home>/procurement/items/<sha256>.parquet`` atomically with a manifest
(the import report) beside it. Items with problems are kept and flagged, and listed in a rejects
CSV with file, release, item, field and reason.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import ibis
import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecoprocure.errors import DataError
from ecoprocure.ingest.kept_files import keep_original
from ecoprocure.ingest.procurement_template import (
    TEMPLATE_SHAPES,
    template_shape,
    write_template_release_lines,
)
from ecoprocure.pipeline.engine import connect, read_releases
from ecoprocure.pipeline.normalise import ISSUE_FIELDS, normalise


@dataclass
class IngestReport:
    file: str
    sha256: str = ""
    kept_path: str = ""
    status: str = "running"
    shape: str = ""
    ocds_version: str | None = None
    already_ingested: bool = False
    releases: int = 0
    items: int = 0
    items_with_issue: int = 0
    issues: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    rejects_file: str | None = None
    dataset_file: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def items_dir(home: Path) -> Path:
    return home / "procurement" / "items"


_PACKAGE_KEYS = {"releases", "records", "compiledRelease", "versionedRelease"}


_SNIFF_LINES = 1000


def _is_plain_json_lines(path: Path) -> bool:
    """JSON Lines of releases, not gzip: DuckDB can read it directly (the fast path). When any of
    the first lines is a package or record, has no ``ocid`` or is not JSON, the file goes through
    the shape normaliser instead, which handles and reports every line. (A file that turns into
    packages only after its first thousand lines is read as releases: see docs/procurement.md.)"""
    if path.suffix.lower() not in {".jsonl", ".ndjson", ".jsonlines"}:
        return False
    with path.open("rb") as fh:
        if fh.read(2) == b"\x1f\x8b":
            return False
        fh.seek(0)
        lines = [line for _, line in zip(range(_SNIFF_LINES), fh, strict=False) if line.strip()]
    try:
        heads = [orjson.loads(line) for line in lines]
    except orjson.JSONDecodeError:
        return False
    return bool(heads) and all(
        isinstance(h, dict) and "ocid" in h and not (_PACKAGE_KEYS & h.keys()) for h in heads
    )


def _count_lines(path: Path) -> int:
    """Non-empty lines of a JSON Lines file, counted by DuckDB in parallel (\x01 never occurs
    raw in JSON text, so each line is one field)."""
    con = duckdb.connect()
    query = (
        "SELECT count(l) FROM read_csv(?, columns = {'l': 'VARCHAR'}, delim = '\x01', quote = '', "
        "escape = '', header = false, auto_detect = false)"
    )
    return int(con.execute(query, [str(path)]).fetchone()[0])  # type: ignore[index]


def _shape_lines(path: Path, report: IngestReport, work: Path) -> Path:
    """Any OCDS shape → release lines through the streaming shape normaliser (reports problems)."""
    from ecoprocure.ingest.ocds_shapes import write_release_lines

    lines = work / "releases.jsonl"
    shape = write_release_lines([path], lines)[0]
    report.shape, report.ocds_version, report.releases = shape.shape, shape.ocds_version, shape.releases
    report.problems = [asdict(p) for p in shape.problems]
    return lines


def _template_lines(path: Path, kind: str, digest: str, report: IngestReport, work: Path) -> Path:
    """A CSV/XLSX procurement template → release lines, one per usable row (reports the others)."""
    lines = work / "releases.jsonl"
    shape = write_template_release_lines(path, lines, digest[:16], kind)
    report.shape, report.releases = shape.shape, shape.releases
    report.problems = [asdict(p) for p in shape.problems]
    return lines


def _normalise_file(path: Path, digest: str, target: Path, report: IngestReport, work: Path) -> None:
    """Fast path first: a clean JSON Lines file is read by DuckDB as it is. A malformed line makes
    the strict read fail; then the streaming path finds, reports and skips every bad line."""
    if (kind := template_shape(path)) is not None:
        lines = _template_lines(path, kind, digest, report, work)
        if report.releases:
            _normalise_to(lines, path.name, digest, target, report)
        return
    if _is_plain_json_lines(path):
        try:
            _normalise_to(path, path.name, digest, target, report)
        except duckdb.Error:
            pass
        else:
            report.shape, report.releases = "jsonl", _count_lines(path)
            return
    lines = _shape_lines(path, report, work)
    if report.releases:
        _normalise_to(lines, path.name, digest, target, report)


def ingest_procurement_file(path: Path, *, home: Path, uploads_dir: Path) -> IngestReport:
    report = IngestReport(file=str(path))
    if not path.is_file():
        report.status, report.error = "failed", f"{path}: no such file"
        return report
    kept, digest = keep_original(path, uploads_dir, "procurement")
    report.sha256, report.kept_path = digest, str(kept)
    target = items_dir(home) / f"{digest}.parquet"
    manifest = target.with_suffix(".json")
    if target.exists() and manifest.exists():
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        previous.update(file=str(path), already_ingested=True, status="unchanged")
        return IngestReport(**previous)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            _normalise_file(path, digest, target, report, Path(tmp))
        if report.releases == 0:
            report.status = "empty"  # reported, not an error: the run goes on
            first = f": {report.problems[0]['reason']}" if report.problems else ""
            report.error = "no releases in the file" + first
            return report
    except DataError as exc:
        report.status, report.error = "failed", str(exc)
        return report
    report.status = "partial" if report.items_with_issue or report.problems else "ok"
    report.dataset_file = str(target)
    report.rejects_file = _write_rejects(target, kept, report)
    manifest.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _normalise_to(lines: Path, file_name: str, digest: str, target: Path, report: IngestReport) -> None:
    con = connect()
    releases = read_releases(con, lines)
    items = normalise(releases)
    items = items.mutate(
        source_file=items.source_file.fill_null(file_name),
        file_sha256=ibis.literal(digest),
    )
    part = target.with_suffix(".parquet.part")
    con.to_parquet(items, str(part), compression="lz4")  # lz4: a fifth faster to write than snappy
    part.replace(target)  # atomic: a dataset file is always complete
    stats = con.read_parquet(str(target))
    report.items = int(stats.count().execute())
    flagged = stats.filter(stats.issue.notnull())
    counts = flagged.group_by("issue").aggregate(n=flagged.count()).execute()
    report.issues = {row.issue: int(row.n) for row in counts.itertuples()}
    report.items_with_issue = sum(report.issues.values())


def _write_rejects(target: Path, kept: Path, report: IngestReport) -> str | None:
    """Every flagged item and every shape problem, with file, release, item, field and reason
    (for a CSV/XLSX template the release is its row: "row 7")."""
    if not (report.items_with_issue or report.problems):
        return None
    out = Path(f"{kept}.rejects.csv")
    by_row = report.shape in TEMPLATE_SHAPES
    table = pq.read_table(
        target,
        columns=["source_file", "source_location", "release_id", "ocid", "item_id", "issue"],
        filters=pc.field("issue").is_valid(),
    )
    with out.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "release", "item", "field", "reason"])
        for problem in report.problems:
            writer.writerow(
                [problem["file"], problem["location"], "", problem["field"] or "", problem["reason"]]
            )
        for batch in table.to_batches(65_536):
            for row in batch.to_pylist():
                writer.writerow(
                    [
                        row["source_file"],
                        row["source_location"] if by_row else row["release_id"] or row["ocid"],
                        row["item_id"],
                        ISSUE_FIELDS.get(row["issue"], ""),
                        row["issue"],
                    ]
                )
    return str(out)
