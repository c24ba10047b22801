"""Case-study reports: every case, its normalised outcomes, the totals and the source checks,
as HTML (Jinja2 template ``templates/cases/report.html.j2``) or XLSX, in English or Chinese.

The labels of the report are a small dict here (en, zh); the gettext catalogue of the pages will
replace it. Files are written through :func:`ecoprocure.reports.files.write_atomic`, so a failed
export leaves nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ecoprocure.domain.case_checks import check_cases
from ecoprocure.domain.case_model import CaseStudy
from ecoprocure.domain.case_studies import aggregate, normalise_all
from ecoprocure.domain.case_views import aggregate_dict, case_detail, normalised_dict
from ecoprocure.domain.claim_quantities import format_number
from ecoprocure.domain.claims import summary
from ecoprocure.reports.files import write_atomic, write_text_atomic

TEMPLATES = Path(__file__).with_name("templates")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Green public procurement case studies",
        "authority": "Authority",
        "place": "Place",
        "year": "Year",
        "category": "Category",
        "bought": "What was bought",
        "quantity": "Quantity",
        "baseline": "Baseline",
        "criteria": "Criteria used",
        "outcomes": "Outcomes",
        "outcome": "Outcome",
        "stated": "As stated",
        "per_year": "Per year",
        "total": "One-off / total",
        "per_unit": "Per unit",
        "confidence": "Confidence",
        "arithmetic": "Arithmetic",
        "sources": "Sources",
        "adopted": "adopted",
        "totals": "Totals across cases",
        "kind": "Kind",
        "basis": "Basis",
        "value": "Value",
        "not_added": "Not added",
        "checks": "The same figure in every source",
        "verdict": "Verdict",
        "check": "Check",
        "note": "Note",
        "none": "none quantified",
        "currency": "Money in",
        "basis_per_year": "per year",
        "basis_one_off": "one-off",
        "cases": "Cases",
        "id": "Id",
    },
    "zh": {
        "title": "绿色公共采购案例",
        "authority": "采购机构",
        "place": "地点",
        "year": "年份",
        "category": "品目",
        "bought": "采购内容",
        "quantity": "数量",
        "baseline": "基准",
        "criteria": "采用的标准",
        "outcomes": "成果",
        "outcome": "成果",
        "stated": "原文数据",
        "per_year": "每年",
        "total": "一次性 / 合计",
        "per_unit": "每单位",
        "confidence": "可信度",
        "arithmetic": "计算过程",
        "sources": "来源",
        "adopted": "采用",
        "totals": "各案例合计",
        "kind": "类型",
        "basis": "口径",
        "value": "数值",
        "not_added": "未计入",
        "checks": "各来源数据一致性",
        "verdict": "结论",
        "check": "核对项",
        "note": "备注",
        "none": "无量化成果",
        "currency": "货币单位",
        "basis_per_year": "每年",
        "basis_one_off": "一次性",
        "cases": "案例",
        "id": "编号",
    },
}


@dataclass(frozen=True)
class CaseReport:
    lang: str
    currency: str
    labels: dict[str, str]
    cases: list[dict[str, Any]]
    totals: dict[str, Any]
    checks: list[dict[str, Any]]
    check_summary: dict[str, int]


def build_report(cases: Sequence[CaseStudy], *, currency: str = "EUR", lang: str = "en") -> CaseReport:
    """Everything the report shows, as plain data (the same shapes as ``--format json``)."""
    details = []
    rows = normalise_all(cases, currency=currency, lang=lang)
    for case in cases:
        detail = case_detail(case, lang)
        detail["normalised"] = [normalised_dict(r) for r in rows if r.case == case.id]
        details.append(detail)
    results = check_cases(cases)
    return CaseReport(
        lang=lang,
        currency=currency,
        labels=LABELS.get(lang, LABELS["en"]),
        cases=details,
        totals=aggregate_dict(aggregate(rows)),
        checks=[r.to_dict() for r in results],
        check_summary=summary(results),
    )


def render_html(report: CaseReport) -> str:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    environment.filters["n"] = _shown
    return environment.get_template("cases/report.html.j2").render(report=report, t=report.labels)


def write_html(report: CaseReport, path: Path) -> None:
    text = render_html(report)
    write_text_atomic(path, text)


def write_xlsx(report: CaseReport, path: Path) -> None:
    from openpyxl import Workbook

    t = report.labels
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "cases"
    sheet.append([t["id"], t["authority"], t["place"], t["year"], t["category"], t["bought"], t["quantity"],
                  t["baseline"], t["criteria"]])  # fmt: skip
    for case in report.cases:
        place = ", ".join(p for p in (case["city"], case["region"], case["country"]) if p)
        quantity = f"{case['quantity']} {case['item']}" if case["quantity"] else ""
        sheet.append([case["id"], case["authority"], place, case["year"], case["category"],
                      case["bought"]["what"], quantity, case["baseline"], case["criteria"]])  # fmt: skip
    outcomes = book.create_sheet("outcomes")
    columns = [
        *("case", "outcome", "kind", "gas", "stated", "unit", "annual", "total"),
        *("per_unit", "per_unit_of", "confidence", "arithmetic", "problem"),
    ]
    outcomes.append(columns)
    for case in report.cases:
        for row in case["normalised"]:
            values = row | {"arithmetic": " | ".join(row["arithmetic"])}
            outcomes.append([_cell(values[c]) for c in columns])
    sources = book.create_sheet("sources")
    sources.append(["case", "figure", "shown", "lang", "adopted", "document", "location", "quote", "note"])
    for case in report.cases:
        figures = [("quantity", case["bought"]["sources"])] + [
            (o["id"], o["sources"]) for o in case["outcomes"]
        ]
        for figure, readings in figures:
            for r in readings:
                sources.append([case["id"], figure, r["shown"], r["lang"], r["adopted"], r["document"],
                                r["location"], r["quote"], r["note"]])  # fmt: skip
    totals = book.create_sheet("totals")
    totals.append(["kind", "basis", "value", "unit", "arithmetic"])
    for total in report.totals["totals"]:
        totals.append(
            [total["kind"], total["basis"], _cell(total["value"]), total["unit"], total["arithmetic"]]
        )
    checks = book.create_sheet("checks")
    checks.append(["check", "verdict", "arithmetic", "hint"])
    for check in report.checks:
        checks.append([check["id"], check["verdict"], check["arithmetic"], check["hint"]])
    write_atomic(path, book.save)


def _shown(value: str | None) -> str:
    """A JSON number string for people: ``"840.408333333333"`` → ``"≈ 840.408"``."""
    return "—" if value is None else format_number(Decimal(value), digits=6)


def _cell(value: Any) -> Any:
    """Numbers as numbers in the sheet (they are strings in the JSON shape)."""
    if isinstance(value, str):
        try:
            return (
                float(value)
                if any(ch.isdigit() for ch in value) and value.lstrip("-").replace(".", "").isdigit()
                else value
            )
        except ValueError:
            return value
    return value
