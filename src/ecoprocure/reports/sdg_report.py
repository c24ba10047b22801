"""SDG 12.7.1 exports: the answers, their evidence, the arithmetic, the level, the methodology
version and its caveats — as an HTML report (Jinja2), a CSV or XLSX data file, or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from ecoprocure.domain.sdg_score import SdgScore, fmt
from ecoprocure.reports.files import write_atomic, write_text_atomic

FORMATS = ("html", "csv", "xlsx", "json")
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


def item_rows(result: SdgScore) -> list[dict[str, Any]]:
    """One row per sub-item, the government, component value and score repeated (long format)."""
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
                    "question": item["text"],
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


def render_html(result: SdgScore) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    template = env.get_template("sdg/report.html.j2")
    return template.render(
        d=result.to_dict(),
        score=fmt(result.score, 2),
        max_score=fmt(result.methodology.max_score),
        threshold=fmt(result.methodology.implementing_threshold),
    )


def render_csv(result: SdgScore) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(item_rows(result))
    return buffer.getvalue()


def _xlsx(result: SdgScore, path: Path) -> None:
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
    for row in item_rows(result):
        answers.append([row[c] for c in CSV_COLUMNS])
    sources = book.create_sheet("Sources")
    sources.append(["id", "title", "publisher", "year", "url", "locator"])
    for s in data["sources"]:
        sources.append([s["id"], s["title"], s["publisher"], s["year"], s["url"], s["locator"]])
    book.save(path)


def export(result: SdgScore, output_format: str, path: Path) -> Path:
    """Write the export to ``path`` atomically (nothing is left when it fails)."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown export format {output_format!r}; use one of {', '.join(FORMATS)}")
    if output_format == "xlsx":
        return write_atomic(path, lambda target: _xlsx(result, target))
    text = {
        "html": render_html,
        "csv": render_csv,
        "json": lambda r: json.dumps(r.to_dict(), ensure_ascii=False, indent=2) + "\n",
    }[output_format](result)
    return write_text_atomic(path, text)
