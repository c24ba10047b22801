"""SDG 12.7.1 exports: the answers, their evidence, the arithmetic, the level, the methodology
version and its caveats — as an HTML or PDF report (Jinja2), a CSV or XLSX data file, or JSON.

The report is in English or Chinese (labels through ``_()``, the catalogue ``sdg.po``; the
questions, component names and level labels from the methodology file's ``*_zh`` texts). The data
files keep English column names and keys in both languages (they are read by programs); in Chinese
their ``question`` column carries the Chinese item text. The caveats, flags and the arithmetic are
the domain's English.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from ecoprocure.domain.sdg_score import SdgScore, fmt
from ecoprocure.i18n import DEFAULT_LOCALE, N_, gettext, jinja_environment, parse_locale, use_locale
from ecoprocure.reports.files import write_atomic, write_text_atomic
from ecoprocure.reports.pdf import write_pdf

FORMATS = ("html", "pdf", "csv", "xlsx", "json")
# Values of the answers and methodology files shown in the report, translated where shown.
GOVERNMENT_LEVELS = {"national": N_("national"), "subnational": N_("subnational")}
ANSWERS = {"yes": N_("yes"), "no": N_("no")}
WEIGHT_STATUSES = {"confirmed": N_("confirmed"), "inferred": N_("inferred"), "unknown": N_("unknown")}
TEMPLATES = Path(__file__).with_name("templates")
CSV_COLUMNS = (
    "government",
    "government_level",
    "country",
    "region",
    "year",
    "methodology_version",
    "component",
    "component_value",
    "item",
    "question",
    "scoring",
    "weight",
    "weight_status",
    "answer",
    "points",
    "status",
    "flag",
    "evidence_document",
    "evidence_link",
    "evidence_note",
    "score",
    "level",
    "implementing",
)


def item_rows(result: SdgScore, lang: str = DEFAULT_LOCALE) -> list[dict[str, Any]]:
    """One row per sub-item, the government, component value and score repeated (long format);
    ``question`` in ``lang`` (the Chinese item text where the methodology file gives one)."""
    chinese = parse_locale(lang) != DEFAULT_LOCALE
    data = result.to_dict()
    g = data["government"]
    rows = []
    for component in data["components"].values():
        for item in component["items"]:
            rows.append(
                {
                    "government": g["name"],
                    "government_level": g["level"],
                    "country": g["country"],
                    "region": g["region"] or "",
                    "year": g["year"],
                    "methodology_version": data["methodology_version"],
                    "component": component["id"],
                    "component_value": component["value"],
                    "item": item["item"],
                    "question": (item["text_zh"] or item["text"]) if chinese else item["text"],
                    "scoring": item["scoring"],
                    "weight": item["weight"],
                    "weight_status": item["weight_status"],
                    "answer": item["answer"] if item["answer"] is not None else "",
                    "points": item["points"],
                    "status": item["status"],
                    "flag": item["flag"] or "",
                    "evidence_document": item["evidence"]["document"],
                    "evidence_link": item["evidence"]["link"],
                    "evidence_note": item["evidence"]["note"],
                    "score": data["score"],
                    "level": data["level"],
                    "implementing": data["implementing"],
                }
            )
    return rows


def render_html(result: SdgScore, lang: str = DEFAULT_LOCALE) -> str:
    env = jinja_environment([TEMPLATES]).overlay(
        keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False
    )
    template = env.get_template("sdg/report.html")
    with use_locale(parse_locale(lang)):
        return template.render(
            d=result.to_dict(),
            score=fmt(result.score, 2),
            max_score=fmt(result.methodology.max_score),
            threshold=fmt(result.methodology.implementing_threshold),
            methodology_title_zh=result.methodology.title_zh,
            levels=_translated(GOVERNMENT_LEVELS),
            answers=_translated(ANSWERS),
            statuses=_translated(WEIGHT_STATUSES),
        )


def _translated(values: dict[str, str]) -> dict[str, str]:
    return {key: gettext(message) for key, message in values.items()}


def render_csv(result: SdgScore, lang: str = DEFAULT_LOCALE) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(item_rows(result, lang))
    return buffer.getvalue()


def _xlsx(result: SdgScore, path: Path, lang: str) -> None:
    data = result.to_dict()
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Score"
    g = data["government"]
    lines: list[tuple[Any, ...]] = [
        ("SDG indicator 12.7.1", ""),
        ("government", g["name"]),
        ("government level", g["level"]),
        ("country", g["country"]),
        ("region", g["region"] or ""),
        ("year", g["year"]),
        ("illustrative", "yes" if g["illustrative"] else "no"),
        ("methodology version", data["methodology_version"]),
        ("methodology", data["methodology_title"]),
        ("score", data["score"]),
        ("level", data["level"]),
        ("level label", data["level_label"]),
        ("implementing SPP", "yes" if data["implementing"] else "no"),
        ("arithmetic", data["arithmetic"]),
        (),
        ("component", "value", "max", "arithmetic"),
        *((c["id"], c["value"], c["max"], c["arithmetic"]) for c in data["components"].values()),
        (),
        ("caveats",),
        *((note,) for note in data["caveats"]),
    ]
    if data["f_from_data"]:
        lines += [(), ("F from data", data["f_from_data"]["arithmetic"])]
    for line in lines:
        summary.append(list(line))
    summary["A1"].font = Font(bold=True)
    answers = book.create_sheet("Answers")
    answers.append(list(CSV_COLUMNS))
    for row in item_rows(result, lang):
        answers.append([row[c] for c in CSV_COLUMNS])
    sources = book.create_sheet("Sources")
    sources.append(["id", "title", "publisher", "year", "url", "locator"])
    for s in data["sources"]:
        sources.append([s["id"], s["title"], s["publisher"], s["year"], s["url"], s["locator"]])
    book.save(path)


def export(result: SdgScore, output_format: str, path: Path, lang: str = DEFAULT_LOCALE) -> Path:
    """Write the export to ``path`` atomically (nothing is left when it fails); the report and
    the data files' questions in ``lang`` (en, zh …; JSON carries both languages)."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown export format {output_format!r}; use one of {', '.join(FORMATS)}")
    if output_format == "xlsx":
        return write_atomic(path, lambda target: _xlsx(result, target, lang))
    if output_format == "pdf":
        return write_pdf(path, render_html(result, lang))
    if output_format == "json":
        return write_text_atomic(path, json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    render = render_html if output_format == "html" else render_csv
    return write_text_atomic(path, render(result, lang))
