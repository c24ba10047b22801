"""The application as a whole: the OpenAPI contract, the error body for framework errors and
crashes, health, and ``ecoprocure serve`` in a fresh process."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ecoprocure.settings import Settings
from ecoprocure.web.app import create_app
from tests.web.conftest import serve
from tests.web.test_verification_api import error

CONTRACT_PATHS = {
    "/healthz",
    "/api/v1/verify",
    "/api/v1/catalogue/search",
    "/api/v1/schemes",
    "/api/v1/schemes/{code}",
    "/api/v1/categories",
    "/api/v1/categories/{code}",
    "/api/v1/criteria",
    "/api/v1/criteria/{scheme}/{code}/withdraw",
    "/api/v1/certificates",
    "/api/v1/certificates/{number}",
    "/api/v1/certificates/{number}/products",
    "/api/v1/certificates/{number}/history",
    "/api/v1/certificates/{number}/actions",
    "/api/v1/auth/whoami",
    "/api/v1/audit",
    "/api/v1/statistics",
    "/api/v1/procurement/indicators",
    "/api/v1/procurement/benefits",
    "/api/v1/uploads",
    "/api/v1/uploads/{job_id}",
    "/api/v1/uploads/{job_id}/report",
    "/api/v1/uploads/{job_id}/rejects.csv",
}


def test_openapi_describes_the_contract(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert set(spec["paths"]) == CONTRACT_PATHS
    verify = spec["paths"]["/api/v1/verify"]["get"]
    assert {p["name"] for p in verify["parameters"]} == {"certificate", "brand", "model", "qr", "date"}
    assert {"200", "304", "400", "404", "422", "429", "500"} <= set(verify["responses"])
    ok = verify["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    answer = spec["components"]["schemas"][ok.rsplit("/", 1)[-1]]
    assert "status" in answer["required"]
    assert set(answer["properties"]["status"]["enum"]) == {
        "valid",
        "suspended",
        "revoked",
        "expired",
        "unknown",
        "invalid-signature",
    }
    for path, operations in spec["paths"].items():
        if path == "/healthz":
            continue
        for operation in operations.values():
            refs = {
                response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                for status, response in operation["responses"].items()
                if status.startswith(("4", "5"))
            }
            assert refs == {"#/components/schemas/ErrorBody"}, path
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_health(api: httpx.Client) -> None:
    response = api.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_head_answers_like_get_without_a_body(api: httpx.Client) -> None:
    assert api.head("/healthz").status_code == 200
    got = api.get("/api/v1/schemes/CEL")
    head = api.head("/api/v1/schemes/CEL")
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", got.headers["etag"])
    assert head.headers["content-length"] == got.headers["content-length"]
    assert api.head("/api/v1/schemes/NOPE").status_code == 404


def test_unknown_path_and_wrong_method(api: httpx.Client) -> None:
    assert error(api.get("/api/v1/nothing-here"), 404)["code"] == "not_found"
    refused = api.post("/api/v1/verify", params={"certificate": "X"})
    assert error(refused, 405)["code"] == "method_not_allowed"
    assert "GET" in refused.headers["allow"]


def test_a_crash_is_a_500_with_the_error_body_and_a_logged_reference(
    registry_home: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(registry_home)

    @app.get("/api/v1/boom")
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    with (
        caplog.at_level(logging.ERROR, logger="ecoprocure.web"),
        serve(app) as server,
        server.client() as client,
    ):
        response = client.get("/api/v1/boom")
        page = client.get("/boom")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "hunter2" not in page.text and "RuntimeError" not in page.text and "logged" in page.text
    found = error(response, 500)
    assert found["code"] == "internal_error"
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    reference = found["message"].split("reference ")[1].split(")")[0]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback goes to the log


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_ecoprocure_serve_answers(registry_home: Settings, tmp_path: Path) -> None:
    if registry_home.database_url and not registry_home.database_url.startswith("sqlite"):
        pytest.skip("one backend is enough for the command itself")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOPROCURE_")}
    env.update(
        ECOPROCURE_HOME=str(registry_home.home), ECOPROCURE_DATABASE_URL=registry_home.resolved_database_url
    )
    command = [sys.executable, "-m", "ecoprocure.cli.main", "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "ecoprocure serve did not answer"
                time.sleep(0.1)
        assert response.json() == {"status": "ok"}
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/verify", params={"certificate": "CEC-2021-0001"})
        assert answer.json()["status"] == "valid"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert "serving http://127.0.0.1" in (tmp_path / "serve.log").read_text()
