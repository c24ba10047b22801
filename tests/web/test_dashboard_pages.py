"""The green procurement dashboard over HTTP on the demo workspace: the figures are the API's for the
same filter, in English and Chinese; downloads carry the same numbers; bad filters are 422 pages;
no data is a friendly page; plotly.js is served from the wheel."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openpyxl
import pytest

from ecoprocure.web import analyses
from ecoprocure.web.pages.dashboard import _safe_json, warm_up
from ecoprocure.web.services import Services
from tests.web.conftest import Demo, Server, build_registry, serve, web_settings

FIGURE = re.compile(r'data-figure="([a-z_]+)" data-value="([^"]*)"')
CHART = re.compile(r'data-chart="([a-z]+)"')
SPEC = re.compile(r'<script type="application/json" id="spec-([a-z]+)">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[httpx.Client]:
    with demo.server.client() as found:
        yield found


def figures(page: str) -> dict[str, float | None]:
    return {name: float(value) if value else None for name, value in FIGURE.findall(page)}


def api_row(client: httpx.Client, by: str, **chosen: Any) -> dict[str, Any]:
    body = client.get("/api/v1/procurement/indicators", params={"by": by}).json()
    rows = [r for r in body["rows"] if all(r[k] == v for k, v in chosen.items())]
    assert len(rows) == 1, rows
    return dict(rows[0])


def latest_year(client: httpx.Client) -> int:
    rows = client.get("/api/v1/procurement/indicators", params={"by": "year"}).json()["rows"]
    return max(r["year"] for r in rows if r["year"] is not None)


def assert_same(page: dict[str, float | None], row: dict[str, Any]) -> None:
    for name, value in page.items():
        expected = row[name]
        if expected is None:
            assert value is None, name
        else:
            assert value == pytest.approx(expected, rel=1e-9), name


def test_page_in_english_and_chinese_with_the_apis_figures(client: httpx.Client) -> None:
    year = latest_year(client)
    en = client.get("/dashboard", params={"lang": "en"})
    assert en.status_code == 200, en.text
    assert "Green procurement dashboard" in en.text and "Green share by category" in en.text
    shown = figures(en.text)
    assert set(shown) >= {"green_spend", "eligible_spend", "green_share", "green_share_by_count"}
    assert_same(shown, api_row(client, "year", year=year))
    assert shown["green_share_change"] is not None  # the demo has two years
    zh = client.get("/dashboard", params={"lang": "zh"})
    assert zh.status_code == 200 and zh.headers["content-language"] == "zh-Hans"
    assert "绿色采购看板" in zh.text and "按类别的绿色份额" in zh.text
    assert figures(zh.text) == shown
    assert set(CHART.findall(en.text)) == {"years", "categories", "regions", "buyers", "benefits"}
    assert 'role="img"' in en.text and "/static/vendor/plotly.min.js" in en.text


def test_charts_are_plotly_figures_with_translated_titles(client: httpx.Client) -> None:
    zh = client.get("/dashboard", params={"lang": "zh"}).text
    specs = {name: json.loads(text) for name, text in SPEC.findall(zh)}
    assert set(specs) == {"years", "categories", "regions", "buyers", "benefits"}
    assert specs["years"]["layout"]["title"]["text"] == "按年份的绿色份额"
    assert specs["years"]["data"][0]["type"] == "scatter"
    assert specs["benefits"]["layout"]["yaxis"]["type"] == "log"  # CO2 would hide the pollutants
    assert all(
        trace["type"] == "bar"
        for name in ("categories", "regions", "buyers")
        for trace in specs[name]["data"]
    )
    # the chart's numbers are the table's
    year = latest_year(client)
    en = client.get("/dashboard", params={"lang": "en"}).text
    years = {name: json.loads(text) for name, text in SPEC.findall(en)}["years"]["data"][0]
    assert years["y"][-1] == pytest.approx(api_row(client, "year", year=year)["green_share"])


def test_filters_change_the_figures_and_equal_the_api(client: httpx.Client) -> None:
    year = latest_year(client)
    regions = client.get("/api/v1/procurement/indicators", params={"by": "region"}).json()["rows"]
    region = sorted(r["buyer_region"] for r in regions if r["buyer_region"])[0]
    whole = figures(client.get("/dashboard").text)
    page = client.get("/dashboard", params={"region": region, "year": str(year - 1)})
    assert page.status_code == 200, page.text
    shown = figures(page.text)
    assert shown != whole
    assert_same(shown, api_row(client, "year,region", year=year - 1, buyer_region=region))
    assert f'<option value="{html.escape(region)}" selected>' in page.text
    level = figures(client.get("/dashboard", params={"level": "provincial"}).text)
    assert_same(level, api_row(client, "year,level", year=year, buyer_level="provincial"))
    both = client.get("/dashboard", params={"level": "provincial", "category": "paper.copy"})
    assert both.status_code == 200
    assert_same(
        figures(both.text),
        api_row(client, "year,category,level", year=year, buyer_level="provincial", category="paper.copy"),
    )


def test_results_are_shared_with_the_api_cache(demo: Demo, client: httpx.Client) -> None:
    services: Services = demo.server.app.state.services
    client.get("/dashboard", params={"level": "municipal"})
    runs = services.analyses.runs
    assert client.get("/dashboard", params={"level": "municipal", "lang": "zh"}).status_code == 200
    client.get("/api/v1/procurement/indicators", params={"by": "year,level"})
    client.get("/api/v1/procurement/indicators", params={"by": "year,buyer"})
    assert services.analyses.runs == runs


def test_a_filter_never_asked_before_runs_nothing(demo: Demo, client: httpx.Client) -> None:
    services: Services = demo.server.app.state.services
    assert client.get("/dashboard").status_code == 200
    runs = services.analyses.runs
    regions = [r for r in analyses.dashboard_rollup(services).indicators if r["buyer_region"]]
    region, category, level = (regions[0][c] for c in ("buyer_region", "category", "buyer_level"))
    for params in (
        {"region": region},
        {"region": region, "category": category},
        {"category": category, "level": "municipal", "year": str(latest_year(client) - 1)},
        {"region": region, "level": level, "lang": "zh"},
    ):
        assert client.get("/dashboard", params=params).status_code == 200, params
        assert client.get("/dashboard/download/buyers.csv", params=params).status_code == 200
    assert services.analyses.runs == runs


COLUMNS = {"year": ["year"], "region": ["buyer_region"], "category": ["category"], "level": ["buyer_level"]}
COLUMNS["buyer"] = ["buyer_id", "buyer_name"]


def _keyed(rows: list[dict[str, Any]], keys: list[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in rows}


def _assert_rows_equal(got: list[dict[str, Any]], want: list[dict[str, Any]], keys: list[str]) -> None:
    by_key = _keyed(got, keys)
    assert set(by_key) == set(_keyed(want, keys))
    for expected in want:
        row = by_key[tuple(expected[k] for k in keys)]
        for name, value in row.items():
            if name in keys or name not in expected:
                continue
            if value is None or expected[name] is None or isinstance(value, str):
                assert value == expected[name], name
            elif name.endswith("items"):
                assert value == expected[name], name  # counts: exactly
            else:
                assert value == pytest.approx(expected[name], rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize(
    ("dims", "where"),
    [
        (["year"], {}),
        (["region"], {}),
        (["year", "region"], {}),
        (["year", "category"], {"buyer_region": 0}),
        (["year", "category", "level"], {"buyer_level": "provincial"}),
        (["year", "region", "category", "level"], {}),
        (["category"], {"year": -1}),
    ],
)
def test_roll_up_equals_the_pipelines_answer(
    demo: Demo, client: httpx.Client, dims: list[str], where: dict[str, Any]
) -> None:
    from ecoprocure.domain import rollup

    services: Services = demo.server.app.state.services
    data = analyses.dashboard_rollup(services)
    if where.get("buyer_region") == 0:
        where = {"buyer_region": sorted(r["buyer_region"] for r in data.indicators if r["buyer_region"])[0]}
    if where.get("year") == -1:
        where = {"year": latest_year(client)}
    keys = [c for d in dims for c in COLUMNS[d]]
    asked = list(dict.fromkeys([*dims, *(d for d, cs in COLUMNS.items() for c in cs if c in where)]))
    order = ["year", "region", "category", "level"]
    asked.sort(key=order.index)
    pipeline = analyses.indicators(services, asked)["rows"]
    kept = [r for r in pipeline if all(r[c] == v for c, v in where.items())]
    from ecoprocure.pipeline.run import with_trends

    if set(asked) != set(dims):  # the pipeline's rows of the same question: its own dims only
        kept = with_trends(
            [dict(r) for r in kept], [d for d in asked if d in dims or d == "year"] if "year" in dims else []
        )
    got = rollup.indicators(data.indicators, keys, where)
    _assert_rows_equal(got, kept, keys)
    assert got, "the question has rows"
    benefits = analyses.benefits(services, asked)["rows"]
    kept_benefits = [r for r in benefits if all(r[c] == v for c, v in where.items())]
    got_benefits = rollup.benefits(data.benefits, keys, where)
    _assert_rows_equal(got_benefits, kept_benefits, [*keys, "impact", "measure"])


def test_top_buyers_equal_the_pipelines(demo: Demo, client: httpx.Client) -> None:
    from ecoprocure.web.pages.dashboard import TOP_BUYERS

    services: Services = demo.server.app.state.services
    data = analyses.dashboard_rollup(services)
    assert data.buyer_categories_pruned  # the demo's buyers have one region and level a year
    year = latest_year(client)
    for category in sorted({r["category"] for r in data.indicators if r["category"]})[:4]:
        _response, rows = _csv(client, "buyers", category=category, year=str(year))
        want = [
            r
            for r in analyses.indicators(services, ["year", "category", "buyer"])["rows"]
            if r["category"] == category and r["year"] == year
        ]
        want.sort(key=lambda r: (-(r["green_spend"] or 0), -(r["eligible_spend"] or 0), str(r["buyer_id"])))
        assert [r["buyer_id"] for r in rows] == [r["buyer_id"] or "" for r in want[:TOP_BUYERS]]
        for got, expected in zip(rows, want, strict=False):
            assert float(got["green_spend"]) == pytest.approx(expected["green_spend"], rel=1e-9)
            assert int(got["items"]) == expected["items"]


def _csv(client: httpx.Client, table: str, **params: str) -> tuple[httpx.Response, list[dict[str, str]]]:
    response = client.get(f"/dashboard/download/{table}.csv", params=params)
    assert response.status_code == 200, response.text
    return response, list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_download_has_the_tables_numbers(client: httpx.Client) -> None:
    year = latest_year(client)
    response, rows = _csv(client, "years")
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="green-procurement-years-{year}.csv"'
    )
    api = client.get("/api/v1/procurement/indicators", params={"by": "year"}).json()["rows"]
    assert [int(r["year"]) for r in rows] == [r["year"] for r in api if r["year"] is not None]
    for got, expected in zip(rows, api, strict=False):
        assert float(got["green_spend"]) == pytest.approx(expected["green_spend"], rel=1e-9)
        assert float(got["green_share"]) == pytest.approx(expected["green_share"], rel=1e-9)
    _response, regions = _csv(client, "regions", year=str(year))
    by_region = client.get("/api/v1/procurement/indicators", params={"by": "year,region"}).json()["rows"]
    expected = {r["buyer_region"]: r for r in by_region if r["year"] == year}
    assert {r["buyer_region"] or None for r in regions} == set(expected)
    for got in regions:
        want = expected[got["buyer_region"] or None]
        assert float(got["eligible_spend"]) == pytest.approx(want["eligible_spend"], rel=1e-9)
    _response, benefits = _csv(client, "benefits")
    assert benefits and {"impact", "measure", "unit", "low", "central", "high"} <= set(benefits[0])
    units = {r["unit"] for r in benefits}
    assert "kg" in units and not any("**" in unit for unit in units)  # m³, not pint's m**3


def test_xlsx_download_holds_numbers_as_numbers(client: httpx.Client) -> None:
    year = latest_year(client)
    response = client.get("/dashboard/download/categories.xlsx", params={"lang": "zh"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == (
        f'attachment; filename="green-procurement-categories-{year}.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "按类别的绿色份额" and rows[1][0] == "品目"
    keys = list(rows[2])
    assert keys[:3] == ["category", "items", "eligible_spend"]
    _response, from_csv = _csv(client, "categories")
    assert len(rows) - 3 == len(from_csv)
    for row, line in zip(rows[3:], from_csv, strict=True):
        record = dict(zip(keys, row, strict=True))
        assert isinstance(record["eligible_spend"], float | int)
        assert record["eligible_spend"] == pytest.approx(float(line["eligible_spend"]))
        assert record["items"] == int(line["items"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "20x4"}, "year: 20x4 is not a year"),
        ({"year": "1999"}, "year: no purchases in 1999"),
        ({"region": "Atlantis"}, "region: no purchases with Atlantis"),
        ({"category": "x" * 400}, "category: the value is too long"),
        (
            {"level": "<script>alert(1)</script>"},
            "level: no purchases with &lt;script&gt;alert(1)&lt;/script&gt;",
        ),
    ],
)
def test_bad_filters_are_422_pages(client: httpx.Client, params: dict[str, str], message: str) -> None:
    response = client.get("/dashboard", params={**params, "lang": "en"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text and "<script>alert" not in response.text
    download = client.get("/dashboard/download/years.csv", params=params)
    assert download.status_code == 422


def test_bad_filter_message_in_chinese(client: httpx.Client) -> None:
    response = client.get("/dashboard", params={"region": "Atlantis", "lang": "zh"})
    assert response.status_code == 422 and "数据中没有" in response.text


def test_unknown_download_is_404(client: httpx.Client) -> None:
    assert client.get("/dashboard/download/secrets.csv").status_code == 404
    assert client.get("/dashboard/download/years.pdf").status_code == 404


def test_embedded_json_cannot_close_its_script_element() -> None:
    text = _safe_json(json.dumps({"x": "</script><script>alert(1)</script>&"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><script>alert(1)</script>&"}


def test_plotly_is_served_from_the_wheel(client: httpx.Client) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert b"plotly.js" in response.content[:2000] and len(response.content) > 1_000_000
    script = client.get("/static/dashboard.js")
    assert script.status_code == 200 and b"Plotly.newPlot" in script.content


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A registry without any procurement data."""
    home = tmp_path_factory.mktemp("web-dashboard-empty")
    url = f"sqlite:///{home / 'ecoprocure.db'}"
    build_registry(home, url)
    from ecoprocure.web.app import create_app

    with serve(create_app(web_settings(home, url))) as server:
        yield server


def test_no_data_is_a_friendly_page(empty: Server) -> None:
    with empty.client() as client:
        for lang, words in (("en", "No procurement data yet"), ("zh", "尚无采购数据")):
            page = client.get("/dashboard", params={"lang": lang})
            assert page.status_code == 200
            assert 'data-state="no-data"' in page.text and words in page.text
            assert "ecoprocure ingest" in page.text and "plotly.min.js" not in page.text
        assert client.get("/dashboard/download/years.csv").status_code == 404


def test_many_questions_are_one_run_and_cached() -> None:
    from ecoprocure.web.analysis_cache import AnalysisCache

    cache = AnalysisCache()
    asked: list[list[object]] = []

    def compute(missing: list[object]) -> dict[object, object]:
        asked.append(missing)
        return {key: f"value of {key}" for key in missing}

    assert cache.get_or_compute_many(["a", "b"], compute) == {"a": "value of a", "b": "value of b"}
    assert cache.get_or_compute_many(["b", "c"], compute) == {"b": "value of b", "c": "value of c"}
    assert cache.get_or_compute_many(["a", "c"], compute)["c"] == "value of c"
    assert asked == [["a", "b"], ["c"]] and cache.runs == 2
    assert cache.get_or_compute("a", lambda: "other") == "value of a"  # the same entries


def test_the_start_up_warm_up_fills_the_cache(demo: Demo) -> None:
    from ecoprocure.web.app import create_app

    app = create_app(demo.settings.model_copy(update={"dashboard_warm_up": True}))
    services: Services = app.state.services
    with serve(app) as server, server.client() as client:
        deadline = time.monotonic() + 120
        while services.analyses.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert services.analyses.runs == 1  # the unfiltered dashboard: one run for all its questions
        assert client.get("/dashboard").status_code == 200
        assert client.get("/api/v1/procurement/indicators", params={"by": "year,region"}).status_code == 200
        assert services.analyses.runs == 1


def test_the_warm_up_without_data_is_quiet(empty: Server) -> None:
    services: Services = empty.app.state.services
    thread = warm_up(services)
    thread.join(timeout=60)
    assert not thread.is_alive() and services.analyses.runs == 0
