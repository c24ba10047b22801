"""The annual report written as HTML, PDF, XLSX and CSV, in English and Chinese."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from ecoprocure.domain.factors import DEFAULT_FACTOR_SET, find_factor_set
from ecoprocure.errors import DataError
from ecoprocure.i18n import use_locale
from ecoprocure.ingest.procurement_files import items_dir
from ecoprocure.pipeline.registry_snapshot import export
from ecoprocure.reports import annual_report
from ecoprocure.reports.annual_data import AnnualReport, annual_report_data
from ecoprocure.reports.annual_report import format_quantity, render_html, write_report
from ecoprocure.settings import Settings
from ecoprocure.store.db import Database
from tests.reports.demo_home import YEAR

SECTIONS = ("summary", "green-share", "benefits", "year-over-year", "programme", "coverage", "method")


@pytest.fixture(scope="module")
def report(demo_conf: Settings) -> AnnualReport:
    db = Database.from_settings(demo_conf)
    try:
        with db.engine.connect() as conn:
            snapshot = export(conn, demo_conf.home / "pipeline")
            files = sorted(items_dir(demo_conf.home).glob("*.parquet"))
            return annual_report_data(conn, files, snapshot, find_factor_set(DEFAULT_FACTOR_SET), year=YEAR)
    finally:
        db.close()


def test_html_in_english_has_every_section_and_charts(report: AnnualReport) -> None:
    html = render_html(report)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert '<html lang="en">' in html
    assert f"Annual green procurement report {YEAR}" in html
    assert html.count("<svg") >= 2  # inline charts: no external file
    assert "<script" not in html and "http-equiv" not in html
    for table in report.tables:
        if table.name != "money":  # no price chosen: a note says how to choose one
            assert f'id="table-{table.name}"' in html
    assert "--carbon-price" in html


def test_html_in_chinese(report: AnnualReport) -> None:
    with use_locale("zh_Hans"):
        html = render_html(report)
    assert '<html lang="zh-Hans">' in html
    for heading in (f"{YEAR}年度绿色采购报告", "绿色份额", "环境效益", "方法说明", "数据覆盖情况"):
        assert heading in html
    assert "Method notes" not in html


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} (poppler-utils) is needed in CI")
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return found


def test_pdf_in_chinese_embeds_a_cjk_font(report: AnnualReport, tmp_path: Path) -> None:
    target = write_report(report, tmp_path / "report.pdf", fmt="pdf", locale="zh_Hans")
    assert target.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run([_tool("pdffonts"), str(target)], capture_output=True, text=True, check=True)
    assert "WenQuanYi" in fonts.stdout or "NotoSansCJK" in fonts.stdout, fonts.stdout
    text = subprocess.run([_tool("pdftotext"), str(target), "-"], capture_output=True, text=True, check=True)
    for heading in (f"{YEAR}年度绿色采购报告", "环境效益", "方法说明"):
        assert heading in text.stdout
    assert "1 / " in text.stdout  # page numbers in the footer


def test_xlsx_has_one_sheet_per_table(report: AnnualReport, tmp_path: Path) -> None:
    target = write_report(report, tmp_path / "report.xlsx", fmt="xlsx", locale="en")
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["report", *(t.name for t in report.tables)]
    assert "sources" in book.sheetnames and "factors" in book.sheetnames
    trend = list(book["green_share_trend"].iter_rows(values_only=True))
    keys = trend[2]
    current = dict(zip(keys, trend[-1], strict=True))
    assert current["year"] == YEAR
    assert current["green_share"] == pytest.approx(report.current["green_share"])


def test_csv_is_a_zip_of_one_file_per_table(report: AnnualReport, tmp_path: Path) -> None:
    target = write_report(report, tmp_path / "report.zip", fmt="csv", locale="en")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert names == ["report.csv", *(f"{t.name}.csv" for t in report.tables)]
        text = archive.read("green_share_by_category.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(report.table("green_share_by_category").rows)
    assert {"category", "category_name_en", "category_name_zh", "green_share"} <= set(rows[0])
    assert float(rows[0]["green_share"]) == pytest.approx(
        report.table("green_share_by_category").rows[0]["green_share"]
    )


def test_a_failed_write_leaves_nothing(
    report: AnnualReport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(annual_report, "render_html", broken)
    with pytest.raises(RuntimeError):
        write_report(report, tmp_path / "report.html", fmt="html", locale="en")
    assert list(tmp_path.iterdir()) == []


def test_bad_format_and_missing_folder(report: AnnualReport, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'docx'"):
        write_report(report, tmp_path / "r.docx", fmt="docx", locale="en")
    with pytest.raises(DataError, match="does not exist"):
        write_report(report, tmp_path / "nowhere" / "r.html", fmt="html", locale="en")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_quantities_read_back_within_their_shown_precision(value: float) -> None:
    shown = format_quantity(value)
    size = abs(value)
    digits = 0 if size >= 1000 or value == 0 else 1 if size >= 100 else 2 if size >= 1 else 4
    assert float(shown.replace(",", "")) == pytest.approx(value, abs=0.5 * 10**-digits + 1e-9)
