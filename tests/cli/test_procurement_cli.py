"""``ecoprocure ingest`` and ``ecoprocure indicators`` through typer's CliRunner.

The registry: the shipped reference data (office furniture is eligible: HJ 2547-2016) and one
certificate, CEC-OK, valid 2021-01-01 … 2024-12-31. The data (all CNY):

| year | item | category         | value | certificate | counts as          |
|------|------|------------------|-------|-------------|--------------------|
| 2022 | i1   | office.furniture | 1000  | CEC-OK      | eligible and green |
| 2022 | i2   | office.furniture | 1000  | –           | eligible           |
| 2022 | i3   | (none)           |  500  | –           | not eligible       |
| 2023 | i4   | office.furniture | 1000  | cec-ok      | eligible and green |
| 2023 | i5   | office.furniture |  –    | –           | left out: quantity −1 |
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.runner import one_line_error, run, run_json

DIMENSIONS = "year, buyer, level, region, category"
COLUMNS = [
    "year",
    "category",
    "items",
    "eligible_items",
    "green_items",
    "spend",
    "eligible_spend",
    "green_spend",
    "declared_green_spend",
    "green_share",
    "green_share_by_count",
    "declared_green_share",
    "green_share_change",  # with year among the dimensions: the trend against the previous year
    "green_spend_growth",
]


def _item(item_id: str, cpv: str, qty: float, price: float, **attributes: str) -> dict:
    data: dict[str, Any] = {
        "id": item_id,
        "description": f"item {item_id}",
        "classification": {"scheme": "CPV", "id": cpv},
        "quantity": qty,
        "unit": {"id": "H87", "name": "piece", "value": {"amount": price, "currency": "CNY"}},
    }
    if attributes:
        data["attributes"] = [{"name": k, "value": v} for k, v in attributes.items()]
    return data


def _release(number: int, date: str, items: list[dict]) -> dict:
    return {
        "ocid": f"ocds-cli-{number}",
        "id": f"ocds-cli-{number}-1",
        "date": f"{date}T00:00:00Z",
        "buyer": {"id": "B1", "name": "Beijing Finance Bureau"},
        "awards": [{"id": f"a{number}", "date": date, "items": items}],
    }


RELEASES = [
    _release(
        1,
        "2022-05-01",
        [
            _item("i1", "39130000-2", 10, 100, certificate="CEC-OK"),
            _item("i2", "39130000-2", 5, 200),
            _item("i3", "79341000-6", 1, 500),
        ],
    ),
    _release(
        2,
        "2023-03-01",
        [_item("i4", "39130000-2", 1, 1000, certificate="cec-ok"), _item("i5", "39130000", -1, 9)],
    ),
]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cli_home(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An ECOPROCURE_HOME holding the reference data and one certificate; nothing ingested."""
    for name in ("ECOPROCURE_CONFIG", "ECOPROCURE_KEYS_DIR", "ECOPROCURE_UPLOADS_DIR"):
        monkeypatch.delenv(name, raising=False)
    loaded = run("reference", "load")
    assert loaded.exit_code == 0, loaded.stderr
    files = tmp_path / "registry"
    files.mkdir()
    licensees = _write(files / "licensees.csv", "registration_id,name_en\nL1,Huasen Furniture Co.\n")
    certificates = _write(
        files / "certificates.csv",
        "number,scheme,licensee_registration_id,criterion,category,issued_on,expires_on\n"
        "CEC-OK,CEL,L1,HJ 2547-2016,office.furniture,2021-01-01,2024-12-31\n",
    )
    imported = run_json("registry", "import", str(licensees), str(certificates), "--json")
    assert [r["status"] for r in imported] == ["ok", "ok"]
    return home


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    return _write(tmp_path / "releases.jsonl", "".join(json.dumps(r) + "\n" for r in RELEASES))


@pytest.fixture
def ingested(cli_home: Path, data_file: Path) -> Path:
    report = run_json("ingest", str(data_file), "--json")
    assert report["status"] == "partial"
    return cli_home


# --- ingest ------------------------------------------------------------------------------------------


def test_ingest_json_prints_the_report(cli_home: Path, data_file: Path) -> None:
    report = run_json("ingest", str(data_file), "--json")
    assert report["file"] == str(data_file)
    assert (report["status"], report["shape"], report["releases"], report["items"]) == (
        "partial",
        "jsonl",
        2,
        5,
    )
    assert report["issues"] == {"quantity is zero or negative": 1}
    assert report["items_with_issue"] == 1
    assert Path(report["kept_path"]).is_file()
    assert Path(report["kept_path"]).is_relative_to(cli_home / "uploads" / "procurement")
    assert Path(report["rejects_file"]).is_file()
    again = run_json("ingest", str(data_file), "--json")
    assert (again["status"], again["already_ingested"]) == ("unchanged", True)


def test_ingest_several_files_prints_a_list(cli_home: Path, data_file: Path, tmp_path: Path) -> None:
    other = _write(
        tmp_path / "other.jsonl", json.dumps(_release(9, "2022-01-01", [_item("x", "1", 1, 1)])) + "\n"
    )
    reports = run_json("ingest", str(data_file), str(other), "--json")
    assert [(r["file"], r["items"]) for r in reports] == [(str(data_file), 5), (str(other), 1)]


def test_ingest_prints_a_readable_report(cli_home: Path, data_file: Path) -> None:
    result = run("ingest", str(data_file))
    assert result.exit_code == 0, result.stderr
    assert "releases: 2; items: 5; items with a problem: 1" in result.stdout
    assert "1 × quantity is zero or negative" in result.stdout


def test_ingest_a_missing_file_fails_with_one_line(cli_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    line = one_line_error(run("ingest", str(missing), "--json"))
    assert str(missing) in line and "no such file" in line
    line = one_line_error(run("ingest", str(missing)))
    assert str(missing) in line


def test_ingest_a_missing_file_names_it_once(cli_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert one_line_error(run("ingest", str(missing))).count(str(missing)) == 1


# --- indicators --------------------------------------------------------------------------------------


def test_indicators_json_by_year_and_category(ingested: Path) -> None:
    result = run_json("indicators", "--by", "year,category", "--format", "json")
    assert result["by"] == ["year", "category"]
    assert result["reporting_currency"] == "CNY"
    rows = {(r["year"], r["category"]): r for r in result["rows"]}
    assert set(rows) == {(2022, "office.furniture"), (2022, None), (2023, "office.furniture")}
    for row in rows.values():
        assert set(row) == set(COLUMNS)
    furniture = rows[2022, "office.furniture"]
    assert (furniture["items"], furniture["eligible_items"], furniture["green_items"]) == (2, 2, 1)
    assert furniture["eligible_spend"] == pytest.approx(2000)
    assert furniture["green_spend"] == pytest.approx(1000)
    assert furniture["green_share"] == pytest.approx(0.5)
    other = rows[2022, None]
    assert (other["eligible_items"], other["eligible_spend"], other["green_share"]) == (0, 0, None)
    assert other["spend"] == pytest.approx(500)
    later = rows[2023, "office.furniture"]  # i5 (quantity −1) is counted but left out of the sums
    assert (later["items"], later["eligible_items"], later["green_items"]) == (2, 1, 1)
    assert later["green_spend"] == pytest.approx(1000)
    assert later["green_share"] == pytest.approx(1.0)
    cover = result["coverage"]
    assert (cover["items"], cover["items_with_issue"], cover["items_matched"], cover["items_certified"]) == (
        5,
        1,
        2,
        2,
    )
    assert cover["share_items_usable"] == pytest.approx(0.8)
    assert cover["share_spend_eligible"] == pytest.approx(3000 / 3500)
    assert result["issues"] == [{"reason": "quantity is zero or negative", "left_out": True, "items": 1}]


def test_years_stay_whole_numbers_when_an_item_has_no_date(ingested: Path, tmp_path: Path) -> None:
    undated = _release(3, "2022-01-01", [_item("u1", "39130000-2", 1, 10)])
    del undated["date"], undated["awards"][0]["date"]
    path = _write(tmp_path / "undated.jsonl", json.dumps(undated) + "\n")
    assert run_json("ingest", str(path), "--json")["issues"] == {"date missing or out of range": 1}
    rows = run_json("indicators", "--by", "year", "--format", "json")["rows"]
    assert [row["year"] for row in rows] == [2022, 2023, None]
    assert all(not isinstance(row["year"], float) for row in rows)
    printed = run("indicators", "--by", "year", "--format", "csv")
    assert [line.split(",")[0] for line in printed.stdout.splitlines()] == ["year", "2022", "2023", ""]


def test_indicators_csv_has_a_header_row(ingested: Path) -> None:
    result = run("indicators", "--by", "year,category", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == COLUMNS
    assert len(rows) == 4
    by_key = {(r[0], r[1]): dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    assert float(by_key["2022", "office.furniture"]["green_share"]) == pytest.approx(0.5)
    assert by_key["2022", ""]["green_share"] == ""


def test_indicators_table(ingested: Path) -> None:
    result = run("indicators", "--by", "category", "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert "Green share (spend in CNY)" in result.stdout
    assert "coverage: 5 item rows read, 5 distinct items" in result.stdout
    assert "1 items left out: quantity is zero or negative" in result.stdout
    assert run("indicators").exit_code == 0  # by year, as a table


def test_indicators_unknown_dimension_names_the_allowed_ones(ingested: Path) -> None:
    line = one_line_error(run("indicators", "--by", "year,supplier", "--format", "json"))
    assert "supplier" in line
    assert DIMENSIONS in line


def test_indicators_a_dimension_given_twice(ingested: Path) -> None:
    result = run("indicators", "--by", "year,year", "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        assert [row["year"] for row in json.loads(result.stdout)["rows"]] == [2022, 2023]
    else:
        one_line_error(result)


def test_indicators_before_any_ingest(cli_home: Path) -> None:
    line = one_line_error(run("indicators", "--by", "year"))
    assert "no procurement data ingested yet" in line
    assert "ecoprocure ingest" in line


def test_indicators_unknown_engine(ingested: Path) -> None:
    line = one_line_error(run("indicators", "--engine", "nonsense"))
    assert line == "error: unknown engine 'nonsense'; use one of duckdb, spark"


def test_indicators_unknown_format(ingested: Path) -> None:
    line = one_line_error(run("indicators", "--format", "xml"))
    assert "table, csv or json" in line


def test_an_unknown_reporting_currency_is_a_clear_error(ingested: Path) -> None:
    line = one_line_error(run("indicators", "--currency", "XYZ"))
    assert "reporting currency 'XYZ' is not in the exchange-rate table" in line


def test_ingest_a_template_csv_reports_releases_items_and_bad_rows(cli_home: Path, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "purchases.csv",
        "采购人,品目名称,品目编码,签订日期,数量,单价（元）,币种,证书编号\n"
        "北京市财政局,办公桌,39130000-2,2022-05-01,10,100,CNY,CEC-OK\n"
        "北京市财政局,办公椅,39130000-2,2022-05-01,five,200,CNY,\n"
        "北京市财政局,文件柜,39130000-2,2022-05-02,-1,300,CNY,\n",
    )
    report = run_json("ingest", str(path), "--json")
    assert (report["status"], report["shape"], report["releases"], report["items"]) == (
        "partial",
        "csv",
        2,
        2,
    )
    assert report["issues"] == {"quantity is zero or negative": 1}
    assert [(p["file"], p["location"], p["field"]) for p in report["problems"]] == [
        ("purchases.csv", "row 3", "数量")
    ]
    printed = run("ingest", str(path))  # the second time: already ingested, the same report
    assert printed.exit_code == 0, printed.stderr
    assert "already ingested" in printed.stdout
    assert "purchases.csv: row 3: 数量: 'five' is not a number" in printed.stdout


def test_impact_json_carries_rows_coverage_and_traced_factors(ingested: Path) -> None:
    result = run_json("impact", "--by", "year,category", "--format", "json", "--monte-carlo", "50")
    assert result["factor_set"] == "ecoprocure-default-cn" and result["period"] == "lifetime"
    reductions = [r for r in result["rows"] if r["measure"] == "reduction"]
    assert reductions and all(r["low"] <= r["central"] <= r["high"] for r in reductions)
    assert all("mc_p50" in r for r in reductions)
    assert {"certified_items", "items_with_benefit", "reasons"} <= result["coverage"].keys()
    assert all(f["trace"].startswith("rows.csv line") for f in result["factors"])


def test_impact_table_csv_and_bad_options(ingested: Path) -> None:
    table = run("impact", "--by", "category")
    assert table.exit_code == 0, table.stderr
    assert "Benefits and footprints (ecoprocure-default-cn" in table.stdout
    rows = list(csv.DictReader(io.StringIO(run("impact", "--format", "csv", "--period", "annual").stdout)))
    assert rows and {"year", "impact", "measure", "unit", "low", "central", "high"} <= rows[0].keys()
    assert "annual" in one_line_error(run("impact", "--period", "decade"))
    assert "no factor set named 'nope'" in one_line_error(run("impact", "--factors", "nope"))


def test_impact_equivalents_money_and_year_over_year(ingested: Path) -> None:
    # the fixture's certified purchases are furniture: VOC and formaldehyde, no CO2
    result = run_json("impact", "--format", "json", "--compare", "2022,2023")
    assert result["equivalents"] == [] and "car-us-epa-2023" in result["skipped_equivalences"]
    assert {row["impact"] for row in result["year_over_year"]} == {"voc", "formaldehyde"}
    assert "two years" in one_line_error(run("impact", "--compare", "2022"))
    assert "which the totals do not have" in one_line_error(run("impact", "--carbon-price", "cn-ets-2024"))
    assert "nope" in one_line_error(run("impact", "--carbon-price", "nope"))
