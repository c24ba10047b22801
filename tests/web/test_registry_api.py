"""Catalogue search, reference lists, certificates and statistics through a real HTTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from tests.store import registry_builders as rb
from tests.web.test_verification_api import error


def get(api: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- catalogue search --------------------------------------------------------------------------------


def test_search_in_chinese_and_english(api: httpx.Client) -> None:
    chinese = get(api, "/api/v1/catalogue/search", q="联想")
    assert {hit["certificate"] for hit in chinese["items"]} >= {rb.DESKTOP}
    english = get(api, "/api/v1/catalogue/search", q="thinkcentre")
    assert {hit["model"] for hit in english["items"]} == {"ThinkCentre M720", "ThinkCentre M920"}
    assert english["query"] == "thinkcentre" and english["total"] is None


def test_search_filters_and_pages(api: httpx.Client) -> None:
    everything = get(api, "/api/v1/catalogue/search", q="lenovo", limit=100)["items"]
    assert len(everything) >= 4
    first = get(api, "/api/v1/catalogue/search", q="lenovo", limit=2)
    assert [h["product_id"] for h in first["items"]] == [h["product_id"] for h in everything[:2]]
    assert first["links"]["prev"] is None
    second = api.get(first["links"]["next"]).json()
    assert [h["product_id"] for h in second["items"]] == [h["product_id"] for h in everything[2:4]]
    assert second["links"]["prev"].endswith("offset=0")
    suspended = get(api, "/api/v1/catalogue/search", q="lenovo", status="suspended")["items"]
    assert [h["certificate"] for h in suspended] == [rb.NOTEBOOK_SUSPENDED]
    eu = get(api, "/api/v1/catalogue/search", q="lenovo", scheme="EU-ECOLABEL")["items"]
    assert {h["certificate"] for h in eu} == {rb.NOTEBOOK_EU}
    furniture = get(api, "/api/v1/catalogue/search", q="华森", category="office.furniture")["items"]
    assert {h["certificate"] for h in furniture} == {rb.FURNITURE_ENDED, rb.SCHOOL_FURNITURE}
    last = get(api, "/api/v1/catalogue/search", q="lenovo", limit=100)
    assert last["links"]["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "!!! ???"}, "q"),  # nothing searchable in it
        ({"q": "x" * 201}, "q"),
        ({"q": "lenovo", "status": "sleeping"}, "status"),
        ({"q": "lenovo", "limit": "0"}, "limit"),
        ({"q": "lenovo", "limit": "101"}, "limit"),
        ({"q": "lenovo", "limit": "ten"}, "limit"),
        ({"q": "lenovo", "offset": "-1"}, "offset"),
        ({"q": "lenovo", "offset": "1001"}, "offset"),
        ({"q": "lenovo", "scheme": "CEL'; --"}, "scheme"),
    ],
)
def test_bad_search_parameters(api: httpx.Client, params: dict[str, str], field: str) -> None:
    found = error(api.get("/api/v1/catalogue/search", params=params), 422)
    assert (found["code"], found["field"]) == ("validation_error", field)


# --- reference ---------------------------------------------------------------------------------------


def test_schemes_are_paged_and_sorted(api: httpx.Client) -> None:
    first = get(api, "/api/v1/schemes", limit=3)
    total = first["total"]
    assert total >= 6 and len(first["items"]) == 3
    codes = [s["code"] for s in first["items"]]
    assert codes == sorted(codes)
    everything = get(api, "/api/v1/schemes", limit=100, sort="-code")["items"]
    assert [s["code"] for s in everything] == sorted((s["code"] for s in everything), reverse=True)
    assert len(everything) == total
    second = api.get(first["links"]["next"]).json()
    assert second["offset"] == 3 and second["items"][0]["code"] not in codes
    cel = get(api, "/api/v1/schemes/CEL")
    assert (cel["name_zh"], cel["country"]) == ("中国环境标志", "CN")
    assert get(api, "/api/v1/schemes", country="CN")["total"] >= 1


def test_categories_and_their_children(api: httpx.Client) -> None:
    furniture = get(api, "/api/v1/categories/office.furniture")
    assert furniture["name_en"].startswith("Furniture")
    children = get(api, "/api/v1/categories", parent="office.furniture", limit=100)["items"]
    assert "office.furniture.school" in {c["code"] for c in children}
    assert all(c["parent"] == "office.furniture" for c in children)
    under = get(api, "/api/v1/categories", under="ict", limit=100)["items"]
    assert {"ict.computer.desktop", "ict.computer.portable"} <= {c["code"] for c in under}


def test_criteria_with_requirements_filtered(api: httpx.Client) -> None:
    cel = get(api, "/api/v1/criteria", scheme="CEL", limit=100)
    assert cel["total"] == len(cel["items"]) and all(c["scheme"] == "CEL" for c in cel["items"])
    pcs = get(api, "/api/v1/criteria", code="HJ 2536-2014")["items"]
    assert len(pcs) == 1 and "ict.computer.desktop" in pcs[0]["categories"]
    covering = get(api, "/api/v1/criteria", category="ict.computer.desktop", limit=100)["items"]
    assert "HJ 2536-2014" in {c["code"] for c in covering}
    newest_first = get(api, "/api/v1/criteria", sort="-effective_from", limit=100)["items"]
    days = [c["effective_from"] for c in newest_first]
    assert days == sorted(days, reverse=True)
    in_force = get(api, "/api/v1/criteria", in_force_on="1990-01-01")
    assert in_force["total"] < get(api, "/api/v1/criteria")["total"]


# --- certificates ------------------------------------------------------------------------------------


def test_certificates_filtered_sorted_paged(api: httpx.Client) -> None:
    listing = get(api, "/api/v1/certificates", sort="-issued_on", limit=3)
    assert listing["total"] == len(rb.CERTIFICATES)
    days = [c["issued_on"] for c in listing["items"]]
    assert days == sorted(days, reverse=True) and days[0] == "2023-02-01"
    suspended = get(api, "/api/v1/certificates", status="suspended")["items"]
    assert [c["number"] for c in suspended] == [rb.NOTEBOOK_SUSPENDED]
    expired = get(api, "/api/v1/certificates", status="expired")["items"]
    assert [(c["number"], c["status"], c["stored_status"]) for c in expired] == [
        (rb.FURNITURE_ENDED, "expired", "valid")
    ]
    lenovo = get(api, "/api/v1/certificates", licensee=rb.LENOVO)["items"]
    assert {c["number"] for c in lenovo} == {rb.DESKTOP, rb.NOTEBOOK_SUSPENDED, rb.NOTEBOOK_EU}
    furniture = get(api, "/api/v1/certificates", category="office.furniture")["items"]
    assert {c["number"] for c in furniture} == {rb.FURNITURE_ENDED, rb.SCHOOL_FURNITURE}
    by_criterion = get(api, "/api/v1/certificates", criterion="HJ 2536-2014", scheme="CEL")
    assert by_criterion["total"] == 2


def test_one_certificate_with_products_and_history(api: httpx.Client) -> None:
    body = get(api, f"/api/v1/certificates/{rb.STATIONERY}")
    assert body["status"] == "valid" and body["certificate"]["number"] == rb.STATIONERY
    assert body["product_count"] == 3 and len(body["products"]) == 3
    products = get(api, f"/api/v1/certificates/{rb.STATIONERY}/products", limit=2, sort="model")
    assert products["total"] == 3 and products["certificate"] == rb.STATIONERY
    assert [p["model"] for p in products["items"]] == sorted(p["model"] for p in body["products"])[:2]
    history = get(api, f"/api/v1/certificates/{rb.NOTEBOOK_SUSPENDED}/history")
    actions = [(e["action"], e["to_status"]) for e in history["events"]]
    assert actions[0] == ("issue", "valid") and actions[-1][1] == "suspended"
    assert all("actor" not in e for e in history["events"])  # who acted is not public


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/certificates/NO-SUCH",
        "/api/v1/certificates/NO-SUCH/history",
        "/api/v1/certificates/NO-SUCH/products",
        "/api/v1/schemes/NOPE",
        "/api/v1/categories/no.such.category",
    ],
)
def test_unknown_resources_are_404_with_the_error_body(api: httpx.Client, path: str) -> None:
    found = error(api.get(path), 404)
    assert found["code"] == "not_found" and "NO" in found["message"].upper()


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/certificates", {"sort": "licensee; DROP TABLE certificate"}, "sort"),
        ("/api/v1/certificates", {"status": "unknown"}, "status"),
        ("/api/v1/certificates", {"offset": "99999999999999999999"}, "offset"),
        ("/api/v1/criteria", {"in_force_on": "2021-02-30"}, "in_force_on"),
        ("/api/v1/categories", {"under": "<script>"}, "under"),
        ("/api/v1/statistics", {}, "year"),
        ("/api/v1/statistics", {"year": "20x4"}, "year"),
        ("/api/v1/statistics", {"year": "99999"}, "year"),
    ],
)
def test_bad_list_parameters(api: httpx.Client, path: str, params: dict[str, str], field: str) -> None:
    found = error(api.get(path, params=params), 422)
    assert (found["code"], found["field"]) == ("validation_error", field)


def test_reference_data_is_cacheable(api: httpx.Client) -> None:
    first = api.get("/api/v1/schemes")
    assert first.headers["cache-control"] == "public, max-age=300"
    again = api.get("/api/v1/schemes", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert api.get("/api/v1/schemes", params={"limit": 2}).headers["etag"] != first.headers["etag"]


# --- statistics --------------------------------------------------------------------------------------


def test_statistics_per_scheme_with_growth(api: httpx.Client) -> None:
    year = dt.date.today().year - 1
    body = get(api, "/api/v1/statistics", year=year)
    assert (body["year"], body["as_of"]) == (year, f"{year}-12-31")
    cel = next(s for s in body["schemes"] if s["scheme"] == "CEL")
    assert cel["certificates"] >= 5 and cel["licensees"] >= 4
    assert all(line.count("=") == 1 for line in cel["arithmetic"])
    only = get(api, "/api/v1/statistics", year=year, scheme="EU-ECOLABEL")["schemes"]
    assert [s["scheme"] for s in only] == ["EU-ECOLABEL"] and only[0]["certificates"] == 1
