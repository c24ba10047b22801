"""Upload pages: ``/uploads`` (recent jobs and the upload forms a role may use) and
``/uploads/{id}`` (status, progress and, at the end, the import report with the rejected rows).

The POST streams the file through the same ``start_upload`` as ``POST /api/v1/uploads``; the
form's CSRF token comes before the file, and is checked before a byte of the file is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ecoprocure import i18n
from ecoprocure.errors import NotFound
from ecoprocure.i18n import N_, gettext
from ecoprocure.ingest.upload_files import accepted
from ecoprocure.store import upload_jobs
from ecoprocure.store.accounts import Principal
from ecoprocure.web import jobs
from ecoprocure.web.api.uploads import UPLOADERS, job_view, kinds_for, start_upload, visible_job
from ecoprocure.web.pages.templating import render, request_locale
from ecoprocure.web.pages.visitor import PageError, check_csrf, require
from ecoprocure.web.responses import NO_STORE, dumps
from ecoprocure.web.services import Services
from ecoprocure.web.upload_receiver import UploadRefused

router = APIRouter(include_in_schema=False)

STATUS_NAMES = {
    "queued": N_("Waiting to start"),
    "running": N_("Importing"),
    "done": N_("Done"),
    "failed": N_("Failed"),
}
KIND_NAMES = {"procurement": N_("Procurement data"), "registry": N_("Registry file")}
REGISTRY_KIND_NAMES = {
    "": N_("Recognise from the header"),
    "licensees": N_("Licensees"),
    "certificates": N_("Certificates"),
    "models": N_("Product models"),
}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "–"


def _shown(services: Services, job: upload_jobs.Job) -> dict[str, Any]:
    view = job_view(services, job)
    view["status_name"] = gettext(STATUS_NAMES[job.status])
    view["kind_name"] = gettext(KIND_NAMES[job.kind])
    view["created"], view["started"], view["finished"] = (
        _when(job.created_at),
        _when(job.started_at),
        _when(job.finished_at),
    )
    return view


@router.get("/uploads", response_class=HTMLResponse)
def uploads_page(request: Request) -> HTMLResponse:
    user = require(request)
    services = _services(request)
    kinds = kinds_for(user.role)
    with services.db.transaction() as session:
        total, found = upload_jobs.list_jobs(session, kinds=kinds, limit=50)
    with i18n.use_locale(request_locale(request)):
        shown = [_shown(services, job) for job in found]
    return render(
        request,
        "uploads.html",
        kinds=kinds,
        jobs=shown,
        total=total,
        max_mb=services.settings.upload_max_mb,
        accepted={kind: ", ".join(accepted(kind)) for kind in kinds},
        registry_kinds=REGISTRY_KIND_NAMES,
    )


@router.post("/uploads")
async def upload(request: Request) -> Response:
    user = require(request)
    services = _services(request)

    def before_file(fields: dict[str, str]) -> tuple[str, dict[str, Any]]:
        check_csrf(request, fields.get("csrf_token"))
        kind = fields.get("kind", "")
        if kind not in UPLOADERS:
            raise PageError(400, N_("Choose what kind of file this is."))
        if kind not in kinds_for(user.role):
            raise PageError(403, N_("Your role may not upload this kind of file."))
        registry_kind = fields.get("registry_kind", "")
        if registry_kind not in REGISTRY_KIND_NAMES:
            raise PageError(400, N_("Choose what the registry file holds."))
        return kind, ({"registry_kind": registry_kind} if kind == "registry" and registry_kind else {})

    try:
        job = await start_upload(request, services, user.username, before_file)
    except UploadRefused as exc:
        with i18n.use_locale(request_locale(request)):
            raise PageError(exc.status, gettext(exc.page_text, **exc.values)) from exc
    return RedirectResponse(f"/uploads/{job.id}", status_code=303)


def _job(request: Request, job_id: str) -> upload_jobs.Job:
    user = require(request)
    if len(job_id) != 32 or any(c not in "0123456789abcdef" for c in job_id):
        raise PageError(404, N_("There is no upload with this number."))
    try:
        return visible_job(_services(request), Principal(user.username, user.role, "session"), job_id)
    except NotFound:
        raise PageError(404, N_("There is no upload with this number.")) from None


@router.get("/uploads/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    job = _job(request, job_id)
    services = _services(request)
    with i18n.use_locale(request_locale(request)):
        shown = _shown(services, job)
    ended = job.status in ("done", "failed")
    return render(
        request,
        "upload_job.html",
        job=shown,
        active=not ended,
        rejects=jobs.rejected_rows(services.settings, job) if ended else [],
        max_rejects=jobs.MAX_REJECTS_SHOWN,
        registry_kinds=REGISTRY_KIND_NAMES,
    )


@router.get("/uploads/{job_id}/report.json")
def job_report(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    report = jobs.public_report(job)
    if report is None:
        raise PageError(404, N_("This upload has no report yet."))
    return Response(
        dumps(report),
        media_type="application/json",
        headers={
            "Cache-Control": NO_STORE,
            "Content-Disposition": f'attachment; filename="upload-{job.id}-report.json"',
        },
    )


@router.get("/uploads/{job_id}/rejects.csv")
def job_rejects(request: Request, job_id: str) -> Response:
    job = _job(request, job_id)
    path = jobs.rejects_path(_services(request).settings, job)
    if path is None:
        raise PageError(404, N_("This upload has no rejected rows."))
    return FileResponse(
        path,
        media_type="text/csv; charset=utf-8",
        filename=f"upload-{job.id}-rejects.csv",
        headers={"Cache-Control": NO_STORE},
    )
