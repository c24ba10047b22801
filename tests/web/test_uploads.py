"""Uploads through a real server: the API (token) and the pages (session + CSRF), background jobs
running the same imports as the CLI, their reports and rejects, and every refusal (413, 415, 400,
401, 403, 404) leaving nothing behind: no file, no job, no audit entry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ecoprocure.domain.accounts import Role
from ecoprocure.settings import Settings
from ecoprocure.store import upload_jobs
from ecoprocure.store.accounts import create_token, create_user
from ecoprocure.store.db import Database
from ecoprocure.store.models import AuditEntry, Licensee, UploadJob
from ecoprocure.web import jobs
from ecoprocure.web.app import create_app
from tests.web.conftest import Server, build_registry, serve, web_settings

PASSWORD = "upload-tests-correct-horse-42"
HEADER = "contract_id,item_id,date,buyer_name,description,quantity,unit_price,currency\n"
GOOD = [
    "HT-1,1,2023-05-10,Beijing Finance Bureau,office desk,20,1200,CNY",
    "HT-1,3,2023-05-10,Beijing Finance Bureau,paper,10,80,CNY",
]
NEGATIVE = "HT-1,2,2023-05-10,Beijing Finance Bureau,office chair,-4,350,CNY"
UNREADABLE = "HT-2,1,2023-06-01,Beijing Finance Bureau,printer,three,900,CNY"
PROCUREMENT_CSV = (HEADER + "\n".join([GOOD[0], NEGATIVE, GOOD[1], UNREADABLE]) + "\n").encode()
LICENSEES_CSV = (
    "registration_id,name_en,name_zh,country\nL-UP-1,Upload One Ltd,上传一号公司,CN\nL-UP-2,,,CN\n".encode()
)


@dataclass
class Site:
    server: Server
    settings: Settings
    db: Database
    tokens: dict[str, str]

    @property
    def services(self) -> Any:
        return self.server.app.state.services


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("web-uploads")
    url = f"sqlite:///{home / 'ecoprocure.db'}"
    build_registry(home, url)
    db = Database(url)
    tokens = {}
    with db.transaction() as session:
        for name, role in (
            ("ana", Role.PROCUREMENT_ANALYST),
            ("olga", Role.CERTIFICATION_OFFICER),
            ("root", Role.ADMIN),
        ):
            create_user(session, name, role, password=PASSWORD, actor="test")
            tokens[name] = create_token(session, name, "tests", actor="test").secret
    settings = web_settings(home, url, upload_max_mb=1, auth_failure_rate_limit="1000/minute")
    with serve(create_app(settings)) as server:
        yield Site(server, settings, db, tokens)
    db.close()


def bearer(site: Site, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[user]}"}


def traces(site: Site) -> tuple[int, int, list[Path]]:
    """Jobs, upload audit entries and files under incoming/ (what a refusal must not change)."""
    with site.db.sessions() as session:
        job_count = session.scalar(select(func.count()).select_from(UploadJob)) or 0
        audits = (
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "upload.create")
            )
            or 0
        )
    incoming = site.settings.resolved_uploads_dir / "incoming"
    files = sorted(p for p in incoming.rglob("*") if p.is_file()) if incoming.exists() else []
    return job_count, audits, files


def wait_for(site: Site, job_id: str) -> upload_jobs.Job:
    site.services.jobs.wait(job_id, timeout=120)
    with site.db.transaction() as session:
        return upload_jobs.get_job(session, job_id)


def job_row(site: Site, job_id: str, *, running: bool = False) -> str:
    """A job row as a server would have left it (no file is imported)."""
    with site.db.transaction() as session:
        upload_jobs.create_job(
            session,
            job_id=job_id,
            kind="procurement",
            filename="a.csv",
            stored_path="?",
            size_bytes=8,
            actor="ana",
        )
        if running:
            upload_jobs.start_job(session, job_id)
    return job_id


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status and "Traceback" not in response.text
    return str(body["code"])


# --- the API --------------------------------------------------------------------------------------


def test_procurement_upload_reports_rejects_and_ingests_the_good_rows(site: Site) -> None:
    with site.server.client(headers=bearer(site, "ana")) as api:
        response = api.post(
            "/api/v1/uploads",
            params={"kind": "procurement"},
            files={"file": ("purchases.csv", PROCUREMENT_CSV)},
        )
        assert response.status_code == 202, response.text
        job = response.json()
        assert (job["status"], job["kind"], job["filename"], job["created_by"]) == (
            "queued",
            "procurement",
            "purchases.csv",
            "ana",
        )
        assert response.headers["location"] == f"/api/v1/uploads/{job['id']}"
        ended = wait_for(site, job["id"])
        assert (ended.status, ended.progress, ended.message) == ("done", 1.0, None)
        body = api.get(f"/api/v1/uploads/{job['id']}").json()
        assert body["status"] == "done" and body["progress"] == 1.0
        assert body["report"]["items"] == 3 and body["report"]["items_with_issue"] == 1
        assert body["report"]["problems"] == 1
        report = api.get(body["links"]["report"]).json()
        assert "kept_path" not in report and report["file"] == "purchases.csv"
        rejects = api.get(body["links"]["rejects"])
        assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(rejects.content.decode("utf-8-sig"))))
        reasons = {(r["release"], r["field"]): r["reason"] for r in rows}
        assert reasons[("row 3", "quantity")] == "quantity is zero or negative"
        assert "row skipped" in reasons[("row 5", "quantity")]
        indicators = api.get("/api/v1/procurement/indicators", params={"by": "year"}).json()
        assert indicators["coverage"]["items"] == 3
    # The original is kept once (by the ingest), the incoming copy is gone, the upload audited.
    assert Path(ended.stored_path).is_file() and "incoming" not in ended.stored_path
    assert not (site.settings.resolved_uploads_dir / "incoming" / job["id"]).exists()
    with site.db.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.target == f"upload:{job['id']}")).one()
    assert (audit.actor, audit.action, audit.details["kind"]) == ("ana", "upload.create", "procurement")


def test_registry_upload_by_an_officer(site: Site) -> None:
    with site.server.client(headers=bearer(site, "olga")) as api:
        response = api.post(
            "/api/v1/uploads",
            params={"kind": "registry", "registry_kind": "licensees"},
            files={"file": ("licensees.csv", LICENSEES_CSV)},
        )
        assert response.status_code == 202, response.text
        ended = wait_for(site, response.json()["id"])
        body = api.get(f"/api/v1/uploads/{ended.id}").json()
    assert (body["status"], body["registry_kind"]) == ("done", "licensees")
    assert body["report"]["written"]["licensees"]["inserted"] == 1 and body["report"]["rejected"] == 1
    rows = jobs.rejected_rows(site.settings, ended)
    assert rows == [
        {
            "file": "licensees.csv",
            "row": "3",
            "field": "name_en",
            "reason": "a licensee needs name_en or name_zh",
        }
    ]
    with site.db.sessions() as session:
        assert session.scalars(
            select(Licensee.name_en).where(Licensee.registration_id == "L-UP-1")
        ).one() == ("Upload One Ltd")


def test_roles_decide_who_uploads_what(site: Site) -> None:
    before = traces(site)
    with site.server.client() as api:
        files = {"file": ("licensees.csv", LICENSEES_CSV)}
        refused = api.post(
            "/api/v1/uploads", params={"kind": "registry"}, files=files, headers=bearer(site, "ana")
        )
        assert error_code(refused, 403) == "forbidden"
        assert "certification_officer" in refused.json()["error"]["message"]
        refused = api.post(
            "/api/v1/uploads", params={"kind": "procurement"}, files=files, headers=bearer(site, "olga")
        )
        assert error_code(refused, 403) == "forbidden"
        assert (
            error_code(api.post("/api/v1/uploads", params={"kind": "registry"}, files=files), 401)
            == "unauthorized"
        )
        # An analyst does not see registry jobs (404 as for an unknown id); the list holds only procurement.
        with site.db.sessions() as session:
            registry_job = session.scalars(select(UploadJob.id).where(UploadJob.kind == "registry")).first()
        if registry_job is not None:
            hidden = api.get(f"/api/v1/uploads/{registry_job}", headers=bearer(site, "ana"))
            assert error_code(hidden, 404) == "not_found"
            assert api.get(f"/api/v1/uploads/{registry_job}", headers=bearer(site, "root")).status_code == 200
        listed = api.get("/api/v1/uploads", headers=bearer(site, "ana")).json()
        assert {j["kind"] for j in listed["items"]} <= {"procurement"}
        assert error_code(api.get("/api/v1/uploads"), 401) == "unauthorized"
        assert error_code(api.get(f"/api/v1/uploads/{uuid.uuid4().hex}", headers=bearer(site, "root")), 404)
        assert error_code(api.get("/api/v1/uploads/not-an-id", headers=bearer(site, "root")), 422)
    assert traces(site) == before


PART_HEAD = b'--bnd\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'


def _chunks(total: int) -> Iterator[bytes]:
    yield PART_HEAD
    yield b"a,b\n" * 1000
    sent = 4000
    while sent < total:
        yield b"1,2\n" * 16384
        sent += 4 * 16384
    yield b"\r\n--bnd--\r\n"


def test_refusals_leave_nothing_behind(site: Site) -> None:
    before = traces(site)
    with site.server.client(headers=bearer(site, "root")) as api:

        def post(name: str, content: bytes, kind: str = "procurement") -> httpx.Response:
            return api.post("/api/v1/uploads", params={"kind": kind}, files={"file": (name, content)})

        # Over the 1 MiB limit: by Content-Length up front, and while streaming (chunked, no length).
        big = post("big.csv", b"a,b\n" + b"1,2\n" * (512 * 1024))
        assert error_code(big, 413) == "too_large"
        assert (
            big.json()["error"]["message"]
            == "the file is 2 MiB; the limit is 1 MiB (ECOPROCURE_UPLOAD_MAX_MB)"
        )
        streamed = api.post(
            "/api/v1/uploads",
            params={"kind": "procurement"},
            content=_chunks(2 * 1024 * 1024),
            headers={"Content-Type": "multipart/form-data; boundary=bnd"},
        )
        assert error_code(streamed, 413) == "too_large"
        assert "limit of 1 MiB" in streamed.json()["error"]["message"]
        # Wrong types: by name, and by content behind a right name.
        exe = post("setup.exe", b"MZ\x90\x00" + b"\x00" * 100)
        assert error_code(exe, 415) == "unsupported_media_type"
        assert ".csv" in exe.json()["error"]["message"] and ".json" in exe.json()["error"]["message"]
        png = post("purchases.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
        assert error_code(png, 415) == "unsupported_media_type"
        assert "PNG image" in png.json()["error"]["message"]
        assert error_code(post("releases.json", b"id,name\n1,2\n"), 415) == "unsupported_media_type"
        assert error_code(post("models.json", b"[]", kind="registry"), 415) == "unsupported_media_type"
        not_multipart = api.post("/api/v1/uploads", params={"kind": "procurement"}, content=b"a,b\n")
        assert error_code(not_multipart, 415) == "unsupported_media_type"
        # Empty, missing, cut off.
        empty = post("purchases.csv", b"")
        assert error_code(empty, 400) == "bad_request" and "empty" in empty.json()["error"]["message"]
        no_file = api.post(
            "/api/v1/uploads", params={"kind": "procurement"}, data={"x": "1"}, files={"y": ("", b"")}
        )
        assert no_file.status_code == 400
        cut = api.post(
            "/api/v1/uploads",
            params={"kind": "procurement"},
            content=PART_HEAD + b"a,b\n1,2\n",
            headers={"Content-Type": "multipart/form-data; boundary=bnd"},
        )
        assert error_code(cut, 400) == "bad_request"
        assert error_code(
            api.post("/api/v1/uploads", params={"kind": "other"}, files={"file": ("a.csv", b"a")}), 422
        )
    assert traces(site) == before


def test_a_corrupt_file_fails_its_job_with_a_message(site: Site) -> None:
    with site.server.client(headers=bearer(site, "root")) as api:
        broken = api.post(
            "/api/v1/uploads",
            params={"kind": "procurement"},
            files={"file": ("broken.json", b'{"releases": [{"ocid": "ocds-1", "id": ')},
        )
        workbook = api.post(
            "/api/v1/uploads",
            params={"kind": "registry"},
            files={"file": ("models.xlsx", b"PK\x03\x04 this is not a workbook")},
        )
        for response in (broken, workbook):
            assert response.status_code == 202, response.text
            ended = wait_for(site, response.json()["id"])
            assert ended.status == "failed" and ended.message
            assert "Traceback" not in ended.message
            shown = api.get(f"/api/v1/uploads/{ended.id}").json()
            assert (shown["status"], shown["message"]) == ("failed", ended.message)
    assert "truncated file" in wait_for(site, broken.json()["id"]).message
    assert "XLSX" in wait_for(site, workbook.json()["id"]).message


# --- restarts -------------------------------------------------------------------------------------


def test_a_restart_fails_the_jobs_it_interrupted_but_not_live_ones(site: Site) -> None:
    dead, live = uuid.uuid4().hex, uuid.uuid4().hex
    runner = site.services.jobs
    for job_id in (dead, live):
        runner.folder(job_id).mkdir(parents=True)
        (runner.folder(job_id) / "a.csv").write_text("a,b\n1,2\n")
    runner.hold(live)  # this server is still working on it
    for job_id in (dead, live):
        job_row(site, job_id, running=True)
    try:
        restarted = create_app(site.settings)  # a new server (or another worker) starting up
        restarted.state.services.close()
        with site.db.transaction() as session:
            interrupted = upload_jobs.get_job(session, dead)
            running = upload_jobs.get_job(session, live)
        assert (interrupted.status, interrupted.message) == ("failed", jobs.INTERRUPTED)
        assert interrupted.finished_at is not None and not runner.folder(dead).exists()
        assert running.status == "running"
    finally:
        runner.release(live)
        with site.db.transaction() as session:
            upload_jobs.finish_job(session, live, status="failed", message="test", report=None)


# --- the pages ------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def login(site: Site, user: str) -> Iterator[httpx.Client]:
    with site.server.client() as client:
        token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
        response = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text
        yield client


def page_upload(
    client: httpx.Client, name: str, content: bytes, *, kind: str = "procurement", csrf: str | None = "page"
) -> httpx.Response:
    fields = {"kind": kind, "registry_kind": ""}
    if csrf == "page":
        csrf = CSRF.search(client.get("/uploads").text).group(1)  # type: ignore[union-attr]
    if csrf is not None:
        fields = {"csrf_token": csrf, **fields}
    return client.post("/uploads", data=fields, files={"file": (name, content)})


def test_the_pages_upload_follow_and_report(site: Site) -> None:
    with login(site, "ana") as browser:
        page = browser.get("/uploads")
        assert page.status_code == 200
        assert 'id="upload-procurement-form"' in page.text and 'id="upload-registry-form"' not in page.text
        assert "上传并导入" in browser.get("/uploads", params={"lang": "zh"}).text
        browser.get("/uploads", params={"lang": "en"})
        sent = page_upload(browser, "purchases-page.csv", PROCUREMENT_CSV.replace(b"HT-1", b"HT-9"))
        assert sent.status_code == 303, sent.text
        job_id = sent.headers["location"].rsplit("/", 1)[-1]
        wait_for(site, job_id)
        shown = browser.get(f"/uploads/{job_id}")
        assert shown.status_code == 200
        assert 'id="upload-status"' in shown.text and 'data-status="done"' in shown.text
        assert 'id="upload-progress"' in shown.text and 'id="rejects"' in shown.text
        assert "quantity is zero or negative" in shown.text and "http-equiv" not in shown.text
        assert browser.get(f"/uploads/{job_id}/rejects.csv").status_code == 200
        assert browser.get(f"/uploads/{job_id}/report.json").json()["status"] == "partial"
        # The progress bar's poll: the API answers the session cookie too.
        assert browser.get(f"/api/v1/uploads/{job_id}").json()["status"] == "done"
        assert "导入报告" in browser.get(f"/uploads/{job_id}", params={"lang": "zh"}).text
        assert browser.get(f"/uploads/{uuid.uuid4().hex}").status_code == 404


def test_each_role_sees_its_forms(site: Site) -> None:
    with login(site, "olga") as officer:
        page = officer.get("/uploads").text
        assert 'id="upload-registry-form"' in page and 'id="upload-procurement-form"' not in page
        assert '<label for="upload-registry-kind">' in page and '<option value="models">' in page
    with login(site, "root") as admin:
        page = admin.get("/uploads").text
        assert 'id="upload-registry-form"' in page and 'id="upload-procurement-form"' in page
        assert 'data-status="done"' in page  # the jobs of both kinds are listed


def test_a_waiting_job_page_refreshes_without_javascript(site: Site) -> None:
    job_id = job_row(site, uuid.uuid4().hex)
    try:
        with login(site, "ana") as browser:
            shown = browser.get(f"/uploads/{job_id}").text
        assert 'data-status="queued"' in shown and 'http-equiv="refresh"' in shown and "uploads.js" in shown
    finally:
        with site.db.transaction() as session:
            upload_jobs.finish_job(session, job_id, status="failed", message="test", report=None)


def test_page_refusals_are_pages_and_write_nothing(site: Site) -> None:
    before = traces(site)
    with login(site, "ana") as browser:
        no_csrf = page_upload(browser, "purchases.csv", PROCUREMENT_CSV, csrf=None)
        assert no_csrf.status_code == 403 and "text/html" in no_csrf.headers["content-type"]
        wrong_csrf = page_upload(browser, "purchases.csv", PROCUREMENT_CSV, csrf="x" * 43)
        assert wrong_csrf.status_code == 403
        registry = page_upload(browser, "licensees.csv", LICENSEES_CSV, kind="registry")
        assert registry.status_code == 403
        big = page_upload(browser, "big.csv", b"a,b\n" + b"1,2\n" * (512 * 1024))
        assert big.status_code == 413 and "ECOPROCURE_UPLOAD_MAX_MB" in big.text
        png = page_upload(browser, "photo.png", b"\x89PNG\r\n\x1a\n")
        assert png.status_code == 415 and ".xlsx" in png.text
        browser.get("/uploads", params={"lang": "zh"})
        empty = page_upload(browser, "purchases.csv", b"")
        assert empty.status_code == 400 and "为空" in empty.text
        assert "Traceback" not in empty.text
    with site.server.client() as anonymous:
        assert anonymous.get("/uploads").status_code == 401
        assert anonymous.post("/uploads", files={"file": ("a.csv", b"a,b\n")}).status_code == 401
    assert traces(site) == before


def test_file_names_are_shown_escaped_and_stored_safely(site: Site) -> None:
    uploads = site.settings.resolved_uploads_dir.resolve()
    ended = {}
    with site.server.client(headers=bearer(site, "ana")) as api:
        for name in ("<img src=x onerror=alert(1)>.csv", "../../../evil.csv"):
            content = PROCUREMENT_CSV.replace(b"HT-1", f"HT-{len(name)}".encode())
            response = api.post(
                "/api/v1/uploads", params={"kind": "procurement"}, files={"file": (name, content)}
            )
            assert response.status_code == 202, response.text
            ended[name] = wait_for(site, response.json()["id"])
    for job in ended.values():
        kept = Path(job.stored_path).resolve()
        assert kept.is_relative_to(uploads / "procurement") and "<" not in kept.name and ".." not in kept.name
    assert ended["../../../evil.csv"].filename == "evil.csv"
    with login(site, "ana") as browser:
        for path in ("/uploads", f"/uploads/{ended['<img src=x onerror=alert(1)>.csv'].id}"):
            text = browser.get(path).text
            assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;.csv" in text


def test_progress_is_read_from_the_running_jobs_file(site: Site) -> None:
    runner = site.services.jobs
    job = upload_jobs.Job(
        id="f" * 32,
        kind="procurement",
        filename="a.csv",
        stored_path="?",
        size_bytes=1,
        status="running",
        progress=0.0,
        message=None,
        created_by="ana",
        created_at=dt.datetime.now(dt.UTC),
        started_at=None,
        finished_at=None,
        report=None,
    )
    runner.folder(job.id).mkdir(parents=True, exist_ok=True)
    try:
        (runner.folder(job.id) / jobs.PROGRESS_FILE).write_text("0.4200")
        assert runner.progress(job) == 0.42
        (runner.folder(job.id) / jobs.PROGRESS_FILE).write_text("half")
        assert runner.progress(job) == 0.0
    finally:
        (runner.folder(job.id) / jobs.PROGRESS_FILE).unlink(missing_ok=True)
        runner.folder(job.id).rmdir()
