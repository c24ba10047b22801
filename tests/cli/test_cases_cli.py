"""``ecoprocure cases`` through typer's CliRunner: JSON keys, CSV, the checks, exports, bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ecoprocure.domain.case_files import SHIPPED_DIR
from tests.cli.runner import one_line_error, run, run_json


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ECOPROCURE_HOME, so a developer's own case folder never leaks into the tests."""
    monkeypatch.setenv("ECOPROCURE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_list_json_has_one_entry_per_case_with_its_keys() -> None:
    rows = run_json("cases", "list", "--format", "json")
    assert len(rows) == 8
    assert set(rows[0]) == {
        *("id", "title", "authority", "country", "city", "year", "category", "quantity"),
        *("item", "outcomes", "languages", "file"),
    }
    suwon = next(r for r in rows if r["id"] == "suwon-recycled-asphalt")
    assert (suwon["country"], suwon["year"], suwon["quantity"]) == ("KR", 2017, "33627")


def test_show_json_in_chinese_has_the_sources_and_the_normalised_outcomes() -> None:
    case = run_json("cases", "show", "rotterdam-electric-vehicles", "--lang", "zh", "--format", "json")
    assert case["authority"] == "鹿特丹市"
    assert case["texts"]["authority"]["nl"] == "Gemeente Rotterdam"
    (outcome,) = case["outcomes"]
    assert {s["lang"] for s in outcome["sources"]} == {"zh", "en"}
    (row,) = case["normalised"]
    assert (row["annual"], row["per_unit"], row["per_unit_of"]) == ("726", "33", "辆")
    assert run("cases", "show", "rotterdam-electric-vehicles").exit_code == 0


def test_show_an_unknown_case_is_a_one_line_error() -> None:
    assert "no case 'atlantis'" in one_line_error(run("cases", "show", "atlantis"))


def test_compare_json_puts_outcomes_side_by_side_and_adds_per_year_figures() -> None:
    data = run_json("cases", "compare", "--kind", "co2e", "--format", "json")
    assert (data["kind"], data["currency"]) == ("co2e", "EUR")
    assert {r["kind"] for r in data["outcomes"]} == {"co2e"}
    assert set(data["outcomes"][0]) >= {
        "case",
        "outcome",
        "stated",
        "annual",
        "total",
        "per_unit",
        "arithmetic",
    }
    per_year = next(t for t in data["totals"] if t["basis"] == "per_year")
    assert per_year["value"].startswith("840.408333")
    assert [left["outcome"] for left in data["left_out"]] == ["shenzhen-office-electronics.co2e"]


def test_compare_money_in_another_currency_shows_the_rate_and_its_source() -> None:
    data = run_json("cases", "compare", "--kind", "money", "--currency", "krw", "--format", "json")
    assert data["currency"] == "KRW"
    bristol = next(r for r in data["outcomes"] if r["case"] == "bristol-depot-lighting")
    assert bristol["problem"].startswith("bristol-depot-lighting.saving: EUR → KRW needs the case's year")
    suwon = next(r for r in data["outcomes"] if r["case"] == "suwon-recycled-asphalt")
    assert (suwon["total"], suwon["rate"]) == ("800000000", None)


def test_compare_csv_has_a_header_and_a_row_per_outcome() -> None:
    result = run("cases", "compare", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 9
    suwon = next(r for r in rows if r["case"] == "suwon-recycled-asphalt")
    assert suwon["rate_year"] == "2017" and "World Bank" in suwon["rate_source"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "smoke"), "--kind 'smoke': use one of co2e"),
        (("--currency", "XYZ"), "--currency 'XYZ': no exchange rates for it"),
        (("--format", "pdf"), "--format 'pdf': use table, csv or json"),
    ],
)
def test_compare_refuses_bad_options(args: tuple[str, ...], message: str) -> None:
    assert message in one_line_error(run("cases", "compare", *args))


def test_check_flags_suwon_and_shenzhen() -> None:
    data = run_json("cases", "check", "--format", "json")
    checks = {c["id"]: c for c in data["checks"]}
    assert checks["suwon-recycled-asphalt.benefit"]["verdict"] == "contradiction"
    assert "8,000,000 KRW" in checks["suwon-recycled-asphalt.benefit"]["arithmetic"]
    assert checks["shenzhen-office-electronics.co2e"]["verdict"] == "contradiction"
    assert data["summary"]["contradiction"] == 2
    quotes = {s["quote"] for s in checks["suwon-recycled-asphalt.benefit"]["sources"]}
    assert "generating considerable environmental and economic benefits equal to 8 million KRW" in quotes
    table = run("cases", "check")
    assert table.exit_code == 0 and "contradiction" in table.stdout
    assert run("cases", "check", "--strict").exit_code == 3


def _user_case(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.toml").write_text(text, encoding="utf-8")


def test_user_cases_from_dir_or_home(home: Path, tmp_path: Path) -> None:
    shipped = (SHIPPED_DIR / "bristol-depot-lighting.toml").read_text(encoding="utf-8")
    _user_case(tmp_path / "mine", shipped.replace('id = "bristol-depot-lighting"', 'id = "my-lighting"'))
    ids = [r["id"] for r in run_json("cases", "list", "--dir", str(tmp_path / "mine"), "--format", "json")]
    assert "my-lighting" in ids and len(ids) == 9
    _user_case(home / "case_studies", shipped.replace('value = "112"', 'value = "121"', 1))
    error = one_line_error(run("cases", "list"))
    assert "mine.toml: field id: case 'bristol-depot-lighting' is already given" in error


def test_a_bad_user_file_is_one_line_naming_file_entry_and_field(tmp_path: Path) -> None:
    shipped = (SHIPPED_DIR / "oestecim-pv-charging.toml").read_text(encoding="utf-8")
    _user_case(
        tmp_path,
        shipped.replace('id = "oestecim-pv-charging"', 'id = "x"').replace("years = 12", "years = -1"),
    )
    error = one_line_error(run("cases", "compare", "--dir", str(tmp_path)))
    assert (
        error
        == "error: mine.toml: case 'x': outcome 'co2': field years: -1 is not a positive number of years"
    )


def test_export_html_and_xlsx_are_readable(tmp_path: Path) -> None:
    page = tmp_path / "cases.html"
    result = run("cases", "export", "--format", "html", "--output", str(page), "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>") and "绿色公共采购案例" in text
    assert "水原市" in text and "contradiction" in text and "840.408" in text
    sheet = tmp_path / "cases.xlsx"
    assert run("cases", "export", "--format", "xlsx", "--output", str(sheet)).exit_code == 0
    book = load_workbook(sheet)
    assert book.sheetnames == ["cases", "outcomes", "sources", "totals", "checks"]
    outcomes = list(book["outcomes"].iter_rows(values_only=True))
    rotterdam = next(r for r in outcomes if r[0] == "rotterdam-electric-vehicles")
    assert rotterdam[6] == 726  # annual, a number in the sheet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.html", "cases.xlsx"]


def test_a_failed_export_writes_nothing(tmp_path: Path) -> None:
    error = one_line_error(run("cases", "export", "--format", "docx", "--output", str(tmp_path / "x.docx")))
    assert "--format 'docx': use html, pdf or xlsx" in error
    page = tmp_path / "cases.html"
    error = one_line_error(run("cases", "export", "--output", str(page), "--currency", "XYZ"))
    assert "--currency 'XYZ': no exchange rates for it" in error
    assert list(tmp_path.iterdir()) == []


def test_json_output_is_valid_utf8_json() -> None:
    result = run("cases", "show", "suwon-recycled-asphalt", "--lang", "ko", "--format", "json")
    assert json.loads(result.stdout)["authority"] == "수원시"
