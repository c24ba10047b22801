"""Upload jobs in the background: the same import functions as ``ecoprocure ingest`` and
``ecoprocure registry import``, run on the stored file by a small pool owned by ``Services``.

- One thread per kind (procurement, registry): one import of each kind at a time, enough on two
  cores, and registry imports would only queue on the database's write lock anyway.
- Progress (0 to 1, from the import's own callback) goes to a small file in the job's folder,
  not to the database: a registry import holds SQLite's write lock for its whole transaction, and
  every worker process of ``ecoprocure serve`` can read the file. The row gets its final state.
- While a job is queued or running, its process holds an exclusive ``flock`` on the job folder's
  lock file. At start-up a job whose lock nobody holds was interrupted (the server stopped or
  crashed): it is marked failed with a message saying so; another worker's live job is left alone.
- A failure keeps a message for people (the import's own, or "unexpected error, reference …" with
  the details in the server log), never a stack trace. The imports are atomic (one transaction;
  a dataset file renamed into place), so a failed job has written nothing.
- The original is kept by the import itself (a hard link under ``uploads/<area>/``), so the
  incoming copy is removed when the job ends.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ecoprocure.ingest.procurement_files import ingest_procurement_file
from ecoprocure.ingest.registry_import import import_registry_file
from ecoprocure.settings import Settings
from ecoprocure.store import upload_jobs
from ecoprocure.store.db import Database
from ecoprocure.store.upload_jobs import Job

log = logging.getLogger("ecoprocure.web.jobs")

LOCK_FILE = ".lock"
PROGRESS_FILE = ".progress"
REGISTRY_KINDS = ("licensees", "certificates", "models")
INTERRUPTED = "the server stopped while this upload was being imported; nothing was imported: upload it again"
NOT_STARTED = "the server stopped before this upload was imported; nothing was imported: upload it again"
MAX_REJECTS_SHOWN = 200


class JobRunner:
    """Runs upload jobs of one app (see the module's docstring)."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self.incoming = settings.resolved_uploads_dir / "incoming"
        self._pools = {
            kind: ThreadPoolExecutor(1, thread_name_prefix=f"upload-{kind}") for kind in upload_jobs.KINDS
        }
        self._locks: dict[str, int] = {}
        self._futures: dict[str, Future[None]] = {}
        self._mutex = threading.Lock()

    # --- locks --------------------------------------------------------------------------------

    def folder(self, job_id: str) -> Path:
        return self.incoming / job_id

    def hold(self, job_id: str) -> None:
        """Take the job's lock (before its row exists, so start-up recovery never sees it free)."""
        fd = os.open(self.folder(job_id) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with self._mutex:
            self._locks[job_id] = fd

    def release(self, job_id: str) -> None:
        with self._mutex:
            fd = self._locks.pop(job_id, None)
        if fd is not None:
            os.close(fd)

    def _orphaned(self, job_id: str) -> bool:
        """No live process holds the job's lock (or its folder is gone)."""
        try:
            fd = os.open(self.folder(job_id) / LOCK_FILE, os.O_RDWR)
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        finally:
            os.close(fd)  # also releases the lock if we got it
        return True

    def recover(self) -> list[str]:
        """Mark failed the jobs an earlier server left queued or running; return their ids."""
        with self.db.transaction() as session:
            active = upload_jobs.active_jobs(session)
        ended = []
        for job in active:
            if job.id in self._locks or not self._orphaned(job.id):
                continue
            message = INTERRUPTED if job.status == "running" else NOT_STARTED
            with self.db.transaction() as session:
                upload_jobs.finish_job(session, job.id, status="failed", message=message, report=None)
            shutil.rmtree(self.folder(job.id), ignore_errors=True)
            ended.append(job.id)
        if ended:
            log.warning("%d upload job(s) interrupted by a restart marked failed: %s", len(ended), ended)
        return ended

    # --- running ------------------------------------------------------------------------------

    def submit(self, job: Job, path: Path, options: dict[str, Any]) -> None:
        """Queue ``job`` (its lock held by :meth:`hold`) to import ``path``."""
        future = self._pools[job.kind].submit(self._run, job, path, options)
        with self._mutex:
            self._futures[job.id] = future

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Until the job has ended (tests; a no-op for a job this runner does not run)."""
        with self._mutex:
            future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def _run(self, job: Job, path: Path, options: dict[str, Any]) -> None:
        progress = _ProgressFile(self.folder(job.id) / PROGRESS_FILE)
        report: dict[str, Any] | None = None
        try:
            with self.db.transaction() as session:
                upload_jobs.start_job(session, job.id)
            status, message, report = self._import(job, path, options, progress)
            stored = report.get("kept_path") or str(path)
            with self.db.transaction() as session:
                upload_jobs.finish_job(
                    session, job.id, status=status, message=message, report=report, stored_path=stored
                )
        except Exception as exc:
            reference = uuid.uuid4().hex[:12]
            log.error("upload job %s failed unexpectedly (reference %s)", job.id, reference, exc_info=exc)
            message = (
                f"the import stopped with an unexpected error (reference {reference}; the server log "
                "has the details); nothing was imported"
            )
            with contextlib.suppress(Exception), self.db.transaction() as session:
                upload_jobs.finish_job(session, job.id, status="failed", message=message, report=report)
        finally:
            self._clean(job.id, path, report)
            with self._mutex:
                self._futures.pop(job.id, None)

    def _import(
        self, job: Job, path: Path, options: dict[str, Any], progress: _ProgressFile
    ) -> tuple[str, str | None, dict[str, Any]]:
        """(status, message, report) of the same import the CLI runs."""
        conf = self.settings
        if job.kind == "procurement":
            result = ingest_procurement_file(
                path, home=conf.home, uploads_dir=conf.resolved_uploads_dir, on_progress=progress.write
            )
            report = {**result.to_dict(), "file": job.filename}
            if result.status in ("failed", "empty"):
                return "failed", result.error or "nothing could be read from the file", report
            message = "this content was ingested before: nothing added" if result.already_ingested else None
            return "done", message, report
        imported = import_registry_file(
            self.db,
            path,
            uploads_dir=conf.resolved_uploads_dir,
            kind=options.get("registry_kind"),
            actor=job.created_by,
            batch_size=conf.import_batch_size,
            progress=lambda done, total: progress.write(done / total if total else 0.0),
        )
        report = {**imported.to_dict(), "file": job.filename, "registry_kind": options.get("registry_kind")}
        if imported.status == "failed":
            return "failed", imported.error or "the file could not be imported", report
        return "done", None, report

    def _clean(self, job_id: str, path: Path, report: dict[str, Any] | None) -> None:
        """Remove the incoming copy when the import kept the original; release the lock."""
        kept = (report or {}).get("kept_path")
        folder = self.folder(job_id)
        if kept and Path(kept).exists():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            (folder / PROGRESS_FILE).unlink(missing_ok=True)
        self.release(job_id)
        (folder / LOCK_FILE).unlink(missing_ok=True)

    def progress(self, job: Job) -> float:
        """The job's progress: from its progress file while it runs, else the stored value."""
        if job.status != "running":
            return job.progress
        try:
            return float((self.folder(job.id) / PROGRESS_FILE).read_text())
        except (OSError, ValueError):
            return job.progress

    def close(self) -> None:
        """Stop taking jobs; queued ones end failed (a running one finishes: it is atomic anyway,
        and the process waits for it before exiting)."""
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
        with self._mutex:
            cancelled = [job_id for job_id, future in self._futures.items() if future.cancelled()]
        for job_id in cancelled:
            with contextlib.suppress(Exception), self.db.transaction() as session:
                upload_jobs.finish_job(session, job_id, status="failed", message=NOT_STARTED, report=None)
            shutil.rmtree(self.folder(job_id), ignore_errors=True)
            self.release(job_id)

    def wait_all(self, timeout: float = 60) -> None:
        """Until every job of this runner has ended (tests and orderly shutdown)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._mutex:
                futures = list(self._futures.values())
            if not futures or time.monotonic() > deadline:
                return
            for future in futures:
                with contextlib.suppress(Exception):
                    future.result(max(deadline - time.monotonic(), 0))


class _ProgressFile:
    """The share done, written at most every 0.2 s (atomically: a reader never sees half)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last = 0.0

    def write(self, done: float) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and done < 1.0:
            return
        self._last = now
        tmp = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(OSError):
            tmp.write_text(f"{min(max(done, 0.0), 1.0):.4f}")
            tmp.replace(self.path)


# --- the report as people read it -------------------------------------------------------------------


def rejects_path(settings: Settings, job: Job) -> Path | None:
    """The job's rejects CSV, when there is one (and it lies where imports keep their files)."""
    name = (job.report or {}).get("rejects_file")
    if not name:
        return None
    path = Path(name).resolve()
    if not path.is_relative_to(settings.resolved_uploads_dir.resolve()) or not path.is_file():
        return None
    return path


def rejected_rows(settings: Settings, job: Job, limit: int = MAX_REJECTS_SHOWN) -> list[dict[str, str]]:
    """The first ``limit`` rejects as file, row, field, reason (a procurement file's "row" is its
    release, or the template row, with the item when one item was at fault)."""
    path = rejects_path(settings, job)
    if path is None:
        return []
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for record in csv.DictReader(fh):
            if len(rows) >= limit:
                break
            where = record.get("row") or record.get("release") or ""
            if record.get("item"):
                where = f"{where}, item {record['item']}" if where else f"item {record['item']}"
            rows.append(
                {
                    "file": record.get("file") or "",
                    "row": where,
                    "field": record.get("field") or "",
                    "reason": record.get("reason") or "",
                }
            )
    return rows


def report_summary(job: Job) -> dict[str, Any] | None:
    """The counts of the job's import report (without its lists and the server's paths)."""
    report = job.report
    if not report or "status" not in report:
        return None
    if job.kind == "procurement":
        keys = (
            "status",
            "shape",
            "ocds_version",
            "already_ingested",
            "releases",
            "items",
            "items_with_issue",
        )
        summary = {key: report.get(key) for key in keys}
        summary["issues"] = report.get("issues") or {}
        summary["problems"] = len(report.get("problems") or [])
        summary["error"] = report.get("error")
        return summary
    keys = ("status", "format", "registry_kind", "rows_read", "written", "rejected", "notes", "error")
    return {key: report.get(key) for key in keys}


def public_report(job: Job) -> dict[str, Any] | None:
    """The whole import report for download, without the server's file paths."""
    if not job.report or "status" not in job.report:
        return None
    hidden = ("kept_path", "rejects_file", "dataset_file")
    return {
        **{key: value for key, value in job.report.items() if key not in hidden},
        "file": job.filename,
    }
