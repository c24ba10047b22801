"""``ecoprocure event check|register|credits|report``: JSON keys, exit codes, one-line errors, the
report's declaration; double counting refused across files and through the ledger."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.runner import one_line_error, run, run_json
from tests.domain.event_builders import EXAMPLE, write_event

OFFLINE = ("--no-ledger", "--as-of", "2026-01-01")


def edit(path: Path, old: str, new: str) -> Path:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def test_check_json_of_the_seed_example(home: Path) -> None:
    data = run_json("event", "check", str(EXAMPLE), "--format", "json", "--as-of", "2026-01-01")
    assert {"balance", "neutral", "inventory", "offsets", "problems"} <= set(data)
    assert data["inventory"]["total_tco2e"] == "165833"
    assert data["offsets"]["counted_tco2e"] == "165833"
    assert data["balance"]["balance_tco2e"] == "0"
    assert data["neutral"] is True
    assert data["problems"] == []
    assert data["inventory"]["lines"][1]["arithmetic"] == "50000 MWh × 0.5568 t CO2e / MWh = 27840 t CO2e"


def test_check_table_and_strict(home: Path, tmp_path: Path) -> None:
    result = run("event", "check", str(write_event(tmp_path)), "--no-ledger")
    assert result.exit_code == 0, result.stderr
    assert "neutral" in result.stdout and "declaration: Carbon neutrality of Test conference" in result.stdout
    short = edit(write_event(tmp_path, "short.toml", serial="VCS-TEST-1-9"), "quantity = 10", "quantity = 9")
    assert run("event", "check", str(short), "--no-ledger").exit_code == 0
    strict = run("event", "check", str(short), "--no-ledger", "--strict")
    assert strict.exit_code == 4
    assert "not neutral: 9 t offsets counted − 10 t inventory = -1 t CO2e" in one_line_error(strict)


def test_double_counting_across_files_is_refused(home: Path, tmp_path: Path) -> None:
    first = write_event(tmp_path, "first.toml", event_id="first")
    second = write_event(tmp_path, "second.toml", event_id="second", serial="VCS-TEST-1-10")
    result = run("event", "check", str(second), "--no-ledger", "--against", str(first), "--format", "json")
    assert result.exit_code == 3
    line = one_line_error(result)
    assert "'second'" in line and "'first'" in line and "VCS-TEST-1-10" in line and "first.toml" in line
    data = json.loads(result.stdout)
    assert data["neutral"] is False
    assert [p["kind"] for p in data["problems"]][:1] == ["double_counting"]
    same_id = run("event", "check", str(first), "--no-ledger", "--against", str(first))
    assert "ids must differ" in one_line_error(same_id)


def test_double_counting_through_the_ledger_is_refused(home: Path, tmp_path: Path) -> None:
    first = write_event(tmp_path, "first.toml", event_id="first")
    second = write_event(tmp_path, "second.toml", event_id="second")
    assert run_json("event", "register", str(first), "--format", "json") == {
        "event": "first",
        "credits": 1,
        "replaced": 0,
    }
    refused = run("event", "register", str(second))
    line = one_line_error(refused)
    assert "second.toml" in line and "'second'" in line and "'first'" in line and "VCS-TEST-1-10" in line
    assert "nothing registered" in line
    check = run("event", "check", str(second))
    assert check.exit_code == 3
    assert "(offset 'vcs', ledger)" in one_line_error(check)
    assert run("event", "check", str(first)).exit_code == 0  # its own credits are no conflict
    credits = run_json("event", "credits", "--format", "json")
    assert [(c["event"], c["serial"], c["quantity_t"]) for c in credits] == [("first", "VCS-TEST-1-10", "10")]


def test_report_contains_the_declaration(home: Path, tmp_path: Path) -> None:
    html = tmp_path / "out" / "qes.html"
    result = run("event", "report", str(EXAMPLE), "--output", str(html), *OFFLINE)
    assert result.exit_code == 0, result.stderr
    page = html.read_text(encoding="utf-8")
    assert "Declaration of achievement" in page
    assert "PAS 2060:2014 on 2022-01-15 with independent third-party certification." in page
    assert "165,833" in page and "VCS-VCU-EXAMPLE-1001-46833" in page and "Organization Committee" in page
    md = tmp_path / "qes.md"
    run("event", "report", str(EXAMPLE), "--output", str(md), "--format", "md", "--lang", "zh", "--no-ledger")
    text = md.read_text(encoding="utf-8")
    assert "实现声明" in text and "经独立第三方认证。" in text and "| **合计** | **165,833** |" in text
    js = tmp_path / "qes.json"
    run("event", "report", str(EXAMPLE), "--output", str(js), "--format", "json", "--no-ledger")
    assert json.loads(js.read_text(encoding="utf-8"))["declaration"].startswith("Carbon neutrality of")


def test_report_of_a_short_event_has_no_declaration(home: Path, tmp_path: Path) -> None:
    event = edit(write_event(tmp_path), "retired_on = 2024-06-01", "")
    out = tmp_path / "qes.md"
    assert run("event", "report", str(event), "--output", str(out), "--format", "md", *OFFLINE).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "No declaration can be made" in text and "not retired" in text


def test_bad_input_is_one_line_naming_file_entry_and_field(home: Path, tmp_path: Path) -> None:
    event = edit(write_event(tmp_path), "quantity = 10", "quantity = -10")
    line = one_line_error(run("event", "check", str(event), "--no-ledger"))
    assert line == (
        "error: event.toml: offset 'vcs' (#1): field quantity: -10 is negative: amounts are zero or more"
    )
    out = tmp_path / "qes.html"
    assert "field quantity" in one_line_error(run("event", "report", str(event), "--output", str(out)))
    assert not out.exists()  # nothing half-written
    assert "--format 'xml'" in one_line_error(run("event", "check", str(event), "--format", "xml"))
    french = run("event", "report", str(event), "--output", str(out), "--lang", "fr")
    assert "--lang: language 'fr' is not available: use en or zh" in one_line_error(french)
    assert "missing.toml" in one_line_error(run("event", "check", str(tmp_path / "missing.toml")))


def test_markdown_cells_cannot_break_the_table(home: Path, tmp_path: Path) -> None:
    event = edit(write_event(tmp_path), 'source = "Delegate travel"', 'source = "Air | rail"')
    out = tmp_path / "qes.md"
    assert run("event", "report", str(event), "--output", str(out), "--format", "md", *OFFLINE).exit_code == 0
    row = next(line for line in out.read_text(encoding="utf-8").splitlines() if "rail" in line)
    assert "Air \\| rail" in row and row.count(" | ") == 4
