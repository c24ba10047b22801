"""Indicators and benefits over HTTP: the same numbers as ``pipeline.run`` on the demo workspace."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ecoprocure.domain.factors import DEFAULT_FACTOR_SET
from ecoprocure.web.services import Services
from tests.web.conftest import Demo
from tests.web.test_verification_api import error


def _plain(data: Any) -> Any:
    """What the API's JSON of ``data`` decodes to (dates as strings, Decimals as numbers)."""
    return json.loads(json.dumps(data, default=str))


def assert_close(found: Any, expected: Any, where: str = "") -> None:
    """Equal, numbers within a relative 1e-9 (DuckDB's float sums may differ in the last bits)."""
    if isinstance(expected, float) and isinstance(found, int | float):
        assert found == pytest.approx(expected, rel=1e-9), where
    elif isinstance(expected, dict):
        assert isinstance(found, dict) and set(found) == set(expected), where
        for key, value in expected.items():
            assert_close(found[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), where
        for n, (one, other) in enumerate(zip(found, expected, strict=True)):
            assert_close(one, other, f"{where}[{n}]")
    else:
        assert found == expected, where


@pytest.fixture(scope="module")
def client(demo: Demo) -> Any:
    with demo.server.client() as found:
        yield found


def test_indicators_are_the_pipelines(demo: Demo, client: httpx.Client) -> None:
    response = client.get("/api/v1/procurement/indicators", params={"by": "year"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["by"] == ["year"] and body["reporting_currency"] == "CNY"
    expected = demo.result.indicators
    assert_close(body["rows"], _plain(expected.rows))
    assert body["coverage"]["items"] == expected.coverage["items"]
    by_category = client.get("/api/v1/procurement/indicators", params={"by": "category"}).json()
    assert_close(by_category["rows"], _plain(demo.result.indicators_by_category.rows))
    assert response.headers["cache-control"] == "public, max-age=60"


def test_results_are_cached_per_question_and_input(demo: Demo, client: httpx.Client) -> None:
    services: Services = demo.server.app.state.services
    first = client.get("/api/v1/procurement/indicators", params={"by": "region,year"})
    runs = services.analyses.runs
    again = client.get("/api/v1/procurement/indicators", params={"by": "region,year"})
    assert again.json() == first.json() and services.analyses.runs == runs
    assert (
        client.get(
            "/api/v1/procurement/indicators",
            params={"by": "region,year"},
            headers={"If-None-Match": first.headers["etag"]},
        ).status_code
        == 304
    )
    client.get("/api/v1/procurement/indicators", params={"by": "region,year", "currency": "usd"})
    assert services.analyses.runs == runs + 1  # another question, another run


def test_benefits_are_the_pipelines(demo: Demo, client: httpx.Client) -> None:
    response = client.get("/api/v1/procurement/benefits", params={"by": ""})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = demo.result.benefits
    assert (body["factor_set"], body["factor_set_version"]) == (
        expected.factor_set,
        expected.factor_set_version,
    )
    assert_close(body["rows"], _plain(expected.rows))
    assert body["factors"] and all(f["trace"] for f in body["factors"])
    annual = client.get("/api/v1/procurement/benefits", params={"period": "annual", "by": "year"}).json()
    assert annual["period"] == "annual" and {r["year"] for r in annual["rows"]}


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/v1/procurement/indicators", {"by": "year,planet"}, 422, "by"),
        ("/api/v1/procurement/indicators", {"by": "year;drop"}, 422, "by"),
        ("/api/v1/procurement/indicators", {"currency": "XYZ"}, 422, "currency"),
        ("/api/v1/procurement/indicators", {"currency": "yuan"}, 422, "currency"),
        ("/api/v1/procurement/indicators", {"rate_years": "closest"}, 422, "rate_years"),
        ("/api/v1/procurement/benefits", {"by": "item,galaxy"}, 422, "by"),
        ("/api/v1/procurement/benefits", {"period": "decade"}, 422, "period"),
        ("/api/v1/procurement/benefits", {"factors": "../../etc"}, 422, "factors"),
        ("/api/v1/procurement/benefits", {"factors": "no-such-set"}, 404, None),
    ],
)
def test_bad_procurement_questions(
    client: httpx.Client, path: str, params: dict[str, str], status: int, field: str | None
) -> None:
    found = error(client.get(path, params=params), status)
    assert found["field"] == field
    if status == 404:
        assert DEFAULT_FACTOR_SET in found["message"] or "factors list" in found["message"]


def test_no_procurement_data_yet(api: httpx.Client) -> None:
    found = error(api.get("/api/v1/procurement/indicators"), 404)
    assert found["code"] == "no_data" and "ecoprocure ingest" in found["message"]
