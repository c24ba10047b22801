"""``ecoprocure report annual``: files written, and one-line errors for bad options."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ecoprocure.settings import Settings
from tests.cli.runner import one_line_error, run
from tests.reports.demo_home import YEAR, build_demo_home


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_demo_home(tmp_path_factory.mktemp("report-cli"))


@pytest.fixture
def cli_home(demo: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOPROCURE_HOME", str(demo.home))
    monkeypatch.delenv("ECOPROCURE_DATABASE_URL", raising=False)
    return demo.home


def _annual(*args: str) -> list[str]:
    return ["report", "annual", "--year", str(YEAR), *args]


def test_html_in_chinese(cli_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = run(*_annual("--lang", "zh", "--output", str(target), "--carbon-price", "cn-ets-2024"))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stdout
    html = target.read_text(encoding="utf-8")
    assert f"{YEAR}年度绿色采购报告" in html and 'id="table-money"' in html


def test_csv_zip_for_a_region(cli_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "tables.zip"
    result = run(*_annual("--format", "csv", "--scope", "region:北京 Beijing", "--output", str(target)))
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(target) as archive:
        assert "green_share_by_region.csv" in archive.namelist()
        about = archive.read("report.csv").decode("utf-8-sig")
    assert "scope,region:北京 Beijing" in about


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (("--lang", "fr"), "'fr'"),
        (("--format", "docx"), "--format 'docx'"),
        (("--scope", "city:Beijing"), "country, region:CODE or buyer:ID"),
        (("--scope", "region:Atlantis"), "'Atlantis'"),
        (("--factors", "nope"), "no factor set named 'nope'"),
    ],
)
def test_bad_options_fail_with_one_line(
    cli_home: Path, tmp_path: Path, options: tuple[str, ...], expected: str
) -> None:
    target = tmp_path / "report.html"
    message = one_line_error(run(*_annual(*options, "--output", str(target))))
    assert expected in message
    assert not target.exists()


def test_a_year_without_data(cli_home: Path, tmp_path: Path) -> None:
    message = one_line_error(run("report", "annual", "--year", "2019", "--output", str(tmp_path / "r.pdf")))
    assert "no purchases in 2019" in message


def test_a_missing_output_folder(cli_home: Path, tmp_path: Path) -> None:
    message = one_line_error(run(*_annual("--output", str(tmp_path / "missing" / "r.html"))))
    assert "does not exist" in message
