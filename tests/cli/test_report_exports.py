"""The SDG, event and case-study reports in Chinese and as PDF (``--lang``, ``--format pdf``).

The PDF checks read the files back with poppler (``pdffonts``, ``pdftotext``; installed here and
in CI): a CJK font is embedded and the Chinese heading is in the text layer.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import one_line_error, run
from tests.domain.event_builders import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
WORKED = str(ROOT / "tests" / "fixtures" / "sdg" / "worked-check.toml")
OFFLINE = ("--no-ledger", "--as-of", "2026-01-01")
CJK_FONTS = ("WenQuanYi", "NotoSansCJK", "Noto-Sans-CJK", "NotoSerifCJK", "Noto-Serif-CJK")


def _fonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _assert_chinese_pdf(pdf: Path, heading: str) -> None:
    assert pdf.read_bytes().startswith(b"%PDF-")
    fonts = _fonts(pdf)
    assert any(name in fonts for name in CJK_FONTS), fonts
    text = _text(pdf)
    assert heading in text
    assert re.search(r"^1 ?/ ?[0-9]+$", text, re.MULTILINE), text[-200:]  # the numbered footer
    assert [p.name for p in pdf.parent.iterdir()] == [pdf.name]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "heading"),
    [
        (("sdg", "export", WORKED), "SDG 指标 12.7.1 — 可持续公共采购得分"),
        (("event", "report", str(EXAMPLE), *OFFLINE), "合格解释声明：碳中和"),
        (("cases", "export"), "绿色公共采购案例"),
    ],
    ids=["sdg", "event", "cases"],
)
def test_chinese_pdf_embeds_a_cjk_font_and_carries_the_heading(
    home: Path, tmp_path: Path, args: tuple[str, ...], heading: str
) -> None:
    pdf = tmp_path / "out" / "report.pdf"
    result = run(*args, "--format", "pdf", "--lang", "zh", "--output", str(pdf))
    assert result.exit_code == 0, result.stderr
    _assert_chinese_pdf(pdf, heading)


def test_english_pdf_has_the_english_report(tmp_path: Path) -> None:
    pdf = tmp_path / "sdg.pdf"
    assert run("sdg", "export", WORKED, "--format", "pdf", "--output", str(pdf)).exit_code == 0
    text = _text(pdf)
    assert "SDG indicator 12.7.1 — sustainable public procurement score" in text
    assert "Answers and evidence" in text and "答案与证据" not in text


def test_sdg_report_in_chinese_uses_the_methodology_texts(tmp_path: Path) -> None:
    page = tmp_path / "sdg.html"
    result = run("sdg", "export", WORKED, "--format", "html", "--output", str(page), "--lang", "zh-Hans")
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html
    assert "<h1>SDG 指标 12.7.1 — 可持续公共采购得分</h1>" in html
    assert "技术规格中可纳入可持续性（环境和/或社会）要求" in html  # B.1's text_zh
    assert '<span class="score" id="score">2.67</span>' in html
    assert "答案与证据" in html and "Answers and evidence" not in html
    english = tmp_path / "en.html"
    assert run("sdg", "export", WORKED, "--format", "html", "--output", str(english)).exit_code == 0
    assert "答案与证据" not in english.read_text(encoding="utf-8")


def test_sdg_data_files_keep_english_columns_with_chinese_questions(tmp_path: Path) -> None:
    path = tmp_path / "sdg.csv"
    result = run("sdg", "export", WORKED, "--format", "csv", "--output", str(path), "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    b1 = next(r for r in rows if r["item"] == "B.1")
    assert b1["question"] == "技术规格中可纳入可持续性（环境和/或社会）要求"
    assert (b1["answer"], b1["points"]) == ("yes", "0.125")


@pytest.mark.parametrize(
    "args",
    [
        ("sdg", "export", WORKED, "--format", "html"),
        ("event", "report", str(EXAMPLE), *OFFLINE),
        ("cases", "export", "--format", "pdf"),
    ],
    ids=["sdg", "event", "cases"],
)
def test_an_unknown_language_is_one_line_and_writes_nothing(
    home: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "report.out"
    line = one_line_error(run(*args, "--output", str(out), "--lang", "fr"))
    assert line == "error: --lang: language 'fr' is not available: use en or zh"
    assert list(tmp_path.iterdir()) == []


def test_language_aliases_reach_the_same_catalogue(home: Path, tmp_path: Path) -> None:
    pages = []
    for lang in ("zh", "zh-CN", "zh_Hans"):
        page = tmp_path / f"{lang}.md"
        args = ("--format", "md", "--lang", lang, "--output", str(page), *OFFLINE)
        result = run("event", "report", str(EXAMPLE), *args)
        assert result.exit_code == 0, result.stderr
        pages.append(page.read_text(encoding="utf-8"))
    assert pages[0] == pages[1] == pages[2]
    assert "| 措施 |" in pages[0]  # "Measure" as a reduction measure (msgctxt), not an indicator
    assert "| 范围 | 排放源 |" in pages[0]


def test_case_report_in_chinese_translates_the_basis(tmp_path: Path) -> None:
    page = tmp_path / "cases.html"
    assert run("cases", "export", "--output", str(page), "--lang", "zh").exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<h2>各案例合计</h2>" in html and "<td>每年</td>" in html
    english = tmp_path / "cases-en.html"
    assert run("cases", "export", "--output", str(english)).exit_code == 0
    assert "<td>per year</td>" in english.read_text(encoding="utf-8")
