"""The catalogue, certificate and statistics pages, the lifecycle form, and criterion withdrawal
over the API, through a real HTTP server (SQLite; PostgreSQL when configured).

The module's server has its own database: the lifecycle tests change certificates.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ecoprocure.store.db import Database
from ecoprocure.store.models import AuditEntry, CertificateEvent, Criterion
from tests.conftest import BACKENDS, database_url
from tests.store import registry_builders as rb
from tests.web.conftest import STAFF_PASSWORD, StaffedSite, staffed_site

PASSWORD = STAFF_PASSWORD
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffedSite]:
    home = tmp_path_factory.mktemp(f"web-registry-pages-{request.param}")
    with staffed_site(home, database_url(str(request.param), home)) as found:
        yield found


@pytest.fixture
def web(site: StaffedSite) -> Iterator[httpx.Client]:
    with site.server.client() as client:
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


@contextmanager
def logged_in(site: StaffedSite, username: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in through the login form."""
    with site.server.client() as client:
        token = csrf_of(client.get("/login").text)
        answer = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 303, answer.text
        yield client


def counts(db: Database) -> tuple[int, int]:
    with db.sessions() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action.like("certificate.%") | AuditEntry.action.like("criterion.%"))
            )
            or 0,
            session.scalar(select(func.count()).select_from(CertificateEvent)) or 0,
        )


def text_of(page: str) -> str:
    """The page's text without tags, entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- catalogue -----------------------------------------------------------------------------------


def test_catalogue_without_a_query_shows_the_form_and_filters(web: httpx.Client) -> None:
    page = web.get("/catalogue")
    assert page.status_code == 200
    assert 'id="catalogue-hint"' in page.text and 'id="catalogue-results"' not in page.text
    assert '<option value="CEL"' in page.text and '<option value="EU-ECOLABEL"' in page.text
    assert '<option value="office.furniture.school"' in page.text
    assert '<option value="suspended"' in page.text
    assert '<label for="q">' in page.text


def test_catalogue_results_link_to_certificates(web: httpx.Client) -> None:
    page = web.get("/catalogue", params={"q": "thinkcentre"})
    assert page.status_code == 200
    assert page.text.count("<tr data-product-id=") == 2
    assert f'href="/certificates/{rb.DESKTOP}"' in page.text
    assert "ThinkCentre M720" in page.text and "ThinkCentre M920" in page.text
    assert "2 products found." in text_of(page.text)
    assert 'data-status="valid"' in page.text
    assert 'id="page-next"' not in page.text and 'id="page-prev"' not in page.text


def test_catalogue_filters_match_the_api(web: httpx.Client) -> None:
    for params in (
        {"q": "lenovo", "status": "suspended"},
        {"q": "lenovo", "scheme": "EU-ECOLABEL"},
        {"q": "华森", "category": "office.furniture"},
        {"q": "得力", "scheme": "", "category": "", "status": ""},
    ):
        page = web.get("/catalogue", params=params)
        assert page.status_code == 200, page.text
        api = web.get("/api/v1/catalogue/search", params={k: v for k, v in params.items() if v}).json()
        shown = re.findall(r'data-certificate="([^"]+)"', page.text)
        assert shown == [hit["certificate"] for hit in api["items"]]
        assert shown


def test_catalogue_pages_with_prev_and_next(web: httpx.Client) -> None:
    everything = web.get("/api/v1/catalogue/search", params={"q": "lenovo", "limit": 100}).json()["items"]
    first = web.get("/catalogue", params={"q": "lenovo", "limit": 2})
    assert re.findall(r'data-product-id="(\d+)"', first.text) == [
        str(h["product_id"]) for h in everything[:2]
    ]
    assert 'id="page-prev"' not in first.text
    assert "Products 1–2; more follow." in text_of(first.text)
    next_link = html.unescape(re.search(r'href="([^"]+)" rel="next"', first.text).group(1))  # type: ignore[union-attr]
    assert "offset=2" in next_link and "q=lenovo" in next_link
    second = web.get(next_link)
    assert re.findall(r'data-product-id="(\d+)"', second.text) == [
        str(h["product_id"]) for h in everything[2:4]
    ]
    prev_link = html.unescape(re.search(r'href="([^"]+)" rel="prev"', second.text).group(1))  # type: ignore[union-attr]
    assert "offset" not in prev_link


def test_catalogue_empty_state(web: httpx.Client) -> None:
    page = web.get("/catalogue", params={"q": "zzzqqqxxx"})
    assert page.status_code == 200
    assert 'id="catalogue-empty"' in page.text and "zzzqqqxxx" in page.text


def test_catalogue_in_chinese_uses_chinese_names(web: httpx.Client) -> None:
    page = web.get("/catalogue", params={"q": "thinkcentre"}, headers=ZH)
    assert page.status_code == 200 and page.headers["content-language"] == "zh-Hans"
    assert "绿色产品" in page.text and "台式计算机" in page.text  # the category's Chinese name
    assert "有效" in page.text  # the status in Chinese
    english = web.get("/catalogue", params={"q": "thinkcentre", "lang": "en"})
    assert "Desktop" in english.text or "desktop" in english.text
    assert "</span> valid</span>" in english.text  # status names are not kept from the Chinese page


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"q": "lenovo", "status": "sleeping"},
        {"q": "lenovo", "scheme": "CEL'; --"},
        {"q": "lenovo", "limit": "0"},
        {"q": "lenovo", "offset": "1001"},
        {"q": "lenovo", "offset": "many"},
        {"q": "a\x00b"},
        {"q": "!!! ???"},
    ],
)
def test_bad_catalogue_queries_are_400_on_the_page(web: httpx.Client, params: dict[str, str]) -> None:
    page = web.get("/catalogue", params=params)
    assert page.status_code == 400
    assert 'id="catalogue-problem"' in page.text and 'role="search"' in page.text
    assert 'id="catalogue-results"' not in page.text


def test_catalogue_query_is_escaped(web: httpx.Client) -> None:
    attack = '<script>alert("x")</script> lenovo'
    page = web.get("/catalogue", params={"q": attack})
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


# --- certificate page ----------------------------------------------------------------------------


def test_certificate_page_shows_facts_products_and_history(web: httpx.Client) -> None:
    page = web.get(f"/certificates/{rb.NOTEBOOK_SUSPENDED}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert 'id="certificate-status" data-status="suspended"' in page.text
    assert "Lenovo (Beijing) Co., Ltd." in text and "HJ 2536-2014" in text
    assert "ThinkPad X1 Carbon" in text
    assert rb.SUSPENSION_REASON in text
    assert f'href="/verify?certificate={rb.NOTEBOOK_SUSPENDED}"' in page.text
    history = page.text.split('id="certificate-history"')[1]
    assert 'data-action="suspend"' in history or 'data-action="issue"' in history
    assert 'id="action-form"' not in page.text  # the public sees no form


def test_certificate_page_in_chinese(web: httpx.Client) -> None:
    page = web.get(f"/certificates/{rb.DESKTOP}", headers=ZH)
    assert page.status_code == 200
    assert "联想(北京)有限公司" in page.text and "产品型号" in page.text and "有效" in page.text


def test_certificate_products_are_paged_by_fifty(site: StaffedSite, web: httpx.Client) -> None:
    page = web.get(f"/certificates/{rb.STATIONERY}")
    assert "3 product models are covered by this certificate." in text_of(page.text)
    assert 'id="page-next"' not in page.text
    later = web.get(f"/certificates/{rb.STATIONERY}", params={"offset": 50})
    assert later.status_code == 200 and 'id="page-prev"' in later.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/certificates/NOPE-1", 404),
        ("/certificates/" + "X" * 81, 404),
        (f"/certificates/{rb.DESKTOP}?offset=-1", 400),
        (f"/certificates/{rb.DESKTOP}?offset=abc", 400),
    ],
)
def test_certificate_page_errors(web: httpx.Client, path: str, status: int) -> None:
    page = web.get(path)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")


# --- lifecycle form -------------------------------------------------------------------------------


def test_officer_suspends_from_the_page_and_the_public_sees_it(site: StaffedSite) -> None:
    audit_before, events_before = counts(site.db)
    with logged_in(site, "olga") as officer:
        page = officer.get(f"/certificates/{rb.PAINT}")
        assert 'id="action-form"' in page.text
        answer = officer.post(
            f"/certificates/{rb.PAINT}/actions",
            data={
                "csrf_token": csrf_of(page.text),
                "action": "suspend",
                "effective_on": "",
                "reason": "VOC test failed <b>badly</b>",
            },
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == f"/certificates/{rb.PAINT}?done=suspend"
        shown = officer.get(answer.headers["location"])
        assert 'id="action-done"' in shown.text
    assert counts(site.db) == (audit_before + 1, events_before + 1)
    with site.db.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None
    assert (entry.actor, entry.action, entry.target) == (
        "olga",
        "certificate.suspend",
        f"certificate:{rb.PAINT}",
    )
    assert entry.details is not None and entry.details["via"] == "page"
    with site.server.client() as public:
        page = public.get(f"/certificates/{rb.PAINT}")
        assert 'data-status="suspended"' in page.text
        assert "VOC test failed &lt;b&gt;badly&lt;/b&gt;" in page.text
        assert "olga" not in page.text  # who acted is not public
        verify = public.get("/verify", params={"certificate": rb.PAINT})
        assert 'data-status="suspended"' in verify.text
        assert public.get("/api/v1/verify", params={"certificate": rb.PAINT}).json()["status"] == "suspended"


def test_admin_reinstates_and_renews(site: StaffedSite) -> None:
    with logged_in(site, "root") as admin:
        token = csrf_of(admin.get(f"/certificates/{rb.AIR_CONDITIONER}").text)
        later = (rb.FUTURE + dt.timedelta(days=365)).isoformat()
        answer = admin.post(
            f"/certificates/{rb.AIR_CONDITIONER}/actions",
            data={"csrf_token": token, "action": "renew", "expires_on": later, "reason": "re-audited"},
        )
        assert answer.status_code == 303, answer.text
        assert later in admin.get(f"/certificates/{rb.AIR_CONDITIONER}").text


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"action": "reinstate"}, 409, "The lifecycle rules refuse this action"),  # it is valid
        ({"action": "suspend"}, 409, "The lifecycle rules refuse this action"),  # no reason
        ({"action": "renew"}, 400, "Give the new expiry date"),
        ({"action": "renew", "expires_on": "next year"}, 400, "is not a date"),
        ({"action": "explode", "reason": "x"}, 400, "Choose one of the actions"),
        ({"action": "suspend", "reason": "a\x00b"}, 400, "control characters"),
    ],
)
def test_refused_actions_are_shown_and_write_nothing(
    site: StaffedSite, form: dict[str, str], status: int, message: str
) -> None:
    before = counts(site.db)
    with logged_in(site, "olga") as officer:
        token = csrf_of(officer.get(f"/certificates/{rb.STATIONERY}").text)
        answer = officer.post(f"/certificates/{rb.STATIONERY}/actions", data={"csrf_token": token, **form})
        assert answer.status_code == status, answer.text
        assert 'id="action-problem"' in answer.text and message in html.unescape(answer.text)
        assert 'id="action-form"' in answer.text
    assert counts(site.db) == before
    with site.server.client() as public:
        assert public.get("/api/v1/verify", params={"certificate": rb.STATIONERY}).json()["status"] == "valid"


def test_actions_need_csrf_and_the_officer_role(site: StaffedSite) -> None:
    before = counts(site.db)
    form = {"action": "suspend", "reason": "x"}
    with site.server.client() as public:
        token = csrf_of(public.get("/login").text)
        assert public.post(f"/certificates/{rb.STATIONERY}/actions", data=form).status_code == 403
        refused = public.post(f"/certificates/{rb.STATIONERY}/actions", data={**form, "csrf_token": token})
        assert refused.status_code == 401
    with logged_in(site, "ana") as analyst:
        page = analyst.get(f"/certificates/{rb.STATIONERY}")
        assert 'id="action-form"' not in page.text
        refused = analyst.post(
            f"/certificates/{rb.STATIONERY}/actions", data={**form, "csrf_token": csrf_of(page.text)}
        )
        assert refused.status_code == 403
    with logged_in(site, "olga") as officer:
        officer.get(f"/certificates/{rb.STATIONERY}")
        assert officer.post(f"/certificates/{rb.STATIONERY}/actions", data=form).status_code == 403
        wrong = officer.post(f"/certificates/{rb.STATIONERY}/actions", data={**form, "csrf_token": "x" * 43})
        assert wrong.status_code == 403
        unknown = officer.post(
            "/certificates/NOPE-1/actions",
            data={**form, "csrf_token": csrf_of(officer.get(f"/certificates/{rb.STATIONERY}").text)},
        )
        assert unknown.status_code == 404
    assert counts(site.db) == before


# --- statistics ------------------------------------------------------------------------------------


def test_statistics_page_matches_the_api(web: httpx.Client) -> None:
    year = rb.TODAY.year - 1
    page = web.get("/statistics", params={"year": year})
    assert page.status_code == 200
    api = web.get("/api/v1/statistics", params={"year": year}).json()["schemes"]
    assert api
    for row in api:
        table = page.text.split(f'id="statistics-{row["scheme"]}"')[1].split("</table>")[0]
        for measure in ("criteria", "licensees", "certificates", "categories", "product_models"):
            cell = re.search(rf'data-measure="{measure}">.*?data-value="(\d+)"', table, re.S)
            assert cell and int(cell.group(1)) == row[measure]
    assert "<svg" in page.text and 'id="statistics-chart"' in page.text
    assert f'<option value="{year}" selected>' in page.text


def test_statistics_growth_arithmetic_is_shown(web: httpx.Client) -> None:
    year = 2022  # PAINT and AIR_CONDITIONER were issued in 2022: 5 → 7 certificates
    page = web.get("/statistics", params={"year": year, "scheme": "CEL"})
    api = web.get("/api/v1/statistics", params={"year": year, "scheme": "CEL"}).json()["schemes"][0]
    row = page.text.split('data-measure="certificates"')[1]
    previous = int(re.search(r'data-previous="(\d+)"', row).group(1))  # type: ignore[union-attr]
    current = api["certificates"]
    assert previous and current != previous  # the test registry grew
    percent = round((current - previous) / previous * 100, 1)
    assert api["growth_percent"]["certificates"] == percent
    assert f"({current:,} − {previous:,}) / {previous:,} = {percent:.1f} %" in page.text
    assert page.text.count('class="data statistics"') == 1


def test_statistics_in_chinese_and_by_default(web: httpx.Client) -> None:
    page = web.get("/statistics", headers=ZH)
    assert page.status_code == 200 and "有效证书" in page.text
    assert f'<option value="{rb.TODAY.year - 1}" selected>' in page.text


@pytest.mark.parametrize(
    "params", [{"year": "1800"}, {"year": "soon"}, {"scheme": "NOPE"}, {"scheme": "<b>"}]
)
def test_bad_statistics_queries(web: httpx.Client, params: dict[str, str]) -> None:
    page = web.get("/statistics", params=params)
    assert page.status_code == 400 and "<b>" not in page.text.split("<main")[1]


# --- criterion withdrawal over the API -------------------------------------------------------------

WITHDRAW = "/api/v1/criteria/{}/{}/withdraw"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def withdrawn_on(db: Database, code: str) -> dt.date | None:
    with db.sessions() as session:
        return session.scalars(select(Criterion.withdrawn_on).where(Criterion.standard_code == code)).first()


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


def test_withdraw_needs_an_officer(site: StaffedSite, web: httpx.Client) -> None:
    before = counts(site.db)
    path = WITHDRAW.format("CEL", "HJ 2537-2014")
    body = {"reason": "replaced"}
    assert error_code(web.post(path, json=body), 401) == "unauthorized"
    assert error_code(web.post(path, json=body, headers=bearer("eco_nope_nope")), 401) == "unauthorized"
    assert error_code(web.post(path, json=body, headers=bearer(site.analyst)), 403) == "forbidden"
    assert counts(site.db) == before and withdrawn_on(site.db, "HJ 2537-2014") is None


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        (WITHDRAW.format("CEL", "HJ 0-0000"), {"reason": "r"}, 404),
        (WITHDRAW.format("NOPE", "HJ 2537-2014"), {"reason": "r"}, 404),
        (WITHDRAW.format("CEL", "HJ 2537-2014"), {}, 422),  # a reason is required
        (WITHDRAW.format("CEL", "HJ 2537-2014"), {"reason": ""}, 422),
        (WITHDRAW.format("CEL", "HJ 2537-2014"), {"reason": "r", "effective_on": "soon"}, 422),
        (WITHDRAW.format("CEL", "HJ 2537-2014"), {"reason": "r", "extra": 1}, 422),
        (WITHDRAW.format("CEL'--", "HJ 2537-2014"), {"reason": "r"}, 422),
    ],
)
def test_withdraw_refusals(
    site: StaffedSite, web: httpx.Client, path: str, body: dict[str, Any], status: int
) -> None:
    before = counts(site.db)
    answer = web.post(path, json=body, headers=bearer(site.officer))
    assert answer.status_code == status, answer.text
    assert counts(site.db) == before


def test_officer_withdraws_a_criterion_once(site: StaffedSite, web: httpx.Client) -> None:
    audit_before, events_before = counts(site.db)
    day = rb.TODAY.isoformat()
    answer = web.post(
        WITHDRAW.format("CEL", "HJ%20572-2010"),
        json={"reason": "replaced by a newer standard", "effective_on": day},
        headers=bearer(site.officer),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body == {
        "scheme": "CEL",
        "criterion": "HJ 572-2010",
        "withdrawn_on": day,
        "certificates_ended": [rb.STATIONERY],
        "actor": "olga",
    }
    assert answer.headers["cache-control"] == "no-store"
    assert withdrawn_on(site.db, "HJ 572-2010") == rb.TODAY
    assert counts(site.db) == (audit_before + 1, events_before + 1)
    with site.db.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and (entry.actor, entry.action) == ("olga", "criterion.withdraw")
    assert entry.target == "criterion:CEL:HJ 572-2010"
    assert entry.details is not None and entry.details["certificates_ended"] == [rb.STATIONERY]
    assert entry.details["token"] == site.officer.split("_")[1]
    status = web.get("/api/v1/verify", params={"certificate": rb.STATIONERY}).json()["status"]
    assert status == "withdrawn" or status != "valid"
    again = web.post(
        WITHDRAW.format("CEL", "HJ 572-2010"), json={"reason": "again"}, headers=bearer(site.admin)
    )
    assert error_code(again, 409) == "conflict"
    assert counts(site.db) == (audit_before + 1, events_before + 1)


def test_withdraw_is_in_the_openapi_document(web: httpx.Client) -> None:
    spec = web.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/criteria/{scheme}/{code}/withdraw"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert operation["security"]
