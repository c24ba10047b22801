"""``GET /api/v1/verify`` through a real HTTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from ecoprocure.settings import Settings
from ecoprocure.web.app import create_app
from tests.store import registry_builders as rb
from tests.web.conftest import Demo, serve


def verify(api: httpx.Client, **params: str) -> dict[str, Any]:
    response = api.get("/api/v1/verify", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    """The error body, checked for its documented shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field", "status", "details"}
    assert body["error"]["status"] == status
    assert "Traceback" not in response.text
    found: dict[str, Any] = body["error"]
    return found


def test_verify_by_certificate_number(api: httpx.Client) -> None:
    body = verify(api, certificate=" cec - 2021 - 0001 ")
    assert body["status"] == "valid"
    assert body["query"] == {"certificate": " cec - 2021 - 0001 "}
    facts = body["certificate"]
    assert (facts["number"], facts["scheme_code"], facts["licensee_registration_id"]) == (
        rb.DESKTOP,
        "CEL",
        rb.LENOVO,
    )
    assert (facts["issued_on"], facts["expires_on"]) == ("2021-03-01", rb.FUTURE.isoformat())
    assert body["as_of"] == dt.date.today().isoformat()
    assert {r["scheme"] for r in body["recognised_by"]} == {"JP-ECOMARK", "KR-ECOLABEL"}


@pytest.mark.parametrize(
    ("number", "status", "reason"),
    [
        (rb.NOTEBOOK_SUSPENDED, "suspended", f"suspended since {rb.SUSPENDED_SINCE}: {rb.SUSPENSION_REASON}"),
        (rb.FURNITURE_ENDED, "expired", f"expired on {rb.ENDED}"),
        ("CEC-1999-9999", "unknown", "no certificate numbered 'CEC-1999-9999' in the registry"),
    ],
)
def test_verify_answers_every_state(api: httpx.Client, number: str, status: str, reason: str) -> None:
    body = verify(api, certificate=number)
    assert (body["status"], body["reason"]) == (status, reason)


def test_an_unknown_certificate_is_an_answer_not_a_missing_resource(api: httpx.Client) -> None:
    body = verify(api, certificate="NO-SUCH-CERT")
    assert body["status"] == "unknown"
    assert "certificate" not in body and body["recognised_by"] == []


def test_verify_on_a_date(api: httpx.Client) -> None:
    before_issue = verify(api, certificate=rb.DESKTOP, date="2020-12-31")
    assert before_issue["status"] == "unknown"
    assert before_issue["reason"] == f"certificate {rb.DESKTOP} is not issued until 2021-03-01"
    before_suspension = verify(api, certificate=rb.NOTEBOOK_SUSPENDED, date="2023-06-30")
    assert (before_suspension["status"], before_suspension["as_of"]) == ("valid", "2023-06-30")
    assert verify(api, certificate=rb.FURNITURE_ENDED, date="2020-06-30")["status"] == "valid"


def test_verify_by_brand_and_model(api: httpx.Client) -> None:
    body = verify(api, brand="lenovo", model="thinkpad  X1 carbon")
    # Two certificates cover this model: the valid EU Ecolabel one wins over the suspended CEL one.
    assert body["status"] == "valid"
    assert body["certificate"]["number"] == rb.NOTEBOOK_EU
    assert body["other_certificates"] == [rb.NOTEBOOK_SUSPENDED]
    assert body["product"] == {
        "brand": "Lenovo",
        "model": "ThinkPad X1 Carbon",
        "gtin": None,
        "category": "ict.computer.portable",
    }
    chinese = verify(api, brand="联想", model="启天M428")
    assert chinese["certificate"]["number"] == rb.DESKTOP
    assert verify(api, brand="Lenovo", model="ThinkPad Z13")["status"] == "unknown"


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "certificate", "exactly one of"),
        ({"certificate": rb.DESKTOP, "brand": "Lenovo", "model": "X"}, None, "exactly one of"),
        ({"brand": "Lenovo"}, "model", "brand and model go together"),
        ({"model": "ThinkCentre M720"}, "brand", "brand and model go together"),
        ({"certificate": ""}, "certificate", "at least 1 character"),
        ({"certificate": "C" * 81}, "certificate", "at most 80 characters"),
        ({"certificate": "CEC\x00-2021"}, "certificate", "control characters"),
        ({"certificate": rb.DESKTOP, "date": "2021-13-01"}, "date", "date"),
        ({"certificate": rb.DESKTOP, "date": "yesterday"}, "date", "date"),
    ],
)
def test_bad_verification_questions_get_the_error_body(
    api: httpx.Client, params: dict[str, str], field: str | None, words: str
) -> None:
    found = error(api.get("/api/v1/verify", params=params), 422)
    assert found["code"] == "validation_error"
    assert found["field"] == field
    assert words in found["message"]


INJECTIONS = [
    "' OR '1'='1",
    "CEC-2021-0001'; DROP TABLE certificate; --",
    '" UNION SELECT number FROM certificate --',
    "<script>alert(1)</script>",
    "%' AND 1=1 --",
    "\\'; DELETE FROM product_model; --",
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_attempts_are_plain_text(api: httpx.Client, text: str) -> None:
    assert verify(api, certificate=text)["status"] == "unknown"
    answer = verify(api, brand=text, model=text)
    assert answer["status"] == "unknown" and answer["query"] == {"brand": text, "model": text}


def test_injection_attempts_change_nothing(api: httpx.Client) -> None:
    before = api.get("/api/v1/certificates", params={"limit": 1}).json()["total"]
    for text in INJECTIONS:
        api.get("/api/v1/verify", params={"certificate": text})
        api.get("/api/v1/catalogue/search", params={"q": text})
        api.get("/api/v1/certificates", params={"licensee": text})
    assert api.get("/api/v1/certificates", params={"limit": 1}).json()["total"] == before == 8
    assert verify(api, certificate=rb.DESKTOP)["status"] == "valid"


def test_etag_and_not_modified(api: httpx.Client) -> None:
    first = api.get("/api/v1/verify", params={"certificate": rb.DESKTOP})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = api.get("/api/v1/verify", params={"certificate": rb.DESKTOP}, headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    weak = api.get(
        "/api/v1/verify", params={"certificate": rb.DESKTOP}, headers={"If-None-Match": f'"x", W/{etag}'}
    )
    assert weak.status_code == 304
    other = api.get("/api/v1/verify", params={"certificate": rb.PAINT}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_security_headers(api: httpx.Client) -> None:
    response = api.get("/api/v1/verify", params={"certificate": "<b>x</b>"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/json"


def test_rate_limit_answers_429_with_the_error_body(registry_home: Settings) -> None:
    limited = registry_home.model_copy(update={"verify_rate_limit": "3/minute"})
    with serve(create_app(limited)) as server, server.client() as client:
        for _ in range(3):
            assert client.get("/api/v1/verify", params={"certificate": rb.DESKTOP}).status_code == 200
        refused = client.get("/api/v1/verify", params={"certificate": rb.DESKTOP})
        found = error(refused, 429)
        assert found["code"] == "rate_limited" and "3/minute" in found["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert client.get("/healthz").status_code == 200  # only verification is limited
        assert client.get("/api/v1/certificates/" + rb.DESKTOP).status_code == 200


def test_verify_a_signed_qr_text(demo: Demo) -> None:
    with demo.server.client() as client:
        body = verify(client, qr=demo.result.qr_text)
        assert body["status"] == "valid"
        assert body["certificate"]["number"] == demo.result.valid_number
        forged = demo.result.qr_text[:-6] + (
            "AAAAAA" if not demo.result.qr_text.endswith("AAAAAA") else "BBBBBB"
        )
        assert verify(client, qr=forged)["status"] == "invalid-signature"
        assert verify(client, qr="not a qr code")["status"] == "invalid-signature"
