"""``ecoprocure sdg score | methodology | export`` through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from tests.cli.runner import one_line_error, run, run_json
from tests.cli.test_procurement_cli import cli_home, data_file, ingested  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
WORKED = str(ROOT / "tests" / "fixtures" / "sdg" / "worked-check.toml")
CHINA = str(ROOT / "docs" / "examples" / "sdg-answers-china.toml")


def test_score_json_carries_the_contract_keys() -> None:
    data = run_json("sdg", "score", WORKED, "--format", "json")
    assert {"score", "level", "components", "methodology_version"} <= set(data)
    assert (data["score"], data["level"], data["implementing"]) == (2.67, 2, True)
    assert data["methodology_version"] == "unep-2021"
    assert list(data["components"]) == ["A", "B", "C", "D", "E", "F"]
    assert data["components"]["B"]["arithmetic"].endswith("= 0.75")
    assert data["flags"] == []


def test_score_table_shows_the_arithmetic_and_level() -> None:
    result = run("sdg", "score", WORKED)
    assert result.exit_code == 0, result.stderr
    assert "1 × (0.75 + 0.8 + 0.5 + 0.5 + 0.12) = 1 × 2.67 = 2.67" in result.stdout
    assert "score 2.67 · level 2" in result.stdout


def test_the_china_example_scores_in_level_2() -> None:
    data = run_json("sdg", "score", CHINA, "--format", "json")
    assert data["level"] == 2
    assert data["government"]["illustrative"] is True


def test_a_malformed_answers_file_fails_with_one_line_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "answers.toml"
    text = (
        Path(WORKED)
        .read_text(encoding="utf-8")
        .replace('item = "B.3"\nvalue = "yes"', 'item = "B.3"\nvalue = "sí"')
    )
    path.write_text(text, encoding="utf-8")
    line = one_line_error(run("sdg", "score", str(path), "--format", "json"))
    assert "answers.toml: answer 'B.3': field value: 'sí' is not an answer (yes or no)" in line


def test_scoring_under_v5_is_refused() -> None:
    line = one_line_error(run("sdg", "score", WORKED, "--methodology", "unep-v5-2020"))
    assert "methodology unep-v5-2020: scoring refused" in line


def test_unknown_format_and_methodology_are_refused() -> None:
    assert "--format 'xml'" in one_line_error(run("sdg", "score", WORKED, "--format", "xml"))
    assert "unknown SDG 12.7.1 methodology 'nope'" in one_line_error(
        run("sdg", "methodology", "--version", "nope")
    )
    assert "--year applies to --f-from-data only" in one_line_error(
        run("sdg", "score", WORKED, "--year", "2022")
    )


def test_methodology_lists_items_weights_and_statuses() -> None:
    data = run_json("sdg", "methodology", "--format", "json")
    assert data["id"] == "unep-2021"
    items = {i["id"]: i for c in data["components"] for i in c["items"]}
    assert items["B.1"]["weight"] == 0.125
    assert items["B.1"]["weight_status"] == "inferred"
    assert items["A.1"]["weight_status"] == "confirmed"
    assert data["versions_shipped"] == ["unep-2021", "unep-v5-2020"]
    table = run("sdg", "methodology", "--version", "unep-v5-2020")
    assert table.exit_code == 0
    assert "scoring refused" in table.stdout


@pytest.mark.parametrize("output_format", ["html", "csv", "xlsx", "json"])
def test_export_writes_a_readable_file(tmp_path: Path, output_format: str) -> None:
    path = tmp_path / "out" / f"report.{output_format}"
    result = run("sdg", "export", WORKED, "--format", output_format, "--output", str(path))
    assert result.exit_code == 0, result.stderr
    assert "score 2.67, level 2, methodology unep-2021" in result.stdout
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    if output_format == "html":
        html = path.read_text(encoding="utf-8")
        assert '<span class="score" id="score">2.67</span>' in html
        assert "unep-2021" in html
        assert "Illustrative answers" in html
    elif output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert len(rows) == 21
        assert {r["score"] for r in rows} == {"2.67"}
        assert {r["methodology_version"] for r in rows} == {"unep-2021"}
        b1 = next(r for r in rows if r["item"] == "B.1")
        assert (b1["answer"], b1["points"], b1["evidence_document"]) == (
            "yes",
            "0.125",
            "Procurement law, art. 1",
        )
    elif output_format == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames == ["Score", "Answers", "Sources"]
        summary = {row[0]: row[1] for row in book["Score"].iter_rows(values_only=True) if row and row[0]}
        assert (summary["score"], summary["level"], summary["methodology version"]) == (2.67, 2, "unep-2021")
        assert book["Answers"].max_row == 22
    else:
        assert json.loads(path.read_text(encoding="utf-8"))["score"] == 2.67


def test_a_failed_export_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    line = one_line_error(run("sdg", "export", WORKED, "--format", "docx", "--output", str(path)))
    assert "--format 'docx'" in line
    assert not path.exists()


@pytest.mark.slow
def test_f_from_data_uses_the_workspace_green_share(ingested: Path) -> None:  # noqa: F811
    """2022: office furniture (a cn-2019 priority category) 1000 of 2000 CNY certified → F = 50 %."""
    data = run_json("sdg", "score", WORKED, "--format", "json", "--f-from-data")
    derivation = data["f_from_data"]
    assert derivation["year"] == 2022
    assert (derivation["spend"], derivation["green_spend"], derivation["share"]) == (2000.0, 1000.0, 0.5)
    assert data["components"]["F"]["value"] == 0.5
    assert data["score"] == 3.05
    later = run_json("sdg", "score", WORKED, "--format", "json", "--f-from-data", "--year", "2023")
    assert later["components"]["F"]["value"] == 1.0
    line = one_line_error(run("sdg", "score", WORKED, "--f-from-data", "--year", "2019"))
    assert "no purchases in 2019 in the priority categories" in line


def test_f_from_data_without_ingested_data_says_so(cli_home: Path) -> None:  # noqa: F811
    line = one_line_error(run("sdg", "score", WORKED, "--f-from-data"))
    assert "--f-from-data: no procurement data in" in line
