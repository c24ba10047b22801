"""PDF from a report's HTML, through WeasyPrint (imported only when a PDF is asked for: it is heavy).

Every PDF gets :data:`PAGE_CSS`: A4 pages numbered in the footer and a font stack that has Chinese
glyphs. The margin boxes of ``@page`` do not inherit the body's font (they fall back to a Japanese
or serif face), so the footer names its font itself. These rules come as a *user* stylesheet,
which a report's own ``<style>`` would override: the font and the page width are ``!important``.
Without one of the CJK fonts installed (Debian
``fonts-wqy-microhei`` or ``fonts-noto-cjk``) Chinese text shows as empty boxes, though the text
layer is still right.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from ecoprocure.reports.files import write_atomic

CJK_FONT_STACK = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
PAGE_CSS = f"""
@page {{
  size: A4;
  margin: 16mm 14mm 18mm 14mm;
  @bottom-center {{
    content: counter(page) " / " counter(pages);
    font-family: {CJK_FONT_STACK};
    font-size: 8pt;
    color: #555;
  }}
}}
body {{
  font-family: {CJK_FONT_STACK} !important;
  font-size: 9.5pt !important;
  max-width: none !important;
  margin: 0 !important;
  padding: 0 !important;
}}
code {{ font-family: {CJK_FONT_STACK} !important; }}
table {{ page-break-inside: auto; }}
tr, .declaration {{ page-break-inside: avoid; }}
h1, h2, h3 {{ page-break-after: avoid; }}
"""


def html_to_pdf(html: str, out: BinaryIO | Path, base_url: str | Path | None = None) -> None:
    """Render ``html`` to a PDF written to ``out`` (a binary file object or a path)."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(base_url) if base_url is not None else None)
    document.write_pdf(out, stylesheets=[CSS(string=PAGE_CSS)])


def write_pdf(path: Path, html: str, base_url: str | Path | None = None) -> Path:
    """Render ``html`` to ``path`` atomically (a failed rendering leaves nothing)."""
    return write_atomic(path, lambda target: html_to_pdf(html, target, base_url))
