"""Upload jobs: a file received by the web app and imported in the background.

A job is ``queued`` when the file is stored, ``running`` while the import reads it, and ends
``done`` (the import report is kept) or ``failed`` (a message for people, never a stack trace).
Creating a job lands in the audit log (``upload.create``) with the uploader as actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ecoprocure.errors import NotFound
from ecoprocure.store.accounts import _now, record
from ecoprocure.store.db import as_utc
from ecoprocure.store.models import UploadJob

KINDS = ("procurement", "registry")
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Job:
    """A job as the API and pages show it."""

    id: str
    kind: str
    filename: str
    stored_path: str
    size_bytes: int
    status: str
    progress: float
    message: str | None
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    report: dict[str, Any] | None

    def summary(self) -> dict[str, Any]:
        """Everything but the full report (and the server's path of the stored file)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "registry_kind": (self.report or {}).get("registry_kind"),
            "filename": self.filename,
            "size_bytes": self.size_bytes,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def _job(row: UploadJob) -> Job:
    return Job(
        row.id,
        row.kind,
        row.filename,
        row.stored_path,
        row.size_bytes,
        row.status,
        row.progress,
        row.message,
        row.created_by,
        as_utc(row.created_at),
        as_utc(row.started_at),
        as_utc(row.finished_at),
        row.report,
    )


def create_job(
    session: Session,
    *,
    job_id: str,
    kind: str,
    filename: str,
    stored_path: str,
    size_bytes: int,
    actor: str,
    options: dict[str, Any] | None = None,
) -> Job:
    """A queued job for a stored file (audited). ``options`` (e.g. the registry kind) are kept
    in the report until the import replaces it with its own."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}: use {' or '.join(KINDS)}")
    row = UploadJob(
        id=job_id,
        kind=kind,
        filename=filename,
        stored_path=stored_path,
        size_bytes=size_bytes,
        status="queued",
        progress=0.0,
        created_by=actor,
        created_at=_now(),
        report=dict(options) if options else None,
    )
    session.add(row)
    record(
        session,
        actor=actor,
        action="upload.create",
        target=f"upload:{job_id}",
        details={"kind": kind, "filename": filename, "size_bytes": size_bytes, **(options or {})},
    )
    session.flush()
    return _job(row)


def get_job(session: Session, job_id: str) -> Job:
    row = session.get(UploadJob, job_id)
    if row is None:
        raise NotFound(f"no upload job {job_id!r}")
    return _job(row)


def list_jobs(
    session: Session, *, kinds: tuple[str, ...] = KINDS, limit: int = 50, offset: int = 0
) -> tuple[int, list[Job]]:
    """How many jobs of the given kinds there are, and a page of them, newest first."""
    where = UploadJob.kind.in_(kinds)
    total = session.scalar(select(func.count()).select_from(UploadJob).where(where)) or 0
    rows = session.scalars(
        select(UploadJob)
        .where(where)
        .order_by(UploadJob.created_at.desc(), UploadJob.id)
        .limit(limit)
        .offset(offset)
    )
    return total, [_job(row) for row in rows]


def active_jobs(session: Session) -> list[Job]:
    return [_job(row) for row in session.scalars(select(UploadJob).where(UploadJob.status.in_(ACTIVE)))]


def start_job(session: Session, job_id: str) -> None:
    session.execute(
        update(UploadJob)
        .where(UploadJob.id == job_id)
        .values(status="running", started_at=_now(), progress=0.0)
    )


def finish_job(
    session: Session,
    job_id: str,
    *,
    status: str,
    message: str | None,
    report: dict[str, Any] | None,
    stored_path: str | None = None,
) -> None:
    """End a job: ``done`` (with its report) or ``failed`` (with a message people can read)."""
    if status not in ("done", "failed"):
        raise ValueError(f"a job ends done or failed, not {status!r}")
    values: dict[str, Any] = {
        "status": status,
        "message": message,
        "finished_at": _now(),
        "progress": 1.0 if status == "done" else UploadJob.progress,
    }
    if report is not None:
        values["report"] = report
    if stored_path is not None:
        values["stored_path"] = stored_path
    session.execute(update(UploadJob).where(UploadJob.id == job_id).values(**values))
