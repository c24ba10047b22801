"""Static SVG charts for the reports (matplotlib, no display): glyphs drawn as outlines so the
SVG needs no font where it is shown, a CJK font named explicitly so Chinese labels render."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

# The CJK fonts the PDF uses too (CI installs WenQuanYi Micro Hei; Noto Sans CJK where present).
FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "DejaVu Sans", "sans-serif"]
GREEN, GREY = "#2e7d32", "#9e9e9e"

_STYLE = {
    "svg.fonttype": "path",
    "axes.unicode_minus": False,
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "ecoprocure",  # the same chart gives the same SVG (stable ids)
}


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _svg(fig: object) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})  # type: ignore[attr-defined]
    plt.close(fig)
    svg = buffer.getvalue()
    # inline in HTML: no XML prolog or DOCTYPE; scale with the page
    svg = svg[svg.index("<svg") :]
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r'\1 width="100%"', svg, count=1)


def share_bars(
    labels: Sequence[str], shares: Sequence[float | None], *, title: str, percent: str = "%"
) -> str:
    """Horizontal bars of green shares (0–1), one per label, the value written beside each bar."""
    plt = _pyplot()
    values = [0.0 if s is None else s * 100 for s in shares]
    with plt.rc_context(_STYLE):
        height = 0.9 + 0.28 * max(len(labels), 1)
        fig, ax = plt.subplots(figsize=(6.3, height))
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, color=GREEN, height=0.6)
        ax.set_yticks(positions, [_short(label) for label in labels])
        ax.set_xlim(0, max(100.0, *values) if values else 100.0)
        ax.set_xlabel(percent)
        ax.set_title(title, loc="left", fontsize=10)
        for y, value, share in zip(positions, values, shares, strict=True):
            ax.text(value + 1, y, "–" if share is None else f"{value:.1f}", va="center", fontsize=8)
        return _svg(fig)


def paired_bars(
    groups: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str, unit: str
) -> str:
    """Grouped vertical bars: one group per label, one bar per series (e.g. two years)."""
    plt = _pyplot()
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(6.3, 2.6))
        width = 0.8 / max(len(series), 1)
        colours = [GREY, GREEN, "#1565c0", "#ef6c00"]
        for n, (name, values) in enumerate(series):
            xs = [i + (n - (len(series) - 1) / 2) * width for i in range(len(groups))]
            ax.bar(xs, [0.0 if v is None else v for v in values], width=width, label=name,
                   color=colours[n % len(colours)])  # fmt: skip
        ax.set_xticks(range(len(groups)), [_short(g, 14) for g in groups])
        ax.set_ylabel(unit)
        ax.set_title(title, loc="left", fontsize=10)
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
