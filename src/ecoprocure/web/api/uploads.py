"""Uploads: ``POST /api/v1/uploads`` stores a procurement or registry file and imports it in the
background (``web.jobs``); ``GET /api/v1/uploads[/{id}[/report|/rejects.csv]]`` follow the job.

Procurement files are for procurement analysts, registry files for certification officers;
admins may do both. Uploading takes an API token; following a job also works with the session
cookie of the pages (their progress bar polls ``GET /api/v1/uploads/{id}``). A caller sees the
jobs of the kinds their role may upload.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ecoprocure.domain.accounts import Role
from ecoprocure.errors import NotFound
from ecoprocure.store import upload_jobs, web_sessions
from ecoprocure.store.accounts import Principal
from ecoprocure.store.upload_jobs import Job
from ecoprocure.web import jobs
from ecoprocure.web.auth import AUTH_RESPONSES, Credentials, current_principal
from ecoprocure.web.errors import ERROR_RESPONSES, ApiError, ErrorBody
from ecoprocure.web.params import Limit, Offset, page_links
from ecoprocure.web.responses import NO_STORE, dumps
from ecoprocure.web.schemas import PageInfo
from ecoprocure.web.services import Services, ServicesDep
from ecoprocure.web.upload_receiver import MIB, UploadRefused, receive

UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The file is larger than ECOPROCURE_UPLOAD_MAX_MB"},
    415: {
        "model": ErrorBody,
        "description": "Not a file type the import reads (the accepted ones are named)",
    },
}
router = APIRouter(
    prefix="/api/v1/uploads", tags=["uploads"], responses={**ERROR_RESPONSES, **AUTH_RESPONSES}
)

UPLOADERS = {"procurement": Role.PROCUREMENT_ANALYST, "registry": Role.CERTIFICATION_OFFICER}
JOB_ID = r"^[0-9a-f]{32}$"
# What a form sent before its file → (kind of import, options such as the registry kind).
Chooser = Callable[[dict[str, str]], tuple[str, dict[str, Any]]]


def kinds_for(role: Role) -> tuple[str, ...]:
    """The kinds of upload a role may make and see (admins: all)."""
    return tuple(kind for kind, uploader in UPLOADERS.items() if role in (uploader, Role.ADMIN))


def check_may_upload(username: str, role: Role, kind: str) -> None:
    if kind not in kinds_for(role):
        raise ApiError(
            403,
            "forbidden",
            f"user {username} is a {role.value}; {kind} files are uploaded by a "
            f"{UPLOADERS[kind].value} or an admin",
        )


async def start_upload(request: Request, services: Services, username: str, before_file: Chooser) -> Job:
    """Receive the request's file (``upload_receiver``), record the job (audited) and queue it.
    ``before_file`` checks the form fields sent before the file and names the kind of import and
    its options; on any refusal nothing stays on disk or in the database."""
    chosen: list[tuple[str, dict[str, Any]]] = []

    def kind_of(fields: dict[str, str]) -> str:
        chosen.append(before_file(fields))
        return chosen[0][0]

    received = await receive(request, services.jobs.incoming, services.settings.upload_max_mb * MIB, kind_of)
    kind, options = chosen[0]

    def record() -> Job:
        services.jobs.hold(received.job_id)
        with services.db.transaction() as session:
            return upload_jobs.create_job(
                session,
                job_id=received.job_id,
                kind=kind,
                filename=received.filename[:255],
                stored_path=str(received.path),
                size_bytes=received.size,
                actor=username,
                options=options,
            )

    try:
        job = await anyio.to_thread.run_sync(record)
    except BaseException:
        services.jobs.release(received.job_id)
        shutil.rmtree(received.folder, ignore_errors=True)
        raise
    services.jobs.submit(job, received.path, options)
    return job


# --- who may follow a job ---------------------------------------------------------------------------


def follower(request: Request, services: ServicesDep, credentials: Credentials) -> Principal:
    """The API token's caller, or the logged-in user of the pages (session cookie)."""
    from ecoprocure.web.pages.visitor import SESSION_COOKIE  # pages depend on the API, not back

    cookie = request.cookies.get(SESSION_COOKIE)
    if credentials is None and cookie and len(cookie) <= 200:
        with services.db.transaction() as session:
            user = web_sessions.resolve(session, cookie)
        if user is not None:
            return Principal(user.username, user.role, "session")
    return current_principal(request, services, credentials)


FollowerDep = Annotated[Principal, Depends(follower)]
JobId = Annotated[str, Path(pattern=JOB_ID, description="The job's id (32 hexadecimal digits).")]


def visible_job(services: Services, caller: Principal, job_id: str) -> Job:
    """The job, when the caller's role may see its kind (else 404, as for an unknown id)."""
    with services.db.transaction() as session:
        job = upload_jobs.get_job(session, job_id)
    if job.kind not in kinds_for(caller.role):
        raise NotFound(f"no upload job {job_id!r}")
    return job


def job_view(services: Services, job: Job) -> dict[str, Any]:
    base = f"/api/v1/uploads/{job.id}"
    done = job.status in ("done", "failed") and jobs.public_report(job) is not None
    return {
        **job.summary(),
        "progress": services.jobs.progress(job),
        "report": jobs.report_summary(job),
        "links": {
            "self": base,
            "page": f"/uploads/{job.id}",
            "report": f"{base}/report" if done else None,
            "rejects": f"{base}/rejects.csv" if jobs.rejects_path(services.settings, job) else None,
        },
    }


def _private(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps(body),
        status_code=status_code,
        media_type="application/json",
        headers={"Cache-Control": NO_STORE, **(headers or {})},
    )


# --- schemas ---------------------------------------------------------------------------------------


class JobLinks(BaseModel):
    self: str
    page: str = Field(description="The job's web page.")
    report: str | None = Field(description="The import report (JSON), once the job has ended.")
    rejects: str | None = Field(description="The rejected rows (CSV), when there are any.")


class UploadJobOut(BaseModel):
    id: str
    kind: Literal["procurement", "registry"]
    registry_kind: str | None = Field(description="licensees, certificates or models; null: from the header.")
    filename: str
    size_bytes: int
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1, description="Share of the import done.")
    message: str | None = Field(description="Why a job failed, or a note on a finished one.")
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    report: dict[str, Any] | None = Field(description="The import's counts, once it has ended.")
    links: JobLinks


class UploadJobPage(PageInfo):
    items: list[UploadJobOut]


_MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


# --- routes -----------------------------------------------------------------------------------------


@router.post(
    "",
    status_code=202,
    response_model=UploadJobOut,
    responses=UPLOAD_RESPONSES,
    openapi_extra=_MULTIPART_BODY,
    summary="Upload a procurement or registry file; it is imported in the background",
)
async def upload(
    request: Request,
    services: ServicesDep,
    credentials: Credentials,
    kind: Annotated[
        Literal["procurement", "registry"],
        Query(description="procurement: OCDS or the CSV/XLSX template; registry: registry templates."),
    ],
    registry_kind: Annotated[
        Literal["licensees", "certificates", "models"] | None,
        Query(description="Registry files: which template (default: recognised from the header)."),
    ] = None,
) -> Response:
    principal = await anyio.to_thread.run_sync(current_principal, request, services, credentials)
    check_may_upload(principal.username, principal.role, kind)
    options = {"registry_kind": registry_kind} if kind == "registry" and registry_kind else {}
    try:
        job = await start_upload(request, services, principal.username, lambda _fields: (kind, options))
    except UploadRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message, field="file", location="body") from exc
    return _private(job_view(services, job), 202, {"Location": f"/api/v1/uploads/{job.id}"})


@router.get("", response_model=UploadJobPage, summary="Upload jobs the caller may see, newest first")
def list_uploads(
    request: Request, services: ServicesDep, caller: FollowerDep, limit: Limit = 20, offset: Offset = 0
) -> Response:
    with services.db.transaction() as session:
        total, found = upload_jobs.list_jobs(
            session, kinds=kinds_for(caller.role), limit=limit, offset=offset
        )
    return _private(
        {
            "total": total,
            "limit": limit,
            "offset": offset,
            "links": page_links(request, limit, offset, offset + limit < total),
            "items": [job_view(services, job) for job in found],
        }
    )


@router.get("/{job_id}", response_model=UploadJobOut, summary="An upload job: status, progress, counts")
def get_upload(services: ServicesDep, caller: FollowerDep, job_id: JobId) -> Response:
    return _private(job_view(services, visible_job(services, caller, job_id)))


@router.get(
    "/{job_id}/report",
    response_model=dict[str, Any],
    summary="The whole import report of an ended job (JSON)",
)
def get_report(services: ServicesDep, caller: FollowerDep, job_id: JobId) -> Response:
    job = visible_job(services, caller, job_id)
    report = jobs.public_report(job)
    if report is None:
        raise NotFound(f"upload job {job_id} has no report yet (status {job.status})")
    return _private(
        report, headers={"Content-Disposition": f'attachment; filename="upload-{job.id}-report.json"'}
    )


@router.get(
    "/{job_id}/rejects.csv",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "file, row/release, field, reason"}},
    summary="The rejected rows of an ended job (CSV)",
)
def get_rejects(services: ServicesDep, caller: FollowerDep, job_id: JobId) -> Response:
    job = visible_job(services, caller, job_id)
    path = jobs.rejects_path(services.settings, job)
    if path is None:
        raise NotFound(f"upload job {job_id} has no rejected rows")
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=f"upload-{job.id}-rejects.csv",
        headers={"Cache-Control": NO_STORE},
    )
