"""Bulk import of licensees, certificates and product models (CSV, XLSX, ENERGY STAR exports).

The job: keep the original file, stream its rows, validate each against the registry, and write
valid rows in batches inside ONE transaction, so a file lands whole or not at all while each bad
row is reported (file, row, field, reason) and the good rows still land. Natural keys make a
second import of the same file change nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ecoprocure.errors import DataError, EcoprocureError
from ecoprocure.ingest import energy_star, parallel_validation
from ecoprocure.ingest.fields import FieldError
from ecoprocure.ingest.kept_files import keep_original
from ecoprocure.ingest.parallel_validation import validated_batches
from ecoprocure.ingest.registry_rows import (
    RegistryIndex,
    detect_kind,
    missing_columns,
    validate_certificate,
    validate_licensee,
    validate_model,
)
from ecoprocure.ingest.tabular import Row, read_rows
from ecoprocure.store.db import Database
from ecoprocure.store.models import ImportReject, ImportRun, Licensee
from ecoprocure.store.registry_index import learn_certificates, load_criteria, load_index
from ecoprocure.store.registry_writer import (
    IdAllocator,
    WriteCounts,
    write_certificates,
    write_licensees,
    write_models,
)
from ecoprocure.store.search_index import refresh_names

FORMATS = ("auto", "csv", "xlsx", "energy-star")
_KINDS = ("licensees", "certificates", "models")
MAX_REJECTS_IN_REPORT = 1000


@dataclass(frozen=True)
class Reject:
    file: str
    row: int | None
    field: str | None
    value: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    file: str
    format: str
    kept_path: str = ""
    sha256: str = ""
    status: str = "running"
    rows_read: int = 0
    counts: dict[str, WriteCounts] = field(default_factory=dict)
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_file: str | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def reject(self, item: Reject) -> None:
        self.rejected += 1
        if len(self.rejects) < MAX_REJECTS_IN_REPORT:
            self.rejects.append(item)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "status": self.status,
            "kept_path": self.kept_path,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "written": {
                kind: {"inserted": c.inserted, "updated": c.updated, "unchanged": c.unchanged}
                for kind, c in self.counts.items()
            },
            "rejected": self.rejected,
            "rejects": [r.to_dict() for r in self.rejects],
            "rejects_file": self.rejects_file,
            "notes": self.notes,
            "error": self.error,
        }


Progress = Callable[[int, int], None]  # (done, total) in bytes


class _Job:
    """State of one import while it runs (one transaction)."""

    def __init__(
        self, conn: Connection, report: ImportReport, path: Path, actor: str, batch_size: int
    ) -> None:
        self.conn, self.report, self.path, self.actor = conn, report, path, actor
        self.batch_size = batch_size
        self.index: RegistryIndex = load_index(conn, with_certificates=True)
        self.buffers: dict[str, list[tuple[int, Row]]] = {kind: [] for kind in _KINDS}
        self.field_names: dict[str, str] = {}
        self.us_dates = False
        self.seen_licensees: dict[str, Any] = {}
        self.seen_certificates: dict[str, int] = {}
        self.seen_models: set[int] = set()
        self.ids = IdAllocator(conn)
        self.now = dt.datetime.now(dt.UTC)
        self.run_id = conn.execute(
            insert(ImportRun).returning(ImportRun.id), _run_row(report, path, self.now)
        ).scalar_one()
        self.pending_rejects: list[Reject] = []
        # One rejects file per run: a later failed run of the same file must not delete it.
        self.rejects_path = Path(f"{report.kept_path}.run{self.run_id}.rejects.csv")
        self._rejects_file: Any = None

    def reject(self, row: int | None, fld: str | None, value: str | None, reason: str) -> None:
        item = Reject(self.path.name, row, fld, value, reason)
        self.report.reject(item)
        self.pending_rejects.append(item)
        if len(self.pending_rejects) >= 1000:
            self.flush_rejects()

    def flush_rejects(self) -> None:
        """Rejects go to the database and to a CSV beside the kept file as they come (bounded memory)."""
        if not self.pending_rejects:
            return
        if self._rejects_file is None:
            self._rejects_file = self.rejects_path.open("w", newline="", encoding="utf-8-sig")
            self._rejects_writer = csv.writer(self._rejects_file)
            self._rejects_writer.writerow(["file", "row", "field", "value", "reason"])
        self._rejects_writer.writerows(
            [r.file, r.row, r.field, r.value, r.reason] for r in self.pending_rejects
        )
        self.conn.execute(
            insert(ImportReject),
            [
                {
                    "import_run_id": self.run_id,
                    "row": r.row,
                    "field": r.field,
                    "value": r.value,
                    "reason": r.reason,
                }
                for r in self.pending_rejects
            ],
        )
        self.pending_rejects = []

    def finish(self, started: dt.datetime) -> None:
        self.flush()
        self.flush_rejects()
        refresh_names(self.conn)  # licensee and category names may have changed
        self.report.status = "partial" if self.report.rejected else "ok"
        if self._rejects_file is not None:
            self._rejects_file.close()
            self.report.rejects_file = str(self.rejects_path)
        self.conn.execute(
            update(ImportRun)
            .where(ImportRun.id == self.run_id)
            .values(**_run_row(self.report, self.path, started))
        )

    def abandon(self) -> None:
        if self._rejects_file is not None:
            self._rejects_file.close()
            self.rejects_path.unlink(missing_ok=True)

    def accept(self, kind: str, row: Row) -> None:
        """Buffer a row; rows are validated at flush time, after their parents are written."""
        self.buffers[kind].append((row.number, row))
        if len(self.buffers[kind]) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Validate and write buffered rows, parents first so children can refer to them."""
        for kind in _KINDS:
            batch, self.buffers[kind] = self.buffers[kind], []
            records = []
            for number, row in batch:
                record, reject = self.validate(kind, row)
                if reject is not None:
                    self.reject(*reject)
                elif record is not None:
                    records.append((number, record))
            if records:
                self._write(kind, records)

    def validate(self, kind: str, row: Row) -> tuple[Any, tuple[int, str | None, str | None, str] | None]:
        """(record, None), (None, reject) or (None, None) for a row to skip; no side effects but
        the duplicate trackers, so a forked reader can run it (see ``parallel_validation``)."""
        try:
            if kind == "licensees":
                record: Any = validate_licensee(row.values)
                first = self.seen_licensees.setdefault(record.registration_id, record)
                if first is not record:
                    if first == record:
                        return None, None  # the same licensee again (ENERGY STAR repeats partners per row)
                    raise FieldError(
                        "registration_id",
                        record.registration_id,
                        f"licensee {record.registration_id} appears twice with different names",
                    )
            elif kind == "certificates":
                record = validate_certificate(row.values, self.index, us_dates=self.us_dates)
                first = self.seen_certificates.setdefault(record.number_key, row.number)
                if first != row.number:
                    raise FieldError(
                        "number",
                        record.number,
                        f"duplicate certificate number {record.number} (first at row {first})",
                    )
            else:
                record = validate_model(row.values, self.index)
                key = hash((record.certificate_id, record.brand_key, record.model_key))
                if key in self.seen_models:
                    raise FieldError(
                        "model",
                        record.model,
                        f"duplicate model {record.brand} {record.model} "
                        "for this certificate earlier in the file",
                    )
                self.seen_models.add(key)
        except FieldError as exc:
            return None, (row.number, self.field_names.get(exc.field, exc.field), exc.value, exc.reason)
        return record, None

    def run_parallel(self, kind: str, path: Path, tick: Callable[[int], None] | None) -> None:
        """Validate in a forked reader while this process writes (models files: the big ones)."""
        for batch in validated_batches(path, lambda row: self.validate(kind, row), self.batch_size):
            self.report.rows_read += batch.rows_read
            for reject in batch.rejects:
                self.reject(*reject)
            if batch.records:
                self._write(kind, batch.records)
            if tick is not None:
                tick(batch.bytes_read)

    def _write(self, kind: str, batch: list[tuple[int, Any]]) -> None:
        records = [record for _, record in batch]
        counts = self.report.counts.setdefault(kind, WriteCounts())
        if kind == "licensees":
            counts.add(write_licensees(self.conn, records))
            self.index.licensees.update(
                self.conn.execute(
                    select(Licensee.registration_id, Licensee.id).where(
                        Licensee.registration_id.in_([r.registration_id for r in records])
                    )
                ).all()
            )
        elif kind == "certificates":
            written = write_certificates(self.conn, records, self.actor, self.now)
            counts.add(written)
            for position, fld, reason in written.conflicts:
                self.reject(batch[position][0], fld, None, reason)
            self._learn_certificates([r.number_key for r in records])
        else:
            counts.add(write_models(self.conn, records, self.ids))

    def _learn_certificates(self, keys: list[str]) -> None:
        learn_certificates(self.conn, self.index, load_criteria(self.conn), keys)


def _feed(job: _Job, items: Iterator[tuple[str, Row]]) -> None:
    last_row = None
    for item_kind, row in items:
        if row.number != last_row:  # an ENERGY STAR row yields three items
            last_row = row.number
            job.report.rows_read += 1
        job.accept(item_kind, row)


def _template_of(path: Path, kind: str | None) -> str:
    """The template a file's header matches (and a clear error when a column is missing)."""
    for chosen, _ in _tabular_items(path, kind, None):
        return chosen
    raise DataError(f"{path.name}: the file has a header but no rows")


def _tabular_items(
    path: Path, kind: str | None, progress: Callable[[int], None] | None
) -> Iterator[tuple[str, Row]]:
    rows = read_rows(path, progress=progress)
    first = next(rows, None)
    if first is None:
        raise DataError(f"{path.name}: the file has a header but no rows")
    columns = set(first.values)
    chosen = kind or detect_kind(columns)
    missing = missing_columns(chosen, columns)
    if missing:
        raise DataError(
            f"{path.name}: missing column(s) {', '.join(missing)} for the {chosen} template "
            "(see docs/import-templates.md)"
        )
    yield chosen, first
    for row in rows:
        yield chosen, row


def import_registry_file(
    db: Database,
    path: Path,
    *,
    uploads_dir: Path,
    file_format: str = "auto",
    kind: str | None = None,
    actor: str = "import",
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file; never raises for bad data (the report says what happened)."""
    if file_format not in FORMATS:
        raise DataError(f"unknown format {file_format!r}; use one of {', '.join(FORMATS)}")
    report = ImportReport(file=str(path), format=file_format)
    if not path.is_file():
        report.status, report.error = "failed", f"{path}: no such file"
        return report
    kept, digest = keep_original(path, uploads_dir, "registry")
    report.kept_path, report.sha256 = str(kept), digest
    total = path.stat().st_size
    tick = (lambda done: progress(done, total)) if progress else None
    started = dt.datetime.now(dt.UTC)
    job: _Job | None = None
    try:
        with db.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB while bulk writing
            job = _Job(conn, report, path, actor, batch_size)
            use_energy_star = file_format == "energy-star" or (
                file_format == "auto" and energy_star.looks_like(path)
            )
            if use_energy_star:
                report.format = "energy-star"
                job.field_names, job.us_dates = energy_star.field_names(path), True
                items = energy_star.template_rows(path, conn, job.index, report.notes, progress=tick)
                _feed(job, items)
            else:
                chosen = _template_of(path, kind)
                if chosen == "models" and parallel_validation.available():
                    job.run_parallel(chosen, path, tick)
                else:
                    _feed(job, _tabular_items(path, chosen, tick))
            job.finish(started)
    except EcoprocureError as exc:
        if job is not None:
            job.abandon()
        report.status, report.error = "failed", str(exc)
        report.counts, report.rejects_file = {}, None
        _record_failure(db, report, path, started)
    return report


def _run_row(report: ImportReport, path: Path, started: dt.datetime) -> dict[str, Any]:
    summary = report.to_dict()
    summary.pop("rejects")
    return {
        "kind": "registry",
        "file_name": path.name,
        "kept_path": report.kept_path,
        "sha256": report.sha256,
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC),
        "status": report.status,
        "summary": summary,
    }


def _record_failure(db: Database, report: ImportReport, path: Path, started: dt.datetime) -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(ImportRun), _run_row(report, path, started))
