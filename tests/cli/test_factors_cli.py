"""``ecoprocure factors list | show | check`` through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from ecoprocure.domain.factors import COLUMNS, DEFAULT_FACTOR_SET, SHIPPED_DIR
from tests.cli.runner import one_line_error, run, run_json
from tests.domain.test_factors import with_cell, write_set


def test_list_shows_the_shipped_set_and_the_users(home: Path) -> None:
    write_set(home / "factors" / "mine")
    entries = run_json("factors", "list", "--json")
    assert [(e["name"], e["origin"], e["error"]) for e in entries] == [
        (DEFAULT_FACTOR_SET, "shipped", None),
        ("test-set", "user", None),
    ]
    assert entries[0]["version"] == "2026.1" and entries[0]["valid_from"] == 2021
    table = run("factors", "list")
    assert table.exit_code == 0 and "2026.1" in table.stdout and "shipped" in table.stdout


def test_show_json_gives_rows_with_canonical_values_and_sources(home: Path) -> None:
    data = run_json("factors", "show", DEFAULT_FACTOR_SET, "--format", "json", "--category", "paper.copy")
    assert data["name"] == DEFAULT_FACTOR_SET and {s["id"] for s in data["sources"]} >= {"gb3544-2008"}
    cod = next(r for r in data["rows"] if r["impact"] == "cod")
    assert (cod["central"], cod["value_unit"], cod["functional_unit"]) == ("0.8", "kg", "t")
    assert cod["values"] == {
        "unit": "kg",
        "per": "t",
        "per_kind": "functional_unit",
        "per_year": None,
        "annual": False,
        "lifetime_years": None,
        "low": "0",
        "central": "0.8",
        "high": "1.6",
    }
    assert {r["category"] for r in data["rows"]} == {"paper.copy"}


def test_show_table_names_values_units_and_assumptions(home: Path) -> None:
    result = run("factors", "show", DEFAULT_FACTOR_SET, "--category", "chem.paint")
    assert result.exit_code == 0, result.stderr
    assert "0.03" in result.stdout and "0.07" in result.stdout  # the table wraps with the terminal
    assert "[gb18582-2020]" in result.stdout and "[gb3544-2008]" not in result.stdout
    assert "2 rows, 1 resting on assumptions" in result.stdout


def test_show_csv_is_a_rows_file_that_checks_again(home: Path, tmp_path: Path) -> None:
    result = run("factors", "show", DEFAULT_FACTOR_SET, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 64
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(SHIPPED_DIR / "default" / "factor-set.toml", copy)
    (copy / "rows.csv").write_text(result.stdout, encoding="utf-8")
    checked = run("factors", "check", str(copy))
    assert checked.exit_code == 0, checked.stdout
    assert (
        "ok: ecoprocure-default-cn 2026.1 (CN, 2021–2025): 64 rows (25 resting on assumptions), 20 sources"
        in checked.stdout
    )


def test_show_refuses_an_unknown_set_or_format(home: Path) -> None:
    message = one_line_error(run("factors", "show", "nope"))
    assert message.startswith("error: no factor set named 'nope'; available: ecoprocure-default-cn")
    assert one_line_error(run("factors", "show", DEFAULT_FACTOR_SET, "--format", "xml")) == (
        "error: unknown format 'xml'; use one of table, csv, json"
    )


def test_show_finds_a_user_set_by_name(home: Path) -> None:
    write_set(home / "factors" / "mine")
    data = run_json("factors", "show", "test-set", "--format", "json")
    assert data["origin"] == "user" and len(data["rows"]) == 3


def test_check_lists_every_problem_and_exits_non_zero(home: Path, tmp_path: Path) -> None:
    folder = write_set(tmp_path / "bad", with_cell(0, category="office.sofa", value_unit="kWh"))
    result = run("factors", "check", str(folder))
    assert one_line_error(result) == f"error: 2 problem(s) in factor set {folder}"
    assert result.stdout.splitlines() == [
        "rows.csv: row 2: field category: unknown category 'office.sofa'; see categories.csv",
        "rows.csv: row 2: field value_unit: 'kWh' (energy) does not convert to voc's unit 'kg' (mass)",
    ]


def test_check_accepts_a_valid_user_set(home: Path, tmp_path: Path) -> None:
    result = run("factors", "check", str(write_set(tmp_path / "good")))
    assert result.exit_code == 0
    assert (
        result.stdout.strip()
        == "ok: test-set 1 (CN, 2021–2022): 3 rows (1 resting on assumptions), 2 sources"
    )
