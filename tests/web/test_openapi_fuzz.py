"""Schemathesis generates requests from ``/openapi.json`` (valid and invalid ones) and sends them to
the real server: no server error (5xx), and every response, errors included, matches the document
(status codes, content type, body schema, headers). Kept small for CI: 20 examples per operation
and generation mode.

The operations are parametrised from ``CONTRACT_PATHS`` and fuzzed with hypothesis directly
(``APIOperation.as_strategy``): schemathesis's own pytest decorator does not run on pytest 9.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ecoprocure.domain.accounts import Role
from ecoprocure.settings import Settings
from ecoprocure.store.accounts import create_token, create_user
from ecoprocure.store.db import Database
from tests.store import registry_builders as rb
from tests.web.conftest import Demo, Server
from tests.web.test_app import CONTRACT_PATHS

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
PROCUREMENT = sorted(p for p in CONTRACT_PATHS if p.startswith("/api/v1/procurement/"))
REGISTRY = sorted(CONTRACT_PATHS - set(PROCUREMENT))


def _schema(server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


# Operations that write, and the ones that need an API token (fuzzed with an admin's).
WRITES = {"/api/v1/certificates/{number}/actions", "/api/v1/criteria/{scheme}/{code}/withdraw"}
UPLOADS = {
    "/api/v1/uploads",
    "/api/v1/uploads/{job_id}",
    "/api/v1/uploads/{job_id}/report",
    "/api/v1/uploads/{job_id}/rejects.csv",
}  # fuzzed with GET: the upload itself (POST) is tested in test_uploads.py
AUTHENTICATED = WRITES | UPLOADS | {"/api/v1/auth/whoami", "/api/v1/audit"}


def fuzz(schema: Any, path: str, mode: GenerationMode, headers: dict[str, str] | None = None) -> None:
    operation = schema[path]["POST" if path in WRITES else "GET"]

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS, headers=headers)

    check()


@pytest.fixture(scope="module")
def registry_schema(registry_server: Server) -> Any:
    return _schema(registry_server)


@pytest.fixture(scope="module")
def admin_headers(registry_home: Settings) -> dict[str, str]:
    """An admin's token in the fuzzed server's database (admins may call every operation)."""
    db = Database.from_settings(registry_home)
    try:
        with db.transaction() as session:
            create_user(session, "fuzzer", Role.ADMIN, password=None, actor="test")
            token = create_token(session, "fuzzer", "schemathesis", actor="test")
    finally:
        db.close()
    return {"Authorization": f"Bearer {token.secret}"}


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        (path, mode)
        for path in REGISTRY
        for mode in GenerationMode
        if not (path == "/healthz" and mode is GenerationMode.NEGATIVE)  # nothing to get wrong
    ],
    ids=str,
)
def test_registry_api_has_no_server_error(
    registry_schema: Any, admin_headers: dict[str, str], path: str, mode: GenerationMode
) -> None:
    fuzz(registry_schema, path, mode, admin_headers if path in AUTHENTICATED else None)


@pytest.mark.parametrize("path", sorted(AUTHENTICATED))
def test_operations_refuse_anonymous_callers_as_documented(registry_schema: Any, path: str) -> None:
    fuzz(registry_schema, path, GenerationMode.POSITIVE)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("path", PROCUREMENT)
def test_procurement_api_has_no_server_error(demo: Demo, path: str, mode: GenerationMode) -> None:
    fuzz(_schema(demo.server), path, mode)


# Random input rarely names a real record, so the answers about real ones are checked here too.
REAL_REGISTRY = [
    ("/api/v1/verify", {}, {"certificate": rb.DESKTOP}),
    ("/api/v1/verify", {}, {"certificate": rb.NOTEBOOK_SUSPENDED, "date": "2024-06-01"}),
    ("/api/v1/verify", {}, {"certificate": rb.FURNITURE_ENDED}),
    ("/api/v1/verify", {}, {"brand": "Lenovo", "model": "ThinkPad X1 Carbon"}),
    ("/api/v1/catalogue/search", {}, {"q": "lenovo", "limit": 3}),
    ("/api/v1/schemes", {}, {}),
    ("/api/v1/schemes/{code}", {"code": "CEL"}, {}),
    ("/api/v1/categories", {}, {"limit": 100}),
    ("/api/v1/categories/{code}", {"code": "office.furniture.school"}, {}),
    ("/api/v1/criteria", {}, {"limit": 100}),
    ("/api/v1/certificates", {}, {"limit": 100}),
    ("/api/v1/certificates/{number}", {"number": rb.NOTEBOOK_EU}, {}),
    ("/api/v1/certificates/{number}/products", {"number": rb.STATIONERY}, {}),
    ("/api/v1/certificates/{number}/history", {"number": rb.NOTEBOOK_SUSPENDED}, {}),
    ("/api/v1/statistics", {}, {"year": 2024}),
]


def _check_real(schema: Any, path: str, path_parameters: dict[str, Any], query: dict[str, Any]) -> None:
    case = schema.make_case(operation=schema[path]["GET"], path_parameters=path_parameters, query=query)
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("path", "path_parameters", "query"), REAL_REGISTRY, ids=str)
def test_real_answers_match_the_document(
    registry_schema: Any, path: str, path_parameters: dict[str, Any], query: dict[str, Any]
) -> None:
    _check_real(registry_schema, path, path_parameters, query)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/procurement/indicators", {"by": "year,buyer,level,region,category"}),
        ("/api/v1/procurement/benefits", {"by": "year,item"}),
    ],
    ids=str,
)
def test_real_procurement_answers_match_the_document(demo: Demo, path: str, query: dict[str, Any]) -> None:
    _check_real(_schema(demo.server), path, {}, query)
