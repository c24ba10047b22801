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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecoprocure.errors import DataError
from ecoprocure.ingest.kept_files import FileDigest, keep_original
from ecoprocure.ingest.ocds_shapes import write_release_lines
from ecoprocure.ingest.procurement_template import (
    TEMPLATE_SHAPES,
    template_shape,
    write_template_release_lines,
)
from ecoprocure.pipeline.engine import INGEST_MEMORY_LIMIT, connect, read_releases
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


Progress = Callable[[float], None]  # the share of a file's ingest done so far, 0 to 1


def _report_progress(on_progress: Progress | None, done: float) -> None:
    if on_progress is not None:
        on_progress(done)


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
    """Lines of a JSON Lines file that are not blank (white space only lines are skipped, as the
    JSON reader does), counted by DuckDB in parallel (\x01 never occurs raw in JSON text, so each
    line is one field)."""
    con = duckdb.connect()
    query = (
        "SELECT count(*) FROM read_csv(?, columns = {'l': 'VARCHAR'}, delim = '\x01', quote = '', "
        "escape = '', header = false, auto_detect = false) WHERE trim(coalesce(l, '')) <> ''"
    )
    return int(con.execute(query, [str(path)]).fetchone()[0])  # type: ignore[index]


def _parse_json_lines(path: Path, part: Path, report: IngestReport, con: Any) -> bool:
    """The fast path: DuckDB reads a clean JSON Lines file as it is. False when a malformed
    line makes the strict read fail (the streaming path then finds, reports and skips it)."""
    try:
        _normalise_to(con, path, path.name, part, report)
    except duckdb.Error:  # also an interrupt: the file was seen before (decided by the caller)
        return False
    return True


def _normalise_other(
    path: Path, kind: str | None, digest: str, part: Path, report: IngestReport, on_progress: Progress | None
) -> None:
    """Templates (CSV/XLSX) and every other OCDS shape: release lines first, then normalise.
    Progress: 0.1 to 0.6 while a CSV template is read (by bytes), 0.6 once the lines are written."""
    if kind is not None:
        size = max(path.stat().st_size, 1)
        read: Callable[[int], None] | None = None
        if kind == "csv" and on_progress is not None:
            read = lambda done: on_progress(0.1 + 0.5 * min(done / size, 1.0))  # noqa: E731
        shape = write_template_release_lines(
            path, part.with_name("releases.jsonl"), digest[:16], kind, progress=read
        )
    else:
        shape = write_release_lines([path], part.with_name("releases.jsonl"))[0]
        report.ocds_version = shape.ocds_version
    _report_progress(on_progress, 0.6)
    report.shape, report.releases = shape.shape, shape.releases
    report.problems = [asdict(p) for p in shape.problems]
    if report.releases:
        _normalise_to(
            connect(memory_limit=INGEST_MEMORY_LIMIT),
            part.with_name("releases.jsonl"),
            path.name,
            part,
            report,
        )


def _releases_in(path: Path, digest: FileDigest) -> int:
    """Non-empty lines of a JSON Lines file: from the counts taken while hashing when every line
    is a JSON object starting at column 0, else counted by DuckDB (blank or indented lines)."""
    counts = digest.result()
    if counts.line_feeds in (counts.object_lines, counts.object_lines - 1):
        return counts.object_lines
    return _count_lines(path)


def ingest_procurement_file(
    path: Path, *, home: Path, uploads_dir: Path, on_progress: Progress | None = None
) -> IngestReport:
    """Ingest one file (see the module's docstring). A JSON Lines file is parsed while its sha256
    is computed in a thread; when the digest shows the file was ingested before, the parse is
    interrupted and the earlier report returned. ``on_progress`` is told the share done (0 to 1)
    at each stage, and by bytes read while a CSV template is read."""
    report = IngestReport(file=str(path))
    if not path.is_file():
        report.status, report.error = "failed", f"{path}: no such file"
        return report
    folder = items_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    kind = template_shape(path)
    con = connect(memory_limit=INGEST_MEMORY_LIMIT) if kind is None and _is_plain_json_lines(path) else None

    def stop_if_seen(digest: str) -> None:
        if con is not None and _previous(folder, digest) is not None:
            con.con.interrupt()

    hashing = FileDigest(path, on_digest=stop_if_seen)
    try:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            part = Path(tmp) / "items.parquet"
            parsed = False
            if con is not None:
                hashing.start()
                parsed = _parse_json_lines(path, part, report, con)
            digest = hashing.result().sha256
            _report_progress(on_progress, 0.6 if parsed else 0.1)
            kept, _ = keep_original(path, uploads_dir, "procurement", digest=digest)
            report.sha256, report.kept_path = digest, str(kept)
            previous = _previous(folder, digest)
            if previous is not None:
                previous.update(file=str(path), already_ingested=True, status="unchanged")
                return IngestReport(**previous)
            if parsed:
                report.shape, report.releases = "jsonl", _releases_in(path, hashing)
            else:
                _normalise_other(path, kind, digest, part, report, on_progress)
            if report.releases == 0:
                report.status = "empty"  # reported, not an error: the run goes on
                first = f": {report.problems[0]['reason']}" if report.problems else ""
                report.error = "no releases in the file" + first
                return report
            _report_progress(on_progress, 0.9)
            target = folder / f"{digest}.parquet"
            report.status = "partial" if report.items_with_issue or report.problems else "ok"
            report.dataset_file = str(target)
            # Rejects and manifest are written before the dataset appears, so an error on the
            # way leaves nothing in the items folder (the pipeline reads every dataset there).
            report.rejects_file = _write_rejects(part, kept, report)
            manifest = part.with_suffix(".json")
            manifest.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
            part.replace(target)  # atomic: a dataset file is always complete
            manifest.replace(target.with_suffix(".json"))
    except DataError as exc:
        report.status, report.error = "failed", str(exc)
        report.dataset_file = report.rejects_file = None
        return report
    _report_progress(on_progress, 1.0)
    return report


def _previous(folder: Path, digest: str) -> dict[str, Any] | None:
    """The report of an earlier ingest of the same content, if its dataset is complete."""
    target = folder / f"{digest}.parquet"
    manifest = target.with_suffix(".json")
    if target.exists() and manifest.exists():
        return dict(json.loads(manifest.read_text(encoding="utf-8")))
    return None


def _normalise_to(con: Any, lines: Path, file_name: str, part: Path, report: IngestReport) -> None:
    releases = read_releases(con, lines)
    items = normalise(releases)
    items = items.mutate(source_file=items.source_file.fill_null(file_name))
    con.to_parquet(items, str(part), compression="lz4")  # lz4: a fifth faster to write than snappy
    stats = con.read_parquet(str(part))
    report.items = int(stats.count().execute())
    flagged = stats.filter(stats.issue.notnull())
    counts = flagged.group_by("issue").aggregate(n=flagged.count()).execute()
    report.issues = {row.issue: int(row.n) for row in counts.itertuples()}
    report.items_with_issue = sum(report.issues.values())


def _write_rejects(dataset: Path, kept: Path, report: IngestReport) -> str | None:
    """Every flagged item and every shape problem, with file, release, item, field and reason
    (for a CSV/XLSX template the release is its row: "row 7")."""
    if not (report.items_with_issue or report.problems):
        return None
    out = Path(f"{kept}.rejects.csv")
    by_row = report.shape in TEMPLATE_SHAPES
    table = pq.read_table(
        dataset,
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
