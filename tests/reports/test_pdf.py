"""reports.pdf: HTML → PDF with the CJK font stack and the numbered A4 page, written atomically."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ecoprocure.reports import pdf


def test_html_to_pdf_writes_a_pdf_to_a_file_object() -> None:
    out = io.BytesIO()
    pdf.html_to_pdf("<h1>绿色采购</h1><p>green procurement</p>", out)
    assert out.getvalue().startswith(b"%PDF-")


def test_page_css_names_the_cjk_fonts_in_the_body_and_the_footer() -> None:
    stack = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
    assert stack == pdf.CJK_FONT_STACK
    footer = pdf.PAGE_CSS[pdf.PAGE_CSS.index("@bottom-center") :]
    assert f"font-family: {stack};" in footer[: footer.index("}")]  # margin boxes do not inherit it
    assert "size: A4" in pdf.PAGE_CSS and "counter(page)" in pdf.PAGE_CSS


def test_a_failed_rendering_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: str, out: object, base_url: object = None) -> None:
        Path(str(out)).write_bytes(b"%PDF-half")
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    target = tmp_path / "report.pdf"
    with pytest.raises(RuntimeError, match="renderer failed"):
        pdf.write_pdf(target, "<p>x</p>")
    assert list(tmp_path.iterdir()) == []
