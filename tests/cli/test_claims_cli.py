"""``ecoprocure claims check`` through typer's CliRunner, on the shipped seeds file and on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ecoprocure.domain.claims_file import SEEDS_FILE
from tests.cli.runner import one_line_error, run


def checks(*args: str) -> dict[str, Any]:
    result = run("claims", "check", *args, "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    data = json.loads(result.stdout)
    return {c["id"]: c for c in data["checks"]} | {"_summary": data["summary"]}


def test_the_seeds_run_flags_the_market_value_of_the_co2() -> None:
    check = checks()["co2_market_value"]
    assert (check["verdict"], check["consistent"]) == ("contradiction", False)
    assert check["recomputed"]["value"] == "68760000"
    assert check["stated"]["value"] == "650000000"
    assert (
        "1,719,000 t × 40 CNY/t = 68,760,000 CNY; stated 650,000,000 CNY; off by ×9.453"
        in check["arithmetic"]
    )
    quotes = [s["quote"] for s in check["sources"]]
    assert "the market value is equivalent to 650 million yuan" in quotes


def test_the_seeds_run_flags_suwon_800_million_against_8_million_krw() -> None:
    check = checks()["suwon_benefit"]
    assert check["verdict"] == "contradiction"
    assert "≥ 800,000,000 KRW" in check["arithmetic"]
    assert "8,000,000 KRW" in check["arithmetic"]
    assert "亿" in check["hint"] and "million" in check["hint"]
    assert {s["document"] for s in check["sources"]} == {"seed002", "seed003"}


def test_the_seeds_run_confirms_the_programme_growth() -> None:
    found = checks()
    licensees, certificates = found["licensees_growth"], found["certificates_growth"]
    assert licensees["verdict"] == certificates["verdict"] == "consistent"
    assert licensees["consistent"] is certificates["consistent"] is True
    assert licensees["arithmetic"].startswith("(4,722 − 4,408) ÷ 4,408 ≈ +7.123 %; stated 7 %")
    assert certificates["arithmetic"].startswith("(11,476 − 10,284) ÷ 10,284 ≈ +11.59 %; stated 12 %")


def test_the_seeds_run_derives_the_forest_sink_and_the_whole_of_the_share() -> None:
    found = checks()
    assert found["forest_sink_rate"]["verdict"] == "derived"
    assert found["forest_sink_rate"]["recomputed"]["value"] == "9"
    assert found["forest_sink_rate"]["unit"] == "t/ha/yr"
    assert found["gpp_same_types_2020"]["verdict"] == "derived"
    assert found["gpp_same_types_2020"]["recomputed"]["value"].startswith("95146198830")


def test_the_shipped_file_is_the_default_and_can_be_named() -> None:
    assert checks() == checks(str(SEEDS_FILE))
    summary = checks()["_summary"]
    assert summary["contradiction"] == 3
    assert summary["cannot_check"] == 0
    assert summary["checks"] == sum(v for k, v in summary.items() if k != "checks")


def test_the_table_shows_verdicts_arithmetic_and_a_summary() -> None:
    result = run("claims", "check")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "contradiction" in out
    assert "68,760,000" in out
    assert "checks: 3 contradiction, 0 cannot check" in out


def test_strict_fails_on_contradictions_with_one_line() -> None:
    result = run("claims", "check", "--strict")
    assert result.exit_code == 3
    assert one_line_error(result) == (
        "error: seeds.toml: 3 contradiction(s), 0 check(s) that cannot be checked (--strict)"
    )


def test_strict_passes_when_everything_agrees(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        '[documents.d]\ntitle = "t"\n'
        '[[claim]]\nid = "a"\nvalue = "4408"\nunit = ""\ndocument = "d"\nquote = "4408"\n'
        '[[claim]]\nid = "b"\nvalue = "4722"\nunit = ""\ndocument = "d"\nquote = "4722"\n'
        '[[claim]]\nid = "g"\nvalue = "7"\nunit = "%"\ndocument = "d"\nquote = "7%"\n'
        '[[check]]\nid = "growth"\nkind = "growth"\nresult = "g"\nfrom = "a"\nto = "b"\n',
        encoding="utf-8",
    )
    result = run("claims", "check", str(path), "--strict")
    assert result.exit_code == 0, result.stderr


def test_a_bad_file_is_one_line_naming_file_claim_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[claim]]\nid = "x"\nvalue = "1"\nunit = "kwon"\n', encoding="utf-8")
    line = one_line_error(run("claims", "check", str(path)))
    assert line.startswith("error: bad.toml: claim 'x': field unit: unknown unit 'kwon'")
    (tmp_path / "broken.toml").write_text("[[claim\n", encoding="utf-8")
    assert "broken.toml: not valid TOML" in one_line_error(
        run("claims", "check", str(tmp_path / "broken.toml"))
    )
    assert "missing.toml: cannot read" in one_line_error(
        run("claims", "check", str(tmp_path / "missing.toml"))
    )


def test_an_unknown_format_is_refused() -> None:
    assert "--format 'xml'" in one_line_error(run("claims", "check", "--format", "xml"))
